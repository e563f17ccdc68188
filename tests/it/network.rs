//! The network under the calls, with real sockets on 127.0.0.1 (no mocks): a
//! closed port and a silent listener are in tests/live.rs; here a TLS server whose
//! certificate comes from an inspecting CA (fixtures/tls/), that CA trusted through
//! AWS_CA_BUNDLE, the streaming port closed and open, the proxy settings reported,
//! credentials set but empty — and, with moto, a healthy network with no NET finding.

use crate::common;

use common::{doctor, root, stdout_json};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

fn config() -> std::path::PathBuf {
    root().join("fixtures/scenarios/healthy-role/connection.toml")
}

/// The doctor live against `endpoint`, with throwaway credentials.
fn live(endpoint: &str, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = common::doctor_at(endpoint);
    cmd.env_remove("AWS_CA_BUNDLE")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .args([
            "doctor",
            "--format",
            "json",
            "--no-probes",
            "--timeout",
            "2",
            "--deadline",
            "20",
            "--config",
        ])
        .arg(config())
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    stdout_json(&cmd.output().unwrap())
}

fn checks<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"] == code)
        .collect()
}

/// A TLS server on 127.0.0.1 with the certificate the inspecting CA issued for
/// localhost: it completes handshakes and answers nothing else.
fn tls_server() -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = root().join("fixtures/tls");
    let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut tcp = tcp;
                let mut conn = rustls::ServerConnection::new(config).unwrap();
                let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                while conn.is_handshaking() {
                    if conn.complete_io(&mut tcp).is_err() {
                        return;
                    }
                }
                let mut sink = [0u8; 512];
                let _ = tcp.read(&mut sink);
            });
        }
    });
    port
}

/// An HTTP listener that answers every request with a 500 (enough for "it answers").
fn answering() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 500 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        }
    });
    port
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn an_inspecting_certificate_is_named_and_its_ca_can_be_trusted() {
    let port = tls_server();
    let endpoint = format!("https://localhost:{port}");
    let report = live(&endpoint, &[], &[]);
    let untrusted = checks(&report, "NET002");
    assert!(!untrusted.is_empty(), "{report:#}");
    for c in &untrusted {
        assert_eq!(c["status"], "fail", "{c}");
        let message = c["message"].as_str().unwrap();
        assert!(message.contains("`CN=localhost`"), "{message}");
        assert!(message.contains("Example Corp TLS Inspection CA"), "{message}");
        assert!(message.contains("AWS_CA_BUNDLE"), "{message}");
    }
    // The endpoint answered: reaching it is not the finding.
    for c in checks(&report, "NET001") {
        assert_eq!(c["status"], "pass", "{c}");
    }
    // Trusted through AWS_CA_BUNDLE, the same certificate verifies.
    let ca = root().join("fixtures/tls/ca.pem");
    let report = live(&endpoint, &[], &[("AWS_CA_BUNDLE", ca.to_str().unwrap())]);
    for c in checks(&report, "NET002") {
        assert_eq!(c["status"], "pass", "{c}");
    }
}

#[test]
fn the_streaming_port_is_tried_on_athenas_host() {
    let port = answering();
    let endpoint = format!("http://127.0.0.1:{port}");
    let closed = closed_port().to_string();
    let report = live(&endpoint, &["--athena-streaming-port", &closed], &[]);
    let net003 = checks(&report, "NET003");
    assert_eq!(net003.len(), 1);
    assert_eq!(net003[0]["status"], "fail", "{:#}", net003[0]);
    assert_eq!(net003[0]["severity"], "warning");
    assert!(net003[0]["message"].as_str().unwrap().contains("refused"));
    let open = port.to_string();
    let report = live(&endpoint, &["--athena-streaming-port", &open], &[]);
    assert_eq!(checks(&report, "NET003")[0]["status"], "pass");
    // The endpoints answered: no NET001 finding.
    for c in checks(&report, "NET001") {
        assert_eq!(c["status"], "pass", "{c}");
    }
}

