//! Key usage as NCA's profiles put it: an AUTH certificate has digitalSignature and
//! keyEncipherment with the clientAuth EKU; a SIGN certificate digitalSignature and
//! nonRepudiation with the emailProtection EKU (when it lists EKUs at all).

use serde::Serialize;
use x509_cert::ext::pkix::KeyUsages;

use super::cert::Cert;

const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";

/// What a signature is for: a login (AUTH key) or signing a document (SIGN key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPurpose {
    Auth,
    Sign,
}

fn has(cert: &Cert, bit: KeyUsages) -> bool {
    cert.key_usage.map(|k| k.0.contains(bit)).unwrap_or(false)
}

/// Whether `cert` may be used for `purpose`.
pub fn allows(cert: &Cert, purpose: KeyPurpose) -> bool {
    let eku = |oid: &str| cert.eku.iter().any(|e| e == oid);
    match purpose {
        KeyPurpose::Auth => {
            has(cert, KeyUsages::DigitalSignature)
                && has(cert, KeyUsages::KeyEncipherment)
                && eku(CLIENT_AUTH)
        }
        KeyPurpose::Sign => {
            has(cert, KeyUsages::DigitalSignature)
                && has(cert, KeyUsages::NonRepudiation)
                && (cert.eku.is_empty() || eku(EMAIL_PROTECTION))
        }
    }
}

/// What the certificate is for: SIGN before AUTH when both fit.
pub fn purpose_of(cert: &Cert) -> Option<KeyPurpose> {
    [KeyPurpose::Sign, KeyPurpose::Auth].into_iter().find(|p| allows(cert, *p))
}

/// Key usage bits and known EKUs as words (`digital_signature`, `client_auth`, …).
pub fn describe(cert: &Cert) -> Vec<String> {
    let bits = [
        (KeyUsages::DigitalSignature, "digital_signature"),
        (KeyUsages::NonRepudiation, "non_repudiation"),
        (KeyUsages::KeyEncipherment, "key_encipherment"),
        (KeyUsages::DataEncipherment, "data_encipherment"),
        (KeyUsages::KeyAgreement, "key_agreement"),
        (KeyUsages::KeyCertSign, "key_cert_sign"),
        (KeyUsages::CRLSign, "crl_sign"),
    ];
    let mut out: Vec<String> =
        bits.iter().filter(|(b, _)| has(cert, *b)).map(|(_, n)| n.to_string()).collect();
    for e in &cert.eku {
        out.push(match e.as_str() {
            CLIENT_AUTH => "client_auth".to_string(),
            EMAIL_PROTECTION => "email_protection".to_string(),
            other => other.to_string(),
        });
    }
    out
}
