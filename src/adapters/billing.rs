//! ALSECO billing over REST: a subscriber by account (`GET /subscribers/{account}`) and the
//! changes of the subscriber base, which are writes (tried once, each with an `Idempotency-Key`
//! the caller gives, so that a repeated request is not applied twice): open an account
//! (`POST /subscribers`), close one (`POST /subscribers/{account}/close`), transfer one to
//! another holder (`POST /subscribers/{account}/transfer`). A refusal on the merits (an account
//! already closed, an unknown address) is [`AdapterError::Refused`].

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::call::{Endpoint, Kind};
use super::{AdapterError, System};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    /// Ten digits.
    pub account: String,
    /// The holder's IIN or BIN.
    pub holder: String,
    pub address_ru: String,
    /// `open` or `closed`.
    pub status: String,
    /// Services billed: `electricity`, `water`, `heating`, `gas`, `waste`.
    pub services: Vec<String>,
    /// Balance in tiyn (negative: debt).
    pub balance_tiyn: i64,
}

/// Whether `s` is an ALSECO account number (ten digits).
pub fn is_account(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

fn check(s: &Subscriber) -> Result<(), AdapterError> {
    let ok = is_account(&s.account)
        && s.holder.len() == 12
        && s.holder.bytes().all(|b| b.is_ascii_digit())
        && matches!(s.status.as_str(), "open" | "closed")
        && s.services.len() <= 10;
    if ok {
        Ok(())
    } else {
        Err(AdapterError::Malformed {
            system: System::Alseco,
            reason: "a subscriber fails its checks".into(),
        })
    }
}

/// A new account.
#[derive(Debug, Clone, Serialize)]
pub struct NewAccount {
    pub holder: String,
    pub address_ru: String,
    pub services: Vec<String>,
}

#[async_trait::async_trait]
pub trait Billing: Send + Sync {
    async fn subscriber(&self, account: &str) -> Result<Option<Subscriber>, AdapterError>;
    /// Opens an account; `request_id` makes a repeated request harmless.
    async fn open(&self, request_id: &str, new: &NewAccount) -> Result<Subscriber, AdapterError>;
    async fn close(&self, request_id: &str, account: &str) -> Result<Subscriber, AdapterError>;
    async fn transfer(
        &self,
        request_id: &str,
        account: &str,
        new_holder: &str,
    ) -> Result<Subscriber, AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

impl Client {
    async fn write(
        &self,
        op: &'static str,
        key: &str,
        path: &str,
        body: serde_json::Value,
        request_id: &str,
    ) -> Result<Subscriber, AdapterError> {
        let s: Option<Subscriber> =
            self.0.post_json(op, key, Kind::Write, path, &body, Some(request_id)).await?;
        let s = s.ok_or(AdapterError::Refused {
            system: System::Alseco,
            status: 404,
            reason: "no such account".into(),
        })?;
        check(&s)?;
        Ok(s)
    }
}

#[async_trait::async_trait]
impl Billing for Client {
    async fn subscriber(&self, account: &str) -> Result<Option<Subscriber>, AdapterError> {
        if !is_account(account) {
            return Ok(None);
        }
        let s: Option<Subscriber> =
            self.0.get_json("subscriber", account, &format!("/subscribers/{account}")).await?;
        if let Some(s) = &s {
            check(s)?;
        }
        Ok(s)
    }

    async fn open(&self, request_id: &str, new: &NewAccount) -> Result<Subscriber, AdapterError> {
        let body = serde_json::to_value(new).unwrap_or_default();
        self.write("open", &new.holder, "/subscribers", body, request_id).await
    }

    async fn close(&self, request_id: &str, account: &str) -> Result<Subscriber, AdapterError> {
        if !is_account(account) {
            return Err(AdapterError::Refused {
                system: System::Alseco,
                status: 422,
                reason: "not an account number".into(),
            });
        }
        self.write("close", account, &format!("/subscribers/{account}/close"), json!({}), request_id).await
    }

    async fn transfer(
        &self,
        request_id: &str,
        account: &str,
        new_holder: &str,
    ) -> Result<Subscriber, AdapterError> {
        if !is_account(account) {
            return Err(AdapterError::Refused {
                system: System::Alseco,
                status: 422,
                reason: "not an account number".into(),
            });
        }
        let body = json!({"new_holder": new_holder});
        self.write("transfer", account, &format!("/subscribers/{account}/transfer"), body, request_id).await
    }
}
