//! GOST signatures as NCA makes them: GOST 34.310-2004 (curve CryptoPro-A, hash GOST 34.311-95
//! with the "test" S-box of GOST R 34.11-94, `1.2.398.3.10.1.3.1.1.0`; the NCA CA signatures prove it) and GOST 34.10-2015 256/512-bit (TC26 paramSetA curves, hash
//! Streebog), with Kazakh OIDs. Pure: no IO.
//!
//! NCA's byte order (unlike RFC 4491): a signature is `r‖s`, each little-endian; a public key is
//! `x‖y`, each little-endian, inside an OCTET STRING inside the SPKI's BIT STRING; the digest is
//! read as a little-endian integer `e`. Verification is `z1 = s/e, z2 = -r/e, C = z1·G + z2·Q,
//! r == x(C) mod q` (GOST 34.10 §6.2).
//!
//! The curve arithmetic ([`curve`]) is our own over `num-bigint` (no maintained crate does GOST
//! 34.10) and is not constant-time: right for verifying public data, and [`sign`] is meant for
//! tests, benchmarks and the test NCALayer only, never for keys that matter.

pub mod curve;
mod key;

use der::Decode;
use der::asn1::{ObjectIdentifier, OctetStringRef};
use gost94::Digest;
use num_bigint::BigUint;

pub use key::{GostKind, GostPrivateKey};

use curve::{Curve, Point};

/// NCA's GOST OIDs (dotted).
pub mod oid {
    /// GOST 34.310-2004 public key.
    pub const GOST2004_KEY: &str = "1.2.398.3.10.1.1.1.1";
    /// GOST 34.310-2004 signature with GOST 34.311-95.
    pub const GOST2004_SIGNATURE: &str = "1.2.398.3.10.1.1.1.2";
    /// GOST 34.310-2004 curve (= CryptoPro-A).
    pub const GOST2004_CURVE_A: &str = "1.2.398.3.10.1.1.1.1.1";
    /// GOST 34.10-2015 256-bit public key.
    pub const GOST2015_256_KEY: &str = "1.2.398.3.10.1.1.2.1";
    /// GOST 34.10-2015 256-bit curve A (= TC26 256 paramSetA).
    pub const GOST2015_256_CURVE_A: &str = "1.2.398.3.10.1.1.2.1.1";
    /// GOST 34.10-2015 512-bit public key.
    pub const GOST2015_512_KEY: &str = "1.2.398.3.10.1.1.2.2";
    /// GOST 34.10-2015 512-bit curve A (= TC26 512 paramSetA).
    pub const GOST2015_512_CURVE_A: &str = "1.2.398.3.10.1.1.2.2.1";
    /// GOST 34.10-2015 256-bit signature with Streebog-256.
    pub const GOST2015_256_SIGNATURE: &str = "1.2.398.3.10.1.1.2.3.1";
    /// GOST 34.10-2015 512-bit signature with Streebog-512.
    pub const GOST2015_512_SIGNATURE: &str = "1.2.398.3.10.1.1.2.3.2";
    /// GOST 34.311-95 digest.
    pub const GOST34311_95: &str = "1.2.398.3.10.1.3.1";
    /// GOST 34.311-95 digest parameters as a 2004 key's SPKI names them.
    pub const GOST34311_95_PARAMS: &str = "1.2.398.3.10.1.3.1.1.0";
    /// Streebog-256 (GOST 34.11-2015).
    pub const STREEBOG_256: &str = "1.2.398.3.10.1.3.2";
    /// Streebog-512 (GOST 34.11-2015).
    pub const STREEBOG_512: &str = "1.2.398.3.10.1.3.3";
}

/// Why a GOST signature was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum GostError {
    #[error("not a GOST signature algorithm: {0}")]
    UnknownAlgorithm(String),
    #[error("the public key is not a GOST key for this signature algorithm")]
    KeyMismatch,
    #[error("unknown GOST curve parameters: {0}")]
    UnknownCurve(String),
    #[error("malformed GOST public key")]
    BadPublicKey,
    #[error("malformed GOST private key")]
    BadPrivateKey,
    #[error("malformed GOST signature (length {0})")]
    BadSignatureLength(usize),
    #[error("the GOST signature does not match")]
    Invalid,
}

/// Verifies `signature` (NCA byte order) made with `signature_algorithm` (its dotted OID) over
/// `message` (the bytes that were signed, hashed here) by the key of `subject_public_key_info`
/// (the DER `SubjectPublicKeyInfo` of the signer's certificate).
pub fn verify(
    signature_algorithm: &str,
    subject_public_key_info: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    let kind = GostKind::from_signature_oid(signature_algorithm)
        .ok_or_else(|| GostError::UnknownAlgorithm(signature_algorithm.to_owned()))?;
    let (key_kind, curve, qx, qy) = parse_public_key(subject_public_key_info)?;
    if key_kind != kind {
        return Err(GostError::KeyMismatch);
    }
    let hash = digest(kind.digest_oid(), message).expect("every kind has a digest");
    verify_digest(curve, &qx, &qy, &hash, signature)
}

/// Hashes `data` with the GOST digest `digest_algorithm` (dotted OID: GOST 34.311-95, Streebog-256
/// or Streebog-512); the bytes are as they appear in a CMS `messageDigest`. `None` for other OIDs.
pub fn digest(digest_algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    match digest_algorithm {
        oid::GOST34311_95 | oid::GOST34311_95_PARAMS => Some(gost94::Gost94Test::digest(data).to_vec()),
        oid::STREEBOG_256 => Some(streebog::Streebog256::digest(data).to_vec()),
        oid::STREEBOG_512 => Some(streebog::Streebog512::digest(data).to_vec()),
        _ => None,
    }
}

