//! One AWS call: counted, shown as pending while it runs (on a terminal), and
//! turned into a fact — its value, or a classified failure. Never a panic. A call
//! starts beside the network check and is answered as cut off if its service's
//! endpoint turns out unreachable; a read made through shared clients (`Reads`)
//! is sent once a run for every connection that asks it.

use crate::facts::{Failure, FailureKind, Observed};
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The services not to call, with why (their endpoint was not reached).
pub(crate) type Cuts = Arc<BTreeMap<String, String>>;

/// The network check's verdict as the calls see it: `None` while it runs.
pub(crate) type Verdict = watch::Receiver<Option<Cuts>>;

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
    /// The network check's verdict, once the calls are to wait for it (`gate`);
    /// without one, every service is called.
    verdict: Mutex<Option<Verdict>>,
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

    /// Answer every call to a service the network check (`verdict`) finds
    /// unreachable as cut off. Calls do not wait for the check to start: each
    /// runs beside it, and is dropped (or its answer set aside) once its
    /// service is cut off, so the facts are what they were when the check ran
    /// first, one round trip sooner.
    pub(crate) fn gate(&self, verdict: Verdict) {
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
    }

    /// Run one call and keep its outcome as a fact. Boxed at once: what holds
    /// it (`both`, `all`) holds a pointer, not the SDK's whole state machine
    /// (in debug builds, nesting those by value overflows any stack).
    pub(crate) fn call<T, O, E, F>(
        &self,
        action: &str,
        label: impl Into<String>,
        future: F,
        value: impl FnOnce(O) -> T,
    ) -> Pin<Box<impl Future<Output = Observed<T>>>>
    where
        F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let label = label.into();
        Box::pin(async move { self.guarded(action, label, answer(action, future, value)).await })
    }

    /// `call` for a read whose answer the clients it is made with share (`Reads`):
    /// the same request (`key`: the action and every parameter) with the same
    /// credentials is sent once, and every connection of the run that asks it
    /// gets that answer.
    pub(crate) fn read<T, O, E, F>(
        &self,
        reads: &Reads,
        key: String,
        action: &str,
        label: impl Into<String>,
        future: F,
        value: impl FnOnce(O) -> T,
    ) -> Pin<Box<impl Future<Output = Observed<T>>>>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let label = label.into();
        self.read_while(reads, key, action, label, future, value, |_| true)
    }

    /// `read` for an answer that goes stale (a session's credentials expire):
    /// a kept answer `fresh` says no to is asked again.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn read_while<T, O, E, F>(
        &self,
        reads: &Reads,
        key: String,
        action: &str,
        label: impl Into<String>,
        future: F,
        value: impl FnOnce(O) -> T,
        fresh: impl Fn(&T) -> bool,
    ) -> Pin<Box<impl Future<Output = Observed<T>>>>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let label = label.into();
        Box::pin(async move {
            let work = reads.once(format!("{action} {key}"), answer(action, future, value), fresh);
            self.guarded(action, label, work).await
        })
    }

    /// `read` for a request the doctor makes by hand (EC2's Query API,
    /// `ec2.rs`): `work` already turns its outcome into a fact.
    pub(crate) fn made<T>(
        &self,
        reads: &Reads,
        key: String,
        action: &str,
        label: impl Into<String>,
        work: impl Future<Output = Observed<T>>,
    ) -> Pin<Box<impl Future<Output = Observed<T>>>>
    where
        T: Clone + Send + Sync + 'static,
    {
        let label = label.into();
        Box::pin(async move {
            let work = reads.once(format!("{action} {key}"), work, |_| true);
            self.guarded(action, label, work).await
        })
    }

    /// A call's answer within the deadline, unless its service is cut off.
    async fn guarded<T>(
        &self,
        action: &str,
        label: String,
        work: impl Future<Output = Observed<T>>,
    ) -> Observed<T> {
        let service = action.split(':').next().unwrap_or_default();
        let verdict = self.verdict.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let cut = |why: String| {
            Observed::Failed(Failure {
                kind: FailureKind::Unreachable,
                action: action.to_string(),
                code: String::new(),
                message: why,
            })
        };
        let Some(mut verdict) = verdict else {
            return self.timed(action, &label, work).await;
        };
        // Known already: a cut-off service is not called at all.
        let known = verdict.borrow().clone();
        if let Some(cuts) = known {
            return match cuts.get(service) {
                Some(why) => cut(why.clone()),
                None => self.timed(action, &label, work).await,
            };
        }
        let decided = async move {
            match verdict.wait_for(Option::is_some).await {
                Ok(cuts) => cuts.as_ref().and_then(|c| c.get(service).cloned()),
                // The check ended without a verdict: nothing is cut off.
                Err(_) => None,
            }
        };
        let work = self.timed(action, &label, work);
        tokio::pin!(decided, work);
        tokio::select! {
            why = &mut decided => match why {
                Some(why) => cut(why),
                None => work.await,
            },
            answer = &mut work => match decided.await {
                Some(why) => cut(why),
                None => answer,
            },
        }
    }

    /// Count and show the call while it runs; a call still running at the
    /// deadline is a timed-out fact.
    async fn timed<T>(
        &self,
        action: &str,
        label: &str,
        work: impl Future<Output = Observed<T>>,
    ) -> Observed<T> {
        /// Off the pending line however the call ends (dropped when cut off too).
        struct Pending<'a>(&'a Tracker, &'a str);
        impl Drop for Pending<'_> {
            fn drop(&mut self) {
                self.0.finish(self.1);
            }
        }
        self.start(label);
        let pending = Pending(self, label);
        let result = match self.deadline {
            Some((at, _)) => tokio::time::timeout_at(tokio::time::Instant::from_std(at), work)
                .await
                .ok(),
            None => Some(work.await),
        };
        drop(pending);
        result.unwrap_or_else(|| {
            Observed::Failed(Failure {
                kind: FailureKind::Timeout,
                action: action.to_string(),
                code: String::new(),
                message: format!(
                    "not read before the --deadline of {} s",
                    self.deadline.map(|(_, secs)| secs).unwrap_or_default()
                ),
            })
        })
    }
}

