//! Fuzz the arn reader through the library's `inputs` entry point: it must never
//! panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        athena_doctor::inputs::arn(text);
    }
});
