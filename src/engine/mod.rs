//! The rule engine: runs every rule over the facts (`run`), and, after the gate
//! has decided what the report holds, links findings to the findings that explain
//! them (`link`). Rules never see each other; only the engine does.

mod check;
mod meta;

pub(crate) use check::{Check, Skip, Status};
pub(crate) use meta::{Declared, Family, Outcome, Rule, RuleMeta, Severity, declare_rule};

use crate::facts::Facts;
use crate::fix::Fix;

/// Run every rule over the facts, in the order given. A rule that returns
/// nothing would be a silent pass, so the engine turns that into a skip that says
/// so; a rule that cannot run becomes its one skip.
pub(crate) fn run(rules: &[&dyn Rule], facts: &Facts) -> Vec<Check> {
    rules
        .iter()
        .flat_map(|rule| match rule.check(facts) {
            Ok(checks) if checks.is_empty() => vec![rule.meta().skip("-", "the rule found nothing to check")],
            Ok(checks) => {
                // `explain` promises which fixes a rule's findings carry: every
                // test run holds the rules to it.
                debug_assert!(
                    checks
                        .iter()
                        .filter_map(|c| c.fix.as_ref())
                        .all(|f| rule.meta().fixes.contains(&f.applicability)),
                    "{} made a fix whose applicability its declaration does not list",
                    rule.meta().code
                );
                checks
            }
            Err(skip) => vec![rule.meta().skipped(skip)],
        })
        .collect()
}

/// Explain findings by the failing findings of the rules they name, among the
/// checks the report holds: a finding the gate ignored or left out explains
/// nothing. An explained finding cites each explaining finding (errors first,
/// then in the order its rule lists them) and carries the fix of the first that
/// has one; an unexplained one keeps its own message and fix.
pub(crate) fn link(mut checks: Vec<Check>) -> Vec<Check> {
    // Decide every explanation on the checks as the gate left them, then apply:
    // an explained finding never explains another.
    let explained: Vec<(usize, String, Option<Fix>)> = checks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status == Status::Fail)
        .filter_map(|(at, check)| {
            let explanation = check.explanation.as_ref()?;
            debug_assert!(
                explanation
                    .by
                    .iter()
                    .all(|by| check.rule.explained_by.contains(by)),
                "{} cites a rule it does not declare in explained_by",
                check.rule.code
            );
            let mut explaining: Vec<&Check> = explanation
                .by
                .iter()
                .flat_map(|by| {
                    checks
                        .iter()
                        .filter(move |c| c.rule == *by && c.status == Status::Fail && c.explanation.is_none())
                })
                .collect();
            if explaining.is_empty() {
                return None;
            }
            explaining.sort_by_key(|c| std::cmp::Reverse(c.severity));
            let message = explaining.iter().fold(explanation.message.clone(), |message, c| {
                format!("{message} — {} {}: {}", c.code(), c.name(), c.message)
            });
            Some((at, message, explaining.iter().find_map(|c| c.fix.clone())))
        })
        .collect();
    for (at, message, fix) in explained {
        checks[at].message = message;
        checks[at].fix = fix;
    }
    for check in &mut checks {
        check.explanation = None;
    }
    checks
}