/// An SDK call's outcome as a fact.
async fn answer<T, O, E, F>(action: &str, future: F, value: impl FnOnce(O) -> T) -> Observed<T>
where
    F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match future.await {
        Ok(output) => Observed::Known(value(output)),
        Err(err) => {
            let mut failure = classify(action, &err);
            failure.message = crate::secret::scrub(&failure.message);
            Observed::Failed(failure)
        }
    }
}

/// The most answers a `Reads` of reads keeps: past it, it starts again (reads in
/// flight finish), so a fleet of any size holds a bounded number.
pub(crate) const MAX_READS: usize = 2048;

/// The answers of the reads made with one set of clients in a run, by request:
/// the connections of a fleet that share the doctor's clients (one region) read
/// the same role, bucket, workgroup or key once. A failure that may pass
/// (throttled, timed out, unreachable, a server error) is handed to the calls
/// waiting for it, and the next asks again.
pub(crate) struct Reads {
    answers: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
    /// The most answers kept (`MAX_READS`, or fewer for large answers).
    cap: usize,
}

impl Default for Reads {
    fn default() -> Reads {
        Reads::new(MAX_READS)
    }
}

impl Reads {
    pub(crate) fn new(cap: usize) -> Reads {
        Reads {
            answers: Mutex::default(),
            cap: cap.max(1),
        }
    }

