//! The SMS gateway over REST: `POST <--sms-gateway-url>` with `{"id", "to", "text"}` and an
//! `Idempotency-Key` header equal to `id` (the protocol of `notify::send` and of
//! `qala-sms-simulator`). A send is a write: tried once.

use super::call::{Endpoint, Kind};
use super::{AdapterError, System};

#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends `text` to `to`; `id` is what the gateway dedupes on.
    async fn send(&self, id: &str, to: &str, text: &str) -> Result<(), AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl SmsGateway for Client {
    async fn send(&self, id: &str, to: &str, text: &str) -> Result<(), AdapterError> {
        let body = serde_json::json!({"id": id, "to": to, "text": text});
        let answer: Option<serde_json::Value> =
            self.0.post_json("send", to, Kind::Write, "", &body, Some(id)).await?;
        match answer {
            Some(_) => Ok(()),
            None => Err(AdapterError::Status { system: System::Sms, status: 404 }),
        }
    }
}
