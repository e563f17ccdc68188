//! The VPC endpoints the connection's traffic goes through, read live (issue
//! 31): their policies become the same facts `--endpoint-policy` gives
//! (`facts.guardrails.endpoints`, one endpoint a service, as one endpoint of
//! `aws ec2 describe-vpc-endpoints` prints it), so NET004 and the
//! `aws:SourceVpce`/`aws:SourceVpc` of the BI tool's own requests are judged the
//! same way whichever gave them. Which endpoints:
//! - `--vpc-endpoint ID` (repeatable): those, each for the service its
//!   `ServiceName` names;
//! - `--vpc ID`: that VPC's endpoints of the services the BI tool calls. For S3
//!   its gateway endpoint (traffic to S3's public addresses takes it), else the
//!   interface endpoint with private DNS; for the others the interface endpoint
//!   with private DNS (the one the regional name resolves to inside the VPC);
//! - neither: when the network check (NET001) resolved a service's endpoint to
//!   private addresses (an interface endpoint's), the region's interface
//!   endpoints of that service, matched to those addresses through their
//!   network interfaces (`DescribeNetworkInterfaces`).
//!
//! A refusal (`UnauthorizedOperation`) or a failure leaves the policies unknown
//! with the read named; an endpoint that cannot be told apart leaves its
//! service unknown with why (`guardrails.endpoints_unknown`). Never "allowed".
//!
//! Hand-written, not `aws-sdk-ec2`: that crate (EC2's whole API model) measured
//! 154 s of extra `cargo check` on the project's 2-core machine (CI must stay
//! under 20 minutes; it took 14.5), and more under the release build's fat LTO
//! and single codegen unit, for two read-only calls. So each call is one EC2
//! Query API request (`Action=…&Version=2016-11-15`, a form POST) signed with
//! `aws-sigv4` (SigV4, the doctor's own credentials and region), sent through the
//! run's one HTTP client (the `SdkConfig`'s, `network::http_client`) to EC2's
//! regional endpoint or the `AWS_ENDPOINT_URL_EC2`/`AWS_ENDPOINT_URL` override the
//! SDK clients honour, its XML answer read with `aws-smithy-xml` — each crate
//! already built for the SDK clients, with the same features.

use super::call::{Reads, Tracker};
use crate::facts::{Failure, FailureKind, NetworkFacts, Observed};
use crate::policy::decode::Origin;
use crate::policy::{Policy, PolicyKind};
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// EC2's Query API version (the one `aws ec2` speaks).
const VERSION: &str = "2016-11-15";

/// The services whose endpoint policy is judged (`--endpoint-policy` takes the same).
const SERVICES: &[&str] = super::super::offline::ENDPOINT_SERVICES;

/// A listing is followed this many pages at most (1,000 endpoints a page).
const MAX_PAGES: usize = 20;

/// What the user said of the BI tool's network.
#[derive(Clone, Debug, Default)]
pub(crate) struct Wanted {
    /// `--vpc-endpoint`: the endpoints the traffic goes through.
    pub endpoint_ids: Vec<String>,
    /// `--vpc`: the VPC it leaves from.
    pub vpc: Option<String>,
    /// `--endpoint-policy` was given: the files win, nothing is read.
    pub files: bool,
}

/// What the live read found: the policy of the endpoint each service's
/// traffic goes through, and the services whose endpoint's policy stays
/// unknown, with why.
pub(crate) struct Found {
    pub policies: Observed<BTreeMap<String, Policy>>,
    pub unknown: BTreeMap<String, String>,
}

impl Found {
    fn not_collected(why: impl Into<String>) -> Found {
        Found {
            policies: Observed::NotCollected(why.into()),
            unknown: BTreeMap::new(),
        }
    }

    /// The failure with what to do about it, by what failed.
    fn failed(failure: Failure) -> Found {
        let what = match failure.kind {
            FailureKind::Denied => format!(
                "let the doctor's credentials call {} (a read), or",
                failure.action
            ),
            FailureKind::NotFound => "check the ID (another account's or region's endpoint?), or".to_string(),
            _ => "try again, or".to_string(),
        };
        Found {
            policies: Observed::Failed(Failure {
                message: format!(
                    "{}; the VPC endpoints' policies are unknown: {what} pass --endpoint-policy SERVICE=FILE",
                    failure.message
                ),
                ..failure
            }),
            unknown: BTreeMap::new(),
        }
    }
}

/// Why nothing was read when no flag names the network and no endpoint the
/// calls go to resolved to a private address.
pub(crate) const NOTHING_PRIVATE: &str = "not read live: no endpoint the calls go to resolved to a private \
     address (an interface endpoint's), and neither --vpc-endpoint ID nor --vpc ID was given (a gateway \
     endpoint of S3 is in the route, not in DNS: name its VPC with --vpc); or pass --endpoint-policy SERVICE=FILE";

