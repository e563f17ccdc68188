//! The network under the AWS calls (NET001–NET003): for each endpoint the doctor
//! will call, the path its calls take — directly, or through the proxy the
//! environment names for it, read as the SDK reads it (hyper-util's matcher:
//! `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, `NO_PROXY`) — resolve, connect and shake
//! hands: TLS for `https://` (through the proxy, after `CONNECT host:443`), a first
//! answer for `http://` (an emulator; through a proxy, its answer to the absolute
//! URL). Each step has a short timeout. Then TCP to Athena's host on the JDBC/ODBC
//! streaming port. A failure is kept as the step that failed, with the addresses
//! and the proxy settings for that host. The check runs beside the first calls;
//! a call to a service whose endpoint it could not reach is answered as cut off
//! (`Tracker::gate`).

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

/// Where a service's calls go: the override in the environment (its user and
/// password removed: the URL is kept in facts and printed), else AWS's regional
/// endpoint (IAM's is global).
fn endpoint_url(service: &str, env_suffix: &str, region: &str) -> (String, bool) {
    let from_env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(url) =
        from_env(&format!("AWS_ENDPOINT_URL_{env_suffix}")).or_else(|| from_env("AWS_ENDPOINT_URL"))
    {
        return (crate::secret::without_userinfo(&url), true);
    }
    let (suffix, iam) = if region.starts_with("cn-") {
        ("amazonaws.com.cn", "iam.cn-north-1.amazonaws.com.cn".to_string())
    } else if region.starts_with("us-gov-") {
        ("amazonaws.com", "iam.us-gov.amazonaws.com".to_string())
    } else {
        ("amazonaws.com", "iam.amazonaws.com".to_string())
    };
    let url = match service {
        "iam" => format!("https://{iam}"),
        _ => format!("https://{service}.{region}.{suffix}"),
    };
    (url, false)
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

/// The proxy the environment names for a scheme, in the order the SDK reads the
/// variables (hyper-util's `Matcher::from_env`: upper case first, the first one
/// set wins even when empty, `ALL_PROXY` last), its user and password removed.
fn named_proxy(tls: bool) -> Option<String> {
    let first = |names: &[&str]| names.iter().find_map(|n| std::env::var(n).ok());
    let scheme = if tls {
        first(&["HTTPS_PROXY", "https_proxy"])
    } else {
        first(&["HTTP_PROXY", "http_proxy"])
    };
    scheme
        .filter(|v| !v.trim().is_empty())
        .or_else(|| first(&["ALL_PROXY", "all_proxy"]).filter(|v| !v.trim().is_empty()))
        .map(|p| crate::secret::without_userinfo(p.trim()))
}

/// The proxy the SDK's calls to `url` go through: the same matcher, read from the
/// same environment, that `aws-smithy-http-client` builds (`ProxyConfig::from_env`).
pub(crate) struct Route {
    matcher: hyper_util::client::proxy::matcher::Matcher,
}

/// Where a proxy is, and the credentials the SDK sends it.
struct Via {
    /// `scheme://host:port`, no user or password.
    shown: String,
    scheme: String,
    host: String,
    port: u16,
    auth: Option<http::HeaderValue>,
}

impl Route {
    pub(crate) fn from_env() -> Route {
        Route {
            matcher: hyper_util::client::proxy::matcher::Matcher::from_env(),
        }
    }

    fn via(&self, url: &str) -> Option<Via> {
        let uri: http::Uri = url.parse().ok()?;
        let intercept = self.matcher.intercept(&uri)?;
        let proxy = intercept.uri();
        let scheme = proxy.scheme_str().unwrap_or("http").to_ascii_lowercase();
        let host = proxy
            .host()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = proxy.port_u16().unwrap_or(match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => 1080, // SOCKS
        });
        Some(Via {
            shown: format!(
                "{scheme}://{}",
                proxy.authority().map(|a| a.as_str()).unwrap_or_default()
            ),
            scheme,
            host,
            port,
            auth: intercept.basic_auth().cloned(),
        })
    }
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

/// The largest `AWS_CA_BUNDLE` read: a bundle of every public CA is about 250 KB.
const MAX_CA_BUNDLE: u64 = 10 * 1024 * 1024;

/// The certificates of `AWS_CA_BUNDLE` when it is set. A bundle that is not a
/// regular file (a directory, a device such as `/dev/zero`, a FIFO: refused before
/// it is opened, so nothing blocks or grows), larger than 10 MB, unreadable, or
/// holding no PEM certificate is bad input, as a malformed `AWS_ENDPOINT_URL` is:
/// the AWS CLI refuses such a bundle, and the network check would judge
/// certificates against a trust store the user did not mean.
pub(crate) fn ca_bundle() -> Result<Vec<CertificateDer<'static>>, crate::error::Fatal> {
    Ok(ca_bundle_pem()?.1)
}

