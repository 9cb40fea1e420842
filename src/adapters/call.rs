//! [`Endpoint`]: how every state system is called, in one place. One call is: the circuit
//! breaker asked first (an open circuit sends nothing), then up to `read_attempts` attempts for an
//! idempotent read (one for a write), each bounded by `timeout` and its answer by `max_body`
//! bytes, with a doubling backoff between them; each failed attempt counts for the breaker; the
//! answer is decoded by the caller's function (a decoding failure is [`AdapterError::Malformed`]);
//! the call is journalled once, with its attempts and duration.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::breaker::Breaker;
use super::journal::{CallJournal, CallRecord};
use super::{AdapterError, CallPolicy, System};
use crate::auth::limits::AuthClock;

/// What a system answered: its status and its body (bounded).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON of type `T`, or [`AdapterError::Malformed`].
    pub fn json<T: serde::de::DeserializeOwned>(&self, system: System) -> Result<T, AdapterError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| AdapterError::Malformed { system, reason: format!("JSON: {e}") })
    }

    /// The body as UTF-8 text, or [`AdapterError::Malformed`].
    pub fn text(&self, system: System) -> Result<&str, AdapterError> {
        std::str::from_utf8(&self.body)
            .map_err(|_| AdapterError::Malformed { system, reason: "the answer is not UTF-8".into() })
    }

    /// The usual reading of a status: 2xx is `Ok(true)`, 404 `Ok(false)` (not found), 400, 409 and
    /// 422 a refusal on the merits, anything else the system failing.
    pub fn check(&self, system: System) -> Result<bool, AdapterError> {
        let s = self.status.as_u16();
        match s {
            200..=299 => Ok(true),
            404 => Ok(false),
            400 | 409 | 422 => Err(AdapterError::Refused {
                system,
                status: s,
                reason: String::from_utf8_lossy(&self.body).chars().take(200).collect(),
            }),
            _ => Err(AdapterError::Status { system, status: s }),
        }
    }
}

/// Whether a request may be repeated without changing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
}

/// One system's client: its URL, HTTP client, policy, breaker and journal.
#[derive(Debug)]
pub struct Endpoint {
    pub system: System,
    base: Option<String>,
    client: reqwest::Client,
    pub policy: CallPolicy,
    pub breaker: Breaker,
    journal: CallJournal,
}

impl Endpoint {
    pub fn new(
        system: System,
        base: Option<String>,
        policy: CallPolicy,
        clock: AuthClock,
        journal: CallJournal,
    ) -> Endpoint {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let breaker = Breaker::new(policy.breaker_threshold, policy.breaker_cooldown, clock);
        Endpoint { system, base, client, policy, breaker, journal }
    }

    /// The URL of `path` under the system's base.
    pub fn url(&self, path: &str) -> Result<String, AdapterError> {
        let base = self.base.as_deref().ok_or(AdapterError::NotConfigured { system: self.system })?;
        Ok(format!("{base}{path}"))
    }

    pub fn journal(&self) -> &CallJournal {
        &self.journal
    }

    /// One attempt: the request sent, the answer read within the timeout and the size bound.
    async fn attempt(&self, req: reqwest::RequestBuilder) -> Result<Answer, AdapterError> {
        let system = self.system;
        let timeout = self.policy.timeout;
        let fut = async {
            let mut resp = req.send().await.map_err(|e| {
                if e.is_timeout() {
                    AdapterError::Timeout { system, timeout }
                } else {
                    AdapterError::Unreachable { system, reason: e.to_string() }
                }
            })?;
            let status = resp.status();
            if resp.content_length().is_some_and(|n| n > self.policy.max_body as u64) {
                return Err(AdapterError::Malformed { system, reason: "the answer is too large".into() });
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    AdapterError::Timeout { system, timeout }
                } else {
                    AdapterError::Unreachable { system, reason: e.to_string() }
                }
            })? {
                if body.len() + chunk.len() > self.policy.max_body {
                    return Err(AdapterError::Malformed { system, reason: "the answer is too large".into() });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer { status, body })
        };
        tokio::time::timeout(timeout, fut).await.unwrap_or(Err(AdapterError::Timeout { system, timeout }))
    }

    /// Calls the system: `build` makes the request (again for each attempt), `decode` reads the
    /// answer into `Ok(Some(T))`, `Ok(None)` (not found) or an error. `key` is hashed for the
    /// journal.
    pub async fn call<T>(
        &self,
        operation: &'static str,
        key: &str,
        kind: Kind,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        path: &str,
        decode: impl Fn(&Answer) -> Result<Option<T>, AdapterError>,
    ) -> Result<Option<T>, AdapterError> {
        let started = Instant::now();
        let max = if kind == Kind::Read { self.policy.read_attempts.max(1) } else { 1 };
        let mut attempts = 0;
        let result = async {
            let url = self.url(path)?;
            loop {
                if let Err(wait) = self.breaker.allow() {
                    return Err(AdapterError::CircuitOpen { system: self.system, retry_after: wait });
                }
                attempts += 1;
                let outcome = match self.attempt(build(&self.client, &url)).await {
                    Ok(answer) => decode(&answer),
                    Err(e) => Err(e),
                };
                match &outcome {
                    Ok(_) => self.breaker.success(),
                    Err(e) if e.is_failure() => self.breaker.failure(),
                    Err(_) => self.breaker.neutral(),
                }
                match outcome {
                    Err(e) if e.retryable() && attempts < max => {
                        let backoff = self.policy.backoff.saturating_mul(1 << (attempts - 1).min(8));
                        tokio::time::sleep(backoff.min(Duration::from_secs(10))).await;
                    }
                    other => return other,
                }
            }
        }
        .await;
        let outcome = match &result {
            Ok(Some(_)) => "ok",
            Ok(None) => "not_found",
            Err(e) => e.outcome(),
        };
        if let Err(e) = &result {
            tracing::warn!(system = self.system.code(), operation, error = %e, "a state system call failed");
        }
        self.journal
            .record(CallRecord {
                system: self.system,
                operation,
                outcome,
                attempts,
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                key_hash: self.journal.key_hash(key),
            })
            .await;
        result
    }

    /// A GET of JSON: 404 is `None`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        key: &str,
        path: &str,
    ) -> Result<Option<T>, AdapterError> {
        let system = self.system;
        self.call(
            operation,
            key,
            Kind::Read,
            |c, url| c.get(url).header("accept", "application/json"),
            path,
            |a| if a.check(system)? { a.json(system).map(Some) } else { Ok(None) },
        )
        .await
    }

    /// A POST of JSON (`kind` says whether it may be repeated); 404 is `None`.
    pub async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        key: &str,
        kind: Kind,
        path: &str,
        body: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> Result<Option<T>, AdapterError> {
        let system = self.system;
        let text = body.to_string();
        self.call(
            operation,
            key,
            kind,
            |c, url| {
                let r = c
                    .post(url)
                    .header("content-type", "application/json")
                    .header("accept", "application/json")
                    .body(text.clone());
                match idempotency_key {
                    Some(k) => r.header("idempotency-key", k),
                    None => r,
                }
            },
            path,
            |a| if a.check(system)? { a.json(system).map(Some) } else { Ok(None) },
        )
        .await
    }
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
