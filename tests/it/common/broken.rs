//! A broken account in moto, built through the AWS SDK for Rust: each of its faults
//! makes a rule fail with a fix the doctor can write. The fix round trip applies
//! those fixes; the fault tests check that no failed read turns them into passes.

use super::moto::{aws, runtime, unique};
use serde_json::json;
use std::path::{Path, PathBuf};

pub const ACCOUNT: &str = "123456789012"; // moto's default account
pub const VENDOR: &str = "999988887777";
pub const EXTERNAL_ID: &str = "omni-4f2a9c";

pub struct Broken {
    pub role: String,
    pub results: String,
    pub lake: String,
    pub schema: String,
    pub lambda_catalog: String,
}

/// A role whose trust policy holds a placeholder External ID (TRUST002), whose
/// only permissions are a customer-managed policy without S3 object access (S3002,
/// S3003) and with a Deny on the results (a new policy version narrows it); a data
/// bucket whose policy denies the role (S3004) and whose KMS key's policy does not
/// let it in (S3005, fixed in the key policy); a Lambda catalog it may not invoke (ATHENA007); a workgroup that does
/// not exist (ATHENA003); no results bucket (S3001).
pub fn build() -> Broken {
    let id = unique("rt").replace('-', "");
    let b = Broken {
        role: format!("bi-{id}"),
        results: format!("rt-results-{id}"),
        lake: format!("rt-lake-{id}"),
        schema: format!("sales_{id}"),
        lambda_catalog: format!("fed_{id}"),
    };
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{}", b.role);
    runtime().block_on(async {
        let aws = aws().await;
        let (iam, s3, glue, athena) = (&aws.iam, &aws.s3, &aws.glue, &aws.athena);
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Omni", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{VENDOR}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "we-will-add-this-later"}}}]});
        iam.create_role()
            .role_name(&b.role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        let managed = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["athena:*", "glue:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "*"},
            {"Sid": "NoResultsWrites", "Effect": "Deny", "Action": "s3:PutObject",
             "Resource": format!("arn:aws:s3:::{}/*", b.results)}]});
        let policy = iam
            .create_policy()
            .policy_name(format!("athena-{id}"))
            .policy_document(managed.to_string())
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(&b.role)
            .policy_arn(policy.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        s3.create_bucket().bucket(&b.lake).send().await.unwrap();
        let deny = json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoReads", "Effect": "Deny",
            "Principal": {"AWS": &role_arn}, "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{}/*", b.lake)}]});
        s3.put_bucket_policy()
            .bucket(&b.lake)
            .policy(deny.to_string())
            .send()
            .await
            .unwrap();
        // The lake's key: its policy lets only its administrators in (no account
        // delegation), so no identity policy can grant the role its use.
        let key_policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "KeyAdmins", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/key-admin")}, "Action": "kms:*",
            "Resource": "*"}]});
        let key = super::moto::kms_key(&aws.kms, &key_policy.to_string()).await;
        super::moto::encrypt_with_kms(s3, &b.lake, &key).await;
        athena
            .create_data_catalog()
            .name(&b.lambda_catalog)
            .r#type(aws_sdk_athena::types::DataCatalogType::Lambda)
            .parameters(
                "function",
                format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{}", b.lambda_catalog),
            )
            .send()
            .await
            .unwrap();
        glue.create_database()
            .database_input(
                aws_sdk_glue::types::DatabaseInput::builder()
                    .name(&b.schema)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    b
}

pub fn connection(dir: &Path, b: &Broken) -> PathBuf {
    let text = format!(
        "# The connection as the BI tool has it (this comment must survive).\n\
         display_name = \"round trip\"\ns3_output_bucket = \"s3://{results}/omni/\"\n\
         data_catalog = \"AwsDataCatalog\"\ninclude_schemas = \"{schema}, missing_schema\"\n\
         default_schema = \"{schema}\"\ndatabase_timezone = \"UTC\"\nregion = \"us-east-1\"\n\
         workgroup = \"no-such-workgroup\"\ninclude_other_data_catalogs = \"{lambda}\"\n\
         data_buckets = [\"{lake}\"]\n\n[auth]\ntype = \"cross_account_role\"\n\
         role_arn = \"arn:aws:iam::{ACCOUNT}:role/{role}\"\nexternal_id = \"{EXTERNAL_ID}\"\n\
         trusted_account_id = \"{VENDOR}\"\n",
        results = b.results,
        schema = b.schema,
        lake = b.lake,
        role = b.role,
        lambda = b.lambda_catalog,
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}
