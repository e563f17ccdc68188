//! The network under the AWS calls (NET001–NET003): for each endpoint the doctor
//! will call, resolve the name, connect and shake hands — TLS for `https://`, a
//! first answer for `http://` (an emulator) — each step with a short timeout; then
//! TCP to Athena's host on the JDBC/ODBC streaming port. A failure is kept as the
//! step that failed, with the addresses and the proxy settings for that host.

use crate::facts::{EndpointFacts, NetworkFacts, Observed, Reach};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The services the doctor calls, with the suffix of their `AWS_ENDPOINT_URL_*`.
const SERVICES: [(&str, &str); 5] = [
    ("sts", "STS"),
    ("iam", "IAM"),
    ("s3", "S3"),
    ("athena", "ATHENA"),
    ("glue", "GLUE"),
];

/// Where a service's calls go: the override in the environment, else AWS's
/// regional endpoint (IAM's is global).
fn endpoint_url(service: &str, env_suffix: &str, region: &str) -> String {
    let from_env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(url) =
        from_env(&format!("AWS_ENDPOINT_URL_{env_suffix}")).or_else(|| from_env("AWS_ENDPOINT_URL"))
    {
        return url;
    }
    let (suffix, iam) = if region.starts_with("cn-") {
        ("amazonaws.com.cn", "iam.cn-north-1.amazonaws.com.cn".to_string())
    } else if region.starts_with("us-gov-") {
        ("amazonaws.com", "iam.us-gov.amazonaws.com".to_string())
    } else {
        ("amazonaws.com", "iam.amazonaws.com".to_string())
    };
    match service {
        "iam" => format!("https://{iam}"),
        _ => format!("https://{service}.{region}.{suffix}"),
    }
}

/// Scheme, host and port of a URL (`https://host[:port][/…]`, IPv6 in brackets).
fn split_url(url: &str) -> Option<(bool, String, u16)> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        (false, url.strip_prefix("http://")?)
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let default = if tls { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (
            h.to_string(),
            after.strip_prefix(':').map(str::parse).transpose().ok()?,
        )
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse().ok()?)),
            None => (authority.to_string(), None),
        }
    };
    (!host.is_empty()).then(|| (tls, host, port.unwrap_or(default)))
}

/// The proxy the environment names for a URL (user and password removed), and
/// whether `NO_PROXY` exempts the host, as curl and the AWS CLI read them.
fn proxy_for(tls: bool, host: &str) -> (Option<String>, bool) {
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    let proxy = if tls {
        var(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])
    } else {
        var(&["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"])
    };
    let proxy = proxy.map(|p| match p.split_once("://") {
        Some((scheme, rest)) if rest.contains('@') => {
            format!("{scheme}://***@{}", rest.rsplit('@').next().unwrap_or_default())
        }
        _ => p,
    });
    let host = host.to_ascii_lowercase();
    let exempt = var(&["no_proxy", "NO_PROXY"]).is_some_and(|list| {
        list.split(',').map(|e| e.trim().to_ascii_lowercase()).any(|e| {
            let e = e.trim_start_matches("*.").trim_start_matches('.');
            e == "*" || (!e.is_empty() && (host == e || host.ends_with(&format!(".{e}"))))
        })
    });
    (proxy, exempt)
}

/// What getaddrinfo's message means: the name does not exist, or no answer.
fn dns_failure(message: &str) -> Reach {
    let lower = message.to_ascii_lowercase();
    let nxdomain = [
        "not known",
        "nodename nor servname",
        "no address associated",
        "no such host",
    ]
    .iter()
    .any(|m| lower.contains(m));
    Reach::Dns {
        nxdomain,
        message: crate::secret::scrub(message),
    }
}