/// One VPC endpoint, as `DescribeVpcEndpoints` answers it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Endpoint {
    pub id: String,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`…
    pub kind: String,
    pub vpc: String,
    /// `com.amazonaws.us-east-1.s3`.
    pub service_name: String,
    pub state: String,
    /// The policy document, as a JSON string; `None` when the endpoint has none
    /// (its service takes no policy: full access).
    pub policy: Option<String>,
    pub private_dns: bool,
    /// Its network interfaces (interface endpoints).
    pub interfaces: Vec<String>,
}

impl Endpoint {
    /// The service it is of, when the BI tool calls that service
    /// (`com.amazonaws.us-east-1.s3` → `s3`).
    fn service(&self) -> Option<&'static str> {
        let last = self.service_name.rsplit('.').next()?;
        SERVICES.iter().copied().find(|s| *s == last)
    }

    /// Gone or going: traffic no longer goes through it.
    fn gone(&self) -> bool {
        ["deleted", "deleting", "rejected", "failed", "expired"]
            .iter()
            .any(|s| self.state.eq_ignore_ascii_case(s))
    }

    fn is(&self, kind: &str) -> bool {
        self.kind.eq_ignore_ascii_case(kind)
    }
}

/// EC2's Query API with the run's configuration (see the module's comment).
pub(crate) struct Ec2 {
    config: aws_config::SdkConfig,
    timeout: Duration,
}

impl Ec2 {
    pub(crate) fn new(config: &aws_config::SdkConfig, timeout: Duration) -> Ec2 {
        Ec2 {
            config: config.clone(),
            timeout,
        }
    }

    fn region(&self) -> String {
        self.config.region().map(|r| r.to_string()).unwrap_or_default()
    }

    /// Where EC2's calls go, resolved as the SDK clients resolve theirs: the
    /// service's own override (`AWS_ENDPOINT_URL_EC2`, a profile's `services`
    /// section), then the global one (`AWS_ENDPOINT_URL`, `endpoint_url`), then
    /// EC2's regional endpoint.
    fn url(&self, region: &str) -> String {
        use aws_types::service_config::ServiceConfigKey;
        let own = ServiceConfigKey::builder()
            .service_id("EC2")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()
            .and_then(|key| self.config.service_config()?.load_config(key));
        own.or_else(|| self.config.endpoint_url().map(str::to_string))
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://ec2.{region}.{suffix}")
            })
    }

    /// One request, retried twice when it may pass (throttled, unreachable, a
    /// server error), as the SDK clients' standard retries do.
    async fn send(&self, action: &str, params: &[(String, String)]) -> Result<String, Failure> {
        let mut wait = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.once(action, params).await {
                Err(f)
                    if attempt < 3
                        && matches!(
                            f.kind,
                            FailureKind::Throttled | FailureKind::Unreachable | FailureKind::ServerError
                        ) =>
                {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, action: &str, params: &[(String, String)]) -> Result<String, Failure> {
        use aws_credential_types::provider::ProvideCredentials;
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnector, HttpConnectorSettings};
        let failure = |kind: FailureKind, code: &str, message: String| Failure {
            kind,
            action: format!("ec2:{action}"),
            code: code.to_string(),
            message: crate::secret::scrub(&message),
        };
        let region = self.region();
        let url = self.url(&region);
        let mut body = vec![("Action", action), ("Version", VERSION)];
        body.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = form(&body);
        let no_credentials = |why: String| {
            failure(
                FailureKind::Other,
                "",
                format!(
                    "the doctor has no usable AWS credentials (AWS_PROFILE, --profile, environment, SSO): {why}"
                ),
            )
        };
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| no_credentials("none configured".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| no_credentials(aws_sdk_sts::error::DisplayErrorContext(&e).to_string()))?;
        let identity: aws_smithy_runtime_api::client::identity::Identity = credentials.into();
        let bad = |e: &dyn std::fmt::Display| {
            failure(
                FailureKind::Other,
                "",
                format!("the request could not be built (an invalid region or endpoint {url}?): {e}"),
            )
        };
        let uri: http::Uri = url.parse().map_err(|e| bad(&e))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
        let now = self
            .config
            .time_source()
            .map_or_else(std::time::SystemTime::now, |t| t.now());
        let signing: aws_sigv4::http_request::SigningParams = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("ec2")
            .time(now)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| bad(&e))?
            .into();
        let headers = [("content-type", FORM), ("host", host.as_str())];
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| bad(&e))?;
        let (instructions, _) = sign(signable, &signing).map_err(|e| bad(&e))?.into_parts();
        let mut request = http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", FORM)
            .header("host", &host)
            .body(aws_smithy_types::body::SdkBody::from(body))
            .map_err(|e| bad(&e))?;
        instructions.apply_to_request_http1x(&mut request);
        let request = aws_smithy_runtime_api::client::orchestrator::HttpRequest::try_from(request)
            .map_err(|e| bad(&e))?;
        let client = self
            .config
            .http_client()
            .ok_or_else(|| failure(FailureKind::Other, "", "no HTTP client configured".into()))?;
        let components = components(&self.config, &url).map_err(|e| bad(&e))?;
        // The settings the SDK clients ask with (a connect timeout, no read
        // timeout): the client hands out the same connector, so one pool.
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(self.timeout)
            .build();
        let connector = client.http_connector(&settings, &components);
        let exchange = async {
            let response = connector.call(request).await?;
            let status = response.status().as_u16();
            let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| aws_smithy_runtime_api::client::result::ConnectorError::io(e.into()))?
                .to_vec();
            Ok::<_, aws_smithy_runtime_api::client::result::ConnectorError>((status, bytes))
        };
        let (status, bytes) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => return Err(failure(FailureKind::Timeout, "", "the call timed out".into())),
            Ok(Err(e)) if e.is_timeout() => {
                return Err(failure(
                    FailureKind::Timeout,
                    "",
                    "the connection timed out".into(),
                ));
            }
            Ok(Err(e)) => {
                return Err(failure(
                    FailureKind::Unreachable,
                    "",
                    aws_sdk_sts::error::DisplayErrorContext(&e).to_string(),
                ));
            }
            Ok(Ok(answer)) => answer,
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let (code, message) = error_of(&text);
        let kind = kind_of(status, &code);
        let message = match (code.is_empty(), message.is_empty()) {
            (true, true) => format!("HTTP {status} with no AWS error code or message"),
            (false, true) => code.clone(),
            (true, false) => message,
            (false, false) => format!("{code}: {message}"),
        };
        Err(failure(kind, &code, message))
    }
}

/// The runtime components the HTTP client is asked for a connector with: the
/// connector `network::http_client` builds reads only the sleep implementation
/// (for its connect timeout); the rest is the minimum the builder requires of
/// a client that signs its own requests.
fn components(
    config: &aws_config::SdkConfig,
    url: &str,
) -> Result<
    aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    aws_smithy_runtime_api::box_error::BoxError,
> {
    use aws_smithy_runtime::client::auth::no_auth::{NO_AUTH_SCHEME_ID, NoAuthScheme};
    use aws_smithy_runtime::client::identity::IdentityCache;
    use aws_smithy_runtime::client::identity::no_auth::NoAuthIdentityResolver;
    use aws_smithy_runtime::client::orchestrator::endpoints::StaticUriEndpointResolver;
    use aws_smithy_runtime::client::retries::strategy::NeverRetryStrategy;
    use aws_smithy_runtime_api::client::auth::static_resolver::StaticAuthSchemeOptionResolver;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    Ok(RuntimeComponentsBuilder::new("athena-doctor ec2")
        .with_auth_scheme_option_resolver(Some(StaticAuthSchemeOptionResolver::new(vec![NO_AUTH_SCHEME_ID])))
        .with_endpoint_resolver(Some(StaticUriEndpointResolver::uri(url)))
        .with_auth_scheme(NoAuthScheme::new())
        .with_identity_cache(Some(IdentityCache::no_cache()))
        .with_identity_resolver(NO_AUTH_SCHEME_ID, NoAuthIdentityResolver::new())
        .with_retry_strategy(Some(NeverRetryStrategy::new()))
        .with_sleep_impl(config.sleep_impl())
        .with_time_source(config.time_source())
        .build()?)
}

/// `application/x-www-form-urlencoded`, every byte but RFC 3986's unreserved
/// ones percent-encoded (as the SDK's query serializer writes it).
fn form(pairs: &[(&str, &str)]) -> String {
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
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What an EC2 error code means to the rules.
fn kind_of(status: u16, code: &str) -> FailureKind {
    match code {
        "UnauthorizedOperation"
        | "AuthFailure"
        | "Blocked"
        | "AccessDenied"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "RequestExpired" => FailureKind::Denied,
        "RequestLimitExceeded" | "Throttling" | "ThrottlingException" => FailureKind::Throttled,
        _ if code.ends_with(".NotFound") => FailureKind::NotFound,
        _ if status == 403 => FailureKind::Denied,
        _ if status >= 500 => FailureKind::ServerError,
        _ => FailureKind::Other,
    }
}

/// The `Code` and `Message` of an EC2 error answer
/// (`<Response><Errors><Error><Code>…`), empty when it has none.
fn error_of(xml: &str) -> (String, String) {
    let mut doc = Document::new(xml);
    let (mut code, mut message) = (String::new(), String::new());
    while let Some(start) = doc.next_start_element() {
        let which = match start.local() {
            "Code" if code.is_empty() => &mut code,
            "Message" if message.is_empty() => &mut message,
            _ => continue,
        };
        let mut scoped = doc.scoped_to(start);
        *which = try_data(&mut scoped)
            .map(|t| t.trim().to_string())
            .unwrap_or_default();
    }
    (code, message)
}

fn text(tag: &mut ScopedDecoder) -> Result<String, XmlDecodeError> {
    Ok(try_data(tag)?.trim().to_string())
}

/// `DescribeVpcEndpoints`'s answer: the endpoints and the next page's token.
fn read_endpoints(xml: &str) -> Result<(Vec<Endpoint>, Option<String>), XmlDecodeError> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    let (mut found, mut next) = (Vec::new(), None);
    while let Some(mut tag) = root.next_tag() {
        if tag.start_el().matches("vpcEndpointSet") {
            while let Some(mut item) = tag.next_tag() {
                found.push(read_endpoint(&mut item)?);
            }
        } else if tag.start_el().matches("nextToken") {
            next = Some(text(&mut tag)?).filter(|t| !t.is_empty());
        }
    }
    Ok((found, next))
}

fn read_endpoint(item: &mut ScopedDecoder) -> Result<Endpoint, XmlDecodeError> {
    let mut e = Endpoint::default();
    while let Some(mut field) = item.next_tag() {
        let name = field.start_el().local().to_string();
        match name.as_str() {
            "vpcEndpointId" => e.id = text(&mut field)?,
            "vpcEndpointType" => e.kind = text(&mut field)?,
            "vpcId" => e.vpc = text(&mut field)?,
            "serviceName" => e.service_name = text(&mut field)?,
            "state" => e.state = text(&mut field)?,
            "policyDocument" => e.policy = Some(text(&mut field)?).filter(|p| !p.is_empty()),
            "privateDnsEnabled" => e.private_dns = text(&mut field)?.eq_ignore_ascii_case("true"),
            "networkInterfaceIdSet" => {
                while let Some(mut id) = field.next_tag() {
                    e.interfaces.push(text(&mut id)?);
                }
            }
            _ => {}
        }
    }
    Ok(e)
}

/// `DescribeNetworkInterfaces`'s answer: each interface's addresses (primary,
/// secondary, IPv6).
fn read_interfaces(xml: &str) -> Result<BTreeMap<String, Vec<String>>, XmlDecodeError> {
    fn addresses(tag: &mut ScopedDecoder, out: &mut Vec<String>) -> Result<(), XmlDecodeError> {
        while let Some(mut child) = tag.next_tag() {
            let name = child.start_el().local().to_string();
            match name.as_str() {
                "privateIpAddress" | "ipv6Address" => out.push(text(&mut child)?),
                "privateIpAddressesSet" | "ipv6AddressesSet" | "item" => addresses(&mut child, out)?,
                _ => {}
            }
        }
        Ok(())
    }
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    let mut found = BTreeMap::new();
    while let Some(mut tag) = root.next_tag() {
        if !tag.start_el().matches("networkInterfaceSet") {
            continue;
        }
        while let Some(mut item) = tag.next_tag() {
            let (mut id, mut addrs) = (String::new(), Vec::new());
            while let Some(mut field) = item.next_tag() {
                let name = field.start_el().local().to_string();
                match name.as_str() {
                    "networkInterfaceId" => id = text(&mut field)?,
                    "privateIpAddress" | "ipv6Address" => addrs.push(text(&mut field)?),
                    "privateIpAddressesSet" | "ipv6AddressesSet" => addresses(&mut field, &mut addrs)?,
                    _ => {}
                }
            }
            addrs.sort();
            addrs.dedup();
            found.insert(id, addrs);
        }
    }
    Ok(found)
}

/// An answer that is not EC2's XML.
fn unreadable(action: &str, e: &XmlDecodeError) -> Failure {
    Failure {
        kind: FailureKind::Other,
        action: action.to_string(),
        code: String::new(),
        message: crate::secret::scrub(&format!(
            "an answer that is not EC2's (a proxy or a broken endpoint in between?): {e}"
        )),
    }
}

/// `DescribeVpcEndpoints` with `params`, every page.
async fn describe(
    ec2: &Ec2,
    t: &Tracker,
    reads: &Reads,
    params: Vec<(String, String)>,
) -> Observed<Vec<Endpoint>> {
    const ACTION: &str = "ec2:DescribeVpcEndpoints";
    let key = form(
        &params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    let work = async move {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page = params.clone();
            page.extend(token.take().map(|t| ("NextToken".to_string(), t)));
            let xml = match ec2.send("DescribeVpcEndpoints", &page).await {
                Ok(xml) => xml,
                Err(f) => return Observed::Failed(f),
            };
            match read_endpoints(&xml) {
                Ok((found, next)) => {
                    all.extend(found);
                    token = next;
                }
                Err(e) => return Observed::Failed(unreadable(ACTION, &e)),
            }
            if token.is_none() {
                break;
            }
        }
        Observed::Known(all)
    };
    t.made(reads, key, ACTION, ACTION, work).await
}

/// `DescribeNetworkInterfaces` of `ids`: each one's addresses.
async fn interfaces(
    ec2: &Ec2,
    t: &Tracker,
    reads: &Reads,
    ids: &BTreeSet<String>,
) -> Observed<BTreeMap<String, Vec<String>>> {
    const ACTION: &str = "ec2:DescribeNetworkInterfaces";
    let params: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("NetworkInterfaceId.{}", i + 1), id.clone()))
        .collect();
    let key = form(
        &params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    let work = async move {
        match ec2.send("DescribeNetworkInterfaces", &params).await {
            Ok(xml) => match read_interfaces(&xml) {
                Ok(found) => Observed::Known(found),
                Err(e) => Observed::Failed(unreadable(ACTION, &e)),
            },
            Err(f) => Observed::Failed(f),
        }
    };
    t.made(reads, key, ACTION, ACTION, work).await
}

/// Whether an address is private: an interface endpoint's (RFC 1918, or IPv6
/// unique local). Loopback is not: that is an emulator or a local proxy.
fn is_private(address: &str) -> bool {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_private(),
        Ok(std::net::IpAddr::V6(a)) => (a.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

/// The services whose endpoint the network check resolved to private
/// addresses, with those addresses and the host.
fn private_services(network: &NetworkFacts) -> BTreeMap<String, (String, Vec<String>)> {
    network
        .endpoints
        .iter()
        .filter(|e| SERVICES.contains(&e.service.as_str()))
        .filter_map(|e| {
            let private: Vec<String> = e.addresses.iter().filter(|a| is_private(a)).cloned().collect();
            (!private.is_empty()).then(|| (e.service.clone(), (e.host.clone(), private)))
        })
        .collect()
}

/// The endpoint as `aws ec2 describe-vpc-endpoints` prints it, read as
/// `--endpoint-policy SERVICE=FILE` reads that output: one model.
fn policy_of(service: &str, e: &Endpoint) -> Result<Policy, String> {
    // An endpoint without a policy (its service takes none) allows everything
    // through it (AWS PrivateLink Guide, "Control access to VPC endpoints using
    // endpoint policies": "the default endpoint policy ... allows full access").
    const FULL_ACCESS: &str =
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let described = serde_json::json!({"VpcEndpoints": [{
        "VpcEndpointId": e.id,
        "VpcEndpointType": e.kind,
        "VpcId": e.vpc,
        "ServiceName": e.service_name,
        "State": e.state,
        "PolicyDocument": e.policy.as_deref().unwrap_or(FULL_ACCESS),
    }]});
    // One line, as a file of it written by hand: no file to point into.
    let text = described.to_string();
    let name = format!("policy of VPC endpoint {} ({service})", e.id);
    let mut policy = Policy::from_text(&name, None, &text, PolicyKind::Resource).map_err(|err| {
        format!(
            "the policy of VPC endpoint {} as EC2 returned it cannot be judged: {err}",
            e.id
        )
    })?;
    policy.origin = Origin::VpcEndpoint;
    policy.name = name;
    Ok(policy)
}

/// Take `e` as the endpoint of `service`, or say why its policy is unknown.
fn take(
    service: &str,
    e: &Endpoint,
    found: &mut BTreeMap<String, Policy>,
    unknown: &mut BTreeMap<String, String>,
) {
    match policy_of(service, e) {
        Ok(p) => {
            found.insert(service.to_string(), p);
        }
        Err(why) => {
            unknown.insert(service.to_string(), why);
        }
    }
}

fn ids(list: &[&Endpoint]) -> String {
    list.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join(", ")
}

/// The endpoints named with `--vpc-endpoint`, by service.
fn named(
    wanted: &[String],
    endpoints: &[Endpoint],
    found: &mut BTreeMap<String, Policy>,
    unknown: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    let mut by_service: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    for id in wanted {
        let Some(e) = endpoints.iter().find(|e| &e.id == id) else {
            return Err(format!(
                "--vpc-endpoint {id}: ec2:DescribeVpcEndpoints does not list it (another account's or region's?): \
                 pass its policy with --endpoint-policy SERVICE=FILE"
            ));
        };
        let Some(service) = e.service() else {
            return Err(format!(
                "--vpc-endpoint {id} is an endpoint of {}, not of a service the BI tool calls ({})",
                e.service_name,
                SERVICES.join(", ")
            ));
        };
        by_service.entry(service).or_default().push(e);
    }
    for (service, list) in by_service {
        match list.as_slice() {
            [e] => take(service, e, found, unknown),
            _ => {
                return Err(format!(
                    "--vpc-endpoint names {} endpoints of {service} ({}): name the one its traffic goes through",
                    list.len(),
                    ids(&list)
                ));
            }
        }
    }
    Ok(())
}

/// The endpoints of `vpc` the BI tool's traffic takes, for the services not
/// already named: S3's gateway endpoint (the route to S3's public addresses),
/// else the interface endpoint with private DNS (the regional name resolves to
/// it inside the VPC; AWS allows one a service a VPC).
fn in_vpc(
    vpc: &str,
    endpoints: &[Endpoint],
    found: &mut BTreeMap<String, Policy>,
    unknown: &mut BTreeMap<String, String>,
) {
    for service in SERVICES {
        if found.contains_key(*service) {
            continue;
        }
        let live: Vec<&Endpoint> = endpoints
            .iter()
            .filter(|e| e.vpc == vpc && !e.gone() && e.service() == Some(*service))
            .collect();
        let gateways: Vec<&Endpoint> = live.iter().copied().filter(|e| e.is("Gateway")).collect();
        let private_dns: Vec<&Endpoint> = live
            .iter()
            .copied()
            .filter(|e| e.is("Interface") && e.private_dns)
            .collect();
        let chosen = if gateways.is_empty() {
            &private_dns
        } else {
            &gateways
        };
        match chosen.as_slice() {
            [] => {}
            [e] => take(service, e, found, unknown),
            several => {
                unknown.insert(
                    service.to_string(),
                    format!(
                        "{vpc} has {} {} endpoints of {service} ({}): which one the BI tool's traffic takes depends \
                         on its subnet's route table; name it with --vpc-endpoint ID",
                        several.len(),
                        if gateways.is_empty() { "interface" } else { "gateway" },
                        ids(several)
                    ),
                );
            }
        }
    }
}

/// The interface endpoints of the services resolved to private addresses,
/// each matched to those addresses through its network interfaces
/// (`holding`: interface → addresses; a failed read of them leaves a lone
/// candidate taken as it is, several unknown).
fn matched(
    region: &str,
    private: &BTreeMap<String, (String, Vec<String>)>,
    endpoints: &[Endpoint],
    holding: &Observed<BTreeMap<String, Vec<String>>>,
    found: &mut BTreeMap<String, Policy>,
    unknown: &mut BTreeMap<String, String>,
) {
    for (service, (host, addresses)) in private {
        let candidates: Vec<&Endpoint> = endpoints
            .iter()
            .filter(|e| e.is("Interface") && !e.gone() && e.service() == Some(service.as_str()))
            .collect();
        let shown = addresses.join(", ");
        let name = format!("com.amazonaws.{region}.{service}");
        let hold: Vec<&Endpoint> = match holding {
            Observed::Known(map) => candidates
                .iter()
                .copied()
                .filter(|e| {
                    e.interfaces
                        .iter()
                        .filter_map(|i| map.get(i))
                        .flatten()
                        .any(|a| addresses.contains(a))
                })
                .collect(),
            _ if candidates.len() == 1 => candidates.clone(),
            other => {
                let why = other.known().err().unwrap_or_default();
                unknown.insert(
                    service.clone(),
                    format!(
                        "{host} resolves to {shown} (an interface endpoint), and the interface endpoints of {name} \
                         ({}) could not be matched to it: {why}; name it with --vpc-endpoint ID",
                        ids(&candidates)
                    ),
                );
                continue;
            }
        };
        match hold.as_slice() {
            [e] => take(service, e, found, unknown),
            [] => {
                let why = if candidates.is_empty() {
                    format!("the account has no interface endpoint of {name}")
                } else {
                    format!(
                        "none of the interface endpoints of {name} ({}) holds it",
                        ids(&candidates)
                    )
                };
                unknown.insert(
                    service.clone(),
                    format!(
                        "{host} resolves to {shown} (an interface endpoint), but {why} (another account's, \
                         shared with the VPC?): name it with --vpc-endpoint ID, or pass --endpoint-policy {service}=FILE"
                    ),
                );
            }
            several => {
                unknown.insert(
                    service.clone(),
                    format!(
                        "{host} resolves to {shown}, held by {} endpoints of {name} ({}): name the one with \
                         --vpc-endpoint ID",
                        several.len(),
                        ids(several)
                    ),
                );
            }
        }
    }
}

/// The VPC endpoints' policies, as `wanted` and the network check say which.
pub(crate) async fn endpoints(
    ec2: &Ec2,
    wanted: &Wanted,
    network: impl std::future::Future<Output = Observed<NetworkFacts>>,
    t: &Tracker,
    reads: &Reads,
) -> Found {
    if wanted.files {
        return Found::not_collected("given with --endpoint-policy");
    }
    let region = ec2.region();
    let mut found = BTreeMap::new();
    let mut unknown = BTreeMap::new();
    if !wanted.endpoint_ids.is_empty() || wanted.vpc.is_some() {
        if !wanted.endpoint_ids.is_empty() {
            let params = wanted
                .endpoint_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (format!("VpcEndpointId.{}", i + 1), id.clone()))
                .collect();
            match describe(ec2, t, reads, params).await {
                Observed::Known(list) => {
                    if let Err(why) = named(&wanted.endpoint_ids, &list, &mut found, &mut unknown) {
                        return Found::not_collected(why);
                    }
                }
                Observed::Failed(f) => return Found::failed(f),
                Observed::NotCollected(why) => return Found::not_collected(why),
            }
        }
        if let Some(vpc) = &wanted.vpc {
            // Every endpoint of the region, chosen here: the `vpc-id` and
            // `service-name` filters would do it on EC2's side, but moto (what
            // the tests run against) implements neither for endpoints.
            match describe(ec2, t, reads, Vec::new()).await {
                Observed::Known(list) => in_vpc(vpc, &list, &mut found, &mut unknown),
                Observed::Failed(f) => return Found::failed(f),
                Observed::NotCollected(why) => return Found::not_collected(why),
            }
        }
        return Found {
            policies: Observed::Known(found),
            unknown,
        };
    }
    let private = match network.await {
        Observed::Known(n) => private_services(&n),
        _ => BTreeMap::new(),
    };
    if private.is_empty() {
        return Found::not_collected(NOTHING_PRIVATE);
    }
    // Every endpoint of the region (see above), matched here.
    let list = match describe(ec2, t, reads, Vec::new()).await {
        Observed::Known(list) => list,
        Observed::Failed(f) => return Found::failed(f),
        Observed::NotCollected(why) => return Found::not_collected(why),
    };
    let enis: BTreeSet<String> = list
        .iter()
        .filter(|e| !e.gone())
        .flat_map(|e| e.interfaces.iter().cloned())
        .collect();
    let holding = if enis.is_empty() {
        Observed::Known(BTreeMap::new())
    } else {
        interfaces(ec2, t, reads, &enis).await
    };
    matched(&region, &private, &list, &holding, &mut found, &mut unknown);
    Found {
        policies: Observed::Known(found),
        unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of EC2's answer (EC2 API Reference, DescribeVpcEndpoints,
    /// "Examples"), with a gateway endpoint's policy as EC2 escapes it.
    const DESCRIBED: &str = r#"<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>19a9ff46-7df6-49b8-9726-3df27527089d</requestId>
    <vpcEndpointSet>
        <item>
            <vpcEndpointId>vpce-032a826a</vpcEndpointId>
            <vpcEndpointType>Gateway</vpcEndpointType>
            <vpcId>vpc-1a2b3c4d</vpcId>
            <serviceName>com.amazonaws.us-east-1.s3</serviceName>
            <state>available</state>
            <policyDocument>{&quot;Version&quot;:&quot;2012-10-17&quot;,&quot;Statement&quot;:[{&quot;Sid&quot;:&quot;NoWrites&quot;,&quot;Effect&quot;:&quot;Deny&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Action&quot;:&quot;s3:PutObject&quot;,&quot;Resource&quot;:&quot;arn:aws:s3:::results/*&quot;},{&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Action&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}]}</policyDocument>
            <routeTableIdSet><item>rtb-123abc12</item></routeTableIdSet>
            <privateDnsEnabled>false</privateDnsEnabled>
        </item>
        <item>
            <vpcEndpointId>vpce-0f89a33420c1931d7</vpcEndpointId>
            <vpcEndpointType>Interface</vpcEndpointType>
            <vpcId>vpc-1a2b3c4d</vpcId>
            <serviceName>com.amazonaws.us-east-1.athena</serviceName>
            <state>available</state>
            <privateDnsEnabled>true</privateDnsEnabled>
            <networkInterfaceIdSet><item>eni-2ec2b084</item><item>eni-1b4a65cf</item></networkInterfaceIdSet>
        </item>
    </vpcEndpointSet>
    <nextToken>page-2</nextToken>
</DescribeVpcEndpointsResponse>"#;

    #[test]
    fn the_answer_is_read_with_its_escaped_policy() {
        let (found, next) = read_endpoints(DESCRIBED).unwrap();
        assert_eq!(next.as_deref(), Some("page-2"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "vpce-032a826a");
        assert_eq!(found[0].service(), Some("s3"));
        assert!(
            found[0]
                .policy
                .as_deref()
                .unwrap()
                .starts_with(r#"{"Version":"2012-10-17""#)
        );
        assert_eq!(found[1].interfaces, ["eni-2ec2b084", "eni-1b4a65cf"]);
        assert!(found[1].private_dns && found[1].is("interface"));
        let policy = policy_of("s3", &found[0]).unwrap();
        assert_eq!(policy.name, "policy of VPC endpoint vpce-032a826a (s3)");
        // The names `--endpoint-policy` keeps: the request's aws:SourceVpce/SourceVpc.
        assert_eq!(policy.name_of("endpoint"), Some("vpce-032a826a"));
        assert_eq!(policy.name_of("vpc"), Some("vpc-1a2b3c4d"));
        assert_eq!(policy.origin, Origin::VpcEndpoint);
        // No policy (a service that takes none): full access, not a guess of denial.
        let open = policy_of("athena", &found[1]).unwrap();
        assert!(open.json.to_string().contains(r#""Action":"*""#), "{}", open.json);
    }

    #[test]
    fn an_error_answer_is_a_classified_failure() {
        let refused = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
            <Message>You are not authorized to perform this operation.</Message></Error></Errors>\
            <RequestID>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestID></Response>";
        let (code, message) = error_of(refused);
        assert_eq!(code, "UnauthorizedOperation");
        assert_eq!(message, "You are not authorized to perform this operation.");
        assert_eq!(kind_of(403, &code), FailureKind::Denied);
        assert_eq!(
            kind_of(400, "InvalidVpcEndpointId.NotFound"),
            FailureKind::NotFound
        );
        assert_eq!(kind_of(503, "RequestLimitExceeded"), FailureKind::Throttled);
        assert_eq!(kind_of(500, ""), FailureKind::ServerError);
        assert_eq!(error_of("not xml"), (String::new(), String::new()));
    }

    #[test]
    fn interfaces_are_read_with_every_address() {
        let xml = r#"<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
            <requestId>r</requestId><networkInterfaceSet><item>
              <networkInterfaceId>eni-2ec2b084</networkInterfaceId><subnetId>subnet-1</subnetId>
              <privateIpAddress>10.0.1.17</privateIpAddress>
              <privateIpAddressesSet><item><privateIpAddress>10.0.1.17</privateIpAddress><primary>true</primary></item>
                <item><privateIpAddress>10.0.1.18</privateIpAddress><primary>false</primary></item></privateIpAddressesSet>
              <ipv6AddressesSet><item><ipv6Address>fd00::17</ipv6Address></item></ipv6AddressesSet>
            </item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"#;
        let found = read_interfaces(xml).unwrap();
        assert_eq!(found["eni-2ec2b084"], ["10.0.1.17", "10.0.1.18", "fd00::17"]);
    }

    #[test]
    fn the_request_is_a_form() {
        assert_eq!(
            form(&[("Action", "DescribeVpcEndpoints"), ("VpcEndpointId.1", "vpce-1")]),
            "Action=DescribeVpcEndpoints&VpcEndpointId.1=vpce-1"
        );
        assert_eq!(form(&[("a b", "x/y:z")]), "a%20b=x%2Fy%3Az");
    }

    #[test]
    fn private_addresses_are_an_interface_endpoints() {
        assert!(is_private("10.0.1.17") && is_private("172.31.2.3") && is_private("192.168.0.1"));
        assert!(is_private("fd12:3456::1"));
        assert!(!is_private("127.0.0.1") && !is_private("52.216.0.1") && !is_private("::1"));
        assert!(!is_private("not an address"));
    }

    fn endpoint(id: &str, kind: &str, service: &str, private_dns: bool, enis: &[&str]) -> Endpoint {
        Endpoint {
            id: id.into(),
            kind: kind.into(),
            vpc: "vpc-1".into(),
            service_name: format!("com.amazonaws.us-east-1.{service}"),
            state: "available".into(),
            policy: None,
            private_dns,
            interfaces: enis.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// In a VPC: S3's gateway endpoint wins over its interface endpoint; the
    /// others take the interface endpoint with private DNS; an interface
    /// endpoint without it (reached by its own name only) is not taken; two
    /// gateways are unknown, never a guess.
    #[test]
    fn a_vpcs_endpoints_are_chosen_as_its_traffic_takes_them() {
        let list = vec![
            endpoint("vpce-s3i", "Interface", "s3", true, &["eni-1"]),
            endpoint("vpce-s3g", "Gateway", "s3", false, &[]),
            endpoint("vpce-ath", "Interface", "athena", true, &["eni-2"]),
            endpoint("vpce-glue", "Interface", "glue", false, &["eni-3"]),
            endpoint("vpce-kms", "Gateway", "dynamodb", false, &[]),
        ];
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        in_vpc("vpc-1", &list, &mut found, &mut unknown);
        assert_eq!(found.keys().collect::<Vec<_>>(), ["athena", "s3"]);
        assert_eq!(found["s3"].name_of("endpoint"), Some("vpce-s3g"));
        assert!(unknown.is_empty(), "{unknown:?}");
        let mut two = list.clone();
        two.push(endpoint("vpce-s3g2", "Gateway", "s3", false, &[]));
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        in_vpc("vpc-1", &two, &mut found, &mut unknown);
        assert!(!found.contains_key("s3"));
        assert!(
            unknown["s3"].contains("2 gateway endpoints of s3 (vpce-s3g, vpce-s3g2)"),
            "{unknown:?}"
        );
        // Another VPC's endpoints are not this one's.
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        in_vpc("vpc-2", &list, &mut found, &mut unknown);
        assert!(found.is_empty() && unknown.is_empty());
    }

    /// Resolved to private addresses: the endpoint whose interface holds the
    /// address; none holding it, or the interfaces unread with several
    /// candidates, is unknown with why.
    #[test]
    fn a_private_address_is_matched_to_its_endpoint() {
        let list = vec![
            endpoint("vpce-a", "Interface", "athena", true, &["eni-a"]),
            endpoint("vpce-b", "Interface", "athena", false, &["eni-b"]),
        ];
        let private = BTreeMap::from([(
            "athena".to_string(),
            (
                "athena.us-east-1.amazonaws.com".to_string(),
                vec!["10.0.2.9".to_string()],
            ),
        )]);
        let holding = Observed::Known(BTreeMap::from([
            ("eni-a".to_string(), vec!["10.0.1.5".to_string()]),
            ("eni-b".to_string(), vec!["10.0.2.9".to_string()]),
        ]));
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        matched("us-east-1", &private, &list, &holding, &mut found, &mut unknown);
        assert_eq!(found["athena"].name_of("endpoint"), Some("vpce-b"));
        let nobody = Observed::Known(BTreeMap::new());
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        matched("us-east-1", &private, &list, &nobody, &mut found, &mut unknown);
        assert!(found.is_empty());
        assert!(
            unknown["athena"].contains(
                "none of the interface endpoints of com.amazonaws.us-east-1.athena (vpce-a, vpce-b) holds it"
            ),
            "{unknown:?}"
        );
        let refused = Observed::Failed(Failure {
            kind: FailureKind::Denied,
            action: "ec2:DescribeNetworkInterfaces".into(),
            code: "UnauthorizedOperation".into(),
            message: "You are not authorized to perform this operation.".into(),
        });
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        matched("us-east-1", &private, &list, &refused, &mut found, &mut unknown);
        assert!(found.is_empty());
        assert!(
            unknown["athena"].contains("needs ec2:DescribeNetworkInterfaces, which was denied"),
            "{unknown:?}"
        );
        // One candidate: taken as it is when its interfaces cannot be read.
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        matched(
            "us-east-1",
            &private,
            &list[..1],
            &refused,
            &mut found,
            &mut unknown,
        );
        assert_eq!(found["athena"].name_of("endpoint"), Some("vpce-a"));
    }

    #[test]
    fn named_endpoints_go_to_their_service() {
        let list = vec![
            endpoint("vpce-s3", "Gateway", "s3", false, &[]),
            endpoint("vpce-ddb", "Gateway", "dynamodb", false, &[]),
        ];
        let (mut found, mut unknown) = (BTreeMap::new(), BTreeMap::new());
        named(&["vpce-s3".into()], &list, &mut found, &mut unknown).unwrap();
        assert_eq!(found["s3"].name_of("endpoint"), Some("vpce-s3"));
        let other = named(&["vpce-ddb".into()], &list, &mut found, &mut unknown).unwrap_err();
        assert!(
            other.contains("an endpoint of com.amazonaws.us-east-1.dynamodb"),
            "{other}"
        );
        let missing = named(&["vpce-zz".into()], &list, &mut found, &mut unknown).unwrap_err();
        assert!(missing.contains("does not list it"), "{missing}");
    }
}
