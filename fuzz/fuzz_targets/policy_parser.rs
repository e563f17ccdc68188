//! Fuzz the policy reader: decoding (percent-encoding, CLI wrappers), the spanned
//! JSON parser and the policy model must never panic, whatever the bytes.
#![no_main]

// The parser's own source files, compiled into this crate: the doctor is a binary
// crate, and these three files depend on nothing else of it.
// At the crate root, so that their `super::json` resolves as it does in the doctor.
#[allow(dead_code)]
#[path = "../../src/policy/decode.rs"]
mod decode;
#[allow(dead_code)]
#[path = "../../src/policy/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../../src/policy/model.rs"]
mod model;

use libfuzzer_sys::fuzz_target;
use model::PolicyKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(found) = decode::extract(text) {
        for kind in [
            PolicyKind::Identity,
            PolicyKind::Boundary,
            PolicyKind::Resource,
            PolicyKind::Trust,
        ] {
            let _ = model::parse_document(&found.node, kind);
        }
        let _ = found.node.to_serde();
    }
});
