//! Idempotency keys. `POST /accounts` takes an `Idempotency-Key`: the API makes one account
//! for one key, and answers a resend with the same key and body as it answered the first
//! (Cloudflare: "Reuse the same key when retrying the same request"). So a keyed create whose
//! answer was lost is resent like a GET, and reconciling by name is only the second line of
//! defence.
//!
//! The core draws no randomness: a host hands in 16 random bytes per logical call, and a key
//! the caller gave always wins. A machine builds its request once, so every resend carries the
//! same key.

use serde_json::Value;

use crate::params::{Kind, Params};

/// The header the key travels in.
pub const HEADER: &str = "idempotency-key";

/// A fresh key, a random (version 4) UUID, from 16 random bytes.
pub fn key_from(random: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(random)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// The key of a customer's account create: a name-based (version 5) UUID of the partner's
/// customer reference, the same on every run for that customer.
pub fn key_for_customer(customer_ref: &str) -> String {
    /// This library's own namespace for those keys.
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x7c3e_1f0a_5b2d_4e8f_9a61_0d4c_2b7e_93f5);
    uuid::Uuid::new_v5(&NAMESPACE, customer_ref.as_bytes())
        .hyphenated()
        .to_string()
}

/// `given` with a key made from `random` when the operation takes a key and none was given
/// (`null` counts as none). Anything but an object is left for the parameter check to refuse.
pub(crate) fn with_key(params: &Params, mut given: Value, random: [u8; 16]) -> Value {
    let Some(param) = params.list.iter().find(|p| p.kind == Kind::Key) else {
        return given;
    };
    if given.is_null() {
        given = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = &mut given {
        if map.get(param.name).is_none_or(Value::is_null) {
            map.insert(param.name.to_owned(), key_from(random).into());
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_version_4_uuids() {
        let key = key_from([0xff; 16]);
        assert_eq!(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_ne!(key_from([1; 16]), key_from([2; 16]));
    }

    #[test]
    fn a_customers_key_is_stable_and_its_own() {
        assert_eq!(key_for_customer("crm-42"), key_for_customer("crm-42"));
        assert_ne!(key_for_customer("crm-42"), key_for_customer("crm-43"));
        assert_eq!(key_for_customer("crm-42").len(), 36);
    }
}
