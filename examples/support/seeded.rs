//! The examples' randomness: a seeded generator (a 64-bit LCG), so that a run is reproducible.
//! The core takes randomness as an input; a real host draws it from the system instead.

/// A seeded source of the values the core asks its host for.
pub struct Seeded(u64);

impl Seeded {
    /// A source that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Seeded(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }

    /// A jitter value in `[0, 1)`.
    pub fn jitter(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// 16 bytes for an idempotency key.
    pub fn key_bytes(&mut self) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes
    }
}