/// Signs `message` with `key` by `signature_algorithm` (dotted OID, matching the key's kind),
/// returning `r‖s` in NCA byte order. Not constant-time: for tests and the test NCALayer only.
pub fn sign(
    signature_algorithm: &str,
    key: &GostPrivateKey,
    message: &[u8],
    rng: &mut impl rand::RngCore,
) -> Result<Vec<u8>, GostError> {
    let kind = GostKind::from_signature_oid(signature_algorithm)
        .ok_or_else(|| GostError::UnknownAlgorithm(signature_algorithm.to_owned()))?;
    if kind != key.kind() {
        return Err(GostError::KeyMismatch);
    }
    let hash = digest(kind.digest_oid(), message).expect("every kind has a digest");
    Ok(sign_digest(key.curve(), key.scalar(), &hash, rng))
}

/// `e` from a digest: the digest read little-endian, reduced mod q, 0 taken as 1.
fn digest_to_e(curve: &Curve, hash: &[u8]) -> BigUint {
    let e = BigUint::from_bytes_le(hash) % &curve.q;
    if e == BigUint::ZERO { BigUint::from(1u32) } else { e }
}

fn verify_digest(
    curve: &Curve,
    qx: &BigUint,
    qy: &BigUint,
    hash: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    if signature.len() != 2 * curve.size {
        return Err(GostError::BadSignatureLength(signature.len()));
    }
    let r = BigUint::from_bytes_le(&signature[..curve.size]);
    let s = BigUint::from_bytes_le(&signature[curve.size..]);
    if r == BigUint::ZERO || s == BigUint::ZERO || r >= curve.q || s >= curve.q {
        return Err(GostError::Invalid);
    }
    let e = digest_to_e(curve, hash);
    let v = e.modinv(&curve.q).ok_or(GostError::Invalid)?;
    let z1 = (&s * &v) % &curve.q;
    let z2 = (&curve.q - (&r * &v) % &curve.q) % &curve.q;
    let c = curve
        .add(&curve.mul(&z1, &curve.generator()), &curve.mul(&z2, &Point::affine(qx.clone(), qy.clone())));
    let (cx, _) = curve.to_affine(&c).ok_or(GostError::Invalid)?;
    if cx % &curve.q == r { Ok(()) } else { Err(GostError::Invalid) }
}

fn sign_digest(curve: &Curve, d: &BigUint, hash: &[u8], rng: &mut impl rand::RngCore) -> Vec<u8> {
    let e = digest_to_e(curve, hash);
    loop {
        let k = random_scalar(curve, rng);
        if let Some((r, s)) = sign_with_k(curve, d, &e, &k) {
            let mut out = le_fixed(&r, curve.size);
            out.extend(le_fixed(&s, curve.size));
            return out;
        }
    }
}

/// GOST 34.10 §6.1 with a given nonce: `r = x(kG) mod q`, `s = (r·d + k·e) mod q`; `None` when
/// either is zero (take another k).
fn sign_with_k(curve: &Curve, d: &BigUint, e: &BigUint, k: &BigUint) -> Option<(BigUint, BigUint)> {
    let (cx, _) = curve.to_affine(&curve.mul(k, &curve.generator()))?;
    let r = cx % &curve.q;
    let s = (&r * d + k * e) % &curve.q;
    (r != BigUint::ZERO && s != BigUint::ZERO).then_some((r, s))
}

/// A uniformly random scalar in [1, q).
pub(crate) fn random_scalar(curve: &Curve, rng: &mut impl rand::RngCore) -> BigUint {
    loop {
        let mut bytes = vec![0u8; curve.size];
        rng.fill_bytes(&mut bytes);
        let k = BigUint::from_bytes_le(&bytes);
        if k != BigUint::ZERO && k < curve.q {
            return k;
        }
    }
}

/// `n` as exactly `size` little-endian bytes (n < 2^(8·size)).
pub(crate) fn le_fixed(n: &BigUint, size: usize) -> Vec<u8> {
    let mut bytes = n.to_bytes_le();
    bytes.resize(size, 0);
    bytes
}

/// The kind, curve and point of a GOST `SubjectPublicKeyInfo`.
fn parse_public_key(spki_der: &[u8]) -> Result<(GostKind, &'static Curve, BigUint, BigUint), GostError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| GostError::BadPublicKey)?;
    let key_oid = spki.algorithm.oid.to_string();
    let kind = GostKind::from_key_oid(&key_oid).ok_or(GostError::KeyMismatch)?;
    let curve = match &spki.algorithm.parameters {
        Some(params) => {
            let oids: Vec<ObjectIdentifier> = params.decode_as().map_err(|_| GostError::BadPublicKey)?;
            let curve_oid = oids.first().ok_or(GostError::BadPublicKey)?.to_string();
            kind.curve_for(&curve_oid).ok_or(GostError::UnknownCurve(curve_oid))?
        }
        None => kind.default_curve(),
    };
    let bits = spki.subject_public_key.as_bytes().ok_or(GostError::BadPublicKey)?;
    let raw = if bits.len() == 2 * curve.size {
        bits
    } else {
        OctetStringRef::from_der(bits).map_err(|_| GostError::BadPublicKey)?.as_bytes()
    };
    if raw.len() != 2 * curve.size {
        return Err(GostError::BadPublicKey);
    }
    let x = BigUint::from_bytes_le(&raw[..curve.size]);
    let y = BigUint::from_bytes_le(&raw[curve.size..]);
    if !curve.contains(&x, &y) {
        return Err(GostError::BadPublicKey);
    }
    Ok((kind, curve, x, y))
}

#[cfg(test)]
mod tests;
