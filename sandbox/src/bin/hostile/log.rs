//! The request log that `GET /_log` serves: what reached either server, and when.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::Value;

/// Entries kept; beyond it the oldest go, so a client in a request loop cannot exhaust memory.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Default)]
pub struct Log {
    entries: Mutex<VecDeque<(String, Value)>>,
}

impl Log {
    /// Record one request; `path` is the path with its query, the key `/_log` filters on.
    pub fn push(&self, path: &str, entry: Value) {
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if e.len() >= MAX_ENTRIES {
            e.pop_front();
        }
        e.push_back((path.to_string(), entry));
    }

    /// The entries whose path starts with `prefix`, oldest first.
    pub fn matching(&self, prefix: &str) -> Vec<Value> {
        let e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, v)| v.clone())
            .collect()
    }
}
