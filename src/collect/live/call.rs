//! One AWS call: counted, shown as pending while it runs (on a terminal), and
//! turned into a fact — its value, or a classified failure. Never a panic.

use crate::facts::{Failure, FailureKind, Observed};
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts calls and tracks the pending ones for the progress line.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    pub calls: AtomicUsize,
    pending: Mutex<BTreeSet<String>>,
    /// Draw the pending calls on stderr (only when it is a terminal).
    pub progress: bool,
    /// Await calls one by one instead of all at once (for measurement only).
    pub sequential: bool,
    /// When every call must have ended (`--deadline`), and its length in seconds:
    /// a call still running then becomes a timed-out fact, so the report keeps
    /// what was read and the rest skips.
    deadline: Option<(std::time::Instant, u64)>,
    /// Services not to call, with why (their endpoint was not reached).
    cut_off: Mutex<std::collections::BTreeMap<String, String>>,
}

impl Tracker {
    pub(crate) fn new(progress: bool, sequential: bool, deadline: std::time::Duration) -> Tracker {
        Tracker {
            progress,
            sequential,
            deadline: Some((crate::limits::instant_after(deadline), deadline.as_secs())),
            ..Default::default()
        }
    }

    fn draw(&self, pending: &BTreeSet<String>) {
        if !self.progress {
            return;
        }
        let list: Vec<&str> = pending.iter().map(String::as_str).take(4).collect();
        let more = pending.len().saturating_sub(list.len());
        let tail = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        eprint!("\r\x1b[2Kathena-doctor: waiting for {}{tail}", list.join(", "));
        if pending.is_empty() {
            eprint!("\r\x1b[2K");
        }
    }

    fn start(&self, label: &str) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(label.to_string());
        self.draw(&pending);
    }

    fn finish(&self, label: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.remove(label);
        self.draw(&pending);
    }

    /// Make no more calls to `service` (`iam`): each becomes a failure saying why.
    pub(crate) fn cut_off(&self, service: &str, why: String) {
        self.cut_off
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(service.to_string(), why);
    }

    /// Run one call and keep its outcome as a fact.
    pub(crate) async fn call<T, O, E, F>(
        &self,
        action: &str,
        label: impl Into<String>,
        future: F,
        value: impl FnOnce(O) -> T,
    ) -> Observed<T>
    where
        F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let label = label.into();
        let service = action.split(':').next().unwrap_or_default();
        let cut = self
            .cut_off
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(service)
            .cloned();
        if let Some(why) = cut {
            return Observed::Failed(Failure {
                kind: FailureKind::Unreachable,
                action: action.to_string(),
                code: String::new(),
                message: why,
            });
        }
        self.start(&label);
        let result = match self.deadline {
            Some((at, _)) => tokio::time::timeout_at(tokio::time::Instant::from_std(at), future)
                .await
                .ok(),
            None => Some(future.await),
        };
        self.finish(&label);
        match result {
            Some(Ok(output)) => Observed::Known(value(output)),
            Some(Err(err)) => {
                let mut failure = classify(action, &err);
                failure.message = crate::secret::scrub(&failure.message);
                Observed::Failed(failure)
            }
            None => Observed::Failed(Failure {
                kind: FailureKind::Timeout,
                action: action.to_string(),
                code: String::new(),
                message: format!(
                    "not read before the --deadline of {} s",
                    self.deadline.map(|(_, secs)| secs).unwrap_or_default()
                ),
            }),
        }
    }
}

/// Sort an SDK error into the failures rules understand.
pub(crate) fn classify<E>(action: &str, err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(failure) = unparsed_denial(action, err) {
        return failure;
    }
    let code = err.code().unwrap_or_default().to_string();
    let failure = |kind: FailureKind, message: String| Failure {
        kind,
        action: action.to_string(),
        code: code.clone(),
        message,
    };
    match err {
        SdkError::TimeoutError(_) => failure(FailureKind::Timeout, "the call timed out".into()),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            failure(FailureKind::Timeout, "the connection timed out".into())
        }
        SdkError::DispatchFailure(_) => {
            let text = DisplayErrorContext(err).to_string();
            if text.contains("no credentials") || text.contains("credential provider") {
                failure(
                    FailureKind::Other,
                    format!(
                        "the doctor has no usable AWS credentials (AWS_PROFILE, --profile, environment, SSO): {text}"
                    ),
                )
            } else {
                failure(FailureKind::Unreachable, text)
            }
        }
        _ => {
            let code = code.as_str();
            // Words a person can act on, never the SDK's debug text.
            let message = err.message().map(str::to_string).unwrap_or_else(|| match err {
                _ if !code.is_empty() => code.to_string(),
                SdkError::ServiceError(context) => format!(
                    "HTTP {} with no AWS error code or message",
                    context.raw().status().as_u16()
                ),
                SdkError::ResponseError(_) => {
                    "an answer that is not AWS's (a proxy or a broken endpoint in between?)".to_string()
                }
                SdkError::ConstructionFailure(_) => {
                    "the request could not be built (an invalid region or endpoint?)".to_string()
                }
                _ => DisplayErrorContext(err).to_string(),
            });
            let kind = match code {
                "AccessDenied"
                | "AccessDeniedException"
                | "UnauthorizedOperation"
                | "AuthorizationError"
                | "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "Forbidden" => FailureKind::Denied,
                "NoSuchEntity"
                | "NoSuchBucket"
                | "NotFound"
                | "EntityNotFoundException"
                | "ResourceNotFoundException"
                | "NoSuchBucketPolicy"
                | "NotFoundException"
                | "ServerSideEncryptionConfigurationNotFoundError" => FailureKind::NotFound,
                "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "SlowDown"
                | "RequestLimitExceeded" => FailureKind::Throttled,
                _ => match err {
                    // HeadBucket answers 404 with no body.
                    SdkError::ServiceError(_) if message.contains("404") || code == "404" => {
                        FailureKind::NotFound
                    }
                    SdkError::ServiceError(_) if code == "403" => FailureKind::Denied,
                    SdkError::ServiceError(context) if context.raw().status().is_server_error() => {
                        FailureKind::ServerError
                    }
                    _ => FailureKind::Other,
                },
            };
            failure(
                kind,
                if code.is_empty() || message == code {
                    message
                } else {
                    format!("{code}: {message}")
                },
            )
        }
    }
}

/// A 403 whose body the SDK could not read as its protocol's error (an XML body to
/// a JSON API, from a proxy or an emulator; or S3's bodiless HEAD): still a denial,
/// with the `<Message>` of the body when there is one.
fn unparsed_denial<E>(action: &str, err: &SdkError<E, HttpResponse>) -> Option<Failure>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let SdkError::ServiceError(context) = err else {
        return None;
    };
    if err.code().is_some() || context.raw().status().as_u16() != 403 {
        return None;
    }
    let body = context
        .raw()
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].to_string())
    };
    let message = tag("Message").unwrap_or_else(|| "Forbidden (HTTP 403, no reason given)".to_string());
    Some(Failure {
        kind: FailureKind::Denied,
        action: action.to_string(),
        code: tag("Code").unwrap_or_default(),
        message,
    })
}