#[test]
fn the_proxy_settings_for_the_host_are_reported_without_credentials() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let proxy = [("HTTP_PROXY", "http://user:hunter2@proxy.example:3128")];
    let report = live(&endpoint, &[], &proxy);
    let net001 = checks(&report, "NET001");
    assert!(net001.iter().all(|c| c["status"] == "fail"));
    let message = net001[0]["message"].as_str().unwrap();
    assert!(
        message.contains("DNS: the proxy's name proxy.example")
            && message.contains("goes through the proxy http://proxy.example:3128"),
        "{message}"
    );
    assert!(
        !report.to_string().contains("hunter2"),
        "a proxy password was printed"
    );
    let report = live(&endpoint, &[], &[proxy[0], ("NO_PROXY", "localhost,127.0.0.1")]);
    let message = checks(&report, "NET001")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("NO_PROXY exempts 127.0.0.1"), "{message}");
    assert!(
        message.contains("refused"),
        "exempt, the check connects directly: {message}"
    );
}

#[test]
fn credentials_set_but_empty_are_named() {
    let output = doctor()
        .env("AWS_SECRET_ACCESS_KEY", "")
        .env("AWS_ACCESS_KEY_ID", "  ")
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config())
        .output()
        .unwrap();
    let report = stdout_json(&output);
    let failing: Vec<&str> = checks(&report, "CONN010")
        .into_iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    let output = doctor()
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .args(["doctor", "--offline", "--format", "json", "--config"])
        .arg(config())
        .output()
        .unwrap();
    assert_eq!(checks(&stdout_json(&output), "CONN010")[0]["status"], "pass");
}

/// A healthy network (moto on loopback, the streaming port open): no NET finding.
#[test]
fn a_healthy_network_has_no_net_finding() {
    if !common::moto::available() {
        return;
    }
    let endpoint = common::moto::endpoint();
    let port = endpoint
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let report = live(&endpoint, &["--athena-streaming-port", &port], &[]);
    // The report says whose view of the account it is.
    assert!(
        report["ran_as"].as_str().unwrap().starts_with("arn:aws:"),
        "{}",
        report["ran_as"]
    );
    let net: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["code"].as_str().unwrap().starts_with("NET"))
        .collect();
    assert!(net.len() >= 6, "{net:#?}");
    for c in net {
        assert_ne!(c["status"], "fail", "{c}");
    }
}

/// The doctor live with AWS's own endpoints (no override), with throwaway
/// credentials: what a proxy in the environment does to the path.
fn live_without_override(env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = doctor();
    for k in [
        "AWS_ENDPOINT_URL",
        "AWS_CA_BUNDLE",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "doctor",
            "--format",
            "json",
            "--no-probes",
            "--timeout",
            "2",
            "--deadline",
            "20",
            "--config",
        ])
        .arg(config());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.timeout(std::time::Duration::from_secs(120)).output().unwrap()
}

/// A forward proxy on 127.0.0.1, as corporate proxies behave: `CONNECT host:port`
/// opens a tunnel; an absolute URL (`GET http://host:port/…`) is passed on. Each
/// request's first line is recorded.
fn forward_proxy() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::BufRead;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(client.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let first = head.lines().next().unwrap_or_default().to_string();
                log.lock().unwrap().push(first.clone());
                let mut parts = first.split_whitespace();
                let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let authority = if method == "CONNECT" {
                    target.to_string()
                } else {
                    let rest = target.strip_prefix("http://").unwrap_or(target);
                    rest.split('/').next().unwrap_or_default().to_string()
                };
                let Ok(mut upstream) = std::net::TcpStream::connect(&authority) else {
                    let mut c = client;
                    let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                    return;
                };
                let mut client = client;
                if method == "CONNECT" {
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .unwrap();
                } else {
                    upstream.write_all(head.as_bytes()).unwrap();
                }
                // What the reader buffered past the head goes first.
                let buffered = reader.buffer().to_vec();
                upstream.write_all(&buffered).unwrap();
                let mut up_read = upstream.try_clone().unwrap();
                let mut down = client.try_clone().unwrap();
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut up_read, &mut down);
                    let _ = down.shutdown(std::net::Shutdown::Both);
                });
                let _ = std::io::copy(&mut client, &mut upstream);
                let _ = upstream.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, seen)
}

