//! NET rules: the network under the AWS calls. Each endpoint the doctor calls is
//! reached or named with the step that failed (NET001); an untrusted certificate
//! names who presented it (NET002); the JDBC/ODBC streaming port on Athena's host
//! (NET003).

use crate::engine::{Check, Outcome, Rule, Skip, declare_rule};
use crate::facts::{EndpointFacts, Facts, NetworkFacts, Observed, Reach};
use std::net::IpAddr;

/// The family's rules (the registry sorts them by code).
pub(super) static RULES: &[&dyn Rule] = &[&EndpointUnreachable, &TlsUntrusted, &StreamingPortBlocked];

fn network(facts: &Facts) -> Result<&NetworkFacts, Skip> {
    super::live(facts)?.network.require("network")
}

/// Whether an address is private: inside a VPC (an interface endpoint), or here.
fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// The addresses, and what private ones mean.
fn addresses(e: &EndpointFacts) -> String {
    if e.addresses.is_empty() {
        return String::new();
    }
    let private = e
        .addresses
        .iter()
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .any(|ip| is_private(&ip) && !ip.is_loopback());
    let note = if private {
        " — private addresses: a VPC interface endpoint answers for this name; its security group must \
         allow TCP 443 from this network, and its endpoint policy must allow the calls"
    } else {
        ""
    };
    format!("; {} resolves to {}{note}", e.host, e.addresses.join(", "))
}

/// The proxy the calls to this endpoint go through, when one does (the check
/// took the same path: `collect::live::network`).
fn via(e: &EndpointFacts) -> Option<&str> {
    e.proxy.as_deref().filter(|_| !e.no_proxy_exempts)
}

/// The proxy settings in effect for this endpoint, in words.
fn proxy(e: &EndpointFacts) -> String {
    match (&e.proxy, e.no_proxy_exempts) {
        (None, _) => "; no proxy is set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY)".into(),
        (Some(p), true) => format!(
            "; the environment's proxy is {p}, but NO_PROXY exempts {}: the calls connect directly",
            e.host
        ),
        (Some(p), false) => format!(
            "; every call to {} goes through the proxy {p} (the environment's HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, \
             read as the AWS SDK and the AWS CLI read them), and this check took the same path",
            e.host
        ),
    }
}

declare_rule! {
    pub(crate) struct EndpointUnreachable {
        code: "NET001",
        name: "endpoint-unreachable",
        severity: Error,
        summary: "An AWS endpoint the connection needs cannot be reached (live)",
    }
}

impl Rule for EndpointUnreachable {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let net = network(facts)?;
        Ok(net
            .endpoints
            .iter()
            .map(|e| {
                let at = format!("{}:{}", e.host, e.port);
                let subject = format!("{}: {}", e.service, e.url);
                // The first hop: the proxy when the calls go through one.
                let hop = via(e).map_or_else(|| at.clone(), |p| format!("the proxy {p}"));
                let step = match &e.reach {
                    // An https:// or SOCKS proxy: the check connected to it, no further.
                    Reach::Reached if via(e).is_some_and(|p| !p.starts_with("http://")) => {
                        return meta.pass(
                            &subject,
                            format!(
                                "the calls to {at} go through the proxy {}, which accepts connections (the \
                                 doctor speaks plain HTTP to proxies only: the path beyond it is not tested)",
                                via(e).unwrap_or_default()
                            ),
                        );
                    }
                    Reach::Reached => {
                        let through = via(e)
                            .map(|p| format!(" through the proxy {p}"))
                            .unwrap_or_default();
                        return meta.pass(&subject, format!("{at} answered{through}{}", addresses(e)));
                    }
                    // NET002's finding: the endpoint answered.
                    Reach::Tls { untrusted: true, .. } => {
                        return meta.pass(
                            &subject,
                            format!("{at} answered (its certificate is NET002's finding)"),
                        );
                    }
                    Reach::Dns { message, .. } if via(e).is_some() => format!("DNS: {message}"),
                    Reach::Dns {
                        nxdomain: true,
                        message,
                    } => {
                        format!("DNS: the name {} does not exist (NXDOMAIN: {message})", e.host)
                    }
                    Reach::Dns {
                        nxdomain: false,
                        message,
                    } => {
                        format!("DNS: no answer for {} ({message})", e.host)
                    }
                    Reach::Refused => format!("the connection to {hop} was refused: nothing listens there"),
                    Reach::TimedOut { at: step } if step == "connect" => {
                        format!(
                            "connecting to {hop} timed out: a firewall or security group drops the packets"
                        )
                    }
                    Reach::TimedOut { at: step } => {
                        format!("{hop} accepted the connection but gave no answer ({step} timed out)")
                    }
                    Reach::Tls { message, .. } => format!("the TLS handshake with {at} failed: {message}"),
                    // Through a proxy, the message names it.
                    Reach::Failed { message } if via(e).is_some() => message.clone(),
                    Reach::Failed { message } => format!("{at}: {message}"),
                };
                meta.fail(
                    &subject,
                    format!(
                        "the {} endpoint cannot be reached — {step}{}{}; every call to {} skips",
                        e.service,
                        addresses(e),
                        proxy(e),
                        e.service
                    ),
                )
            })
            .collect())
    }
}

