//! CMS signing as NCALayer does it, for tests, benchmarks and the test NCALayer (the server itself
//! never holds users' keys): a DER `SignedData` with one signer, signed attributes contentType,
//! signingTime and messageDigest, the signer's certificate included, the content attached or
//! detached. RSA signs with sha256WithRSAEncryption; GOST with its Kazakh OIDs in NCA's byte order
//! (see [`crate::eds::gost`]).

use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use crate::eds::gost;
use crate::eds::keystore::{KeyStore, PrivateKey};

/// sha256 (NIST).
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// sha256WithRSAEncryption (PKCS#1).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// The most content bytes signed in one CMS (these signatures are of documents and challenges).
pub const MAX_SIGNED_BYTES: usize = 64 * 1024 * 1024;

/// Why a CMS could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the certificate cannot be read")]
    BadCertificate,
    #[error("the certificate's key is not the signing key")]
    KeyMismatch,
    #[error("the content is larger than {MAX_SIGNED_BYTES} bytes")]
    TooLarge,
    #[error("signing failed: {0}")]
    Failed(String),
}

/// Signs `data` with the key and certificate of `store` (see [`sign_cms_with`]).
pub fn sign_cms(
    store: &KeyStore,
    data: &[u8],
    detached: bool,
    signing_time: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    sign_cms_with(store.key(), store.certificate_der(), data, detached, signing_time)
}

/// Signs `data` with `key`, whose certificate is `cert_der`: a DER CMS `ContentInfo` holding a
/// `SignedData` as NCALayer makes it; `detached` leaves the content out.
pub fn sign_cms_with(
    key: &PrivateKey,
    cert_der: &[u8],
    data: &[u8],
    detached: bool,
    signing_time: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    if data.len() > MAX_SIGNED_BYTES {
        return Err(SignError::TooLarge);
    }
    let cert = Certificate::from_der(cert_der).map_err(|_| SignError::BadCertificate)?;
    let cert_spki =
        cert.tbs_certificate.subject_public_key_info.to_der().map_err(|_| SignError::BadCertificate)?;
    let key_spki = key.public_key_info_der().map_err(|e| SignError::Failed(e.to_string()))?;
    if cert_spki != key_spki {
        return Err(SignError::KeyMismatch);
    }

    let (digest_oid, signature_oid, message_digest) = match key {
        PrivateKey::Rsa(_) => (SHA256, SHA256_WITH_RSA, sha2::Sha256::digest(data).to_vec()),
        PrivateKey::Gost(k) => {
            let kind = k.kind();
            let md = gost::digest(kind.digest_oid(), data).expect("a GOST digest");
            (oid(kind.digest_oid()), oid(kind.signature_oid()), md)
        }
    };

    let time = signing_time_value(signing_time)?;
    let signed_attrs: SetOfVec<Attribute> = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA))?,
        attribute(ID_SIGNING_TIME, Any::encode_from(&time))?,
        attribute(ID_MESSAGE_DIGEST, Any::encode_from(&octets(message_digest)?))?,
    ]
    .try_into()
    .map_err(der_failed)?;
    let to_sign = signed_attrs.to_der().map_err(der_failed)?;

    let signature = match key {
        PrivateKey::Rsa(k) => k
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(&to_sign))
            .map_err(|e| SignError::Failed(e.to_string()))?,
        PrivateKey::Gost(k) => gost::sign(k.kind().signature_oid(), k, &to_sign, &mut rand::rng())
            .map_err(|e| SignError::Failed(e.to_string()))?,
    };

    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: algorithm(digest_oid, key)?,
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned { oid: signature_oid, parameters: Some(Any::null()) },
        signature: octets(signature)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: vec![algorithm(digest_oid, key)?].try_into().map_err(der_failed)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: if detached {
                None
            } else {
                Some(Any::encode_from(&octets(data.to_vec())?).map_err(der_failed)?)
            },
        },
        certificates: Some(CertificateSet(
            vec![CertificateChoices::Certificate(cert)].try_into().map_err(der_failed)?,
        )),
        crls: None,
        signer_infos: SignerInfos(vec![signer].try_into().map_err(der_failed)?),
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(der_failed)?,
    };
    content_info.to_der().map_err(der_failed)
}

/// signingTime as RFC 5652 wants it: UTCTime for 1950..2049, GeneralizedTime otherwise; whole
/// seconds.
fn signing_time_value(t: DateTime<Utc>) -> Result<Time, SignError> {
    let secs =
        u64::try_from(t.timestamp()).map_err(|_| SignError::Failed("signing time before 1970".into()))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(der_failed)?;
    match der::asn1::UtcTime::from_date_time(dt) {
        Ok(utc) => Ok(Time::UtcTime(utc)),
        Err(_) => Ok(Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))),
    }
}

/// The digest AlgorithmIdentifier: sha256 without parameters (as OpenSSL writes it), GOST digests
/// with NULL (as NCA writes them).
fn algorithm(digest_oid: ObjectIdentifier, key: &PrivateKey) -> Result<AlgorithmIdentifierOwned, SignError> {
    let parameters = match key {
        PrivateKey::Rsa(_) => None,
        PrivateKey::Gost(_) => Some(Any::null()),
    };
    Ok(AlgorithmIdentifierOwned { oid: digest_oid, parameters })
}

fn attribute(oid: ObjectIdentifier, value: Result<Any, der::Error>) -> Result<Attribute, SignError> {
    let values = vec![value.map_err(der_failed)?].try_into().map_err(der_failed)?;
    Ok(Attribute { oid, values })
}

fn octets(bytes: Vec<u8>) -> Result<OctetString, SignError> {
    OctetString::new(bytes).map_err(der_failed)
}

fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}

fn der_failed(e: der::Error) -> SignError {
    SignError::Failed(e.to_string())
}
