//! Facts about AWS itself that need no network: identifiers, ARNs, regions, S3 names.

pub(crate) mod access_key;
pub(crate) mod arn;
pub(crate) mod denial;
pub(crate) mod quotas;
pub(crate) mod regions;
pub(crate) mod s3;
