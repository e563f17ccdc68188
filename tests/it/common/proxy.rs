//! A fault-injecting proxy in front of moto, on 127.0.0.1: every request is named
//! by its IAM action (`iam:GetRole`, `s3:GetBucketEncryption`, `athena:GetWorkGroup`)
//! and recorded; a request whose action has a fault gets the fault (latency, a hang,
//! a reset connection, a 500, throttling in its protocol's own shape, or an error
//! that echoes the request's headers) instead of, or before, moto's answer.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer after this long (moto's answer).
    Latency(Duration),
    /// Accept and never answer.
    Hang,
    /// Close the connection without an answer.
    Reset,
    /// 500 with an internal-error body in the protocol's shape.
    ServerError,
    /// Throttling as the service writes it: `Throttling` (query), `ThrottlingException`
    /// (JSON), `503 SlowDown` (S3).
    Throttle,
    /// A 403 whose message repeats every request header (a hostile or broken
    /// endpoint): nothing from it may print a credential.
    EchoHeaders,
    /// This status and body instead of moto's (in the protocol's content type):
    /// AWS's answer where moto has none (who pays for a bucket, its owner).
    Answer(u16, &'static str),
}

impl Fault {
    pub const FAILURES: [Fault; 4] = [Fault::Hang, Fault::Reset, Fault::ServerError, Fault::Throttle];
}

/// The protocol a request speaks, which decides what an error looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Query,
    Json,
    S3,
}

struct Parsed {
    head: String,
    body: Vec<u8>,
    action: String,
    protocol: Protocol,
    headers: Vec<(String, String)>,
}

pub struct Proxy {
    pub endpoint: String,
    /// The action of every request, in arrival order.
    pub calls: Arc<Mutex<Vec<String>>>,
    /// When each request arrived and when its answer was written (the
    /// benchmark's critical path is read from it).
    pub timeline: Arc<Mutex<Vec<(std::time::Instant, std::time::Instant)>>>,
}

impl Proxy {
    pub fn actions(&self) -> std::collections::BTreeSet<String> {
        self.calls.lock().unwrap().iter().cloned().collect()
    }
}

/// Start a proxy to `upstream` (moto's `http://host:port`) with `faults` by action.
pub fn start(upstream: &str, faults: HashMap<String, Fault>) -> Proxy {
    start_with(upstream, faults, None, false)
}

/// A proxy that gives every request `every` (a `Latency`: the benchmark's
/// distance to AWS), and `faults` by action. With `cache`, moto is asked each
/// distinct request (method, path, body) once and its answer replayed after: the
/// benchmark then measures the client, not moto's own rate (a few hundred
/// requests a second, one Python process).
pub fn start_with(
    upstream: &str,
    faults: HashMap<String, Fault>,
    every: Option<Fault>,
    cache: bool,
) -> Proxy {
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // std listens with a backlog of 128: a fleet of 64 or 100 connections opens
    // hundreds at once, the queue overflows, and the kernel drops the SYNs it
    // cannot queue, which the client sends again a second later — a second the
    // benchmark would charge to the doctor. AWS's endpoints queue more; so does
    // this proxy (listen again: Linux takes the new backlog).
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a listening socket's own descriptor, borrowed for the call.
        let ok = unsafe { libc::listen(listener.as_raw_fd(), 4096) };
        assert_eq!(ok, 0, "listen: {}", std::io::Error::last_os_error());
    }
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let timeline = Arc::new(Mutex::new(Vec::new()));
    let (seen, times) = (calls.clone(), timeline.clone());
    let faults = Arc::new(faults);
    let answers: Option<Arc<Answers>> = cache.then(Default::default);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (seen, times, faults, upstream) =
                (seen.clone(), times.clone(), faults.clone(), upstream.clone());
            let answers = answers.clone();
            std::thread::spawn(move || {
                serve(
                    client,
                    &upstream,
                    &faults,
                    every,
                    &seen,
                    &times,
                    answers.as_deref(),
                )
            });
        }
    });
    Proxy {
        endpoint,
        calls,
        timeline,
    }
}

