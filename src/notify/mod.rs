//! Notifications (NOT-1): e-mail and SMS in the recipient's language, through an outbox.
//!
//! An action that notifies someone calls [`enqueue`] on its own transaction, so a notification
//! exists exactly when the action committed. A worker sends the outbox with retries and backoff;
//! every attempt is a row of `notification_deliveries`, shown on the subject (an application).
//!
//! - [`templates`]: the texts per event in kk, ru and en (`notifications/<event>.toml`), checked at
//!   start;
//! - [`worker`]: takes due rows (`FOR UPDATE SKIP LOCKED`, leases), sends, retries with backoff,
//!   flags a channel that keeps failing;
//! - [`send`]: e-mail over SMTP and SMS through an HTTP gateway, each with an id the receiver
//!   dedupes on;
//! - [`log`]: the delivery log of a subject ([`deliveries`]) and the channels' health.
//!
//! Test and demo counterparts run as separate processes: `qala-smtp-sink` (an SMTP server that
//! writes each message to a file) and `qala-sms-simulator` (an SMS gateway simulator).

pub mod log;
pub mod send;
pub mod templates;
pub mod worker;

pub use log::{deliveries, health};

use serde_json::Value;
use sqlx::PgConnection;

use crate::i18n::Lang;

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// The name stored in the outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A notification to send once the current transaction commits.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// What it is about, e.g. `"application"`.
    pub subject_kind: &'a str,
    /// The subject's id, e.g. the application's.
    pub subject_id: Option<i64>,
    /// The event, which names its template, e.g. `"application.returned"`.
    pub event: &'a str,
    pub channel: Channel,
    /// An e-mail address, or a phone number as `+7XXXXXXXXXX`.
    pub recipient: &'a str,
    /// The recipient's language.
    pub lang: Lang,
    /// The values the template is filled with.
    pub data: &'a Value,
}

/// Writes a notification into the outbox on `conn` (the action's own transaction); returns its id.
pub async fn enqueue(conn: &mut PgConnection, n: &NewNotification<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(include_str!("sql/enqueue.sql"))
        .bind(n.subject_kind)
        .bind(n.subject_id)
        .bind(n.event)
        .bind(n.channel.as_str())
        .bind(n.recipient)
        .bind(n.lang.tag())
        .bind(n.data)
        .fetch_one(conn)
        .await
}
