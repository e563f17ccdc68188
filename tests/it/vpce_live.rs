//! The VPC endpoints' policies read live (issue 31), against moto's EC2: a
//! gateway endpoint of S3 whose policy denies `s3:PutObject` on the results
//! bucket, named with `--vpc-endpoint` or found in its VPC with `--vpc`, is
//! NET004 naming the endpoint and the statement, exactly as the same endpoint
//! given with `--endpoint-policy` is; a refused read leaves the policy unknown,
//! said in NET004's skip, never passed; and the read is the only EC2 call, a
//! Describe.
//!
//! moto answers EC2's Query API; the test builds its VPC and endpoint with two
//! form POSTs (the repository builds no EC2 SDK: `src/collect/live/ec2.rs` says
//! why). moto files them under the account of the access key in the request's
//! credential scope, `testing`'s: the account of the doctor's own credentials.

use crate::common;

use common::moto::{endpoint, unique};
use common::proxy::{self, Fault};
use common::stdout_json;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

/// One EC2 Query API call to moto, its XML answer (moto checks no signature:
/// the credential scope names the service, `ec2`, and the account's key).
fn ec2(params: &[(&str, &str)]) -> String {
    let url = endpoint();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let body = [("Version", "2016-11-15")]
        .iter()
        .chain(params)
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, \
         SignedHeaders=host, Signature=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{params:?}: {answer}");
    answer
}

/// The text of the first `<tag>` of an answer.
fn first<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no <{tag}> in {xml}")) + open.len();
    &xml[start..start + xml[start..].find('<').unwrap()]
}

/// A VPC with a gateway endpoint of S3 whose policy denies writing results:
/// (VPC ID, endpoint ID).
fn gateway_denying_writes(bucket: &str) -> (String, String, String) {
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoResultWrites", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": format!("arn:aws:s3:::{bucket}/*")}]})
    .to_string();
    let vpc = first(
        &ec2(&[("Action", "CreateVpc"), ("CidrBlock", "10.0.0.0/16")]),
        "vpcId",
    )
    .to_string();
    let created = ec2(&[
        ("Action", "CreateVpcEndpoint"),
        ("VpcId", &vpc),
        ("ServiceName", "com.amazonaws.us-east-1.s3"),
        ("VpcEndpointType", "Gateway"),
        ("PolicyDocument", &policy),
    ]);
    (vpc, first(&created, "vpcEndpointId").to_string(), policy)
}

fn connection(dir: &Path, bucket: &str) -> std::path::PathBuf {
    let text = format!(
        "display_name = \"vpce\"\ns3_output_bucket = \"s3://{bucket}/omni/\"\ndata_catalog = \"awsdatacatalog\"\n\
         include_schemas = \"sales\"\ndefault_schema = \"sales\"\nregion = \"us-east-1\"\n\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::123456789012:role/bi-athena\"\n\
         external_id = \"omni-4f2a9c\"\ntrusted_account_id = \"999988887777\"\n"
    );
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The doctor live against `at` (moto, or a proxy in front of it), NET004 only.
fn net004(at: &str, config: &Path, extra: &[&str]) -> Vec<Value> {
    net004_within(at, config, "10", extra)
}

/// The doctor live against `at`, judging NET004 alone within `timeout` seconds.
fn net004_command(at: &str, config: &Path, timeout: &str) -> assert_cmd::Command {
    let mut cmd = crate::common::doctor_at(at);
    cmd.env_remove("AWS_PROFILE")
        .args(["doctor", "--format", "json", "--no-probes", "--timeout", timeout])
        .args(["--select", "NET004", "--config"])
        .arg(config);
    cmd
}

fn net004_within(at: &str, config: &Path, timeout: &str, extra: &[&str]) -> Vec<Value> {
    let output = net004_command(at, config, timeout).args(extra).output().unwrap();
    let report = stdout_json(&output);
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == "NET004")
        .cloned()
        .collect()
}

