//! Deserializers that take what the API really sends, not only what the spec promises.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A count or code: an integer, an integral float (`20.0`), or a numeric string. Anything else,
/// or a negative number, reads as absent rather than failing the whole response.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}