/// Item 15: with a dead HTTPS_PROXY every call goes to it and fails, so NET001
/// must fail too, naming the proxy (never its password) and saying the calls go
/// through it; it used to connect directly and pass.
#[test]
fn a_dead_proxy_fails_net001_naming_it() {
    let dead = closed_port();
    let proxy = format!("http://bob:ProxyCanaryPw42@127.0.0.1:{dead}");
    let output = live_without_override(&[("HTTPS_PROXY", &proxy)]);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !shown.contains("ProxyCanaryPw42"),
        "the proxy's password was printed:\n{shown}"
    );
    let report = stdout_json(&output);
    let net001 = checks(&report, "NET001");
    assert_eq!(net001.len(), 5, "{report:#}");
    for c in net001 {
        assert_eq!(c["status"], "fail", "{c}");
        let message = c["message"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "the connection to the proxy http://127.0.0.1:{dead} was refused"
            )),
            "{message}"
        );
        assert!(message.contains("goes through the proxy"), "{message}");
    }
    assert_eq!(output.status.code(), Some(1), "a dead proxy is a failing run");
    // NO_PROXY exempting the hosts: the calls (and the check) go direct.
    let output = live_without_override(&[("HTTPS_PROXY", &proxy), ("NO_PROXY", "amazonaws.com")]);
    for c in checks(&stdout_json(&output), "NET001") {
        assert!(
            !c["message"]
                .as_str()
                .unwrap()
                .contains("the connection to the proxy"),
            "{c}"
        );
    }
}

/// Through a live proxy that tunnels: NET001 asks it `CONNECT host:port` and shakes
/// hands with the endpoint through the tunnel (the inspecting CA trusted), and
/// passes saying so; the same endpoint behind a dead proxy fails.
#[test]
fn a_tunnelling_proxy_is_the_path_net001_checks() {
    let server = tls_server();
    let endpoint = format!("https://localhost:{server}");
    let ca = root().join("fixtures/tls/ca.pem");
    let ca = ca.to_str().unwrap();
    let (proxy_port, seen) = forward_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let report = live(&endpoint, &[], &[("AWS_CA_BUNDLE", ca), ("HTTPS_PROXY", &proxy)]);
    let net001 = checks(&report, "NET001");
    assert_eq!(net001.len(), 5, "{report:#}");
    for c in &net001 {
        assert_eq!(c["status"], "pass", "{c}");
        assert!(
            c["message"]
                .as_str()
                .unwrap()
                .contains(&format!("through the proxy {proxy}")),
            "{c}"
        );
    }
    for c in checks(&report, "NET002") {
        assert_eq!(c["status"], "pass", "the handshake went through the tunnel: {c}");
    }
    let connects = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with(&format!("CONNECT localhost:{server} ")))
        .count();
    assert!(
        connects >= 5,
        "one CONNECT per endpoint: {:?}",
        seen.lock().unwrap()
    );
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let report = live(&endpoint, &[], &[("AWS_CA_BUNDLE", ca), ("HTTPS_PROXY", &dead)]);
    for c in checks(&report, "NET001") {
        assert_eq!(c["status"], "fail", "{c}");
    }
}

/// With moto behind HTTP_PROXY (an http:// endpoint: the SDK sends absolute URLs
/// to the proxy), NET001 passes through the proxy and the calls went through it;
/// with the proxy dead, NET001 fails where the old check connected to moto
/// directly and passed.
#[test]
fn moto_through_a_forward_proxy() {
    if !common::moto::available() {
        return;
    }
    let endpoint = common::moto::endpoint();
    let (proxy_port, seen) = forward_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let report = live(&endpoint, &[], &[("HTTP_PROXY", &proxy)]);
    for c in checks(&report, "NET001") {
        assert_eq!(c["status"], "pass", "{c}");
        assert!(
            c["message"].as_str().unwrap().contains("through the proxy"),
            "{c}"
        );
    }
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .filter(|l| l.starts_with("POST http://127.0.0.1"))
            .count()
            >= 3,
        "the SDK's calls went through the proxy: {seen:?}"
    );
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let report = live(&endpoint, &[], &[("HTTP_PROXY", &dead)]);
    for c in checks(&report, "NET001") {
        assert_eq!(c["status"], "fail", "{c}");
    }
}

