//! ГБД ЮЛ, the state database of legal entities, over REST: an entity by BIN
//! (`GET /entities/{bin}`): names in Kazakh and Russian, the head's IIN, the address, the status.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::call::Endpoint;
use super::{AdapterError, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    pub bin: String,
    pub name_kk: String,
    pub name_ru: String,
    pub head_iin: String,
    pub address_ru: String,
    /// `active`, `suspended` or `liquidated`.
    pub status: String,
    pub registered: NaiveDate,
}

fn digits12(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[async_trait::async_trait]
pub trait LegalEntities: Send + Sync {
    async fn entity(&self, bin: &str) -> Result<Option<Entity>, AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl LegalEntities for Client {
    async fn entity(&self, bin: &str) -> Result<Option<Entity>, AdapterError> {
        if !digits12(bin) {
            return Ok(None);
        }
        let e: Option<Entity> = self.0.get_json("entity", bin, &format!("/entities/{bin}")).await?;
        if let Some(e) = &e {
            let ok = e.bin == bin
                && digits12(&e.head_iin)
                && !e.name_ru.is_empty()
                && e.name_ru.chars().count() <= 500
                && e.name_kk.chars().count() <= 500
                && matches!(e.status.as_str(), "active" | "suspended" | "liquidated");
            if !ok {
                return Err(AdapterError::Malformed {
                    system: System::Ul,
                    reason: "an entity fails its checks".into(),
                });
            }
        }
        Ok(e)
    }
}
