//! The sandbox (in progress).
fn main() {}
