//! Certificate revocation lists: parsed once (revoked serials indexed), signature checked against
//! the issuing CA (by name, key identifier and signature; the result remembered), applicable for a
//! time when its nextUpdate is not before it; delta CRLs (deltaCRLIndicator) applied over the base
//! whose number they follow, `removeFromCRL` lifting a hold.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason, FreshestCrl};

use crate::eds::algo;
use crate::eds::cert::{self, Cert};

/// A CRL larger than this is refused.
pub const MAX_CRL_BYTES: u64 = 32 << 20;

/// A revocation entry: when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub revoked_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// A parsed CRL.
#[derive(Debug)]
pub struct Crl {
    pub der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    /// crlNumber, big-endian without leading zeros.
    pub number: Option<Vec<u8>>,
    /// For a delta CRL, the number of the base it completes.
    pub delta_base: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub freshest_urls: Vec<String>,
    pub entries: HashMap<String, Entry>,
    /// Public keys (SPKI DER) this CRL's signature was checked against, with the answer.
    checked: Mutex<Vec<(Vec<u8>, bool)>>,
}

/// The words of a revocation reason.
pub fn reason_name(r: CrlReason) -> &'static str {
    match r {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "key_compromise",
        CrlReason::CaCompromise => "ca_compromise",
        CrlReason::AffiliationChanged => "affiliation_changed",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessation_of_operation",
        CrlReason::CertificateHold => "certificate_hold",
        CrlReason::RemoveFromCRL => "remove_from_crl",
        CrlReason::PrivilegeWithdrawn => "privilege_withdrawn",
        CrlReason::AaCompromise => "aa_compromise",
    }
}

fn uint(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// `a <= b` for unsigned big-endian numbers without leading zeros.
fn le(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) <= (b.len(), b)
}

impl Crl {
    pub fn parse(der: &[u8]) -> Result<Crl, String> {
        let list = CertificateList::from_der(der).map_err(|e| e.to_string())?;
        let tbs = &list.tbs_cert_list;
        let mut crl = Crl {
            der: der.to_vec(),
            issuer_der: tbs.issuer.to_der().map_err(|e| e.to_string())?,
            this_update: cert::time(&tbs.this_update),
            next_update: tbs.next_update.as_ref().map(cert::time),
            number: None,
            delta_base: None,
            aki: None,
            freshest_urls: Vec::new(),
            entries: HashMap::new(),
            checked: Mutex::new(Vec::new()),
        };
        for ext in tbs.crl_extensions.iter().flatten() {
            let v = ext.extn_value.as_bytes();
            match ext.extn_id.to_string().as_str() {
                "2.5.29.20" => crl.number = CrlNumber::from_der(v).ok().map(|n| uint(n.0.as_bytes())),
                "2.5.29.27" => {
                    crl.delta_base =
                        Some(uint(BaseCrlNumber::from_der(v).map_err(|e| e.to_string())?.0.as_bytes()))
                }
                "2.5.29.35" => {
                    crl.aki = AuthorityKeyIdentifier::from_der(v)
                        .ok()
                        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()))
                }
                "2.5.29.46" => {
                    crl.freshest_urls =
                        FreshestCrl::from_der(v).map(|d| cert::dp_urls(&d.0)).unwrap_or_default()
                }
                _ if ext.critical => return Err(format!("unknown critical CRL extension {}", ext.extn_id)),
                _ => {}
            }
        }
        for rc in tbs.revoked_certificates.iter().flatten() {
            let reason = rc
                .crl_entry_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id.to_string() == "2.5.29.21")
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok());
            crl.entries.insert(
                cert::serial_hex(rc.serial_number.as_bytes()),
                Entry {
                    revoked_at: cert::time(&rc.revocation_date),
                    reason: reason.map(|r| reason_name(r).to_string()),
                },
            );
        }
        Ok(crl)
    }

    /// Whether `issuer` issued this CRL: names, key identifier and signature.
    pub fn issued_by(&self, issuer: &Cert) -> bool {
        if self.issuer_der != issuer.subject_der {
            return false;
        }
        if let (Some(a), Some(s)) = (&self.aki, &issuer.ski)
            && a != s
        {
            return false;
        }
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, ok)) = checked.iter().find(|(k, _)| *k == issuer.spki_der) {
            return *ok;
        }
        let ok = algo::verify_signed(&self.der, &issuer.spki_der).is_ok();
        checked.push((issuer.spki_der.clone(), ok));
        ok
    }

    /// Whether this CRL may judge a certificate's status at `at` (its nextUpdate is not before
    /// `at`) given the clock's `now` (it is not from the future).
    pub fn applies(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.this_update <= now + chrono::Duration::minutes(5) && self.next_update.is_none_or(|n| n >= at)
    }

    /// Whether `delta` completes this base CRL.
    pub fn completed_by(&self, delta: &Crl) -> bool {
        match (&self.number, &delta.delta_base, &delta.number) {
            (Some(base), Some(needs), Some(dn)) => le(needs, base) && !le(dn, base),
            _ => false,
        }
    }
}

/// The status of `serial_hex` by a base CRL and the deltas that complete it: the entry in force
/// at `at`, if any.
pub fn lookup(base: &Crl, deltas: &[&Crl], serial_hex: &str, at: DateTime<Utc>) -> Option<Entry> {
    let mut entry = base.entries.get(serial_hex).cloned();
    let mut newest: Option<&Crl> = None;
    for d in deltas.iter().filter(|d| base.completed_by(d)) {
        if newest.is_none_or(|n| le(n.number.as_deref().unwrap_or(&[]), d.number.as_deref().unwrap_or(&[]))) {
            newest = Some(d);
        }
    }
    if let Some(delta) = newest
        && let Some(e) = delta.entries.get(serial_hex)
    {
        entry = if e.reason.as_deref() == Some("remove_from_crl") { None } else { Some(e.clone()) };
    }
    entry.filter(|e| e.revoked_at <= at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_unsigned() {
        assert!(le(&[1], &[2]));
        assert!(le(&[0xff], &[1, 0]));
        assert!(!le(&[1, 0], &[0xff]));
        assert_eq!(uint(&[0, 0, 5]), vec![5]);
    }
}