    async fn once<T: Clone + Send + Sync + 'static>(
        &self,
        key: String,
        work: impl Future<Output = Observed<T>>,
        fresh: impl Fn(&T) -> bool,
    ) -> Observed<T> {
        let cell = {
            let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            if answers.len() >= self.cap && !answers.contains_key(&key) {
                answers.clear();
            }
            let stale = answers.get(&key).is_some_and(|a| {
                a.clone()
                    .downcast::<tokio::sync::OnceCell<Observed<T>>>()
                    .is_ok_and(|a| matches!(a.get(), Some(Observed::Known(v)) if !fresh(v)))
            });
            if stale {
                answers.remove(&key);
            }
            answers
                .entry(key.clone())
                .or_insert_with(|| Arc::new(tokio::sync::OnceCell::<Observed<T>>::new()))
                .clone()
                .downcast::<tokio::sync::OnceCell<Observed<T>>>()
        };
        // A key always names one action, so one type: never otherwise.
        let Ok(cell) = cell else {
            return work.await;
        };
        let answer = cell.get_or_init(|| work).await.clone();
        if let Observed::Failed(f) = &answer
            && matches!(
                f.kind,
                FailureKind::Throttled
                    | FailureKind::Timeout
                    | FailureKind::Unreachable
                    | FailureKind::ServerError
            )
        {
            let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            if answers.get(&key).is_some_and(|a| {
                a.clone()
                    .downcast::<tokio::sync::OnceCell<Observed<T>>>()
                    .is_ok_and(|a| Arc::ptr_eq(&a, &cell))
            }) {
                answers.remove(&key);
            }
        }
        answer
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().build().unwrap()
    }

    /// Asks `reads` for `key`, counting the times the work really runs.
    async fn ask(
        reads: &Reads,
        key: &str,
        ran: &AtomicUsize,
        answer: Observed<u32>,
        fresh: bool,
    ) -> Observed<u32> {
        let work = async {
            ran.fetch_add(1, Ordering::SeqCst);
            answer
        };
        reads.once(key.to_string(), work, |_| fresh).await
    }

    fn failed(kind: FailureKind) -> Observed<u32> {
        Observed::Failed(Failure {
            kind,
            action: "sts:AssumeRole".into(),
            code: String::new(),
            message: String::new(),
        })
    }

    #[test]
    fn one_request_is_made_once_and_a_different_one_again() {
        runtime().block_on(async {
            let (reads, ran) = (Reads::default(), AtomicUsize::new(0));
            assert_eq!(
                ask(&reads, "a", &ran, Observed::Known(1), true).await,
                Observed::Known(1)
            );
            // The kept answer, not this one: the work does not run.
            assert_eq!(
                ask(&reads, "a", &ran, Observed::Known(2), true).await,
                Observed::Known(1)
            );
            assert_eq!(
                ask(&reads, "b", &ran, Observed::Known(3), true).await,
                Observed::Known(3)
            );
            assert_eq!(ran.load(Ordering::SeqCst), 2);
        });
    }

    #[test]
    fn a_stale_answer_is_asked_again() {
        runtime().block_on(async {
            let (reads, ran) = (Reads::default(), AtomicUsize::new(0));
            ask(&reads, "a", &ran, Observed::Known(1), false).await;
            assert_eq!(
                ask(&reads, "a", &ran, Observed::Known(2), false).await,
                Observed::Known(2)
            );
            assert_eq!(ran.load(Ordering::SeqCst), 2);
        });
    }

    #[test]
    fn a_failure_that_may_pass_is_asked_again_and_a_refusal_is_kept() {
        runtime().block_on(async {
            let (reads, ran) = (Reads::default(), AtomicUsize::new(0));
            ask(&reads, "t", &ran, failed(FailureKind::Throttled), true).await;
            assert_eq!(
                ask(&reads, "t", &ran, Observed::Known(1), true).await,
                Observed::Known(1)
            );
            ask(&reads, "d", &ran, failed(FailureKind::Denied), true).await;
            let again = ask(&reads, "d", &ran, Observed::Known(1), true).await;
            assert!(matches!(again, Observed::Failed(f) if f.kind == FailureKind::Denied));
            assert_eq!(ran.load(Ordering::SeqCst), 3);
        });
    }

    #[test]
    fn the_answers_kept_are_bounded() {
        runtime().block_on(async {
            let (reads, ran) = (Reads::new(4), AtomicUsize::new(0));
            for i in 0..10 {
                ask(&reads, &i.to_string(), &ran, Observed::Known(i), true).await;
                assert!(reads.answers.lock().unwrap().len() <= 4);
            }
            // "0" was let go: asked again.
            ask(&reads, "0", &ran, Observed::Known(0), true).await;
            assert_eq!(ran.load(Ordering::SeqCst), 11);
        });
    }
}