declare_rule! {
    pub(crate) struct TlsUntrusted {
        code: "NET002",
        name: "tls-untrusted",
        severity: Error,
        summary: "An endpoint's TLS certificate is not trusted: TLS inspection, or a missing CA (live)",
    }
}

impl Rule for TlsUntrusted {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let net = network(facts)?;
        let checks: Vec<Check> = net
            .endpoints
            .iter()
            .filter_map(|e| match &e.reach {
                Reach::Tls {
                    untrusted: true,
                    message,
                    subject,
                    issuer,
                } => {
                    let shown = match (subject, issuer) {
                        (Some(s), Some(i)) => format!("a certificate for `{s}` issued by `{i}`"),
                        _ => "a certificate".into(),
                    };
                    Some(meta.fail(
                        format!("{}: {}", e.service, e.url),
                        format!(
                            "{}:{} presented {shown}, which this machine does not trust ({message}): a \
                             TLS-inspecting proxy or firewall looks like this. Add its CA to the trust store \
                             (for the doctor and the AWS CLI, AWS_CA_BUNDLE=/path/to/ca.pem), or exempt \
                             *.amazonaws.com from inspection",
                            e.host, e.port
                        ),
                    ))
                }
                Reach::Reached if e.url.starts_with("https://") => Some(meta.pass(
                    format!("{}: {}", e.service, e.url),
                    format!(
                        "{}:{} presented a certificate this machine trusts",
                        e.host, e.port
                    ),
                )),
                _ => None,
            })
            .collect();
        if checks.is_empty() {
            return Err(Skip::new(
                "network",
                "no TLS handshake happened (the endpoints are http:// or were not reached)",
            ));
        }
        Ok(checks)
    }
}

declare_rule! {
    pub(crate) struct StreamingPortBlocked {
        code: "NET003",
        name: "streaming-port-blocked",
        severity: Warning,
        summary: "TCP 444 (the JDBC/ODBC drivers' streaming API) on the Athena endpoint is blocked (live)",
    }
}

