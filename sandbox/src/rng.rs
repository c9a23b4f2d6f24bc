//! A tiny seeded PRNG (SplitMix64).
//!
//! The sandbox must give the same ids and the same faults for the same `--seed`, on every
//! platform and with every dependency version, so it carries its own generator instead of
//! relying on a crate whose output could change between releases.

/// SplitMix64: small, fast, and good enough for ids and fault draws (not for secrets).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one purpose (`stream`) under one seed, so that drawing faults never
    /// shifts the ids a run produces.
    pub fn new(seed: u64, stream: u64) -> Self {
        Rng {
            state: seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A float in [0, 1) with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// 32 lowercase hex characters: the shape of every Cloudflare id.
    pub fn hex_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    /// `len` lowercase hex characters (used for API keys).
    pub fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(len);
        out
    }

    /// `len` characters of `[A-Za-z0-9_-]`: the alphabet of Cloudflare's API token values.
    pub fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len)
            .map(|_| ALPHABET[(self.next_u64() >> 58) as usize] as char)
            .collect()
    }
}

/// The SplitMix64 finaliser, also used on its own to turn a counter into a cf-ray id.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 32-hex id derived from a name, for catalogue entries (roles, permission groups)
/// that must be identical in every account and every run whatever the seed.
pub fn stable_id(salt: &str, name: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes().chain([0u8]).chain(name.bytes()) {
        a ^= u64::from(b);
        a = a.wrapping_mul(0x0000_0100_0000_01B3);
    }
    format!("{:016x}{:016x}", mix(a), mix(a ^ 0x5555_5555_5555_5555))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let mut a = Rng::new(1, 1);
        let mut b = Rng::new(1, 1);
        assert_eq!(a.hex_id(), b.hex_id());
        let id = Rng::new(7, 1).hex_id();
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    }

    #[test]
    fn streams_differ() {
        assert_ne!(Rng::new(1, 1).hex_id(), Rng::new(1, 2).hex_id());
    }

    #[test]
    fn floats_in_range() {
        let mut r = Rng::new(3, 3);
        for _ in 0..1000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
