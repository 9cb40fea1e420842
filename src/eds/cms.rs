//! CMS SignedData (RFC 5652) as NCALayer makes it: read within bounds (size, signers,
//! certificates), the content (attached or detached), each signer's certificate (by issuer and
//! serial or by key identifier), its signing time, and its signature: with signed attributes the
//! `messageDigest` must be the content's digest and the DER SET OF the attributes is what was
//! signed; without them the content itself.

use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::time::Time;

use super::algo::{self, SigError};
use super::cert::{self, Cert};

/// A CMS larger than this is refused.
pub const MAX_CMS_BYTES: usize = 64 << 20;
/// At most this many signers and certificates.
pub const MAX_SIGNERS: usize = 8;
pub const MAX_CERTS: usize = 16;

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";

/// A CMS read.
#[derive(Debug)]
pub struct Parsed {
    pub content: Option<Vec<u8>>,
    pub content_type: ObjectIdentifier,
    pub certs: Vec<Cert>,
    pub signers: Vec<SignerInfo>,
}

/// Reads a DER CMS ContentInfo holding SignedData.
pub fn parse(cms_der: &[u8]) -> Result<Parsed, String> {
    if cms_der.len() > MAX_CMS_BYTES {
        return Err(format!("the CMS is larger than {} MB", MAX_CMS_BYTES >> 20));
    }
    let info = ContentInfo::from_der(cms_der).map_err(|e| format!("not a CMS (DER): {e}"))?;
    if info.content_type.to_string() != SIGNED_DATA {
        return Err("the CMS is not SignedData".into());
    }
    let sd: SignedData = info.content.decode_as().map_err(|e| format!("SignedData unreadable: {e}"))?;
    let content = match &sd.encap_content_info.econtent {
        Some(any) => {
            Some(any.decode_as::<OctetString>().map_err(|e| format!("content unreadable: {e}"))?.into_bytes())
        }
        None => None,
    };
    let signers: Vec<SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
    if signers.is_empty() {
        return Err("the CMS has no signer".into());
    }
    if signers.len() > MAX_SIGNERS {
        return Err(format!("the CMS has more than {MAX_SIGNERS} signers"));
    }
    let mut certs = Vec::new();
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(c) = choice {
            certs.push(Cert::from_parsed(c.clone()).map_err(|e| format!("certificate unreadable: {e}"))?);
        }
        if certs.len() > MAX_CERTS {
            return Err(format!("the CMS has more than {MAX_CERTS} certificates"));
        }
    }
    Ok(Parsed { content, content_type: sd.encap_content_info.econtent_type, certs, signers })
}

/// The certificate a signer names.
pub fn signer_cert<'a>(si: &SignerInfo, certs: &'a [Cert]) -> Option<&'a Cert> {
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => certs.iter().find(|c| {
            c.cert.tbs_certificate.serial_number == isn.serial_number
                && c.cert.tbs_certificate.issuer == isn.issuer
        }),
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            certs.iter().find(|c| c.ski.as_deref() == Some(ski.0.as_bytes()))
        }
    }
}

/// The result of checking one signer's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Valid,
    BadSignature,
    DataMismatch,
    Unsupported,
}

fn attribute<'a>(si: &'a SignerInfo, oid: &str) -> Option<&'a der::Any> {
    si.signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid.to_string() == oid)
        .and_then(|a| if a.values.len() == 1 { a.values.get(0) } else { None })
}

/// The signer's claimed signing time.
pub fn signing_time(si: &SignerInfo) -> Option<DateTime<Utc>> {
    let v = attribute(si, SIGNING_TIME)?;
    let t = Time::from_der(&v.to_der().ok()?).ok()?;
    Some(cert::time(&t))
}

/// Checks `si`'s signature over `content` with `signer`'s key.
pub fn check(si: &SignerInfo, signer: &Cert, content: &[u8], content_type: &ObjectIdentifier) -> Check {
    let sig_oid = si.signature_algorithm.oid.to_string();
    let digest_oid = si.digest_alg.oid.to_string();
    let signature = si.signature.as_bytes();
    let outcome = match &si.signed_attrs {
        Some(attrs) => {
            let Some(md) = attribute(si, MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok())
            else {
                return Check::BadSignature;
            };
            match attribute(si, CONTENT_TYPE).map(|v| v.decode_as::<ObjectIdentifier>()) {
                Some(Ok(ct)) if ct == *content_type => {}
                None => {}
                _ => return Check::BadSignature,
            }
            match algo::content_digests(&digest_oid, content) {
                Err(_) => return Check::Unsupported,
                Ok(ds) if !ds.iter().any(|d| d.as_slice() == md.as_bytes()) => return Check::DataMismatch,
                Ok(_) => {}
            }
            let Ok(signed) = attrs.to_der() else { return Check::BadSignature };
            algo::verify(&sig_oid, Some(&digest_oid), &signer.spki_der, &signed, signature)
        }
        None => algo::verify(&sig_oid, Some(&digest_oid), &signer.spki_der, content, signature),
    };
    match outcome {
        Ok(()) => Check::Valid,
        Err(SigError::Bad) => Check::BadSignature,
        Err(SigError::Unsupported) => Check::Unsupported,
    }
}