/// `AWS_CA_BUNDLE`'s bytes (bounded, as `ca_bundle` says) and its certificates.
fn ca_bundle_pem() -> Result<(Vec<u8>, Vec<CertificateDer<'static>>), crate::error::Fatal> {
    use rustls::pki_types::pem::PemObject;
    use std::io::Read;
    let Some(bundle) = std::env::var_os("AWS_CA_BUNDLE").filter(|v| !v.is_empty()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let path = std::path::Path::new(&bundle);
    let bad = |why: String| {
        crate::error::Fatal::Usage(format!(
            "AWS_CA_BUNDLE ({}) {why}: point it at a PEM file of CA certificates, or unset it",
            crate::style::printable(&path.display().to_string())
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "a device, FIFO or socket"
        };
        return Err(bad(format!("is {kind}, not a file")));
    }
    if meta.len() > MAX_CA_BUNDLE {
        return Err(bad(format!("is larger than {MAX_CA_BUNDLE} bytes")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_BUNDLE + 1).read_to_end(&mut bytes))
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_CA_BUNDLE {
        return Err(bad(format!("is larger than {MAX_CA_BUNDLE} bytes")));
    }
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(bad(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()
        ));
    }
    Ok((bytes, certs))
}

/// The one HTTP client every SDK client of a run sends through: one connection
/// pool and one TLS configuration (the system's roots loaded once) for every
/// service, region and set of credentials, where each SDK client would build its
/// own. It is the client aws-config builds by default (rustls with aws-lc,
/// proxies from the environment), with `AWS_CA_BUNDLE`'s CAs added to the
/// system's roots when it is set — the AWS SDK for Rust does not read
/// `AWS_CA_BUNDLE` itself, where the AWS CLI does.
pub(crate) fn http_client() -> aws_sdk_sts::config::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls};
    // Refused before the first call when bad (`ca_bundle`); read bounded.
    let context = match ca_bundle_pem() {
        Ok((pem, certs)) if !certs.is_empty() => {
            let trust = tls::TrustStore::default().with_pem_certificate(pem);
            tls::TlsContext::builder().with_trust_store(trust).build().ok()
        }
        _ => None,
    };
    aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, components| {
        // Without settings and components, the SDK only validates a client it
        // builds (seven for the doctor's credentials, seven for each session)
        // and drops the connector: building the TLS one loads and parses every
        // root certificate, most of a fleet member's CPU. The connectors that
        // send are built with both, once a run for each timeout (cached).
        if settings.is_none() && components.is_none() {
            return aws_smithy_http_client::Connector::builder().build_http();
        }
        let mut builder = aws_smithy_http_client::Connector::builder()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc));
        if let Some(context) = &context {
            builder = builder.tls_context(context.clone());
        }
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build()
    })
}

/// The trusted roots: the machine's, plus `AWS_CA_BUNDLE`'s (checked before the
/// first call: `ca_bundle`).
fn roots() -> rustls::RootCertStore {
    let mut store = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = store.add(cert);
    }
    for cert in ca_bundle().unwrap_or_default() {
        let _ = store.add(cert);
    }
    store
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

async fn handshake<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: S,
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

