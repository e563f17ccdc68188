//! Fuzz the policy reader: decoding (percent-encoding, CLI wrappers), the spanned
//! JSON parser and the policy model must never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        athena_doctor::evaluator::read_as_every_kind(text);
    }
});
