//! The channels' adapters: e-mail over SMTP (lettre) and SMS through an HTTP gateway.
//!
//! Each attempt carries an id derived from the outbox row, the same on every retry, so the receiver
//! can drop a second copy when a worker died after sending and before recording it (the row is then
//! sent again once its lease runs out): the e-mail's `Message-ID` is
//! `<qala-notification-{id}@{domain of --mail-from}>`; the SMS request's JSON `id` and its
//! `Idempotency-Key` header are `qala-notification-{id}`.
//!
//! The SMS gateway is called as `POST <--sms-gateway-url>` with `{"id", "to", "text"}`; any 2xx is
//! a success, 408, 429 and 5xx (and a timeout or a refused connection) are retried, other answers
//! are permanent failures. `qala-sms-simulator` speaks this protocol for tests and the demo.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::templates::Email;

/// Why an attempt failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// A retry cannot help (a refused address, a request the gateway rejects).
    pub permanent: bool,
    pub reason: String,
}

impl SendError {
    fn transient(reason: impl Into<String>) -> SendError {
        SendError { permanent: false, reason: bound(reason.into()) }
    }
    fn permanent(reason: impl Into<String>) -> SendError {
        SendError { permanent: true, reason: bound(reason.into()) }
    }
}

/// Reasons are stored and shown; they are kept short.
fn bound(mut s: String) -> String {
    if s.len() > 500 {
        let mut cut = 500;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// The id a receiver dedupes on, the same for every attempt of one notification.
pub fn idempotency_key(outbox_id: i64) -> String {
    format!("qala-notification-{outbox_id}")
}

/// E-mail over SMTP (`smtp://host:port`; plain SMTP, for a local relay or the test sink).
#[derive(Clone)]
pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender").field("from", &self.from.to_string()).finish()
    }
}

impl EmailSender {
    /// A sender to `url` (`smtp://127.0.0.1:2525`) from `from` (`Qala <noreply@qala.kz>`); each
    /// SMTP exchange is bounded by `timeout`.
    pub fn new(url: &str, from: &str, timeout: Duration) -> anyhow::Result<EmailSender> {
        let from: Mailbox =
            from.parse().map_err(|e| anyhow::anyhow!("--mail-from `{from}` is not an address: {e}"))?;
        let bad = || anyhow::anyhow!("--smtp-url `{url}` is not an SMTP URL (smtp://host:port)");
        let rest = url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@', '?']) {
            return Err(bad());
        }
        // Plain SMTP (no TLS): a relay on the same host or network, or the test sink.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(timeout))
            .build();
        let domain = from.email.domain().to_string();
        Ok(EmailSender { transport, from, domain })
    }

    /// The `Message-ID` of outbox row `id`.
    pub fn message_id(&self, id: i64) -> String {
        format!("<{}@{}>", idempotency_key(id), self.domain)
    }

    /// Sends one e-mail, plain text in UTF-8.
    pub async fn send(&self, id: i64, to: &str, lang: &str, email: &Email) -> Result<(), SendError> {
        let to: Mailbox =
            to.parse().map_err(|e| SendError::permanent(format!("`{to}` is not an e-mail address: {e}")))?;
        let body = Body::new_with_encoding(email.body.clone(), ContentTransferEncoding::EightBit)
            .unwrap_or_else(|_| Body::new(email.body.clone()));
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(self.message_id(id)))
            .header(ContentType::TEXT_PLAIN)
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), lang.into()))
            .body(body)
            .map_err(|e| SendError::permanent(format!("the e-mail cannot be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!("SMTP: {e}"))),
            Err(e) => Err(SendError::transient(format!("SMTP: {e}"))),
        }
    }
}

/// SMS through an HTTP gateway.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
}

impl SmsGateway {
    /// A gateway at `url` (`http://127.0.0.1:9025/messages`); each request is bounded by `timeout`.
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<SmsGateway> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--sms-gateway-url must be an http(s) URL, not `{url}`");
        }
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(SmsGateway { client, url: url.to_string() })
    }

    /// Sends one SMS.
    pub async fn send(&self, id: i64, to: &str, text: &str) -> Result<(), SendError> {
        let key = idempotency_key(id);
        let body = serde_json::json!({"id": key, "to": to, "text": text});
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &key)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| SendError::transient(format!("SMS gateway: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let reason = format!("SMS gateway answered {status}: {}", text.chars().take(200).collect::<String>());
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::transient(reason))
        } else {
            Err(SendError::permanent(reason))
        }
    }
}
