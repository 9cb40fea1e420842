//! БМГ, the mobile citizens base, over REST: the phone registered for an IIN
//! (`GET /phones/{iin}` → `{"iin", "phone"}`; 404 when none is registered).

use serde::{Deserialize, Serialize};

use super::call::Endpoint;
use super::{AdapterError, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub iin: String,
    /// `+77XXXXXXXXX`.
    pub phone: String,
}

/// Whether `s` is a Kazakh mobile number as БМГ writes it, `+77XXXXXXXXX`.
pub fn is_mobile(s: &str) -> bool {
    s.len() == 12 && s.starts_with("+77") && s[1..].bytes().all(|b| b.is_ascii_digit())
}

#[async_trait::async_trait]
pub trait MobileCitizens: Send + Sync {
    /// The phone registered for `iin`, `None` when there is none.
    async fn phone(&self, iin: &str) -> Result<Option<String>, AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl MobileCitizens for Client {
    async fn phone(&self, iin: &str) -> Result<Option<String>, AdapterError> {
        if iin.len() != 12 || !iin.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let r: Option<Registration> = self.0.get_json("phone", iin, &format!("/phones/{iin}")).await?;
        match r {
            Some(r) if r.iin == iin && is_mobile(&r.phone) => Ok(Some(r.phone)),
            Some(_) => Err(AdapterError::Malformed {
                system: System::Bmg,
                reason: "a phone that fails its checks".into(),
            }),
            None => Ok(None),
        }
    }
}
