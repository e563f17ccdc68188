//! The one stable hash: FNV-1a 64, the same on every machine and Rust release
//! (std's hasher is not), so every shard of a CI matrix agrees on the split
//! (`collect::fleet`) and a SARIF finding keeps its fingerprint across runs
//! (`report::sarif`). Knowledge, below both: a renderer imports no collector.

pub(crate) fn stable_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