/// The trusted roots: the machine's, plus `AWS_CA_BUNDLE` when set.
fn roots() -> (rustls::RootCertStore, Vec<String>) {
    let mut store = rustls::RootCertStore::empty();
    let mut problems = Vec::new();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = store.add(cert);
    }
    if let Some(bundle) = std::env::var_os("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) {
        use rustls::pki_types::pem::PemObject;
        match CertificateDer::pem_file_iter(&bundle) {
            Ok(certs) => {
                for cert in certs.flatten() {
                    let _ = store.add(cert);
                }
            }
            Err(e) => problems.push(format!(
                "AWS_CA_BUNDLE ({}) could not be read: {e}",
                std::path::Path::new(&bundle).display()
            )),
        }
    }
    (store, problems)
}

/// A verifier that keeps the certificate it was shown, then lets webpki judge it.
#[derive(Debug)]
struct Recording {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    seen: Arc<Mutex<Option<Vec<u8>>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(end_entity.to_vec());
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Subject and issuer of a DER certificate, as `CN=…, O=…`.
fn names(der: &[u8]) -> (Option<String>, Option<String>) {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => (
            Some(crate::secret::scrub(&cert.subject().to_string())),
            Some(crate::secret::scrub(&cert.issuer().to_string())),
        ),
        Err(_) => (None, None),
    }
}

async fn handshake(
    stream: TcpStream,
    host: &str,
    timeout: Duration,
    roots: &Arc<rustls::RootCertStore>,
) -> Reach {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        match rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
        {
            Ok(v) => v,
            Err(e) => {
                return Reach::Tls {
                    message: format!("no trusted root certificates to verify with: {e}"),
                    untrusted: true,
                    subject: None,
                    issuer: None,
                };
            }
        };
    let seen = Arc::new(Mutex::new(None));
    let config =
        match rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
            Ok(b) => b
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Recording {
                    inner: verifier,
                    seen: seen.clone(),
                }))
                .with_no_client_auth(),
            Err(e) => {
                return Reach::Failed {
                    message: format!("TLS cannot be set up: {e}"),
                };
            }
        };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return Reach::Failed {
            message: format!("`{host}` is not a name TLS can verify"),
        };
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(timeout, connector.connect(name, stream)).await {
        Err(_) => Reach::TimedOut {
            at: "TLS handshake".into(),
        },
        Ok(Ok(_)) => Reach::Reached,
        Ok(Err(e)) => {
            let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            let untrusted = matches!(tls, Some(rustls::Error::InvalidCertificate(_)));
            let (subject, issuer) = match seen.lock().unwrap_or_else(|e| e.into_inner()).as_deref() {
                Some(der) if untrusted => names(der),
                _ => (None, None),
            };
            Reach::Tls {
                message: crate::secret::scrub(&e.to_string()),
                untrusted,
                subject,
                issuer,
            }
        }
    }
}

/// An `http://` endpoint: ask for anything and wait for the first byte, so that a
/// listener that accepts and never answers shows.
async fn first_answer(mut stream: TcpStream, host: &str, timeout: Duration) -> Reach {
    let request = format!("HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut byte = [0u8; 1];
        stream.read(&mut byte).await
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Reach::TimedOut { at: "answer".into() },
        Ok(Ok(0)) => Reach::Failed {
            message: "the connection was closed without an answer".into(),
        },
        Ok(Ok(_)) => Reach::Reached,
        Ok(Err(e)) => Reach::Failed {
            message: crate::secret::scrub(&e.to_string()),
        },
    }
}

/// Connect to the first address that accepts.
async fn connect(addresses: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Reach> {
    let mut last = Reach::Failed {
        message: "no address to connect to".into(),
    };
    for addr in addresses {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = Reach::Refused,
            Ok(Err(e)) => {
                last = Reach::Failed {
                    message: crate::secret::scrub(&e.to_string()),
                }
            }
            Err(_) => last = Reach::TimedOut { at: "connect".into() },
        }
    }
    Err(last)
}

async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, Reach> {
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(Reach::Dns {
            nxdomain: false,
            message: format!("no answer from DNS within {} s", timeout.as_secs()),
        }),
        Ok(Err(e)) => Err(dns_failure(&e.to_string())),
        Ok(Ok(found)) => Ok(found.collect()),
    }
}

