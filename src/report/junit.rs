//! JUnit XML for GitLab, Jenkins and friends: one test case per check, in a test
//! suite named after the connection; the class is the rule's family. The XML is
//! written (and escaped) by `quick-junit`. A fleet is a suite a connection
//! (`fleet::Junit`); one connection is a fleet of one, rendered by the same code.

use super::Report;
use super::fleet::{Entry, Junit, Render, Tally};

pub(crate) fn render(report: &Report) -> String {
    let entry = Entry::judged(&report.connection, report, 0);
    let mut junit = Junit::default();
    junit.entry(&entry);
    junit.tail(&Tally::default())
}
