//! The secret access key never appears in any output: a canary value is fed through
//! every way a secret arrives and every output the doctor has, and searched for.

use crate::common;

use common::{SECRET_ENV, doctor, root};

/// A well-formed secret (so no rule has a reason to quote it) with a marker.
const CANARY: &str = "CANARYxUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKY";
/// A malformed one, which rules do describe.
const BAD_CANARY: &str = " CANARY-not/a+valid secret ";

fn assert_clean(what: &str, output: &std::process::Output, extra: &[std::path::PathBuf]) {
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    ];
    for path in extra {
        // A file never written would pass as clean: each must be there.
        if path.is_dir() {
            continue; // its files are listed in `extra` by the caller
        }
        let text =
            std::fs::read(path).unwrap_or_else(|e| panic!("{what}: {} was not written: {e}", path.display()));
        texts.push(String::from_utf8_lossy(&text).into_owned());
    }
    for text in texts {
        assert!(!text.contains("CANARY"), "{what}: the secret leaked:\n{text}");
    }
}

fn access_key_connection(dir: &std::path::Path, secret_in_file: Option<&str>) -> std::path::PathBuf {
    let mut text =
        std::fs::read_to_string(root().join("fixtures/scenarios/healthy-access-key/connection.toml"))
            .unwrap();
    if let Some(secret) = secret_in_file {
        text.push_str(&format!("secret_access_key = \"{secret}\"\n"));
    }
    let path = dir.join("connection.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_output_format_shows_the_secret_from_any_source() {
    let dir = tempfile::tempdir().unwrap();
    for secret in [CANARY, BAD_CANARY] {
        let secret_file = dir.path().join("secret.txt");
        std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
        let sources: [(&str, Option<&str>); 4] = [
            ("env", None),
            ("file", None),
            ("stdin", None),
            ("connection file", Some(secret)),
        ];
        for (source, in_file) in sources {
            let config = access_key_connection(dir.path(), in_file);
            for format in [&["--format", "table", "-v"][..], &["--format", "json"][..]] {
                let report = dir.path().join("report.out");
                let mut cmd = doctor();
                cmd.args(["doctor", "--offline", "--config"])
                    .arg(&config)
                    .args(format);
                match source {
                    "env" => {
                        cmd.env(SECRET_ENV, secret);
                    }
                    "file" => {
                        cmd.arg("--secret-file").arg(&secret_file);
                    }
                    "stdin" => {
                        cmd.arg("--secret-stdin").write_stdin(format!("{secret}\n"));
                    }
                    _ => {}
                }
                let output = cmd.output().unwrap();
                assert_clean(&format!("{source} {format:?}"), &output, &[]);
                let output = cmd.arg("--output").arg(&report).output().unwrap();
                assert_clean(&format!("{source} {format:?} --output"), &output, &[report]);
            }
        }
    }
}

#[test]
fn a_secret_in_the_connection_file_is_used_but_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let config = access_key_connection(dir.path(), Some(CANARY));
    let output = doctor()
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_clean("file secret", &output, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("holds a secret access key (it is used for this run)"),
        "{stderr}"
    );
    assert!(stderr.contains(":13:1:"), "the warning names the line: {stderr}");
    let report = common::stdout_json(&output);
    let conn001 = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CONN001")
        .unwrap();
    assert_eq!(conn001["status"], "pass", "the file's secret counts as supplied");
}

#[test]
fn errors_never_echo_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A type error on the secret's own key.
        "[auth]\nsecret_access_key = 12345678901234567890\n".to_string(),
        // A syntax error on the secret's line.
        format!("[auth]\nsecret_access_key = \"{CANARY}\n"),
        format!("[auth]\nsecret_access_key = {CANARY}\n"),
        // The secret pasted into the key ID field, plus a later error.
        format!("[auth]\naccess_key_id = \"{CANARY}\"\ntype = 5\n"),
    ];
    for text in cases {
        let config = dir.path().join("c.toml");
        std::fs::write(&config, &text).unwrap();
        let output = doctor()
            .args(["doctor", "--offline", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert_clean(&text, &output, &[]);
        assert!(!String::from_utf8_lossy(&output.stderr).contains("12345678901234567890"));
    }
}

/// Pasted alone, one character short or long, or joined to the key ID as a
/// credentials CSV row or a `key:secret` pair has it: never repeated.
#[test]
fn a_secret_pasted_as_the_key_id_is_never_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.json");
    for pasted in [
        CANARY.to_string(),
        CANARY[..39].to_string(),
        format!("{CANARY}Q"),
        format!("AKIAIOSFODNN7EXAMPLE,{CANARY}"),
        format!("AKIAIOSFODNN7EXAMPLE {CANARY}"),
        format!("AKIAIOSFODNN7EXAMPLE:{CANARY}"),
    ] {
        std::fs::write(
            &config,
            format!(
                "{{\"Display Name\": \"x\", \"Authentication Type\": \"AWS Access Key\", \"AWS Access Key ID\": \"{pasted}\"}}"
            ),
        )
        .unwrap();
        for format in ["table", "json", "sarif", "markdown", "github", "junit"] {
            let output = doctor()
                .args(["doctor", "--offline", "-v", "--format", format, "--config"])
                .arg(&config)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(1), "{pasted} {format}");
            assert_clean(&format!("{pasted} as {format}"), &output, &[]);
        }
    }
}