/// Item 15: an AWS_ENDPOINT_URL override on this machine (an emulator) has no
/// streaming port: NET003 skips saying why instead of warning about 127.0.0.1:444.
#[test]
fn an_emulator_override_has_no_streaming_port() {
    let port = answering();
    let report = live(&format!("http://127.0.0.1:{port}"), &[], &[]);
    let net003 = checks(&report, "NET003");
    assert_eq!(net003.len(), 1, "{report:#}");
    assert_eq!(net003[0]["status"], "skip", "{:#}", net003[0]);
    let message = net003[0]["message"].as_str().unwrap();
    assert!(message.contains("not an AWS host"), "{message}");
}

/// Item 14: a password in AWS_ENDPOINT_URL appears nowhere — not in PROBE006 or
/// NET001 in any format, not in a snapshot.
#[test]
fn an_endpoint_password_is_never_shown() {
    const CANARY: &str = "EndpointCanaryPw9";
    let target = if common::moto::available() {
        common::moto::endpoint()
    } else {
        format!("http://127.0.0.1:{}", answering())
    };
    let endpoint = target.replacen("http://", &format!("http://user:{CANARY}@"), 1);
    let dir = tempfile::tempdir().unwrap();
    let mut shown = Vec::new();
    for format in ["table", "json", "sarif", "markdown", "github", "junit"] {
        let output = common::doctor_at(&endpoint)
            .args([
                "doctor",
                "-v",
                "--timeout",
                "2",
                "--deadline",
                "20",
                "--format",
                format,
                "--config",
            ])
            .arg(config())
            .output()
            .unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
        shown.push(format!(
            "{format}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let snap = dir.path().join("snap.json");
    let output = common::doctor_at(&endpoint)
        .args(["snapshot", "--timeout", "2", "--deadline", "20", "--config"])
        .arg(config())
        .arg("-o")
        .arg(&snap)
        .output()
        .unwrap();
    shown.push(format!(
        "snapshot: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ));
    let written = std::fs::read_to_string(&snap).expect("the snapshot is written");
    assert!(written.contains("127.0.0.1"), "{written}");
    shown.push(format!("snapshot file: {written}"));
    for text in shown {
        assert!(!text.contains(CANARY), "the endpoint's password leaked:\n{text}");
    }
}

/// Item 8: AWS_CA_BUNDLE that is a device, a FIFO, a directory, garbage or too
/// large is bad input (exit 2, naming the variable) before any call — never read
/// without end, never waited on, never ignored.
#[test]
fn a_bad_ca_bundle_is_refused_before_the_first_call() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.pem");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let large = dir.path().join("large.pem");
    std::fs::File::create(&large)
        .unwrap()
        .set_len(11 * 1024 * 1024)
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{}", answering());
    for (bundle, why) in [
        (std::path::PathBuf::from("/dev/zero"), "a device, FIFO or socket"),
        (fifo, "a device, FIFO or socket"),
        (dir.path().to_path_buf(), "a directory"),
        (garbage, "no PEM certificate"),
        (large, "larger than"),
        (dir.path().join("missing.pem"), "cannot be read"),
    ] {
        let output = common::doctor_at(&endpoint)
            .env("AWS_CA_BUNDLE", &bundle)
            .args(["doctor", "--timeout", "2", "--deadline", "10", "--config"])
            .arg(config())
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", bundle.display());
        assert!(
            stderr.contains("AWS_CA_BUNDLE") && stderr.contains(why),
            "{stderr}"
        );
    }
}

/// The SDK for Rust does not read AWS_CA_BUNDLE; the doctor gives its client the
/// bundle's CAs, so its calls trust what the network check trusts (and what the AWS
/// CLI trusts): behind the inspecting CA, no call fails on the certificate.
#[test]
fn the_calls_trust_the_ca_bundle_too() {
    let port = tls_server();
    let endpoint = format!("https://localhost:{port}");
    let ca = root().join("fixtures/tls/ca.pem");
    let report = live(&endpoint, &[], &[("AWS_CA_BUNDLE", ca.to_str().unwrap())]);
    let text = report.to_string();
    assert!(
        text.contains("could not reach AWS"),
        "the calls were made: {report:#}"
    );
    for needle in ["UnknownIssuer", "invalid peer certificate"] {
        let at = text.find(needle);
        assert!(
            at.is_none(),
            "a call failed on the certificate ({needle}): {}",
            &text[at.unwrap().saturating_sub(300)..(at.unwrap() + 200).min(text.len())]
        );
    }
}
