//! An HTTP-level test double for AWS: answers each request by its action with a
//! scripted status and body, in the service's own wire format. Used only where
//! moto cannot answer as AWS does (see each test for why).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the double sees it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// `AmazonAthena.GetWorkGroup`, `Query.AssumeRole`, `S3.HeadBucket`…
    pub action: String,
    /// The access key that signed it.
    pub key: String,
    pub body: String,
}

impl Request {
    /// A form parameter of a query-protocol request (`ExternalId`).
    pub fn param(&self, name: &str) -> Option<String> {
        self.body.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.replace("%3A", ":").replace("%2F", "/"))
        })
    }
}

/// An answer: status, content type, body.
pub struct Reply(pub u16, pub &'static str, pub String);

impl Reply {
    pub fn xml(status: u16, body: impl Into<String>) -> Reply {
        Reply(status, "text/xml", body.into())
    }
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply(status, "application/x-amz-json-1.1", body.to_string())
    }
    /// A query-protocol error (STS, IAM), as AWS writes it.
    pub fn query_error(status: u16, code: &str, message: &str) -> Reply {
        Reply::xml(
            status,
            format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
                 <Code>{code}</Code><Message>{message}</Message></Error><RequestId>double</RequestId></ErrorResponse>"
            ),
        )
    }
    /// A JSON-protocol error (Athena, Glue), as AWS writes it.
    pub fn json_error(code: &str, message: &str) -> Reply {
        Reply::json(400, serde_json::json!({"__type": code, "Message": message}))
    }
}

type Script = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running double; `requests` records what it was asked.
pub struct Double {
    pub endpoint: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

/// Start a double on 127.0.0.1 that answers with `script` (it lives until the
/// test process ends).
pub fn start(script: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Double {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let script: Arc<Script> = Arc::new(script);
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (script, seen) = (script.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                while let Some(request) = read_request(&mut reader) {
                    seen.lock().unwrap().push(request.clone());
                    let Reply(status, ctype, body) = script(&request);
                    let body = if request.method == "HEAD" {
                        String::new()
                    } else {
                        body
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                         x-amzn-requestid: double\r\nx-amz-bucket-region: us-east-1\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).is_err()
                        || stream.write_all(body.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Double { endpoint, requests }
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let (mut length, mut target, mut key) = (0usize, String::new(), String::new());
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok()?,
            "x-amz-target" => target = value.to_string(),
            "authorization" => {
                key = value
                    .split("Credential=")
                    .nth(1)
                    .and_then(|c| c.split('/').next())
                    .unwrap_or_default()
                    .to_string()
            }
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let body = String::from_utf8_lossy(&body).to_string();
    let action = if !target.is_empty() {
        target
    } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        format!("Query.{a}")
    } else {
        format!("S3.{method} {path}")
    };
    Some(Request {
        method,
        path,
        action,
        key,
        body,
    })
}
