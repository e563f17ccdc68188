//! `triage`: the corpus of real-shaped messages, the command line (arguments,
//! standard input, several errors, exit codes, unreadable input), the v1 JSON,
//! secrets pasted along, and causes checked against a connection.

use crate::common;

use common::{doctor, root, stdout_json};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    text: String,
    source: String,
    #[serde(default)]
    expect: Vec<String>,
    first: Option<String>,
    #[serde(default = "yes")]
    connection: bool,
}

fn yes() -> bool {
    true
}

fn triage_json(args: &[&str]) -> Value {
    let out = doctor()
        .arg("triage")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stdout_json(&out)
}

/// A JSON array of strings.
fn strings(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect()
}

fn codes(report: &Value) -> Vec<String> {
    report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_message_of_the_corpus_is_triaged_as_expected() {
    let text = std::fs::read_to_string(root().join("tests/triage/corpus.toml")).unwrap();
    let corpus: Corpus = toml::from_str(&text).unwrap();
    assert!(
        corpus.case.len() >= 60,
        "the corpus holds {} messages",
        corpus.case.len()
    );
    // One run of the binary a message, two at a time (the machine's cores).
    let reports: Vec<Value> = std::thread::scope(|scope| {
        let half = corpus.case.len().div_ceil(2);
        let runs: Vec<_> = corpus
            .case
            .chunks(half)
            .map(|cases| {
                scope.spawn(move || cases.iter().map(|c| triage_json(&[&c.text])).collect::<Vec<_>>())
            })
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    });
    let mut wrong = Vec::new();
    for (case, report) in corpus.case.iter().zip(&reports) {
        assert!(!case.source.trim().is_empty(), "{}: no source", case.text);
        let errors = report["errors"].as_array().unwrap();
        let found = codes(report);
        let problem = if errors.len() != 1 {
            Some(format!("{} errors found", errors.len()))
        } else if errors[0]["connection_problem"] != Value::Bool(case.connection) {
            Some(format!(
                "connection_problem is {} (pattern {})",
                errors[0]["connection_problem"], errors[0]["pattern"]
            ))
        } else if !case.connection && !found.is_empty() {
            Some(format!("a query error with causes {found:?}"))
        } else if let Some(missing) = case.expect.iter().find(|c| !found.contains(c)) {
            Some(format!(
                "{missing} missing from {found:?} (pattern {})",
                errors[0]["pattern"]
            ))
        } else if case.first.as_ref().is_some_and(|f| found.first() != Some(f)) {
            Some(format!("{:?} first, not {:?}", found.first(), case.first))
        } else {
            None
        };
        if let Some(problem) = problem {
            wrong.push(format!("{}\n    [{}] {problem}", case.text, case.source));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        corpus.case.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_log_from_standard_input_yields_each_error_once() {
    let log = "\
2026-11-30T10:00:01Z INFO  connecting to athena.eu-west-1.amazonaws.com\n\
2026-11-30T10:00:02Z ERROR [Simba][AthenaJDBC](100071) An error has been thrown from the AWS Athena client.\n\
2026-11-30T10:00:02Z ERROR Unable to verify/create output bucket acme-athena-results\n\
\n\
2026-11-30T10:00:03Z ERROR SCHEMA_NOT_FOUND: line 1:15: Schema 'slaes' does not exist\n\
2026-11-30T10:00:04Z ERROR SCHEMA_NOT_FOUND: line 1:15: Schema 'slaes' does not exist\n\
2026-11-30T10:00:05Z ERROR SYNTAX_ERROR: line 1:8: mismatched input 'SELEC'\n";
    for args in [&["-"][..], &[][..]] {
        let out = doctor()
            .args(["triage", "--format", "json"])
            .args(args)
            .write_stdin(log)
            .output()
            .unwrap();
        assert!(out.status.success());
        let report = stdout_json(&out);
        assert_eq!(report["version"], 1);
        let errors = report["errors"].as_array().unwrap();
        let patterns: Vec<&str> = errors.iter().map(|e| e["pattern"].as_str().unwrap()).collect();
        assert_eq!(
            patterns,
            ["output-bucket-unverifiable", "schema-not-found", "query-syntax"]
        );
        assert_eq!(errors[0]["line"], 3);
        assert_eq!(errors[0]["wrapper"], "Simba AthenaJDBC", "lent by the line above");
        assert_eq!(errors[0]["bucket"], "acme-athena-results");
        assert_eq!(errors[1]["count"], 2);
        assert_eq!(errors[1]["database"], "slaes");
        assert_eq!(errors[2]["connection_problem"], false);
        let found = codes(&report);
        assert!(found.contains(&"S3001".to_string()) && found.contains(&"CATALOG003".to_string()));
        // REGION002 explains both connection errors: it is listed once, citing both.
        let region = report["causes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "REGION003" || c["code"] == "REGION002")
            .unwrap();
        assert!(!region["errors"].as_array().unwrap().is_empty());
        for cause in report["causes"].as_array().unwrap() {
            for key in ["code", "name", "why", "check", "ask"] {
                assert!(!cause[key].is_null(), "{key} in {cause}");
            }
        }
    }
}

#[test]
fn commands_to_ask_for_carry_the_names_from_the_text() {
    let report = triage_json(&[
        "User: arn:aws:sts::123456789012:assumed-role/bi-athena/omni is not authorized to perform: s3:GetObject on \
         resource: \"arn:aws:s3:::acme-data/sales/part-0.parquet\" with an explicit deny in a resource-based policy",
    ]);
    let error = &report["errors"][0];
    assert_eq!(
        error["principal"],
        "arn:aws:sts::123456789012:assumed-role/bi-athena/omni"
    );
    assert_eq!(error["action"], "s3:GetObject");
    assert_eq!(error["policy_type"], "resource");
    assert_eq!(error["reason"], "explicit-deny");
    assert_eq!(error["bucket"], "acme-data");
    assert_eq!(error["key"], "sales/part-0.parquet");
    let first = &report["causes"][0];
    assert_eq!(first["code"], "S3004");
    assert_eq!(
        first["ask"][0],
        "aws s3api get-bucket-policy --bucket acme-data --query Policy --output text"
    );
}

#[test]
fn the_table_says_what_it_found_and_what_to_ask() {
    let out = doctor()
        .args(["triage", "WorkGroup analytics is disabled."])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ATHENA003"), "{text}");
    assert!(
        text.contains("  aws athena get-work-group --work-group analytics --region <REGION>\n"),
        "a command is printed whole, on its own line:\n{text}"
    );

    let nothing = doctor().args(["triage", "all good here"]).output().unwrap();
    assert!(nothing.status.success(), "nothing recognised still exits 0");
    assert!(String::from_utf8_lossy(&nothing.stdout).contains("No error the doctor knows"));

    let query = doctor()
        .args(["triage", "Query exhausted resources at this scale factor"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&query.stdout);
    assert!(text.contains("not a connection problem"), "{text}");
    assert!(!text.contains("Likely causes"), "{text}");
}

#[test]
fn unreadable_input_exits_2_with_its_place() {
    let out = doctor()
        .args(["triage", "-"])
        .write_stdin(b"Unable to verify/create output bucket x\n\xff\xfe".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:2:1") && err.contains("not UTF-8"), "{err}");

    let mixed = doctor().args(["triage", "-", "text"]).output().unwrap();
    assert_eq!(mixed.status.code(), Some(2));

    let both = doctor()
        .args(["triage", "--secret-stdin"])
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("standard input"));
}

#[test]
fn secrets_pasted_with_the_error_are_never_printed() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let pasted = format!(
        "aws_secret_access_key = {secret}\nSignatureDoesNotMatch: The request signature we calculated does not \
         match the signature you provided. key={secret}"
    );
    for format in ["json", "table"] {
        let out = doctor()
            .args(["triage", "--format", format, &pasted])
            .output()
            .unwrap();
        assert!(out.status.success());
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "{all}");
        assert!(all.contains("PROBE001"), "{all}");
    }
}

/// With the connection, each cause is held against its own rule's findings:
/// acme.toml's policy lacks s3:PutObject on the results prefix (S3002 fails);
/// offline, nothing can say whether the key policy allows KMS (not checkable).
#[test]
fn with_the_connection_causes_are_confirmed_ruled_out_or_not_checkable() {
    let examples = root().join("fixtures/examples");
    let conn = examples.join("acme.toml");
    let policy = examples.join("acme-policy.json");
    let trust = examples.join("acme-trust.json");
    let report = triage_json(&[
        "--offline",
        "--config",
        conn.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--trust-policy",
        trust.to_str().unwrap(),
        "Access denied when writing output to url: s3://acme-athena-results/omni/0f0e.csv . Please ensure you are \
         allowed to access the S3 bucket.",
        "User: arn:aws:iam::999988887777:user/omni is not authorized to perform: sts:AssumeRole on resource: \
         arn:aws:iam::111122223333:role/bi-athena",
    ]);
    let status = |code: &str| -> (String, Vec<String>) {
        let c = report["causes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {report}"));
        let evidence = c["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect();
        (c["status"].as_str().unwrap().to_string(), evidence)
    };
    let (s3002, why) = status("S3002");
    assert_eq!(s3002, "confirmed");
    assert!(why.iter().any(|e| e.contains("s3:PutObject")), "{why:?}");
    assert_eq!(
        status("TRUST002").0,
        "confirmed",
        "the trust policy's External ID is a placeholder"
    );
    assert_eq!(status("TRUST003").0, "ruled-out");
    let (kms, why) = status("S3005");
    assert_eq!(kms, "not-checkable");
    assert!(!why.is_empty(), "a reason is given");
    assert_eq!(
        status("ROLE003").0,
        "not-checkable",
        "offline, the role cannot be looked up"
    );
    // Confirmed causes come first, ruled-out ones last.
    let order: Vec<String> = report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_string())
        .collect();
    let rank = |s: &str| {
        ["confirmed", "not-checkable", "ruled-out"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    assert!(order.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])), "{order:?}");
}

// ---------------------------------------------------------------- --from-account

fn role_connection(dir: &std::path::Path, workgroup: &str) -> std::path::PathBuf {
    let path = dir.join("c.toml");
    std::fs::write(
        &path,
        format!(
            "display_name = \"Acme\"\ns3_output_bucket = \"s3://acme-athena-results/omni/\"\n\
             data_catalog = \"awsdatacatalog\"\ndatabase_timezone = \"UTC\"\nregion = \"us-east-1\"\n\
             workgroup = \"{workgroup}\"\n\
             [auth]\ntype = \"cross_account_role\"\nrole_arn = \"arn:aws:iam::123456789012:role/bi/bi-athena\"\n\
             external_id = \"omni-7f3a\"\ntrusted_account_id = \"999988887777\"\n"
        ),
    )
    .unwrap();
    path
}

fn from_account(endpoint: &str, config: &std::path::Path, extra: &[&str]) -> Value {
    let out = common::doctor_at(endpoint)
        .args([
            "triage",
            "--format",
            "json",
            "--from-account",
            "--timeout",
            "10",
            "--config",
        ])
        .arg(config)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stdout_json(&out)
}

/// moto records no failed query (its executions always succeed) and implements
/// neither BatchGetQueryExecution's failure states nor CloudTrail's event
/// history: the double answers as AWS does, with the shapes of the Athena and
/// CloudTrail API references (epoch-second times, CloudTrailEvent as a string).
#[test]
fn what_the_account_recorded_is_triaged_like_a_pasted_message() {
    use common::double::{self, Reply};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let d = double::start(move |req| match req.action.as_str() {
        "AmazonAthena.ListQueryExecutions" => {
            assert!(req.body.contains("\"WorkGroup\":\"analytics\""), "{}", req.body);
            Reply::json(
                200,
                serde_json::json!({"QueryExecutionIds": ["q-new", "q-ok", "q-old"]}),
            )
        }
        "AmazonAthena.BatchGetQueryExecution" => Reply::json(
            200,
            serde_json::json!({"QueryExecutions": [
                {"QueryExecutionId": "q-new", "Status": {"State": "FAILED", "SubmissionDateTime": now - 600,
                  "StateChangeReason": "Access denied when writing output to url: s3://acme-athena-results/omni/q-new.csv . Please ensure you are allowed to access the S3 bucket.",
                  "AthenaError": {"ErrorCategory": 2, "ErrorType": 1301, "Retryable": false}}},
                {"QueryExecutionId": "q-ok", "Status": {"State": "SUCCEEDED", "SubmissionDateTime": now - 300}},
                {"QueryExecutionId": "q-old", "Status": {"State": "FAILED", "SubmissionDateTime": now - 9 * 86400,
                  "StateChangeReason": "WorkGroup analytics is disabled."}}
            ]}),
        ),
        action if action.ends_with("CloudTrail_20131101.LookupEvents") => {
            let event = |name: &str, source: &str, issuer: &str, message: &str| {
                serde_json::json!({
                    "EventId": name, "EventName": name, "EventTime": now - 120,
                    "CloudTrailEvent": serde_json::json!({
                        "eventTime": "2026-11-30T10:00:00Z", "eventSource": source, "eventName": name,
                        "errorCode": "AccessDenied", "errorMessage": message,
                        "userIdentity": {"type": "AssumedRole",
                            "arn": "arn:aws:sts::123456789012:assumed-role/bi-athena/omni",
                            "sessionContext": {"sessionIssuer": {"arn": issuer}}}
                    }).to_string()
                })
            };
            let events = if req.body.contains("glue.amazonaws.com") {
                vec![
                    event(
                        "GetDatabases",
                        "glue.amazonaws.com",
                        "arn:aws:iam::123456789012:role/bi/bi-athena",
                        "User: arn:aws:sts::123456789012:assumed-role/bi-athena/omni is not authorized to perform: glue:GetDatabases on resource: arn:aws:glue:us-east-1:123456789012:catalog because no identity-based policy allows the glue:GetDatabases action",
                    ),
                    // Another role's refusal: not the connection's.
                    event(
                        "GetTables",
                        "glue.amazonaws.com",
                        "arn:aws:iam::123456789012:role/etl",
                        "User: arn:aws:sts::123456789012:assumed-role/etl/x is not authorized to perform: glue:GetTables",
                    ),
                ]
            } else {
                vec![]
            };
            Reply::json(200, serde_json::json!({"Events": events}))
        }
        other => Reply::json_error("UnknownOperationException", other),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), "analytics");
    let report = from_account(&d.endpoint, &config, &["--since", "7d"]);
    let errors = report["errors"].as_array().unwrap();
    let origins: Vec<&str> = errors.iter().map(|e| e["origin"].as_str().unwrap()).collect();
    assert_eq!(
        errors.len(),
        2,
        "the failed query and the role's refused call only: {origins:?}"
    );
    assert!(origins[0].starts_with("athena query q-new ("), "{origins:?}");
    assert_eq!(origins[1], "CloudTrail glue:GetDatabases (2026-11-30T10:00:00Z)");
    assert_eq!(errors[0]["pattern"], "output-write-denied");
    assert_eq!(errors[0]["line"], Value::Null);
    let found = codes(&report);
    assert!(
        found.contains(&"S3002".into()) && found.contains(&"ATHENA002".into()),
        "{found:?}"
    );
    assert_eq!(report["unread"], serde_json::json!([]));
    // The account's record is read (then, with --config, the causes are checked
    // live); every call is a read.
    let actions: Vec<String> = d
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.action.clone())
        .collect();
    for read in [
        "AmazonAthena.ListQueryExecutions",
        "AmazonAthena.BatchGetQueryExecution",
        "CloudTrail_20131101.LookupEvents",
    ] {
        assert!(actions.iter().any(|a| a == read), "{read} in {actions:?}");
    }
    let lookups = actions.iter().filter(|a| a.ends_with("LookupEvents")).count();
    assert_eq!(lookups, 6, "one LookupEvents per service, one after the other");
    for action in &actions {
        let op = action.rsplit(['.', ' ']).next().unwrap_or_default();
        let read_only = ["Get", "List", "Head", "BatchGet", "Describe", "Lookup"]
            .iter()
            .any(|p| op.starts_with(p))
            || action.starts_with("S3.GET ")
            || action.starts_with("S3.HEAD ")
            || action == "Query.AssumeRole";
        assert!(read_only, "{action} is not a read");
    }
}

/// A refused read is said, and what could be read is still triaged. (The double:
/// moto does not implement LookupEvents, so it cannot refuse it as AWS does.)
#[test]
fn a_refused_account_read_is_said_never_taken_for_nothing_failed() {
    use common::double::{self, Reply};
    let d = double::start(|req| match req.action.as_str() {
        "AmazonAthena.ListQueryExecutions" => Reply::json_error(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/support is not authorized to perform: athena:ListQueryExecutions",
        ),
        _ => Reply::json_error(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/support is not authorized to perform: cloudtrail:LookupEvents",
        ),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), "primary");
    let report = from_account(&d.endpoint, &config, &[]);
    let unread = strings(&report["unread"]);
    assert_eq!(unread.len(), 2, "{unread:?}");
    assert!(
        unread[0].contains("failed queries") && unread[0].contains("athena:ListQueryExecutions"),
        "{unread:?}"
    );
    assert!(
        unread[1].contains("CloudTrail") && unread[1].contains("cloudtrail:LookupEvents"),
        "{unread:?}"
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    // One refused lookup is enough: the other services are not asked again.
    let lookups = d
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.action.ends_with("LookupEvents"))
        .count();
    assert_eq!(lookups, 1);
}

/// Against moto: the workgroup's executions are listed as AWS lists them; moto
/// implements neither BatchGetQueryExecution nor LookupEvents, and the doctor
/// says it could not read them rather than report that nothing failed.
#[test]
fn against_moto_unread_history_is_reported_not_passed() {
    if !common::moto::available() {
        return;
    }
    let workgroup = common::moto::unique("wg");
    common::moto::runtime().block_on(async {
        let aws = common::moto::aws().await;
        aws.athena
            .create_work_group()
            .name(&workgroup)
            .send()
            .await
            .unwrap();
        aws.athena
            .start_query_execution()
            .query_string("SELECT 1")
            .work_group(&workgroup)
            .result_configuration(
                aws_sdk_athena::types::ResultConfiguration::builder()
                    .output_location("s3://acme-athena-results/omni/")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let config = role_connection(dir.path(), &workgroup);
    let report = from_account(&common::moto::endpoint(), &config, &[]);
    let unread = strings(&report["unread"]);
    assert!(
        unread.iter().any(|u| u.contains("athena:BatchGetQueryExecution")),
        "moto listed the execution; the batch read that follows is said to have failed: {unread:?}"
    );
    assert!(
        unread.iter().any(|u| u.contains("cloudtrail:LookupEvents")),
        "{unread:?}"
    );
}

/// Every command triage asks the customer to run is a read (get-, list-, head-,
/// describe-) that the real AWS CLI accepts: run against moto, none is refused
/// for its syntax or its parameters. Placeholders a message could not fill are
/// given example values first (they are what the customer types).
#[test]
fn every_command_to_ask_for_is_a_read_the_aws_cli_accepts() {
    if !common::moto::available() {
        return;
    }
    let cli = std::env::var_os("ATHENA_DOCTOR_AWS_CLI")
        .filter(|p| !p.is_empty())
        .expect("tests/with-moto.sh sets ATHENA_DOCTOR_AWS_CLI");
    let text = std::fs::read_to_string(root().join("tests/triage/corpus.toml")).unwrap();
    let corpus: Corpus = toml::from_str(&text).unwrap();
    let mut texts: Vec<&str> = corpus.case.iter().map(|c| c.text.as_str()).collect();
    // A message with a query's execution ID, for the follow-up command.
    texts.push("Query has failed [Execution ID: 0f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b]");
    let report = triage_json(&texts);
    let mut commands: Vec<String> = report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["ask"].as_array().unwrap().iter())
        .chain(report["follow_up"].as_array().unwrap())
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    commands.sort();
    commands.dedup();
    assert!(commands.len() >= 20, "{commands:?}");
    let examples = [
        ("<role|user>", "role"),
        ("<PRINCIPAL_NAME>", "bi-athena"),
        ("<ROLE_NAME>", "bi-athena"),
        ("<PRINCIPAL_ARN>", "arn:aws:iam::123456789012:role/bi-athena"),
        ("<BUCKET>", "acme-athena-results"),
        ("<REGION>", "us-east-1"),
        ("<WORKGROUP>", "primary"),
        ("<GROUP>", "bi-readers"),
        ("<DATABASE>", "sales"),
        ("<CATALOG>", "awsdatacatalog"),
        (
            "<KEY_ARN>",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("<EXECUTION_ID>", "0f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b"),
        ("<POLICY_ID>", "p-a1b2c3d4e5"),
        ("<ACCOUNT>", "123456789012"),
        ("<SERVICE>", "s3"),
    ];
    let check = |command: &String| -> Option<String> {
        let mut filled = command.clone();
        for (placeholder, value) in examples {
            filled = filled.replace(placeholder, value);
        }
        assert!(
            !filled.contains('<'),
            "a placeholder without an example value: {filled}"
        );
        let words =
            shlex::split(&filled).unwrap_or_else(|| panic!("does not split as shell words: {filled}"));
        assert_eq!(words[0], "aws", "{filled}");
        let verb = &words[2];
        assert!(
            ["get-", "list-", "head-", "describe-"]
                .iter()
                .any(|p| verb.starts_with(p)),
            "not a read: {filled}"
        );
        let out = std::process::Command::new(&cli)
            .args(&words[1..])
            .args(["--endpoint-url", &common::moto::endpoint()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // 2: the CLI's own usage error; the exceptions: the service refused the
        // parameters. (Not found, denied or unimplemented in moto are fine.)
        let bad = out.status.code() == Some(2)
            || [
                "Invalid choice",
                "Unknown options",
                "ParamValidation",
                "InvalidInputException",
                "ValidationException",
            ]
            .iter()
            .any(|w| err.contains(w));
        bad.then(|| format!("{filled}\n    {}", err.lines().last().unwrap_or_default()))
    };
    // The CLI takes a second to start: four at a time.
    let refused: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = commands
            .chunks(commands.len().div_ceil(4))
            .map(|chunk| scope.spawn(move || chunk.iter().filter_map(check).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(
        refused.is_empty(),
        "refused by the AWS CLI:\n{}",
        refused.join("\n")
    );
}

/// At 80, 100 and 160 columns the triage fits, and rule names are never broken;
/// the commands to ask for are printed whole, on lines of their own, to copy.
#[test]
fn the_triage_fits_the_width_and_keeps_names_and_commands_whole() {
    let log = "Unable to verify/create output bucket acme-athena-results\n\
               [Simba][AthenaJDBC](100123) An error has been thrown from the AWS Athena client. Unable to execute HTTP request: Connection reset";
    for width in [80, 100, 160] {
        let out = doctor()
            .env("COLUMNS", width.to_string())
            .args(["triage", log])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, asks) = text.split_once("Ask the customer to run").unwrap();
        for line in body.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
        for name in [
            "output-bucket-access-missing",
            "bucket-location-conditioned",
            "streaming-port-blocked",
        ] {
            assert!(text.contains(name), "{width}: {name} broken:\n{text}");
        }
        assert!(
            asks.lines()
                .any(|l| l == "  aws s3api head-bucket --bucket acme-athena-results"),
            "{asks}"
        );
    }
}

/// Run triage (JSON) on `input` from standard input under bash with 2 GB of
/// address space and a minute of CPU: a run that grows without bound (memory, or
/// time quadratic in the errors) dies of a signal instead of exiting.
fn triage_bounded(input: &std::path::Path) -> (Option<i32>, Vec<u8>, String) {
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -v 2000000; ulimit -t 60; exec "$0" triage --format json - < "$1""#)
        .arg(env!("CARGO_BIN_EXE_athena-doctor"))
        .arg(input)
        .env_remove(common::SECRET_ENV)
        .output()
        .unwrap();
    (
        output.status.code(),
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// 3,000 distinct errors: each found (counted), the first 1,000 listed and the
/// rest said to be not listed, all ranking the cause; within the bounds. (That
/// triage stays near-linear is measured by `cargo bench --bench triage`: a
/// timing is no test.)
#[test]
fn many_distinct_errors_are_triaged_within_bounds_and_the_listing_says_its_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.txt");
    let log: Vec<String> = (0..3_000)
        .map(|i| {
            format!(
                "ERROR User: arn:aws:sts::123456789012:assumed-role/bi-{i}/s is not authorized to perform: \
                 s3:PutObject on resource: \"arn:aws:s3:::results-{i}/q/{i}.csv\" because no identity-based \
                 policy allows the s3:PutObject action"
            )
        })
        .collect();
    std::fs::write(&path, log.join("\n")).unwrap();
    let (code, stdout, stderr) = triage_bounded(&path);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 1_000);
    assert_eq!(report["errors_not_listed"], 2_000);
    assert_eq!(codes(&report)[0], "S3002");
    let cited = report["causes"][0]["errors"].as_array().unwrap();
    assert!(
        cited.iter().all(|i| i.as_u64().unwrap() < 1_000),
        "cites only listed errors"
    );
    let table = doctor()
        .arg("triage")
        .write_stdin(log[..1_100].join("\n"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("and 100 more distinct errors, not listed"),
        "{}",
        String::from_utf8_lossy(&table.stdout)
    );
}

/// One 24 MB line (an AccessDenied whose resource runs on): read within the
/// memory bound, each field cut (and marked) at 2,048 characters, the quoted
/// line at 400, and the output small.
#[test]
fn a_huge_line_is_cut_and_its_fields_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.txt");
    let long = "k".repeat(24 * 1024 * 1024);
    std::fs::write(
        &path,
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/bi-athena/s is not authorized to perform: s3:GetObject \
             on resource: \"arn:aws:s3:::acme-lake/{long}\" because no identity-based policy allows the \
             s3:GetObject action"
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = triage_bounded(&path);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.len() < 256 * 1024, "printed {} bytes", stdout.len());
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    let error = &report["errors"][0];
    assert!(error["text"].as_str().unwrap().ends_with('…'), "{error:#}");
    let resource = error["resource"].as_str().unwrap_or_default();
    assert!(
        resource.ends_with('…') && resource.chars().count() == 2_049,
        "the field is cut and says so: {} characters",
        resource.chars().count()
    );
}

/// More than 64 MiB on standard input is bad input (exit 2) naming the limit.
#[test]
fn input_over_the_limit_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 64 MiB and a byte of NULs (valid UTF-8), on disk almost nothing.
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let (code, _, stderr) = triage_bounded(&path);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>") && stderr.contains("larger than 64 MiB"),
        "{stderr}"
    );
}

/// Wrapping never cuts a run that has no separator (`ListBucketMultipartUploads`,
/// `GetBucketLocation`): a table gives the column the room or the triage is
/// stacked, and a run wider than the terminal stands whole on a line of its own.
#[test]
fn no_word_without_a_separator_is_cut_at_any_width() {
    let dir = root().join("fixtures/scenarios/access-key-user-policy");
    let long = "QueryResultsOfTheSalesDashboardRefreshedEveryHourByTheNightlyScheduler";
    let text = format!(
        "User: arn:aws:iam::111122223333:user/omni is not authorized to perform: s3:ListBucketMultipartUploads \
         on resource: arn:aws:s3:::acme-athena-results/omni/{long}{long}"
    );
    for width in [80, 100, 120, 160] {
        let out = doctor()
            .env("COLUMNS", width.to_string())
            .args(["triage", "--offline", "--config"])
            .arg(dir.join("connection.toml"))
            .arg("--policy")
            .arg(dir.join("policy.json"))
            .arg(&text)
            .output()
            .unwrap();
        assert!(out.status.success());
        let shown = String::from_utf8(out.stdout).unwrap();
        let (body, _) = shown.split_once("Ask the customer to run").unwrap();
        for run in [
            "ListBucketMultipartUploads",
            "GetBucketLocation",
            "PutObject",
            "output-bucket-access-missing",
            &format!("{long}{long}"),
        ] {
            assert!(body.contains(run), "{width}: `{run}` was cut:\n{body}");
        }
        for line in body.lines() {
            let fits = line.chars().count() <= width;
            let alone = !line.trim().contains([' ', '/', ':']);
            assert!(fits || alone, "{width}: wider than the terminal: {line}");
        }
    }
}

/// With --config, the commands to ask for name what the connection says (the
/// role, the region, the workgroup, the results bucket) instead of placeholders;
/// for an access-key user they ask for its own policies once and for its
/// groups' policies.
#[test]
fn with_the_connection_the_commands_name_its_principal_region_and_workgroup() {
    let role = root().join("fixtures/examples/acme.toml");
    let out = doctor()
        .args(["triage", "--offline", "--config"])
        .arg(&role)
        .args([
            "Access denied when writing output to url: s3://acme-athena-results/omni/0f0e.csv",
            "WorkGroup is not found",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (_, asks) = text.split_once("Ask the customer to run").unwrap();
    for placeholder in [
        "<role|user>",
        "<PRINCIPAL_NAME>",
        "<REGION>",
        "<WORKGROUP>",
        "<BUCKET>",
    ] {
        assert!(!asks.contains(placeholder), "{placeholder} left:\n{asks}");
    }
    assert!(
        asks.contains("  aws iam list-role-policies --role-name bi-athena\n"),
        "{asks}"
    );
    assert!(
        asks.contains("--work-group primary --region us-east-1a"),
        "{asks}"
    );

    let user = root().join("fixtures/scenarios/access-key-user-policy/connection.toml");
    let out = doctor()
        .args(["triage", "--offline", "--config"])
        .arg(&user)
        .arg(
            "User: arn:aws:iam::111122223333:user/omni is not authorized to perform: athena:StartQueryExecution \
             on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary",
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (_, asks) = text.split_once("Ask the customer to run").unwrap();
    assert_eq!(
        asks.matches("aws iam list-user-policies --user-name omni\n")
            .count(),
        1,
        "the user's policies asked once:\n{asks}"
    );
    for command in [
        "aws iam list-groups-for-user --user-name omni",
        "aws iam list-group-policies --group-name <GROUP>",
        "aws iam list-attached-group-policies --group-name <GROUP>",
    ] {
        assert!(asks.contains(command), "{command}:\n{asks}");
    }
    assert!(!asks.contains("list-groups-for-user --user-name bi"), "{asks}");
}
