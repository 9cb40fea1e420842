//! Signature and digest algorithms by OID: RSA PKCS#1 v1.5 with SHA-1/SHA-256/SHA-384/SHA-512
//! checked here, GOST handed to [`crate::eds::gost`]; digests of CMS content (`messageDigest`);
//! the raw split of a signed DER structure (to-be-signed bytes exactly as received, algorithm,
//! signature) shared by certificates, CRLs and OCSP responses.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use sha2::Digest;
use spki::AlgorithmIdentifierRef;

use super::gost::{self, GostError};

pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const SHA1_RSA: &str = "1.2.840.113549.1.1.5";
const SHA256_RSA: &str = "1.2.840.113549.1.1.11";
const SHA384_RSA: &str = "1.2.840.113549.1.1.12";
const SHA512_RSA: &str = "1.2.840.113549.1.1.13";
const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";
/// NCA's GOST arc (keys and signatures): `1.2.398.3.10.1.1.*`.
const GOST_KZ_ARC: &str = "1.2.398.3.10.1.1.";
pub const GOST2004_KEY: &str = "1.2.398.3.10.1.1.1.1";
pub const GOST2004_SIGN: &str = "1.2.398.3.10.1.1.1.2";
pub const GOST2015_512_KEY: &str = "1.2.398.3.10.1.1.2.2";
pub const GOST2015_512_SIGN: &str = "1.2.398.3.10.1.1.2.3.2";

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigError {
    /// The signature does not check.
    Bad,
    /// The algorithm is not one this server verifies (yet).
    Unsupported,
}

/// The family name of a public key or signature algorithm as reports show it.
pub fn algorithm_name(oid: &str) -> &'static str {
    if oid.starts_with("1.2.840.113549.1.1.") {
        "RSA"
    } else if oid.starts_with("1.2.398.3.10.1.1.1.") {
        "GOST 34.310-2004"
    } else if oid.starts_with("1.2.398.3.10.1.1.2.") {
        "GOST 34.10-2015"
    } else {
        "unknown"
    }
}

/// Whether `oid` is one of NCA's GOST key or signature algorithms.
pub fn is_gost(oid: &str) -> bool {
    oid.starts_with(GOST_KZ_ARC)
}

/// A GOST key algorithm named where a signature algorithm belongs (CMS signer infos do that)
/// becomes its signature algorithm.
fn gost_signature_oid(oid: &str) -> &str {
    match oid {
        GOST2004_KEY => GOST2004_SIGN,
        GOST2015_512_KEY => GOST2015_512_SIGN,
        other => other,
    }
}

/// Checks `signature` over `message` made with `signature_oid` by the key of `spki_der`.
/// `digest_oid` names the hash when the signature algorithm does not (CMS `rsaEncryption`).
pub fn verify(
    signature_oid: &str,
    digest_oid: Option<&str>,
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    if is_gost(signature_oid) {
        return match gost::verify(gost_signature_oid(signature_oid), spki_der, message, signature) {
            Ok(()) => Ok(()),
            Err(GostError::UnknownAlgorithm(_) | GostError::UnknownCurve(_)) => Err(SigError::Unsupported),
            Err(_) => Err(SigError::Bad),
        };
    }
    let hash = match signature_oid {
        SHA1_RSA => SHA1,
        SHA256_RSA => SHA256,
        SHA384_RSA => SHA384,
        SHA512_RSA => SHA512,
        RSA_ENCRYPTION => digest_oid.ok_or(SigError::Unsupported)?,
        _ => return Err(SigError::Unsupported),
    };
    verify_rsa(hash, spki_der, message, signature)
}

fn verify_rsa(hash: &str, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SigError> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::{Pkcs1v15Sign, RsaPublicKey};
    let key = RsaPublicKey::from_public_key_der(spki_der).map_err(|_| SigError::Bad)?;
    let (scheme, hashed) = match hash {
        SHA1 => (Pkcs1v15Sign::new::<sha1::Sha1>(), sha1::Sha1::digest(message).to_vec()),
        SHA256 => (Pkcs1v15Sign::new::<sha2::Sha256>(), sha2::Sha256::digest(message).to_vec()),
        SHA384 => (Pkcs1v15Sign::new::<sha2::Sha384>(), sha2::Sha384::digest(message).to_vec()),
        SHA512 => (Pkcs1v15Sign::new::<sha2::Sha512>(), sha2::Sha512::digest(message).to_vec()),
        _ => return Err(SigError::Unsupported),
    };
    key.verify(scheme, &hashed, signature).map_err(|_| SigError::Bad)
}

/// The digests `content` may have under `digest_oid` in a CMS `messageDigest`. SHA-1/2 and the
/// GOST digests [`gost::digest`] knows give one; another GOST-arc digest OID (Russian or KNCA
/// numbering, which NCALayer versions have used) gives the GOST hashes NCA uses (GOST 34.311-95,
/// Streebog-256/512): the signature over the signed attributes, checked by the GOST verifier
/// with its own hash, decides.
pub fn content_digests(digest_oid: &str, content: &[u8]) -> Result<Vec<Vec<u8>>, SigError> {
    if let Some(d) = gost::digest(digest_oid, content) {
        return Ok(vec![d]);
    }
    Ok(match digest_oid {
        SHA1 => vec![sha1::Sha1::digest(content).to_vec()],
        SHA256 => vec![sha2::Sha256::digest(content).to_vec()],
        SHA384 => vec![sha2::Sha384::digest(content).to_vec()],
        SHA512 => vec![sha2::Sha512::digest(content).to_vec()],
        oid if oid.starts_with("1.2.398.")
            || oid.starts_with("1.2.643.")
            || oid.starts_with("1.3.6.1.4.1.6801.") =>
        {
            vec![
                gost94::Gost94CryptoPro::digest(content).to_vec(),
                gost94::Gost94Test::digest(content).to_vec(),
                streebog::Streebog256::digest(content).to_vec(),
                streebog::Streebog512::digest(content).to_vec(),
            ]
        }
        _ => return Err(SigError::Unsupported),
    })
}

/// A signed DER structure split as received: certificates, CRLs and basic OCSP responses all
/// start `SEQUENCE { tbs, algorithm, BIT STRING signature, ... }`.
#[derive(Debug, Sequence)]
pub struct RawSigned<'a> {
    pub tbs: AnyRef<'a>,
    pub algorithm: AlgorithmIdentifierRef<'a>,
    pub signature: BitStringRef<'a>,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub extra: Option<AnyRef<'a>>,
}

/// Checks the signature of a signed DER structure (`der`) with the key of `issuer_spki_der`.
pub fn verify_signed(der: &[u8], issuer_spki_der: &[u8]) -> Result<(), SigError> {
    let raw = RawSigned::from_der(der).map_err(|_| SigError::Bad)?;
    let tbs = raw.tbs.to_der().map_err(|_| SigError::Bad)?;
    let oid: ObjectIdentifier = raw.algorithm.oid;
    let sig = raw.signature.as_bytes().ok_or(SigError::Bad)?;
    verify(&oid.to_string(), None, issuer_spki_der, &tbs, sig)
}