type Timeline = Mutex<Vec<(std::time::Instant, std::time::Instant)>>;

/// moto's answers by request (its first line and body), when caching.
type Answers = Mutex<HashMap<Vec<u8>, Vec<u8>>>;

fn serve(
    client: TcpStream,
    upstream: &str,
    faults: &HashMap<String, Fault>,
    every: Option<Fault>,
    seen: &Mutex<Vec<String>>,
    times: &Timeline,
    answers: Option<&Answers>,
) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut client = client;
    while let Some(request) = read(&mut reader) {
        let arrived = std::time::Instant::now();
        seen.lock().unwrap().push(request.action.clone());
        match faults.get(&request.action).copied().or(every) {
            Some(Fault::Hang) => {
                // Hold the connection open, answering nothing, until the client gives up.
                let mut sink = [0u8; 1];
                let _ = client.set_read_timeout(Some(Duration::from_secs(120)));
                let _ = client.read(&mut sink);
                return;
            }
            Some(Fault::Reset) => {
                let _ = client.shutdown(std::net::Shutdown::Both);
                return;
            }
            Some(Fault::ServerError) => {
                let (ctype, body) = error_body(
                    request.protocol,
                    "InternalError",
                    "We encountered an internal error.",
                );
                reply(&mut client, 500, ctype, &body);
            }
            Some(Fault::Throttle) => {
                let (status, code) = match request.protocol {
                    Protocol::Query => (400, "Throttling"),
                    Protocol::Json => (400, "ThrottlingException"),
                    Protocol::S3 => (503, "SlowDown"),
                };
                let (ctype, body) = error_body(request.protocol, code, "Rate exceeded");
                reply(&mut client, status, ctype, &body);
            }
            Some(Fault::EchoHeaders) => {
                let echoed: Vec<String> = request.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                let (ctype, body) = error_body(
                    request.protocol,
                    "AccessDenied",
                    &format!("request headers were {}", echoed.join("; ")),
                );
                reply(&mut client, 403, ctype, &body);
            }
            Some(Fault::Answer(status, body)) => {
                let ctype = match request.protocol {
                    Protocol::Json => "application/x-amz-json-1.1",
                    Protocol::Query | Protocol::S3 => "text/xml",
                };
                // A HEAD answer has no body: its length would be read as the next answer.
                let body = if request.head.starts_with("HEAD ") {
                    ""
                } else {
                    body
                };
                reply(&mut client, status, ctype, body);
            }
            fault => {
                if let Some(Fault::Latency(d)) = fault {
                    std::thread::sleep(d);
                }
                let key = answers.map(|_| {
                    let mut key = request
                        .head
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .as_bytes()
                        .to_vec();
                    key.extend_from_slice(&request.body);
                    key
                });
                let cached = key
                    .as_ref()
                    .zip(answers)
                    .and_then(|(k, a)| a.lock().unwrap().get(k).cloned());
                let answer = match cached {
                    Some(answer) => answer,
                    None => {
                        let Some(answer) = forward(upstream, &request) else {
                            return;
                        };
                        if let (Some(k), Some(a)) = (key, answers) {
                            a.lock().unwrap().insert(k, answer.clone());
                        }
                        answer
                    }
                };
                if client.write_all(&answer).is_err() {
                    return;
                }
                times.lock().unwrap().push((arrived, std::time::Instant::now()));
            }
        }
    }
}

fn error_body(protocol: Protocol, code: &str, message: &str) -> (&'static str, String) {
    let message = message.replace('&', "&amp;").replace('<', "&lt;");
    match protocol {
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>\
                 </Error><RequestId>proxy</RequestId></ErrorResponse>"
            ),
        ),
        Protocol::Json => (
            "application/x-amz-json-1.1",
            serde_json::json!({"__type": code, "message": message}).to_string(),
        ),
        Protocol::S3 => (
            "application/xml",
            format!(
                "<Error><Code>{code}</Code><Message>{message}</Message><RequestId>proxy</RequestId></Error>"
            ),
        ),
    }
}

