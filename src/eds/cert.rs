//! A certificate parsed once with what the verifier asks of it: names (DER and text), key
//! identifiers, validity, key usage, EKUs, CA flag, OCSP and CRL addresses, the public key's DER.

use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, FreshestCrl, KeyUsage, SubjectKeyIdentifier,
};

use super::identity;

const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";

/// A parsed certificate.
#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    /// Serial number as uppercase hex without leading zero bytes' sign padding.
    pub serial_hex: String,
    pub spki_der: Vec<u8>,
    /// The public key's bits (what OCSP's issuer key hash covers).
    pub key_bits: Vec<u8>,
    pub key_algorithm: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub key_usage: Option<KeyUsage>,
    /// EKU OIDs, dotted; empty when the extension is absent.
    pub eku: Vec<String>,
    pub is_ca: bool,
    pub ocsp_urls: Vec<String>,
    pub crl_urls: Vec<String>,
    pub freshest_crl_urls: Vec<String>,
}

/// A time of x509-cert as chrono's.
pub fn time(t: &x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::from_timestamp(d.as_secs() as i64, 0).unwrap_or_default()
}

/// URIs of distribution points.
pub fn dp_urls(points: &[DistributionPoint]) -> Vec<String> {
    points
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

/// Serial number bytes as uppercase hex, leading zero bytes dropped.
pub fn serial_hex(bytes: &[u8]) -> String {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &bytes[bytes.len().saturating_sub(1)..],
    };
    hex::encode_upper(trimmed)
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, der::Error> {
        Self::from_parsed(Certificate::from_der(der)?)
    }

    pub fn from_parsed(cert: Certificate) -> Result<Cert, der::Error> {
        let tbs = &cert.tbs_certificate;
        let spki = &tbs.subject_public_key_info;
        let mut c = Cert {
            der: cert.to_der()?,
            subject_der: tbs.subject.to_der()?,
            issuer_der: tbs.issuer.to_der()?,
            subject: identity::display(&tbs.subject),
            issuer: identity::display(&tbs.issuer),
            serial_hex: serial_hex(tbs.serial_number.as_bytes()),
            spki_der: spki.to_der()?,
            key_bits: spki.subject_public_key.raw_bytes().to_vec(),
            key_algorithm: super::algo::algorithm_name(&spki.algorithm.oid.to_string()).to_string(),
            not_before: time(&tbs.validity.not_before),
            not_after: time(&tbs.validity.not_after),
            ski: None,
            aki: None,
            key_usage: None,
            eku: Vec::new(),
            is_ca: false,
            ocsp_urls: Vec::new(),
            crl_urls: Vec::new(),
            freshest_crl_urls: Vec::new(),
            cert: cert.clone(),
        };
        for ext in tbs.extensions.iter().flatten() {
            let v = ext.extn_value.as_bytes();
            match ext.extn_id.to_string().as_str() {
                "2.5.29.14" => {
                    c.ski = SubjectKeyIdentifier::from_der(v).ok().map(|s| s.0.as_bytes().to_vec())
                }
                "2.5.29.35" => {
                    c.aki = AuthorityKeyIdentifier::from_der(v)
                        .ok()
                        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()))
                }
                "2.5.29.15" => c.key_usage = KeyUsage::from_der(v).ok(),
                "2.5.29.37" => {
                    c.eku = ExtendedKeyUsage::from_der(v)
                        .map(|e| e.0.iter().map(|o| o.to_string()).collect())
                        .unwrap_or_default()
                }
                "2.5.29.19" => c.is_ca = BasicConstraints::from_der(v).map(|b| b.ca).unwrap_or(false),
                "1.3.6.1.5.5.7.1.1" => {
                    if let Ok(aia) = AuthorityInfoAccessSyntax::from_der(v) {
                        c.ocsp_urls = aia
                            .0
                            .iter()
                            .filter(|a| a.access_method.to_string() == ID_AD_OCSP)
                            .filter_map(|a| match &a.access_location {
                                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                                _ => None,
                            })
                            .collect();
                    }
                }
                "2.5.29.31" => {
                    c.crl_urls = CrlDistributionPoints::from_der(v).map(|d| dp_urls(&d.0)).unwrap_or_default()
                }
                "2.5.29.46" => {
                    c.freshest_crl_urls = FreshestCrl::from_der(v).map(|d| dp_urls(&d.0)).unwrap_or_default()
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// Reads PEM (one or more certificates) or DER.
    pub fn read_all(bytes: &[u8]) -> Result<Vec<Cert>, der::Error> {
        if bytes.windows(10).any(|w| w == b"-----BEGIN") {
            Certificate::load_pem_chain(bytes)?.into_iter().map(Cert::from_parsed).collect()
        } else {
            Ok(vec![Cert::from_der(bytes)?])
        }
    }

    /// SHA-256 of the DER, hex.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&self.der))
    }

    /// Whether `issuer` may have issued this certificate by names and key identifiers (the
    /// signature is checked separately).
    pub fn names_issuer(&self, issuer: &Cert) -> bool {
        self.issuer_der == issuer.subject_der
            && match (&self.aki, &issuer.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    }

    /// Checks this certificate's signature with `issuer`'s key.
    pub fn signed_by(&self, issuer: &Cert) -> Result<(), super::algo::SigError> {
        super::algo::verify_signed(&self.der, &issuer.spki_der)
    }
}
