//! ODBC DSNs for the Athena ODBC driver: a section of `odbc.ini`, or the same
//! DSN as a Windows registry export (`.reg`).

use super::{Change, Reading, bad};
use crate::connection::{FieldId, Form, Loaded};
use crate::error::Fatal;
use std::path::Path;

pub(super) fn looks_like(_text: &str) -> bool {
    false
}

pub(super) fn property_of(_id: FieldId) -> Option<&'static str> {
    None
}

pub(super) fn read(path: &Path, text: &str) -> Result<Loaded, Fatal> {
    let _ = Reading::new(path, text, Form::OdbcIni);
    Err(bad(path, text, 0, "ODBC DSNs are not read yet"))
}

pub(super) fn rewrite(_form: Form, _text: &str, _changes: &[Change]) -> Result<String, String> {
    Err("ODBC DSNs are not rewritten yet".into())
}