fn reply(client: &mut TcpStream, status: u16, ctype: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nx-amzn-requestid: proxy\r\n\r\n",
        body.len()
    );
    let _ = client.write_all(head.as_bytes());
    let _ = client.write_all(body.as_bytes());
}

/// Send the request to moto on a connection of its own and return the whole answer.
fn forward(upstream: &str, request: &Parsed) -> Option<Vec<u8>> {
    let mut moto = TcpStream::connect(upstream).ok()?;
    moto.write_all(request.head.as_bytes()).ok()?;
    moto.write_all(&request.body).ok()?;
    let mut reader = BufReader::new(moto);
    let mut head = String::new();
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut out = head.into_bytes();
    let head_request = request.head.starts_with("HEAD ");
    match length {
        _ if head_request => {}
        Some(n) => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body).ok()?;
            out.extend(body);
        }
        None => {
            // Connection: close was asked for: the body ends with the connection.
            reader.read_to_end(&mut out).ok()?;
        }
    }
    Some(out)
}

fn read(reader: &mut impl BufRead) -> Option<Parsed> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut head = line.clone();
    let (mut length, mut target, mut service) = (0usize, String::new(), String::new());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let trimmed = header.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        let value = value.trim();
        headers.push((name.to_string(), value.to_string()));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok()?,
            "x-amz-target" => target = value.to_string(),
            // `Credential=KEY/DATE/REGION/SERVICE/aws4_request`
            "authorization" => {
                service = value
                    .split("Credential=")
                    .nth(1)
                    .and_then(|c| c.split('/').nth(3))
                    .unwrap_or_default()
                    .to_string()
            }
            "connection" => continue,
            _ => {}
        }
        head.push_str(&header);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let text = String::from_utf8_lossy(&body).to_string();
    let signed = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"));
    let (action, protocol) = if !signed {
        // Not an AWS call: the doctor's network check asking for a first answer.
        (format!("unsigned:{method} {path}"), Protocol::S3)
    } else if let Some((_, op)) = target.split_once('.') {
        (format!("{service}:{op}"), Protocol::Json)
    } else if let Some(op) = text.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        (format!("{service}:{op}"), Protocol::Query)
    } else {
        let mut action = s3_action(&method, &path);
        // The same call asking S3 to check the bucket's owner is another question.
        if headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-expected-bucket-owner"))
        {
            action.push_str(" (expected owner)");
        }
        (action, Protocol::S3)
    };
    Some(Parsed {
        head,
        body,
        action,
        protocol,
        headers,
    })
}

/// The IAM action of an S3 REST request, by method and sub-resource.
fn s3_action(method: &str, path: &str) -> String {
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or("");
    let sub = query
        .split('&')
        .next()
        .unwrap_or("")
        .split('=')
        .next()
        .unwrap_or("");
    let bucket_only = path
        .split('?')
        .next()
        .unwrap_or("")
        .trim_matches('/')
        .split('/')
        .count()
        <= 1;
    let op = match (method, sub) {
        ("HEAD", _) if bucket_only => "HeadBucket".to_string(),
        ("HEAD", _) => "HeadObject".to_string(),
        ("GET", "encryption") => "GetBucketEncryption".to_string(),
        ("GET", "policy") => "GetBucketPolicy".to_string(),
        ("GET", "location") => "GetBucketLocation".to_string(),
        ("GET", "ownershipControls") => "GetBucketOwnershipControls".to_string(),
        ("GET", "versioning") => "GetBucketVersioning".to_string(),
        ("GET", "requestPayment") => "GetBucketRequestPayment".to_string(),
        ("GET", "list-type") | ("GET", "") if bucket_only => "ListBucket".to_string(),
        ("GET", _) if !bucket_only => "GetObject".to_string(),
        ("PUT", "") => "PutObject".to_string(),
        (m, s) => format!("{m}?{s}"),
    };
    format!("s3:{op}")
}