/// The canary through every subcommand, every format at every verbosity (and as
/// the extra report files), the written fixes, error paths, and — with moto — a
/// live run and a snapshot: it appears nowhere.
#[test]
fn every_subcommand_format_and_verbosity_keeps_the_secret_out() {
    let dir = tempfile::tempdir().unwrap();
    let config = access_key_connection(dir.path(), Some(CANARY));
    // A broken copy, so that fixes are written.
    let broken = dir.path().join("broken.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("awsdatacatalog", "AwsDataCatalog");
    std::fs::write(&broken, text).unwrap();
    let runs = std::cell::Cell::new(0);
    let run = |what: String, args: Vec<std::ffi::OsString>, files: Vec<std::path::PathBuf>| {
        let output = doctor().env(SECRET_ENV, CANARY).args(&args).output().unwrap();
        let mut files = files;
        for f in files.clone() {
            if f.is_dir() {
                files.extend(std::fs::read_dir(&f).unwrap().map(|e| e.unwrap().path()));
            }
        }
        assert_clean(&what, &output, &files);
        runs.set(runs.get() + 1);
    };
    let os = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
    for format in ["table", "json", "sarif", "markdown", "github", "junit"] {
        for verbosity in [&["-q"][..], &[][..], &["-v"][..]] {
            let mut args = os(&["doctor", "--offline", "--format", format, "--config"]);
            args.push(broken.clone().into());
            args.extend(os(verbosity));
            run(format!("{format} {verbosity:?}"), args, vec![]);
        }
    }
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let extra: Vec<std::path::PathBuf> = ["r.sarif", "r.xml", "r.json", "r.md"]
        .iter()
        .map(|n| out.join(n))
        .collect();
    let mut args = os(&["doctor", "--offline", "--config"]);
    args.push(broken.clone().into());
    for (flag, path) in ["--sarif", "--junit", "--json", "--markdown"].iter().zip(&extra) {
        args.push(flag.into());
        args.push(path.into());
    }
    args.extend(os(&["--write-fixes"]));
    args.push(out.join("fixes").into());
    args.extend(os(&["--unsafe-fixes"]));
    let mut written = vec![out.clone(), out.join("fixes"), out.join("fixes/apply.sh")];
    written.extend(extra.iter().cloned());
    run("extra reports and written fixes".into(), args, written);
    for sub in [
        &["policy", "--config"][..],
        &["policy", "--format", "json", "--config"][..],
    ] {
        let mut args = os(sub);
        args.push(config.clone().into());
        run(format!("{sub:?}"), args, vec![]);
    }
    run("rules".into(), os(&["rules"]), vec![]);
    run("explain".into(), os(&["explain", "CONN004"]), vec![]);
    // Error paths: a bad code, a bad policy file, a missing file.
    let bad_policy = dir.path().join("bad.json");
    std::fs::write(&bad_policy, "{\"Statement\": [}").unwrap();
    for (what, extra) in [
        ("bad --select", os(&["--select", "NOPE001"])),
        ("bad policy", vec!["--policy".into(), bad_policy.clone().into()]),
        ("missing policy", os(&["--policy", "/nonexistent/p.json"])),
    ] {
        let mut args = os(&["doctor", "--offline", "--config"]);
        args.push(config.clone().into());
        args.extend(extra);
        run(what.to_string(), args, vec![]);
    }
    if std::env::var_os("MOTO_ENDPOINT").is_some_and(|v| !v.is_empty()) {
        let endpoint = std::env::var("MOTO_ENDPOINT").unwrap();
        for format in ["table", "json", "sarif"] {
            let output = doctor()
                .env(SECRET_ENV, CANARY)
                .env("AWS_ENDPOINT_URL", &endpoint)
                .args(["doctor", "-v", "--timeout", "5", "--format", format, "--config"])
                .arg(&config)
                .output()
                .unwrap();
            assert_clean(&format!("live {format}"), &output, &[]);
            runs.set(runs.get() + 1);
        }
        let snap = dir.path().join("snap.json");
        let output = doctor()
            .env(SECRET_ENV, CANARY)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .args(["snapshot", "--timeout", "5", "--config"])
            .arg(&config)
            .arg("-o")
            .arg(&snap)
            .output()
            .unwrap();
        assert_clean("snapshot", &output, std::slice::from_ref(&snap));
        let mut args = os(&["doctor", "-v", "--snapshot"]);
        args.push(snap.into());
        run("snapshot replay".into(), args, vec![]);
        runs.set(runs.get() + 1);
    } else {
        eprintln!("the live part of this test needs moto (`bash tests/with-moto.sh` runs it)");
    }
    eprintln!("{} runs, no canary in any output or written file", runs.get());
}

/// Canaries in every shape a pasted log carries a credential in — a PyAthena URL
/// with the URL-encoded secret key, a bare key, `X-Amz-Signature=`, `Signature=`,
/// `X-Amz-Security-Token=`, a proxy URL's password, `PWD=`, a named secret — each
/// distinct, through `triage` in every format, with and without a connection:
/// no canary appears raw, URL-encoded, or as any 16-character piece of one.
#[test]
fn triage_masks_every_shape_of_secret_in_a_pasted_log() {
    let key = "Qz7pLmXc4Vb+N9tRw2Ys8Hd/Jk5Fg3Ae6Uo1Ti0x";
    let bare = "Rt5yUi8oPa2sDf/Gh4jKl6zXc9vBn+M1qWe3rTy7";
    let named = "Zx2cVb3nMq4wEr5tYu6iOp7aSd8fGh9jKl0PoIuY";
    let signature = "0123abcdef4567abcdef0123abcdef4567abcdef0123abcdef4567abcdef0123";
    let header_signature = "fedcba98765432100123456789abcdeffedcba98765432100123456789abcdef";
    let token = "FwoGZXIvYXdzEJr/////wEaDHcanaryTokenAbc9";
    let proxy_password = "Pr0xyCanaryPassw0rd7";
    let pwd = "JdbcCanaryPwd9876543";
    let encode = |s: &str| s.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D");
    let log = format!(
        "\
sqlalchemy.exc.OperationalError: (pyathena.error.OperationalError) An error occurred (AccessDeniedException) when calling the StartQueryExecution operation: User: arn:aws:iam::123456789012:user/bi is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:us-east-1:123456789012:workgroup/primary
engine = create_engine(\"awsathena+rest://AKIAIOSFODNN7EXAMPLE:{}@athena.us-east-1.amazonaws.com:443/default?s3_staging_dir=s3%3A%2F%2Facme-results%2F&work_group=primary\") error
ERROR botocore: SignatureDoesNotMatch https://acme-results.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature={signature}&X-Amz-Security-Token={}
ERROR Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261130/us-east-1/athena/aws4_request, SignedHeaders=host, Signature={header_signature}
ERROR ProxyError: Unable to connect to proxy http://alice:{proxy_password}@proxy.corp:3128 (Database acme not found)
ERROR [Simba][AthenaJDBC](100071) jdbc:awsathena://Region=us-east-1;UID=AKIAIOSFODNN7EXAMPLE;PWD={pwd}; An error has been thrown from the AWS Athena client.
ERROR credentials: aws_secret_access_key={named} AccessDenied, key {bare} is not authorized
",
        encode(key),
        encode(token),
    );
    let canaries: Vec<String> = [
        key,
        bare,
        named,
        signature,
        header_signature,
        token,
        proxy_password,
        pwd,
    ]
    .iter()
    .flat_map(|c| [c.to_string(), encode(c)])
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = access_key_connection(dir.path(), None);
    let mut runs = 0;
    for format in ["table", "json"] {
        for with_config in [false, true] {
            let mut cmd = doctor();
            cmd.args(["triage", "--format", format]);
            if with_config {
                cmd.args(["--offline", "--config"]).arg(&config);
            }
            let output = cmd.arg("-").write_stdin(log.clone()).output().unwrap();
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "{format}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let shown = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                shown.contains("AccessDenied") || shown.contains("ATHENA"),
                "{shown}"
            );
            for canary in &canaries {
                let chars: Vec<char> = canary.chars().collect();
                for piece in chars.windows(16) {
                    let piece: String = piece.iter().collect();
                    assert!(
                        !shown.contains(&piece),
                        "triage {format} (config: {with_config}): `{piece}` of {canary} leaked:\n{shown}"
                    );
                }
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 4);
}

/// The doctor's own environment holding canaries in every shape it can — the
/// secret key and session token it signs with, a password in AWS_ENDPOINT_URL,
/// a password in HTTP_PROXY (a live forwarding proxy would need one; the check
/// only has to name it) — a live run against moto in every format with the extra
/// report files, and a snapshot: no canary, raw, URL-encoded or any 16-character
/// piece of one, in stdout, stderr or any file written (each must exist).
#[test]
fn live_runs_and_snapshots_keep_the_environments_credentials_out() {
    if std::env::var_os("MOTO_ENDPOINT").is_none_or(|v| v.is_empty()) {
        eprintln!("this test needs moto (`bash tests/with-moto.sh` runs it)");
        return;
    }
    let moto = std::env::var("MOTO_ENDPOINT").unwrap();
    let key = "Lp9oKi8uJy7hGt6fRd5eSw4aQz3xCv2bNm1MnBvP";
    let token = "IQoJb3JpZ2luX2VjCanaryToken/////wEaCXVzLWVhc3QtMSJHMEUCIQD+Zz9=";
    let endpoint_password = "EndpointPw/Canary+42";
    let encode = |s: &str| s.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D");
    let endpoint = moto.replacen(
        "http://",
        &format!("http://moto:{}@", encode(endpoint_password)),
        1,
    );
    let canaries: Vec<String> = [key, token, endpoint_password]
        .iter()
        .flat_map(|c| [c.to_string(), encode(c)])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = access_key_connection(dir.path(), None);
    let check = |what: &str, output: &std::process::Output, files: &[std::path::PathBuf]| {
        let mut texts = vec![
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ];
        for f in files {
            let bytes =
                std::fs::read(f).unwrap_or_else(|e| panic!("{what}: {} not written: {e}", f.display()));
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        for text in &texts {
            for canary in &canaries {
                let chars: Vec<char> = canary.chars().collect();
                for piece in chars.windows(16) {
                    let piece: String = piece.iter().collect();
                    assert!(
                        !text.contains(&piece),
                        "{what}: `{piece}` of {canary} leaked:\n{text}"
                    );
                }
            }
        }
    };
    let env = |cmd: &mut assert_cmd::Command| {
        cmd.env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", key)
            .env("AWS_SESSION_TOKEN", token)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(SECRET_ENV, CANARY)
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("NO_PROXY");
    };
    for format in ["table", "json", "sarif", "markdown", "github", "junit"] {
        let files: Vec<std::path::PathBuf> =
            ["r.json", "r.sarif"].iter().map(|n| dir.path().join(n)).collect();
        let mut cmd = doctor();
        env(&mut cmd);
        let output = cmd
            .args(["doctor", "-v", "--timeout", "5", "--format", format, "--config"])
            .arg(&config)
            .arg("--json")
            .arg(&files[0])
            .arg("--sarif")
            .arg(&files[1])
            .output()
            .unwrap();
        check(&format!("live {format}"), &output, &files);
    }
    let snap = dir.path().join("snap.json");
    let mut cmd = doctor();
    env(&mut cmd);
    let output = cmd
        .args(["snapshot", "--timeout", "5", "--config"])
        .arg(&config)
        .arg("-o")
        .arg(&snap)
        .output()
        .unwrap();
    check("snapshot", &output, std::slice::from_ref(&snap));
    let written = std::fs::read_to_string(&snap).unwrap();
    assert!(
        written.contains("AWS_ENDPOINT_URL"),
        "PROBE006's fact is kept, without the password"
    );
    // Through a proxy whose URL holds the password: named, never with it.
    let mut cmd = doctor();
    env(&mut cmd);
    let output = cmd
        .env(
            "HTTP_PROXY",
            format!("http://proxyuser:{}@127.0.0.1:9", encode(endpoint_password)),
        )
        .args(["doctor", "--timeout", "2", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    check("through a proxy", &output, &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("the proxy http://127.0.0.1:9"));
}
