//! CATALOG rules that need no AWS call: how catalog names are written.

use super::catalogue as c;
use super::{named, needs};
use crate::connection::{Connection, FieldId, split_list};
use crate::engine::{Check, Rule, RuleMeta};
use crate::facts::Facts;
use crate::fix::{Applicability, Fix};

pub(crate) struct CatalogNotLowercase;

impl CatalogNotLowercase {
    fn check_field(&self, conn: &Connection, id: FieldId) -> Check {
        let meta = self.meta();
        let Some(value) = conn.value(id) else {
            return match id {
                FieldId::DataCatalog => needs(meta, id),
                _ => meta.pass(id.key(), format!("{} is not set", named(conn, id))),
            };
        };
        let at = conn.location(id);
        let upper: Vec<&str> = split_list(value)
            .into_iter()
            .filter(|name| name.chars().any(char::is_uppercase))
            .collect();
        if upper.is_empty() {
            return meta.pass(id.key(), format!("`{value}` is lowercase")).at(at);
        }
        let fixed = match id {
            FieldId::DataCatalog => value.to_lowercase(),
            _ => split_list(value)
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let quoted: Vec<String> = upper.iter().map(|n| format!("`{n}`")).collect();
        meta.fail(
            id.key(),
            format!(
                "{} has {}: Athena catalog names are lowercase, so `{}` is never found \
                 (CATALOG_NOT_FOUND); use `{}`",
                named(conn, id),
                quoted.join(", "),
                upper[0],
                upper[0].to_lowercase()
            ),
        )
        .at(at)
        .with_fix(Fix::field(conn, id, fixed, Applicability::Safe))
    }
}

impl Rule for CatalogNotLowercase {
    fn meta(&self) -> &'static RuleMeta {
        &c::CATALOG001
    }

    fn check(&self, facts: &Facts) -> Vec<Check> {
        [FieldId::DataCatalog, FieldId::IncludeOtherDataCatalogs]
            .into_iter()
            .map(|id| self.check_field(&facts.connection, id))
            .collect()
    }
}