impl Rule for StreamingPortBlocked {
    fn check(&self, facts: &Facts) -> Outcome {
        let meta = Self::META;
        let net = network(facts)?;
        let athena = net
            .endpoints
            .iter()
            .find(|e| e.service == "athena")
            .ok_or_else(|| Skip::new("network", "the Athena endpoint was not checked"))?;
        let at = format!("{}:{}", athena.host, net.streaming_port);
        let reach = match &net.streaming {
            Observed::Known(r) => r,
            Observed::Failed(f) => return Err(Skip::new(&at, f.to_string())),
            Observed::NotCollected(why) => return Err(Skip::new(&at, why.clone())),
        };
        let why = match reach {
            Reach::Reached => {
                return Ok(vec![meta.pass(&at, format!("{at} accepts connections"))]);
            }
            Reach::Refused => "the connection was refused",
            Reach::TimedOut { .. } => "the connection timed out",
            _ => "the connection failed",
        };
        Ok(vec![meta.fail(
            &at,
            format!(
                "{at}: {why}. JDBC/ODBC drivers with the streaming API (UseResultsetStreaming) read results \
                 over this port: through a VPC endpoint, its security group must allow TCP {} as well as 443; \
                 drivers without streaming fall back to pages over 443",
                net.streaming_port
            ),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Status;
    use crate::rules::unread::{healthy, live};

    fn endpoint(service: &str, reach: Reach, addresses: &[&str]) -> EndpointFacts {
        EndpointFacts {
            service: service.into(),
            url: format!("https://{service}.us-east-1.amazonaws.com"),
            host: format!("{service}.us-east-1.amazonaws.com"),
            port: 443,
            addresses: addresses.iter().map(|a| a.to_string()).collect(),
            proxy: None,
            no_proxy_exempts: false,
            reach,
        }
    }

    #[test]
    fn each_failed_step_is_named_and_a_healthy_network_passes() {
        let mut facts = healthy();
        live(&mut facts).network = Observed::Known(NetworkFacts {
            endpoints: vec![
                endpoint("sts", Reach::Reached, &["52.94.0.1"]),
                endpoint(
                    "athena",
                    Reach::TimedOut {
                        at: "TLS handshake".into(),
                    },
                    &["10.0.3.7"],
                ),
                endpoint("glue", Reach::Refused, &["52.94.0.2"]),
                endpoint(
                    "s3",
                    Reach::Tls {
                        message: "invalid peer certificate: UnknownIssuer".into(),
                        untrusted: true,
                        subject: Some("CN=s3.amazonaws.com".into()),
                        issuer: Some("CN=Corp Inspection CA".into()),
                    },
                    &["52.94.0.3"],
                ),
            ],
            streaming: Observed::NotCollected("the Athena endpoint itself was not reached (NET001)".into()),
            streaming_port: 444,
        });
        let net001 = EndpointUnreachable.check(&facts).unwrap();
        let status: Vec<Status> = net001.iter().map(|c| c.status).collect();
        assert_eq!(status, [Status::Pass, Status::Fail, Status::Fail, Status::Pass]);
        assert!(
            net001[1]
                .message
                .contains("gave no answer (TLS handshake timed out)"),
            "{}",
            net001[1].message
        );
        assert!(
            net001[1].message.contains("VPC interface endpoint"),
            "{}",
            net001[1].message
        );
        assert!(net001[2].message.contains("refused"));
        let net002 = TlsUntrusted.check(&facts).unwrap();
        assert_eq!(net002.len(), 2);
        assert!(
            net002[1].message.contains("`CN=Corp Inspection CA`"),
            "{}",
            net002[1].message
        );
        assert!(
            StreamingPortBlocked.check(&facts).is_err(),
            "NET003 skips when Athena was not reached"
        );
    }

    /// Through a proxy, a failure names the proxy as the first hop and says the
    /// calls go through it; NO_PROXY sends the check (and the calls) direct.
    #[test]
    fn through_a_proxy_the_proxy_is_named() {
        let mut facts = healthy();
        let proxied = |reach: Reach, proxy: &str, exempt: bool| EndpointFacts {
            proxy: Some(proxy.into()),
            no_proxy_exempts: exempt,
            ..endpoint("sts", reach, &[])
        };
        live(&mut facts).network = Observed::Known(NetworkFacts {
            endpoints: vec![
                proxied(Reach::Refused, "http://10.0.0.9:3128", false),
                proxied(Reach::Refused, "http://10.0.0.9:3128", true),
                proxied(Reach::Reached, "http://10.0.0.9:3128", false),
                proxied(Reach::Reached, "socks5://10.0.0.9:1080", false),
            ],
            streaming: Observed::NotCollected("through a proxy".into()),
            streaming_port: 444,
        });
        let net001 = EndpointUnreachable.check(&facts).unwrap();
        let message = |i: usize| net001[i].message.clone();
        assert!(
            message(0).contains("the connection to the proxy http://10.0.0.9:3128 was refused")
                && message(0).contains("every call to sts.us-east-1.amazonaws.com goes through the proxy"),
            "{}",
            message(0)
        );
        assert!(
            message(1).contains("the connection to sts.us-east-1.amazonaws.com:443 was refused")
                && message(1).contains("NO_PROXY exempts"),
            "{}",
            message(1)
        );
        assert_eq!(net001[2].status, Status::Pass);
        assert!(
            message(2).contains("answered through the proxy http://10.0.0.9:3128"),
            "{}",
            message(2)
        );
        assert!(message(3).contains("not tested"), "{}", message(3));
    }

    #[test]
    fn private_addresses_are_recognised() {
        for (ip, private) in [
            ("10.0.3.7", true),
            ("172.31.0.1", true),
            ("52.94.133.131", false),
            ("::1", true),
        ] {
            assert_eq!(is_private(&ip.parse().unwrap()), private, "{ip}");
        }
    }
}