async fn reach(
    service: &str,
    url: String,
    timeout: Duration,
    roots: &Arc<rustls::RootCertStore>,
) -> (EndpointFacts, Vec<SocketAddr>) {
    let Some((tls, host, port)) = split_url(&url) else {
        let facts = EndpointFacts {
            service: service.into(),
            url,
            host: String::new(),
            port: 0,
            addresses: vec![],
            proxy: None,
            no_proxy_exempts: false,
            reach: Reach::Failed {
                message: "not an http(s) URL with a host".into(),
            },
        };
        return (facts, vec![]);
    };
    let (proxy, no_proxy_exempts) = proxy_for(tls, &host);
    let mut facts = EndpointFacts {
        service: service.into(),
        url,
        host: host.clone(),
        port,
        addresses: vec![],
        proxy,
        no_proxy_exempts,
        reach: Reach::Reached,
    };
    let addresses = match resolve(&host, port, timeout).await {
        Ok(a) => a,
        Err(r) => {
            facts.reach = r;
            return (facts, vec![]);
        }
    };
    facts.addresses = addresses.iter().map(|a| a.ip().to_string()).collect();
    facts.addresses.dedup();
    facts.reach = match connect(&addresses, timeout).await {
        Err(r) => r,
        Ok(stream) if tls => handshake(stream, &host, timeout, roots).await,
        Ok(stream) => first_answer(stream, &host, timeout).await,
    };
    (facts, addresses)
}

/// Check every endpoint at once, then the streaming port on Athena's host.
pub(crate) async fn check(region: &str, timeout: Duration, streaming_port: u16) -> NetworkFacts {
    let (store, problems) = roots();
    let roots = Arc::new(store);
    let checks = SERVICES
        .iter()
        .map(|(service, env)| reach(service, endpoint_url(service, env, region), timeout, &roots));
    let results = futures_util::future::join_all(checks).await;
    let streaming = match results.iter().find(|(e, _)| e.service == "athena") {
        Some((athena, addresses)) if athena.reach == Reach::Reached => {
            let at: Vec<SocketAddr> = addresses
                .iter()
                .map(|a| SocketAddr::new(a.ip(), streaming_port))
                .collect();
            match connect(&at, timeout).await {
                Ok(_) => Observed::Known(Reach::Reached),
                Err(r) => Observed::Known(r),
            }
        }
        _ => Observed::NotCollected("the Athena endpoint itself was not reached (NET001)".into()),
    };
    let mut endpoints: Vec<EndpointFacts> = results.into_iter().map(|(e, _)| e).collect();
    // A CA bundle that cannot be read explains any untrusted certificate.
    for problem in problems {
        for e in &mut endpoints {
            if let Reach::Tls {
                message,
                untrusted: true,
                ..
            } = &mut e.reach
            {
                message.push_str(&format!("; {problem}"));
            }
        }
    }
    NetworkFacts {
        endpoints,
        streaming,
        streaming_port,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_host_and_port() {
        assert_eq!(
            split_url("https://athena.us-east-1.amazonaws.com"),
            Some((true, "athena.us-east-1.amazonaws.com".into(), 443))
        );
        assert_eq!(
            split_url("http://127.0.0.1:5000/x"),
            Some((false, "127.0.0.1".into(), 5000))
        );
        assert_eq!(split_url("http://[::1]:8080"), Some((false, "::1".into(), 8080)));
        assert_eq!(split_url("ftp://x"), None);
        assert_eq!(split_url("https://"), None);
    }

    #[test]
    fn dns_failures_are_told_apart() {
        assert!(matches!(
            dns_failure("failed to lookup address information: Name or service not known"),
            Reach::Dns { nxdomain: true, .. }
        ));
        assert!(matches!(
            dns_failure("failed to lookup address information: Temporary failure in name resolution"),
            Reach::Dns { nxdomain: false, .. }
        ));
    }
}