/// The head of an HTTP answer (up to the blank line, at most 16 KB), read a byte
/// at a time so that nothing after it (a tunnel's first TLS bytes) is consumed.
async fn answer_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The status line's code and the line itself (scrubbed: a proxy's words).
fn status_of(head: &str) -> Option<(u16, String)> {
    let line = head.lines().next()?;
    let code = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, crate::secret::scrub(line.trim())))
}

/// The request to a proxy, with the `Proxy-Authorization` the SDK would send.
fn proxy_request(first_line: &str, host_port: &str, via: &Via) -> Vec<u8> {
    let mut request = format!("{first_line}\r\nHost: {host_port}\r\n").into_bytes();
    if let Some(auth) = &via.auth {
        request.extend_from_slice(b"Proxy-Authorization: ");
        request.extend_from_slice(auth.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request
}

/// What a proxy's refusal means.
fn proxy_refusal(via: &Via, code: u16, line: &str) -> Reach {
    let why = match code {
        407 => "it asks for credentials (407): put them in the proxy URL (http://user:password@host:port)",
        403 => "it forbids this destination (403): the proxy's allow list must include it",
        502..=504 => "it could not reach the endpoint itself",
        _ => "it did not pass the request on",
    };
    Reach::Failed {
        message: format!("the proxy {} answered `{line}`: {why}", via.shown),
    }
}

/// The path the SDK takes through a proxy: connect to it; for `https://`, ask
/// `CONNECT host:port` and shake hands with the endpoint through the tunnel; for
/// `http://`, ask it for the absolute URL and wait for the answer's status.
async fn through_proxy(
    via: &Via,
    tls: bool,
    host: &str,
    port: u16,
    timeout: Duration,
    roots: &Arc<rustls::RootCertStore>,
) -> Reach {
    let addresses = match resolve(&via.host, via.port, timeout).await {
        Ok(a) => a,
        Err(Reach::Dns { nxdomain, message }) => {
            return Reach::Dns {
                nxdomain,
                message: format!("the proxy's name {}: {message}", via.host),
            };
        }
        Err(r) => return r,
    };
    let mut stream = match connect(&addresses, timeout).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if via.scheme != "http" {
        // An https:// or SOCKS proxy: the doctor speaks neither; that it accepts
        // connections is as far as the check goes.
        return Reach::Reached;
    }
    let host_port = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let request = if tls {
        proxy_request(&format!("CONNECT {host_port} HTTP/1.1"), &host_port, via)
    } else {
        proxy_request(&format!("HEAD http://{host_port}/ HTTP/1.1"), &host_port, via)
    };
    let exchange = async {
        stream.write_all(&request).await?;
        answer_head(&mut stream).await
    };
    let step = if tls {
        "proxy's answer to CONNECT"
    } else {
        "proxy's answer"
    };
    let head = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => return Reach::TimedOut { at: step.into() },
        Ok(Err(e)) => {
            return Reach::Failed {
                message: format!(
                    "the proxy {}: {}",
                    via.shown,
                    crate::secret::scrub(&e.to_string())
                ),
            };
        }
        Ok(Ok(head)) => head,
    };
    let Some((code, line)) = status_of(&head) else {
        return Reach::Failed {
            message: format!(
                "the proxy {} closed the connection without an HTTP answer",
                via.shown
            ),
        };
    };
    match (tls, code) {
        (true, 200..=299) => handshake(stream, host, timeout, roots).await,
        (false, 502..=504 | 407 | 403) | (true, _) => proxy_refusal(via, code, &line),
        (false, _) => Reach::Reached,
    }
}

async fn reach(
    service: &str,
    url: String,
    route: &Route,
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
    let via = route.via(&url);
    let named = named_proxy(tls);
    let mut facts = EndpointFacts {
        service: service.into(),
        url,
        host: host.clone(),
        port,
        addresses: vec![],
        // A proxy named but not taken: NO_PROXY exempts the host (or the SDK
        // ignores the variables, as it does in a CGI script).
        no_proxy_exempts: via.is_none() && named.is_some(),
        proxy: via.as_ref().map(|v| v.shown.clone()).or(named),
        reach: Reach::Reached,
    };
    if let Some(via) = &via {
        facts.reach = through_proxy(via, tls, &host, port, timeout, roots).await;
        return (facts, vec![]);
    }
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

/// The drivers' streaming port, the `--athena-streaming-port` default.
const DEFAULT_STREAMING_PORT: u16 = 444;

/// Whether a host is AWS's: an endpoint override naming anything else (an
/// emulator, a local proxy) has no JDBC/ODBC streaming port to try.
fn is_aws_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// Check every endpoint at once, then the streaming port on Athena's host.
/// `endpoints` hears how each endpoint went as soon as all are tried (the calls
/// waiting on it need not wait for the streaming port).
pub(crate) async fn check(
    region: &str,
    timeout: Duration,
    streaming_port: u16,
    endpoints: impl FnOnce(&[&EndpointFacts]),
) -> NetworkFacts {
    let roots = Arc::new(roots());
    let route = Route::from_env();
    let mut overridden = std::collections::BTreeMap::new();
    let checks = SERVICES.iter().map(|(service, env)| {
        let (url, is_override) = endpoint_url(service, env, region);
        overridden.insert(*service, is_override);
        reach(service, url, &route, timeout, &roots)
    });
    let checks: Vec<_> = checks.collect();
    let results = futures_util::future::join_all(checks).await;
    endpoints(&results.iter().map(|(e, _)| e).collect::<Vec<_>>());
    let streaming = match results.iter().find(|(e, _)| e.service == "athena") {
        // An explicit --athena-streaming-port is tried wherever the endpoint is.
        Some((athena, _))
            if overridden.get("athena") == Some(&true)
                && !is_aws_host(&athena.host)
                && streaming_port == DEFAULT_STREAMING_PORT =>
        {
            Observed::NotCollected(format!(
                "the Athena endpoint is an override (AWS_ENDPOINT_URL) on {}, not an AWS host: an emulator \
                 or local endpoint has no JDBC/ODBC streaming port (a VPC endpoint, *.vpce.amazonaws.com, does)",
                athena.host
            ))
        }
        Some((athena, _)) if athena.reach == Reach::Reached && athena.addresses.is_empty() => {
            Observed::NotCollected(format!(
                "the calls to Athena go through the proxy {}; the drivers' streaming port is not tried through it",
                athena.proxy.as_deref().unwrap_or("in the environment")
            ))
        }
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
    let endpoints: Vec<EndpointFacts> = results.into_iter().map(|(e, _)| e).collect();
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
    fn a_proxys_answer_is_read() {
        assert_eq!(
            status_of("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"),
            Some((407, "HTTP/1.1 407 Proxy Authentication Required".into()))
        );
        assert_eq!(status_of("SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(""), None);
        let via = Via {
            shown: "http://proxy.corp:3128".into(),
            scheme: "http".into(),
            host: "proxy.corp".into(),
            port: 3128,
            auth: None,
        };
        let Reach::Failed { message } = proxy_refusal(&via, 407, "HTTP/1.1 407 x") else {
            panic!("a refusal is a failure")
        };
        assert!(
            message.contains(
                "the proxy http://proxy.corp:3128 answered `HTTP/1.1 407 x`: it asks for credentials"
            ),
            "{message}"
        );
        let request = String::from_utf8(proxy_request("CONNECT h:443 HTTP/1.1", "h:443", &via)).unwrap();
        assert_eq!(
            request,
            "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn only_aws_hosts_have_a_streaming_port_behind_an_override() {
        assert!(is_aws_host("vpce-0a1b-x.athena.us-east-1.vpce.amazonaws.com"));
        assert!(is_aws_host("athena.cn-north-1.amazonaws.com.cn"));
        assert!(!is_aws_host("127.0.0.1"));
        assert!(!is_aws_host("localhost"));
        assert!(!is_aws_host("amazonaws.com.evil.example"));
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
