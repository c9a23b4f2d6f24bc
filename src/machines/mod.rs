//! Exchange machines: what a host drives to make calls ([`Call`]) and walk lists ([`List`]).
//! A host asks [`Call::next`] what to do
//! (send this request, sleep this long, or done with this outcome), does it, and feeds back
//! what happened with [`Call::feed`]. The machine owns every rule: retries, pacing per
//! identity, which result fields are secret, and how an answer is read. A host's driver only
//! sends, sleeps and loops.
//!
//! Two clocks come in with every step ([`Clock`]): a monotonic one for pacing and waits, and
//! the wall clock for `Retry-After` dates. The machines read neither themselves.

mod call;
mod list;
mod pacers;

pub use call::{Call, Step};
pub use list::{List, ListStep};
pub use pacers::{Identity, Pacers};

use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::message::ApiResponse;
use crate::named::CheckedResult;

/// The time, as the host reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// A monotonic clock's reading since its own origin (`performance.now()`,
    /// `time.monotonic()`, `Instant::elapsed`).
    pub monotonic: Duration,
    /// The wall clock, for `Retry-After` dates.
    pub wall: SystemTime,
}

/// The answer of a finished call with its `result` read from `body` (the body the call was
/// done with) as a [`serde_json::Value`]. Hosts with a JSON parser of their own (JS, Python)
/// read the body with it instead: the core has vouched for it.
pub fn read_result(
    operation: &'static str,
    checked: ApiResponse<CheckedResult>,
    body: &[u8],
) -> Result<ApiResponse<serde_json::Value>, Error> {
    let result = crate::envelope::result_value(body).map_err(|e| {
        crate::envelope::decode_error(operation, 200, &http::HeaderMap::new(), body, e)
    })?;
    Ok(ApiResponse {
        result,
        result_info: checked.result_info,
        messages: checked.messages,
    })
}
