//! Proof benchmarks (written next).
fn main() {}
