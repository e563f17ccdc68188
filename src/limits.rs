//! The bounds on what the doctor reads, in one table: each input kind's size,
//! YAML alias expansion, and what triage reads, keeps and prints. README's
//! "Limits" section lists the same numbers; change both together.

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// What a file given on the command line is, for its size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// A connection file (`-c`): a few hundred bytes; anything this large is a
    /// wrong file.
    Connection,
    /// A policy file (`--identity-policy`, `--trust-policy`, `--boundary`, …):
    /// AWS's largest documents are a few tens of KB (a key policy 32 KB, a bucket
    /// policy 20 KB, a managed policy 6,144 characters); this leaves room for
    /// pretty-printing and the envelopes of `aws iam get-*` output.
    Policy,
    /// The secret access key file (`--secret-file`).
    Secret,
    /// A Terraform plan (`terraform show -json`), or a `.tf` file beside it:
    /// plans of thousands of resources run to tens of MB.
    TerraformPlan,
    /// A CloudFormation template (YAML or JSON); generated templates (CDK, SAM)
    /// grow large before CloudFormation's own upload limit applies.
    CloudFormation,
    /// A snapshot (`--snapshot`): the facts of a live run.
    Snapshot,
    /// A fleet's JSONL file (`--connections FILE.jsonl`): one connection a line,
    /// tens of thousands of lines.
    ConnectionList,
    /// A report `merge` reads (a file, or standard input for `-`): a fleet report
    /// is about 25 KB a connection, so 10,000 connections are about 280 MB.
    Report,
    /// The text triage reads (a file or standard input): real logs, pasted or
    /// exported.
    TriageLog,
}

impl Input {
    /// The most bytes a file of this kind may hold.
    pub(crate) const fn max_bytes(self) -> u64 {
        match self {
            Input::Connection => MIB,
            Input::Policy => 256 * KIB,
            Input::Secret => 64 * KIB,
            Input::TerraformPlan | Input::CloudFormation | Input::Snapshot | Input::ConnectionList => {
                100 * MIB
            }
            Input::TriageLog => 64 * MIB,
            Input::Report => GIB,
        }
    }

    /// What the limit is for, as an error names it.
    pub(crate) const fn noun(self) -> &'static str {
        match self {
            Input::Connection => "a connection file",
            Input::Policy => "a policy file",
            Input::Secret => "a secret file",
            Input::TerraformPlan => "a Terraform plan",
            Input::CloudFormation => "a CloudFormation template",
            Input::Snapshot => "a snapshot",
            Input::ConnectionList => "a fleet's JSONL file",
            Input::TriageLog => "triage's input",
            Input::Report => "a report merge reads",
        }
    }
}

/// `n` bytes as people read sizes: "1 GiB", "100 MiB", "256 KiB", "512 bytes".
pub(crate) fn human_bytes(n: u64) -> String {
    if n >= GIB && n.is_multiple_of(GIB) {
        format!("{} GiB", n / GIB)
    } else if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// `--timeout` and `--deadline` are at most a day: a live inspection is seconds,
/// and a larger number would overflow the clock it is added to.
pub(crate) const MAX_SECONDS: u64 = 24 * 60 * 60;

/// `now + after`, or as late as the clock can say if that would overflow (the
/// flags are bounded at parse time; this keeps any other path from panicking).
pub(crate) fn instant_after(after: std::time::Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(std::time::Duration::from_secs(MAX_SECONDS * 365 * 100)))
        .unwrap_or(now)
}

/// YAML aliases may produce (and anchors copy) at most this many nodes, or as
/// many as the file has bytes if that is more: a template's own anchors are a
/// handful of small blocks, while nine levels of nine aliases (the "billion
/// laughs", 1.2 KB) would produce 387 million.
pub(crate) const YAML_ALIAS_NODES_MIN: usize = 100_000;

/// Triage reads at most this many bytes of a line; the rest of the line is cut
/// (an error message is a few hundred bytes; a longer line is a data dump).
pub(crate) const TRIAGE_LINE_BYTES: usize = 64 * 1024;

/// Each field extracted from an error (a bucket, a role, an action) keeps at
/// most this many characters (the longest real ones, an S3 object's ARN, are
/// about 1,100); a longer one is cut, ending in `…`.
pub(crate) const TRIAGE_FIELD_CHARS: usize = 2048;

/// The distinct errors triage lists at most; the rest still rank the causes,
/// and the report says how many were not listed.
pub(crate) const TRIAGE_SHOWN_ERRORS: usize = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(Input::TerraformPlan.max_bytes()), "100 MiB");
        assert_eq!(human_bytes(Input::Policy.max_bytes()), "256 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
