//! Fuzz the readers of other tools' connections (JDBC and SQLAlchemy URLs, ODBC
//! DSNs) and their rewrites through the library's `inputs` entry point: they must
//! never panic, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        athena_doctor::inputs::connection_source(text);
    }
});
