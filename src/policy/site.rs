//! Where a policy document is written in infrastructure as code: the resource and
//! attribute that hold it, and the line of each statement, so that findings land
//! on the lines a pull request changes and fixes name what to edit.

use crate::location::Location;
use serde::{Deserialize, Serialize};

/// The language of the file that declares the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Language {
    Terraform,
    /// A CloudFormation template, in YAML or JSON (`json` says which).
    CloudFormation {
        json: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Site {
    pub language: Language,
    /// The file findings point into: the `.tf` file or template that declares the
    /// resource (the plan itself when no source declares it).
    pub file: String,
    /// `aws_iam_role.athena`, `module.iam.aws_iam_role_policy.read`, or a
    /// CloudFormation logical ID.
    pub resource: String,
    /// `aws_iam_role`, `AWS::IAM::Role`.
    pub resource_type: String,
    /// What holds the document: `assume_role_policy`, `policy`,
    /// `inline_policy "NAME"`, `AssumeRolePolicyDocument`, `Policies "NAME"`.
    pub attribute: String,
    /// The resource (or the attribute) in `file`.
    pub anchor: Location,
    /// Each statement in `file`, in document order, where the source could be read.
    #[serde(default)]
    pub statements: Vec<Location>,
    /// Terraform: the `aws_iam_policy_document` data source the attribute is
    /// built from (`data.aws_iam_policy_document.trust`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_source: Option<String>,
}

impl Site {
    /// The line of statement `index`, or the anchor when it could not be placed.
    pub(crate) fn statement(&self, index: usize) -> Location {
        self.statements.get(index).copied().unwrap_or(self.anchor)
    }
}