#[test]
fn vpce_policy_read_live_denying_results_is_net004() {
    if !common::moto::available() {
        return;
    }
    let bucket = unique("vpce-results");
    let (vpc, vpce, policy) = gateway_denying_writes(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &bucket);
    let denial = |checks: &[Value], how: &str| -> String {
        let fail = checks
            .iter()
            .find(|c| c["status"] == "fail")
            .unwrap_or_else(|| panic!("{how}: no NET004 finding: {checks:#?}"));
        let message = fail["message"].as_str().unwrap().to_string();
        assert!(
            message.contains(&format!("policy of VPC endpoint {vpce} (s3)"))
                && message.contains("Sid NoResultWrites")
                && message.contains("s3:PutObject"),
            "{how}: {message}"
        );
        // The endpoint is known, so the fix is the command that changes it.
        assert!(
            fail["fix"]
                .to_string()
                .contains(&format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {vpce}")),
            "{how}: {fail:#}"
        );
        message
    };
    let named = denial(
        &net004(&endpoint(), &config, &["--vpc-endpoint", &vpce]),
        "--vpc-endpoint",
    );
    // Found in its VPC: the gateway endpoint is the one S3's traffic takes.
    let in_vpc = denial(&net004(&endpoint(), &config, &["--vpc", &vpc]), "--vpc");
    assert_eq!(named, in_vpc);
    // One model: the same endpoint as `aws ec2 describe-vpc-endpoints` prints
    // it, given as a file, is the same finding.
    let file = dir.path().join("vpce.json");
    let described = serde_json::json!({"VpcEndpoints": [{"VpcEndpointId": vpce, "VpcEndpointType": "Gateway",
        "VpcId": vpc, "ServiceName": "com.amazonaws.us-east-1.s3", "PolicyDocument": policy}]});
    std::fs::write(&file, described.to_string()).unwrap();
    let given = denial(
        &net004(
            &endpoint(),
            &config,
            &["--endpoint-policy", &format!("s3={}", file.display())],
        ),
        "--endpoint-policy",
    );
    assert_eq!(named, given);
    // A VPC without endpoints: no endpoint policy applies, said.
    let empty = first(
        &ec2(&[("Action", "CreateVpc"), ("CidrBlock", "10.1.0.0/16")]),
        "vpcId",
    )
    .to_string();
    let checks = net004(&endpoint(), &config, &["--vpc", &empty]);
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert_eq!(checks[0]["status"], "pass", "{checks:#?}");
    assert!(
        checks[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("no VPC endpoint of the services the connection calls is in the way"),
        "{checks:#?}"
    );
}

/// The doctor's credentials may not describe endpoints: AWS answers
/// `UnauthorizedOperation`. moto does not (it enforces no IAM policy unless
/// the whole server is told to), so the fault proxy in front of moto answers
/// the read as AWS does. The policy is then unknown, the skip says which read
/// and what to do, and NET004 passes nothing; the read is the only EC2 call.
#[test]
fn vpce_read_refused_leaves_the_policy_unknown() {
    if !common::moto::available() {
        return;
    }
    let bucket = unique("vpce-refused");
    let (_, vpce, _) = gateway_denying_writes(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &bucket);
    let proxy = proxy::start(
        &endpoint(),
        HashMap::from([(
            "ec2:DescribeVpcEndpoints".to_string(),
            Fault::Answer(
                403,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
                 <Message>You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/doctor \
                 is not authorized to perform: ec2:DescribeVpcEndpoints</Message></Error></Errors>\
                 <RequestID>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestID></Response>",
            ),
        )]),
    );
    let checks = net004(&proxy.endpoint, &config, &["--vpc-endpoint", &vpce]);
    assert_eq!(checks.len(), 1, "{checks:#?}");
    assert_eq!(checks[0]["status"], "skip", "{checks:#?}");
    let message = checks[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "needs ec2:DescribeVpcEndpoints, which was denied: UnauthorizedOperation: You are not authorized"
        ) && message.ends_with("pass --endpoint-policy SERVICE=FILE"),
        "{message}"
    );
    let ec2_calls: Vec<String> = proxy
        .actions()
        .into_iter()
        .filter(|a| a.starts_with("ec2:"))
        .collect();
    assert_eq!(ec2_calls, ["ec2:DescribeVpcEndpoints"]);
}

/// A read that hangs, is reset, fails on AWS's side or is throttled (after the
/// retries) is never a pass: the policy is unknown, naming the read.
#[test]
fn vpce_read_failing_is_never_a_pass() {
    if !common::moto::available() {
        return;
    }
    let bucket = unique("vpce-faults");
    let (_, vpce, _) = gateway_denying_writes(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &bucket);
    for fault in Fault::FAILURES {
        let proxy = proxy::start(
            &endpoint(),
            HashMap::from([("ec2:DescribeVpcEndpoints".to_string(), fault)]),
        );
        let checks = net004_within(&proxy.endpoint, &config, "2", &["--vpc-endpoint", &vpce]);
        assert_eq!(checks.len(), 1, "{fault:?}: {checks:#?}");
        assert_eq!(checks[0]["status"], "skip", "{fault:?}: {checks:#?}");
        let message = checks[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("needs ec2:DescribeVpcEndpoints, which "),
            "{fault:?}: {message}"
        );
    }
}

/// Nothing names the network, but the Athena endpoint resolves to a private
/// address: the doctor reads the region's interface endpoints of Athena,
/// matches the address to the one whose network interface holds it, and
/// judges its policy. moto gives the endpoint's interface a private address;
/// `AWS_ENDPOINT_URL_ATHENA` points at it, as a VPC's private DNS would (it
/// answers nothing here: NET001 fails for Athena, which NET004 does not need).
#[test]
fn vpce_private_address_is_matched_to_its_interface_endpoint() {
    if !common::moto::available() {
        return;
    }
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoQueries", "Effect": "Deny", "Principal": "*", "Action": "athena:StartQueryExecution",
         "Resource": "*"}]})
    .to_string();
    let vpc = first(
        &ec2(&[("Action", "CreateVpc"), ("CidrBlock", "10.2.0.0/16")]),
        "vpcId",
    )
    .to_string();
    let subnet = first(
        &ec2(&[
            ("Action", "CreateSubnet"),
            ("VpcId", &vpc),
            ("CidrBlock", "10.2.1.0/24"),
        ]),
        "subnetId",
    )
    .to_string();
    let created = ec2(&[
        ("Action", "CreateVpcEndpoint"),
        ("VpcId", &vpc),
        ("ServiceName", "com.amazonaws.us-east-1.athena"),
        ("VpcEndpointType", "Interface"),
        ("SubnetId.1", &subnet),
        ("PolicyDocument", &policy),
    ]);
    let vpce = first(&created, "vpcEndpointId").to_string();
    let enis = &created[created.find("<networkInterfaceIdSet>").expect("an interface")..];
    let eni = first(enis, "item").to_string();
    let described = ec2(&[
        ("Action", "DescribeNetworkInterfaces"),
        ("NetworkInterfaceId.1", &eni),
    ]);
    let address = first(&described, "privateIpAddress").to_string();
    let bucket = unique("vpce-private");
    let dir = tempfile::tempdir().unwrap();
    let config = connection(dir.path(), &bucket);
    let proxy = proxy::start(&endpoint(), HashMap::new());
    let output = net004_command(&proxy.endpoint, &config, "2")
        .env("AWS_ENDPOINT_URL_ATHENA", format!("http://{address}:9"))
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let checks = report["checks"].as_array().unwrap();
    let fail = checks
        .iter()
        .find(|c| c["code"] == "NET004" && c["status"] == "fail")
        .unwrap_or_else(|| panic!("no NET004 finding for {address}: {checks:#?}"));
    let message = fail["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("policy of VPC endpoint {vpce} (athena)"))
            && message.contains("Sid NoQueries")
            && message.contains("athena:StartQueryExecution"),
        "{message}"
    );
    let ec2_calls: Vec<String> = proxy
        .actions()
        .into_iter()
        .filter(|a| a.starts_with("ec2:"))
        .collect();
    assert_eq!(
        ec2_calls,
        ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcEndpoints"]
    );
}

