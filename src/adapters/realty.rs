//! ГБД РН, the real estate register, over REST: a property by cadastral number
//! (`GET /properties/{number}`, numbers as `20:311:005:123`: region, district, quarter, parcel)
//! and the properties of an owner (`GET /properties?owner={IIN or BIN}`).

use serde::{Deserialize, Serialize};

use super::call::{Endpoint, encode};
use super::{AdapterError, System};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    pub cadastral: String,
    /// `land`, `apartment`, `house`, `commercial`.
    pub kind: String,
    pub address_ru: String,
    pub area_m2: f64,
    /// Purpose of use (for land) or of the building.
    pub purpose_ru: String,
    /// The owners' IINs or BINs.
    pub owners: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Items {
    items: Vec<Property>,
}

/// Whether `s` is a cadastral number: four groups of digits (2, 3, 3, 1-6) separated by `:`.
pub fn is_cadastral(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 4
        && [2, 3, 3].iter().zip(&parts).all(|(n, p)| p.len() == *n)
        && (1..=6).contains(&parts[3].len())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn check(p: &Property) -> Result<(), AdapterError> {
    let ok = is_cadastral(&p.cadastral)
        && p.area_m2.is_finite()
        && p.area_m2 > 0.0
        && p.owners.len() <= 100
        && p.owners.iter().all(|o| o.len() == 12 && o.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(AdapterError::Malformed { system: System::Rn, reason: "a property fails its checks".into() })
    }
}

#[async_trait::async_trait]
pub trait RealEstate: Send + Sync {
    async fn by_cadastral(&self, number: &str) -> Result<Option<Property>, AdapterError>;
    /// At most 100 properties of an owner.
    async fn by_owner(&self, iin_or_bin: &str) -> Result<Vec<Property>, AdapterError>;
}

#[derive(Debug)]
pub struct Client(pub std::sync::Arc<Endpoint>);

#[async_trait::async_trait]
impl RealEstate for Client {
    async fn by_cadastral(&self, number: &str) -> Result<Option<Property>, AdapterError> {
        if !is_cadastral(number) {
            return Ok(None);
        }
        let p: Option<Property> =
            self.0.get_json("property", number, &format!("/properties/{}", encode(number))).await?;
        if let Some(p) = &p {
            check(p)?;
            if p.cadastral != number {
                return Err(AdapterError::Malformed {
                    system: System::Rn,
                    reason: "another property".into(),
                });
            }
        }
        Ok(p)
    }

    async fn by_owner(&self, owner: &str) -> Result<Vec<Property>, AdapterError> {
        let items: Option<Items> =
            self.0.get_json("by_owner", owner, &format!("/properties?owner={}", encode(owner))).await?;
        let items = items.map(|i| i.items).unwrap_or_default();
        if items.len() > 100 {
            return Err(AdapterError::Malformed { system: System::Rn, reason: "too many properties".into() });
        }
        items.iter().try_for_each(check)?;
        if items.iter().any(|p| !p.owners.iter().any(|o| o == owner)) {
            return Err(AdapterError::Malformed {
                system: System::Rn,
                reason: "a property of someone else".into(),
            });
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cadastral_numbers() {
        assert!(super::is_cadastral("20:311:005:123"));
        assert!(!super::is_cadastral("20:311:05:123"));
        assert!(!super::is_cadastral("20-311-005-123"));
    }
}
