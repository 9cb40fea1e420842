//! OCSP (RFC 6960): the request for one certificate with a nonce, and the response checked: a
//! successful basic response about that certificate (CertID recomputed with the response's hash),
//! signed by the issuing CA or by a responder certificate the CA issued for id-kp-OCSPSigning
//! (valid when the response was produced), the nonce equal when the responder echoes it, its
//! thisUpdate not in the future and its nextUpdate not past.

use chrono::{DateTime, Duration, Utc};
use const_oid::db::rfc5280::ID_KP_OCSP_SIGNING;
use const_oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE};
use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest,
};

use super::crl::{Entry, reason_name};
use crate::eds::algo;
use crate::eds::cert::{self, Cert};

const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// Clocks may disagree by this much.
const SKEW_MINUTES: i64 = 5;
/// An answer without nextUpdate is taken as current for this long after its thisUpdate.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE: Duration = Duration::hours(1);
/// A response larger than this is refused.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A request ready to send and the nonce in it.
#[derive(Debug, Clone)]
pub struct BuiltRequest {
    pub der: Vec<u8>,
    pub nonce: Vec<u8>,
}

/// What a checked response says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Good,
    Revoked(Entry),
    Unknown,
}

/// A checked response.
#[derive(Debug, Clone)]
pub struct Checked {
    pub answer: Answer,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
}

fn sha256(b: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(b).to_vec()
}

fn hash_by(oid: &str, b: &[u8]) -> Option<Vec<u8>> {
    match oid {
        SHA1 => Some(sha1::Sha1::digest(b).to_vec()),
        SHA256 => Some(sha256(b)),
        _ => None,
    }
}

/// The request about `cert` issued by `issuer` (CertID with SHA-256, a 16-byte nonce).
pub fn request(cert: &Cert, issuer: &Cert) -> Result<BuiltRequest, der::Error> {
    let nonce: [u8; 16] = rand::random();
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(SHA256),
            parameters: Some(Any::from(Null)),
        },
        issuer_name_hash: OctetString::new(sha256(&issuer.subject_der))?,
        issuer_key_hash: OctetString::new(sha256(&issuer.key_bits))?,
        serial_number: cert.cert.tbs_certificate.serial_number.clone(),
    };
    let nonce_ext = Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(OctetString::new(nonce.to_vec())?.to_der()?)?,
    };
    let req = OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request { req_cert: cert_id, single_request_extensions: None }],
            request_extensions: Some(vec![nonce_ext]),
            ..Default::default()
        },
        optional_signature: None,
    };
    Ok(BuiltRequest { der: req.to_der()?, nonce: nonce.to_vec() })
}

fn matches(id: &CertId, serial: &SerialNumber, issuer: &Cert) -> bool {
    let alg = id.hash_algorithm.oid.to_string();
    id.serial_number == *serial
        && hash_by(&alg, &issuer.subject_der).is_some_and(|h| h == id.issuer_name_hash.as_bytes())
        && hash_by(&alg, &issuer.key_bits).is_some_and(|h| h == id.issuer_key_hash.as_bytes())
}

fn names(rid: &ResponderId, c: &Cert) -> bool {
    match rid {
        ResponderId::ByName(n) => n.to_der().is_ok_and(|d| d == c.subject_der),
        ResponderId::ByKey(k) => sha1::Sha1::digest(&c.key_bits).as_slice() == k.as_bytes(),
    }
}

/// Checks `der`, a response about `subject` issued by `issuer`; `nonce` is the one sent when
/// this response answers a request made now (None for recorded answers).
pub fn check(
    der: &[u8],
    subject: &Cert,
    issuer: &Cert,
    nonce: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<Checked, String> {
    if der.len() > MAX_RESPONSE_BYTES {
        return Err("OCSP response too large".into());
    }
    let resp = OcspResponse::from_der(der).map_err(|e| format!("OCSP response unreadable: {e}"))?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(format!("OCSP responder answered {:?}", resp.response_status));
    }
    let bytes = resp.response_bytes.ok_or("OCSP response without body")?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err("OCSP response is not a basic response".into());
    }
    let basic_der = bytes.response.as_bytes();
    let basic =
        BasicOcspResponse::from_der(basic_der).map_err(|e| format!("OCSP basic response unreadable: {e}"))?;
    let data = &basic.tbs_response_data;
    let produced_at = cert::time(&x509_cert::time::Time::GeneralTime(data.produced_at.0));

    // Who signed: the CA itself or a responder it delegated.
    let signer: Cert = if names(&data.responder_id, issuer) {
        issuer.clone()
    } else {
        let mut found = None;
        for c in basic.certs.iter().flatten() {
            let Ok(c) = Cert::from_parsed(c.clone()) else { continue };
            if names(&data.responder_id, &c)
                && c.names_issuer(issuer)
                && c.signed_by(issuer).is_ok()
                && c.eku.iter().any(|e| *e == ID_KP_OCSP_SIGNING.to_string())
                && c.not_before <= produced_at
                && produced_at <= c.not_after
            {
                found = Some(c);
                break;
            }
        }
        found.ok_or("OCSP response signed by neither the CA nor a responder it authorised")?
    };
    match algo::verify_signed(basic_der, &signer.spki_der) {
        Ok(()) => {}
        Err(algo::SigError::Unsupported) => {
            return Err("OCSP response signed with an unsupported algorithm".into());
        }
        Err(algo::SigError::Bad) => return Err("OCSP response signature does not check".into()),
    }
    if let (Some(sent), Some(echoed)) = (nonce, basic.nonce())
        && echoed.0.as_bytes() != sent
    {
        return Err("OCSP nonce differs from the request's".into());
    }
    let serial = &subject.cert.tbs_certificate.serial_number;
    let single = data
        .responses
        .iter()
        .find(|r| matches(&r.cert_id, serial, issuer))
        .ok_or("OCSP response is about another certificate")?;
    let this_update = cert::time(&x509_cert::time::Time::GeneralTime(single.this_update.0));
    let next_update = single.next_update.map(|t| cert::time(&x509_cert::time::Time::GeneralTime(t.0)));
    let skew = Duration::minutes(SKEW_MINUTES);
    if this_update > now + skew {
        return Err("OCSP response from the future".into());
    }
    match next_update {
        Some(n) if n + skew < now => return Err("OCSP response out of date".into()),
        None if this_update + MAX_AGE_WITHOUT_NEXT_UPDATE + skew < now => {
            return Err("OCSP response out of date".into());
        }
        _ => {}
    }
    let answer = match &single.cert_status {
        CertStatus::Good(_) => Answer::Good,
        CertStatus::Revoked(info) => Answer::Revoked(Entry {
            revoked_at: cert::time(&x509_cert::time::Time::GeneralTime(info.revocation_time.0)),
            reason: info.revocation_reason.map(|r| reason_name(r).to_string()),
        }),
        CertStatus::Unknown(_) => Answer::Unknown,
    };
    Ok(Checked { answer, this_update, next_update })
}
