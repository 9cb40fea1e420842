//! ИС АР, the address register, over REST: an address by its id
//! (`GET /addresses/{id}`), a search by text (`GET /addresses?q=&limit=`), geocoding of a text
//! (`GET /geocode?q=`) and the nearest address of a point (`GET /reverse?lon=&lat=`). Answers are
//! checked: a KATO code of nine digits, coordinates inside Kazakhstan, no more items than asked.

use serde::{Deserialize, Serialize};

use super::call::{Endpoint, encode};
use super::{AdapterError, System};

/// An address of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// The register's id (`AR-…`).
    pub id: String,
    /// The KATO code of the settlement or district (nine digits).
    pub kato: String,
    pub district_ru: String,
    pub district_kk: String,
    pub street_ru: String,
    pub street_kk: String,
    pub house: String,
    /// The whole address in Russian and Kazakh.
    pub full_ru: String,
    pub full_kk: String,
    pub lon: f64,
    pub lat: f64,
}

/// The nearest address of a point and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nearest {
    pub address: Address,
    pub distance_m: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Items {
    items: Vec<Address>,
}

/// Most items of a search.
pub const MAX_SEARCH: usize = 50;

fn check(system: System, a: &Address) -> Result<(), AdapterError> {
    let bad = |reason: &str| Err(AdapterError::Malformed { system, reason: reason.to_string() });
    if a.id.is_empty() || a.id.len() > 64 {
        return bad("an address id is empty or too long");
    }
    if a.kato.len() != 9 || !a.kato.bytes().all(|b| b.is_ascii_digit()) {
        return bad("a KATO code is not nine digits");
    }
    if !(46.0..=88.0).contains(&a.lon) || !(40.0..=56.0).contains(&a.lat) {
        return bad("an address lies outside Kazakhstan");
    }
    if [&a.full_ru, &a.full_kk, &a.street_ru, &a.street_kk]
        .iter()
        .any(|s| s.is_empty() || s.chars().count() > 300)
    {
        return bad("an address text is empty or too long");
    }
    Ok(())
}

/// ИС АР.
#[async_trait::async_trait]
pub trait AddressRegister: Send + Sync {
    async fn by_id(&self, id: &str) -> Result<Option<Address>, AdapterError>;
    /// Addresses matching `text`, at most `limit` (1-50).
    async fn search(&self, text: &str, limit: usize) -> Result<Vec<Address>, AdapterError>;
    /// The point of an address written as text.
    async fn geocode(&self, text: &str) -> Result<Option<Address>, AdapterError>;
    /// The nearest address of a point (WGS 84).
    async fn reverse(&self, lon: f64, lat: f64) -> Result<Option<Nearest>, AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl AddressRegister for Client {
    async fn by_id(&self, id: &str) -> Result<Option<Address>, AdapterError> {
        let a: Option<Address> =
            self.0.get_json("address", id, &format!("/addresses/{}", encode(id))).await?;
        if let Some(a) = &a {
            check(System::Ar, a)?;
            if a.id != id {
                return Err(AdapterError::Malformed { system: System::Ar, reason: "another address".into() });
            }
        }
        Ok(a)
    }

    async fn search(&self, text: &str, limit: usize) -> Result<Vec<Address>, AdapterError> {
        let limit = limit.clamp(1, MAX_SEARCH);
        let path = format!("/addresses?q={}&limit={limit}", encode(text));
        let items: Option<Items> = self.0.get_json("search", text, &path).await?;
        let items = items.map(|i| i.items).unwrap_or_default();
        if items.len() > limit {
            return Err(AdapterError::Malformed {
                system: System::Ar,
                reason: "more items than asked".into(),
            });
        }
        items.iter().try_for_each(|a| check(System::Ar, a))?;
        Ok(items)
    }

    async fn geocode(&self, text: &str) -> Result<Option<Address>, AdapterError> {
        let a: Option<Address> =
            self.0.get_json("geocode", text, &format!("/geocode?q={}", encode(text))).await?;
        a.as_ref().map(|a| check(System::Ar, a)).transpose()?;
        Ok(a)
    }

    async fn reverse(&self, lon: f64, lat: f64) -> Result<Option<Nearest>, AdapterError> {
        let key = format!("{lon:.5},{lat:.5}");
        let n: Option<Nearest> =
            self.0.get_json("reverse", &key, &format!("/reverse?lon={lon}&lat={lat}")).await?;
        if let Some(n) = &n {
            check(System::Ar, &n.address)?;
            if !n.distance_m.is_finite() || n.distance_m < 0.0 {
                return Err(AdapterError::Malformed { system: System::Ar, reason: "a bad distance".into() });
            }
        }
        Ok(n)
    }
}
