//! Rules: the registry of every catalogued rule, and the rule families.

pub(crate) mod catalogue;
mod catalog;
mod conn;
mod pending;
mod region;
mod role;

use crate::connection::{Connection, FieldId};
use crate::engine::{Check, Rule, RuleMeta};
use catalogue as c;
use pending::NotImplemented;

/// Every rule, in catalogue order. Rules whose issue has not landed report a skip
/// saying so, so that nothing silently passes.
pub(crate) static REGISTRY: &[&dyn Rule] = &[
    &conn::MissingRequiredField,
    &conn::AccessKeyIdMalformed,
    &conn::TemporaryAccessKey,
    &conn::SecretKeyMalformed,
    &conn::OutputLocationMalformed,
    &conn::ListFieldMalformed,
    &conn::DefaultSchemaNotIncluded,
    &conn::TimezoneInvalid,
    &conn::AuthFieldsConflict,
    &role::RoleArnMalformed,
    &role::RoleArnWrongType,
    &NotImplemented(&c::ROLE003),
    &role::RolePartitionMismatch,
    &NotImplemented(&c::TRUST001),
    &NotImplemented(&c::TRUST002),
    &NotImplemented(&c::TRUST003),
    &NotImplemented(&c::TRUST004),
    &NotImplemented(&c::TRUST005),
    &NotImplemented(&c::TRUST006),
    &NotImplemented(&c::S3001),
    &NotImplemented(&c::S3002),
    &NotImplemented(&c::S3003),
    &NotImplemented(&c::S3004),
    &NotImplemented(&c::S3005),
    &NotImplemented(&c::S3006),
    &NotImplemented(&c::S3007),
    &NotImplemented(&c::ATHENA001),
    &NotImplemented(&c::ATHENA002),
    &NotImplemented(&c::ATHENA003),
    &NotImplemented(&c::ATHENA004),
    &NotImplemented(&c::ATHENA005),
    &NotImplemented(&c::ATHENA006),
    &NotImplemented(&c::ATHENA007),
    &NotImplemented(&c::ATHENA008),
    &region::RegionInvalid,
    &region::RegionDefaulted,
    &NotImplemented(&c::REGION003),
    &catalog::CatalogNotLowercase,
    &NotImplemented(&c::CATALOG002),
    &NotImplemented(&c::CATALOG003),
    &NotImplemented(&c::CATALOG004),
    &NotImplemented(&c::PROBE001),
    &NotImplemented(&c::PROBE002),
    &NotImplemented(&c::PROBE003),
    &NotImplemented(&c::PROBE004),
    &NotImplemented(&c::PROBE005),
    &NotImplemented(&c::PROBE006),
];

/// The rule with this code or name (codes case-insensitive).
pub(crate) fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    REGISTRY
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// Is this rule built yet (as opposed to a placeholder that always skips)?
pub(crate) fn is_implemented(meta: &RuleMeta) -> bool {
    !REGISTRY
        .iter()
        .any(|r| std::ptr::eq(r.meta(), meta) && r.is_placeholder())
}

/// A skip for a check whose input field is not set: CONN001 reports the gap.
fn needs(meta: &'static RuleMeta, id: FieldId) -> Check {
    meta.skip(id.key(), format!("needs {}, which is not set", id.key()))
}

/// How a field is named in messages: its form label, and its key where they differ.
fn named(conn: &Connection, id: FieldId) -> String {
    let key = id.key_in(conn.form);
    if id.label() == key || !id.label().contains(' ') {
        format!("`{key}`")
    } else {
        format!("\"{}\" (`{key}`)", id.label())
    }
}
