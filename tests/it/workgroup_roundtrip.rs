//! ATHENA003's fix for a disabled workgroup, applied as printed: the doctor (the
//! binary, live) prints `aws athena update-work-group --work-group NAME --state
//! ENABLED --region REGION`; the real AWS CLI runs it; the doctor, run again,
//! finds the workgroup enabled.
//!
//! Why a double: moto (5.2.5) cannot disable a workgroup — its workgroups are
//! always ENABLED and it has no UpdateWorkGroup. So the account is moto's (the
//! role, its policy, the results bucket, the workgroup itself, every other read),
//! behind a small forwarding server that answers Athena's GetWorkGroup and
//! UpdateWorkGroup for this one workgroup as AWS does — DISABLED until an
//! UpdateWorkGroup sets its State to ENABLED — and records what it was asked.

use crate::common;

use common::moto::{aws, aws_cli, bash_with_aws_cli, role_with_inline_policy, runtime, unique};
use common::{doctor, failures, moto, stdout_json};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "123456789012"; // moto's default account
const VENDOR: &str = "999988887777";
const EXTERNAL_ID: &str = "omni-4f2a9c";

/// What the forwarding server answers for the workgroup, and what it was asked.
#[derive(Default)]
struct Workgroup {
    name: String,
    enabled: bool,
    /// The body of every Athena UpdateWorkGroup it received.
    updates: Vec<Value>,
}

/// One request: its head (with `Connection: close`), body and `X-Amz-Target`.
struct Request {
    head: String,
    body: Vec<u8>,
    target: String,
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut head = line;
    let (mut length, mut target) = (0usize, String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let trimmed = header.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "x-amz-target" => target = value.trim().to_string(),
            "connection" => continue,
            _ => {}
        }
        head.push_str(&header);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body, target })
}

/// Athena's answer for this workgroup, or `None` (the request goes to moto).
fn answer(request: &Request, state: &Mutex<Workgroup>) -> Option<Value> {
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    let mut wg = state.lock().unwrap();
    if body["WorkGroup"] != wg.name.as_str() {
        return None;
    }
    match request.target.as_str() {
        "AmazonAthena.GetWorkGroup" => Some(json!({"WorkGroup": {
            "Name": wg.name,
            "State": if wg.enabled { "ENABLED" } else { "DISABLED" },
            "Configuration": {"EnforceWorkGroupConfiguration": false},
        }})),
        "AmazonAthena.UpdateWorkGroup" => {
            if body["State"] == "ENABLED" {
                wg.enabled = true;
            }
            wg.updates.push(body);
            Some(json!({}))
        }
        _ => None,
    }
}

/// moto's answer to `request`, asked on a connection of its own, with
/// `Connection: close` (so the client opens a new one for its next request).
fn forward(upstream: &str, request: &Request) -> Option<Vec<u8>> {
    let mut moto = TcpStream::connect(upstream).ok()?;
    moto.write_all(request.head.as_bytes()).ok()?;
    moto.write_all(&request.body).ok()?;
    let mut answer = Vec::new();
    moto.read_to_end(&mut answer).ok()?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let mut out: String = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&answer[split..]);
    Some(bytes)
}

/// Start the forwarding server; its endpoint.
fn start(upstream: String, state: Arc<Mutex<Workgroup>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (state, upstream) = (state.clone(), upstream.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut client = client;
                let Some(request) = read_request(&mut reader) else {
                    return;
                };
                let reply = match answer(&request, &state) {
                    Some(body) => {
                        let body = body.to_string();
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
                             x-amzn-requestid: double\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .into_bytes()
                    }
                    None => match forward(&upstream, &request) {
                        Some(bytes) => bytes,
                        None => return,
                    },
                };
                let _ = client.write_all(&reply);
            });
        }
    });
    endpoint
}

/// A role the vendor may assume with the External ID, allowed what the
/// connection needs; a results bucket; the workgroup, in moto.
fn account(workgroup: &str) -> (String, String) {
    let id = unique("wg").replace('-', "");
    let (role, results) = (format!("bi-{id}"), format!("wg-results-{id}"));
    runtime().block_on(async {
        let aws = aws().await;
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{VENDOR}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]});
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["athena:*", "glue:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject",
                "s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts"],
             "Resource": [format!("arn:aws:s3:::{results}"), format!("arn:aws:s3:::{results}/*")]}]});
        role_with_inline_policy(&aws.iam, &role, &trust, "bi-access", &policy).await;
        aws.s3.create_bucket().bucket(&results).send().await.unwrap();
        aws.athena.create_work_group().name(workgroup).send().await.unwrap();
    });
    (role, results)
}

