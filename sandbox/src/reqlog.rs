//! The request log behind `GET /__sandbox/requests`: what clients sent under `/client/v4`, in
//! arrival order, so a test can check what its client did (did it resend with the same
//! Idempotency-Key? which request drew a fault?). It keeps no credential and no body.

use std::collections::VecDeque;

use serde_json::{json, Value};

/// How many requests the log keeps (the oldest go first).
pub const LOG_CAP: usize = 10_000;

/// Longest Idempotency-Key kept in the log; longer ones are refused by the API anyway.
const KEY_LOG_MAX: usize = 300;

#[derive(Debug, Clone)]
pub struct Entry {
    pub method: String,
    /// The path as received, without the query.
    pub path: String,
    pub query: Option<String>,
    pub idempotency_key: Option<String>,
    /// The credential form (`bearer`, `email_key`, `service_key`), never the credential.
    pub auth: Option<&'static str>,
    pub fault: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Logged {
    seq: u64,
    entry: Entry,
    /// What the client got; `None` while the answer is pending and for a dropped connection.
    status: Option<u16>,
}

#[derive(Debug)]
pub struct RequestLog {
    cap: usize,
    entries: VecDeque<Logged>,
    /// Sequence number of the last request logged (the first is 1).
    last: u64,
}

impl RequestLog {
    pub fn new(cap: usize) -> Self {
        RequestLog {
            cap,
            entries: VecDeque::new(),
            last: 0,
        }
    }

    /// Log a request as it arrives; returns its sequence number.
    pub fn push(&mut self, mut entry: Entry) -> u64 {
        if let Some(k) = &mut entry.idempotency_key {
            if let Some((cut, _)) = k.char_indices().nth(KEY_LOG_MAX) {
                k.truncate(cut);
            }
        }
        self.last += 1;
        if self.entries.len() == self.cap {
            self.entries.pop_front();
        }
        self.entries.push_back(Logged {
            seq: self.last,
            entry,
            status: None,
        });
        self.last
    }

    /// Record the status the client got (none for a dropped connection).
    pub fn answered(&mut self, seq: u64, status: Option<u16>) {
        let Some(first) = self.entries.front().map(|e| e.seq) else {
            return;
        };
        if let Some(e) = seq
            .checked_sub(first)
            .and_then(|i| self.entries.get_mut(i as usize))
        {
            e.status = status;
        }
    }

    /// `{"requests": [...], "total": n}`: the kept requests after `since` (a sequence number),
    /// oldest first, and how many were logged since the start or the last reset.
    pub fn to_json(&self, since: u64) -> Value {
        let requests: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.seq > since)
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "method": e.entry.method,
                    "path": e.entry.path,
                    "query": e.entry.query,
                    "idempotency_key": e.entry.idempotency_key,
                    "auth": e.entry.auth,
                    "fault": e.entry.fault,
                    "status": e.status,
                })
            })
            .collect();
        json!({"requests": requests, "total": self.last})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            method: "GET".into(),
            path: path.into(),
            query: None,
            idempotency_key: Some("k".repeat(400)),
            auth: Some("bearer"),
            fault: None,
        }
    }

    #[test]
    fn keeps_the_last_cap_entries_in_order() {
        let mut log = RequestLog::new(3);
        for i in 1..=5 {
            let seq = log.push(entry(&format!("/{i}")));
            log.answered(seq, Some(200));
        }
        log.answered(1, Some(500)); // gone: ignored
        let v = log.to_json(0);
        let paths: Vec<&str> = v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/3", "/4", "/5"]);
        assert_eq!(v["total"], 5);
        assert_eq!(v["requests"][0]["seq"], 3);
        assert_eq!(v["requests"][0]["status"], 200);
        assert_eq!(
            v["requests"][0]["idempotency_key"].as_str().unwrap().len(),
            KEY_LOG_MAX
        );
        assert_eq!(log.to_json(4)["requests"].as_array().unwrap().len(), 1);
    }
}