/// The endpoint read live is the requests' `aws:SourceVpce`, as the same
/// endpoint given with `--endpoint-policy` is (scenario
/// `identity-deny-athena-outside-vpce-endpoint-known`): the role's Deny of
/// Athena outside the endpoint does not apply to the BI tool's own requests
/// through it; not named, the verdict is unknown, saying how to name it.
#[test]
fn vpce_read_live_is_the_requests_source_vpce() {
    if !common::moto::available() {
        return;
    }
    let vpc = first(
        &ec2(&[("Action", "CreateVpc"), ("CidrBlock", "10.3.0.0/16")]),
        "vpcId",
    )
    .to_string();
    let created = ec2(&[
        ("Action", "CreateVpcEndpoint"),
        ("VpcId", &vpc),
        ("ServiceName", "com.amazonaws.us-east-1.athena"),
        ("VpcEndpointType", "Interface"),
    ]);
    let vpce = first(&created, "vpcEndpointId").to_string();
    let scenario = common::root().join("fixtures/scenarios/identity-deny-athena-outside-vpce-endpoint-known");
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(scenario.join("policy.json")).unwrap();
    assert!(policy.contains("\"vpce-0f1e2d3c\""));
    std::fs::write(
        dir.path().join("policy.json"),
        policy.replace("vpce-0f1e2d3c", &vpce),
    )
    .unwrap();
    let config = scenario.join("connection.toml");
    // The role is not in moto: its boundary, as IAM would answer, is given (none
    // limiting), so that the policy file alone decides.
    let boundary = dir.path().join("boundary.json");
    std::fs::write(
        &boundary,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let athena001 = |extra: &[&str]| -> Vec<Value> {
        let output = common::doctor_at(&endpoint())
            .env_remove("AWS_PROFILE")
            .args([
                "doctor",
                "--format",
                "json",
                "--no-probes",
                "--timeout",
                "10",
                "--select",
                "ATHENA001",
            ])
            .arg("--config")
            .arg(&config)
            .arg("--policy")
            .arg(dir.path().join("policy.json"))
            .arg("--boundary")
            .arg(&boundary)
            .args(extra)
            .output()
            .unwrap();
        let report = stdout_json(&output);
        report["checks"].as_array().unwrap().clone()
    };
    let unnamed = athena001(&[]);
    assert!(
        unnamed.iter().any(|c| c["status"] == "fail"
            && c["message"]
                .as_str()
                .unwrap()
                .contains("the request's VPC endpoint is not known")),
        "{unnamed:#?}"
    );
    let named = athena001(&["--vpc-endpoint", &vpce]);
    assert!(
        !named.is_empty() && named.iter().all(|c| c["status"] == "pass"),
        "{named:#?}"
    );
}
