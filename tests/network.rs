//! The network under the calls, with real sockets on 127.0.0.1 (no mocks): a
//! closed port and a silent listener are in tests/live.rs; here a TLS server whose
//! certificate comes from an inspecting CA (fixtures/tls/), that CA trusted through
//! AWS_CA_BUNDLE, the streaming port closed and open, the proxy settings reported,
//! credentials set but empty — and, with moto, a healthy network with no NET finding.

mod common;

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
        message.contains("http://***@proxy.example:3128 applies to 127.0.0.1"),
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