fn connection(dir: &Path, role: &str, results: &str, workgroup: &str) {
    let text = format!(
        "display_name = \"workgroup round trip\"\ns3_output_bucket = \"s3://{results}/omni/\"\n\
         data_catalog = \"AwsDataCatalog\"\nregion = \"us-east-1\"\nworkgroup = \"{workgroup}\"\n\n\
         [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::{ACCOUNT}:role/{role}\"\n\
         external_id = \"{EXTERNAL_ID}\"\ntrusted_account_id = \"{VENDOR}\"\n"
    );
    std::fs::write(dir.join("connection.toml"), text).unwrap();
}

/// The doctor, live through the forwarding server, in `format`.
fn run(endpoint: &str, dir: &Path, format: &str) -> std::process::Output {
    doctor()
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env("COLUMNS", "400")
        .args(["doctor", "--format", format, "--timeout", "10", "--no-probes"])
        .args(["--config", "connection.toml"])
        .output()
        .unwrap()
}

fn athena003(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "ATHENA003")
        .unwrap_or_else(|| panic!("no ATHENA003 check in {report:#}"))
}

#[test]
fn the_printed_command_enables_a_disabled_workgroup() {
    if !moto::available() {
        return;
    }
    let Some(cli) = aws_cli() else { return };
    let workgroup = unique("analytics");
    let (role, results) = account(&workgroup);
    let state = Arc::new(Mutex::new(Workgroup {
        name: workgroup.clone(),
        ..Workgroup::default()
    }));
    let endpoint = start(common::moto::endpoint(), state.clone());
    let dir = tempfile::tempdir().unwrap();
    connection(dir.path(), &role, &results, &workgroup);

    let before = stdout_json(&run(&endpoint, dir.path(), "json"));
    let check = athena003(&before);
    assert_eq!(check["status"], "fail", "{check:#}");
    assert!(
        check["message"].as_str().unwrap().contains("is disabled"),
        "{check:#}"
    );
    let fix = &check["fix"];
    assert_eq!(fix["applicability"], "unsafe", "{fix:#}");
    assert_eq!(fix["kind"], "command", "{fix:#}");
    let command = fix["command"].as_str().unwrap().to_string();
    assert_eq!(
        shlex::split(&command).unwrap(),
        [
            "aws",
            "athena",
            "update-work-group",
            "--work-group",
            workgroup.as_str(),
            "--state",
            "ENABLED",
            "--region",
            "us-east-1",
        ],
        "{command}"
    );
    // The table a person copies from prints the same command.
    let table = String::from_utf8_lossy(&run(&endpoint, dir.path(), "table").stdout).to_string();
    assert!(
        table.contains(&command),
        "the table does not print `{command}`:\n{table}"
    );

    // Run it as printed, with the real AWS CLI, against the same endpoint.
    // The endpoint is the forwarding server's, and no region comes from the
    // environment: the command must carry its own `--region`.
    let applied = bash_with_aws_cli(&cli)
        .args(["-c", &command])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_REGION")
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "`{command}` failed:\n{}\n{}",
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr)
    );
    let updates = state.lock().unwrap().updates.clone();
    assert_eq!(
        updates,
        [json!({"WorkGroup": workgroup, "State": "ENABLED"})],
        "the CLI sent UpdateWorkGroup with State ENABLED for the workgroup, once"
    );

    // The doctor again: the workgroup is enabled, and nothing new is broken.
    let after = stdout_json(&run(&endpoint, dir.path(), "json"));
    let check = athena003(&after);
    assert_eq!(check["status"], "pass", "{check:#}");
    let errors = |r: &Value| -> BTreeSet<String> {
        failures(r)
            .into_iter()
            .filter(|c| c["severity"] == "error")
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    };
    let new: Vec<String> = errors(&after).difference(&errors(&before)).cloned().collect();
    assert!(new.is_empty(), "new errors after the fix: {new:?}\n{after:#}");
}
