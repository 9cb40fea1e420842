//! GOST key kinds (2004, 2015-256, 2015-512) with their OIDs and curves, and GOST private keys:
//! read from NCA's PKCS#8, generated for tests, and their public part as a DER SPKI.

use der::asn1::{AnyRef, BitString, ObjectIdentifier, OctetString, OctetStringRef};
use der::{Decode, Encode};
use num_bigint::BigUint;
use spki::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::curve::{CRYPTOPRO_A, Curve, TC26_256_A, TC26_512_A};
use super::{GostError, le_fixed, oid, random_scalar};

/// The GOST key kinds NCA issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GostKind {
    /// GOST 34.310-2004, 256-bit, hash GOST 34.311-95.
    Gost2004,
    /// GOST 34.10-2015, 256-bit, hash Streebog-256.
    Gost2015_256,
    /// GOST 34.10-2015, 512-bit, hash Streebog-512.
    Gost2015_512,
}

impl GostKind {
    pub fn from_signature_oid(signature_oid: &str) -> Option<GostKind> {
        match signature_oid {
            oid::GOST2004_SIGNATURE => Some(GostKind::Gost2004),
            oid::GOST2015_256_SIGNATURE => Some(GostKind::Gost2015_256),
            oid::GOST2015_512_SIGNATURE => Some(GostKind::Gost2015_512),
            _ => None,
        }
    }

    pub fn from_key_oid(key_oid: &str) -> Option<GostKind> {
        match key_oid {
            oid::GOST2004_KEY => Some(GostKind::Gost2004),
            oid::GOST2015_256_KEY => Some(GostKind::Gost2015_256),
            oid::GOST2015_512_KEY => Some(GostKind::Gost2015_512),
            _ => None,
        }
    }

    /// The public key algorithm OID.
    pub fn key_oid(self) -> &'static str {
        match self {
            GostKind::Gost2004 => oid::GOST2004_KEY,
            GostKind::Gost2015_256 => oid::GOST2015_256_KEY,
            GostKind::Gost2015_512 => oid::GOST2015_512_KEY,
        }
    }

    /// The signature algorithm OID.
    pub fn signature_oid(self) -> &'static str {
        match self {
            GostKind::Gost2004 => oid::GOST2004_SIGNATURE,
            GostKind::Gost2015_256 => oid::GOST2015_256_SIGNATURE,
            GostKind::Gost2015_512 => oid::GOST2015_512_SIGNATURE,
        }
    }

    /// The digest algorithm OID (as in a CMS `digestAlgorithm`).
    pub fn digest_oid(self) -> &'static str {
        match self {
            GostKind::Gost2004 => oid::GOST34311_95,
            GostKind::Gost2015_256 => oid::STREEBOG_256,
            GostKind::Gost2015_512 => oid::STREEBOG_512,
        }
    }

    /// The parameters NCA writes in a key's AlgorithmIdentifier: curve OID, digest OID.
    fn default_params(self) -> (&'static str, &'static str) {
        match self {
            GostKind::Gost2004 => (oid::GOST2004_CURVE_A, oid::GOST34311_95_PARAMS),
            GostKind::Gost2015_256 => (oid::GOST2015_256_CURVE_A, oid::STREEBOG_256),
            GostKind::Gost2015_512 => (oid::GOST2015_512_CURVE_A, oid::STREEBOG_512),
        }
    }

    pub(super) fn default_curve(self) -> &'static Curve {
        match self {
            GostKind::Gost2004 => &CRYPTOPRO_A,
            GostKind::Gost2015_256 => &TC26_256_A,
            GostKind::Gost2015_512 => &TC26_512_A,
        }
    }

    /// The curve a key of this kind names by `curve_oid` (NCA's OIDs; the standard CryptoPro and
    /// TC26 OIDs of the same curves are accepted too).
    pub(super) fn curve_for(self, curve_oid: &str) -> Option<&'static Curve> {
        match (self, curve_oid) {
            (GostKind::Gost2004, oid::GOST2004_CURVE_A | "1.2.643.2.2.35.1") => Some(&CRYPTOPRO_A),
            (GostKind::Gost2015_256, oid::GOST2015_256_CURVE_A | "1.2.643.7.1.2.1.1.1") => Some(&TC26_256_A),
            (GostKind::Gost2015_512, oid::GOST2015_512_CURVE_A | "1.2.643.7.1.2.1.2.1") => Some(&TC26_512_A),
            _ => None,
        }
    }
}

/// A GOST private key: its kind, the OIDs of its parameters (as the certificate names them) and
/// the scalar `d`. Debug output never shows the scalar.
#[derive(Clone)]
pub struct GostPrivateKey {
    kind: GostKind,
    params: Vec<ObjectIdentifier>,
    curve: &'static Curve,
    d: BigUint,
}

impl std::fmt::Debug for GostPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GostPrivateKey").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl GostPrivateKey {
    /// A key of `kind` from its scalar, little-endian (NCA's order); `None` if out of [1, q).
    pub fn from_scalar_le(kind: GostKind, scalar_le: &[u8]) -> Option<GostPrivateKey> {
        let curve = kind.default_curve();
        let d = BigUint::from_bytes_le(scalar_le);
        if d == BigUint::ZERO || d >= curve.q {
            return None;
        }
        let (c, h) = kind.default_params();
        let params = vec![c.parse().ok()?, h.parse().ok()?];
        Some(GostPrivateKey { kind, params, curve, d })
    }

    /// A fresh random key (tests and the test NCALayer).
    pub fn generate(kind: GostKind, rng: &mut impl rand::RngCore) -> GostPrivateKey {
        let curve = kind.default_curve();
        let d = random_scalar(curve, rng);
        let bytes = le_fixed(&d, curve.size);
        GostPrivateKey::from_scalar_le(kind, &bytes).expect("a scalar in range")
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` with NCA's GOST OIDs. NCA's key stores hold the scalar in
    /// `privateKey` as a DER INTEGER (2004 keys) or as an OCTET STRING of its little-endian bytes
    /// (2015 keys); a bare little-endian string of the curve's size is accepted too.
    pub fn from_pkcs8_der(der_bytes: &[u8]) -> Result<GostPrivateKey, GostError> {
        let info = pkcs8::PrivateKeyInfo::from_der(der_bytes).map_err(|_| GostError::BadPrivateKey)?;
        let kind = GostKind::from_key_oid(&info.algorithm.oid.to_string()).ok_or(GostError::KeyMismatch)?;
        let params: Vec<ObjectIdentifier> = match info.algorithm.parameters {
            Some(p) => p.decode_as().map_err(|_| GostError::BadPrivateKey)?,
            None => Vec::new(),
        };
        let curve = match params.first() {
            Some(c) => kind.curve_for(&c.to_string()).ok_or(GostError::UnknownCurve(c.to_string()))?,
            None => kind.default_curve(),
        };
        let raw = info.private_key;
        let d = if let Ok(os) = OctetStringRef::from_der(raw) {
            BigUint::from_bytes_le(os.as_bytes())
        } else if let Ok(int) = der::asn1::UintRef::from_der(raw) {
            BigUint::from_bytes_be(int.as_bytes())
        } else if raw.len() == curve.size {
            BigUint::from_bytes_le(raw)
        } else {
            return Err(GostError::BadPrivateKey);
        };
        if d == BigUint::ZERO || d >= curve.q {
            return Err(GostError::BadPrivateKey);
        }
        let params = if params.is_empty() {
            let (c, h) = kind.default_params();
            vec![c.parse().expect("an OID"), h.parse().expect("an OID")]
        } else {
            params
        };
        Ok(GostPrivateKey { kind, params, curve, d })
    }

    /// This key as PKCS#8 DER in NCA's form (2004: scalar as INTEGER; 2015: little-endian in an
    /// OCTET STRING).
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        let scalar_der = match self.kind {
            GostKind::Gost2004 => {
                let be = self.d.to_bytes_be();
                der::asn1::Uint::new(&be).expect("short").to_der().expect("encodable")
            }
            _ => OctetString::new(le_fixed(&self.d, self.curve.size))
                .expect("short")
                .to_der()
                .expect("encodable"),
        };
        let params_der = self.params.to_der().expect("encodable");
        let info = pkcs8::PrivateKeyInfo {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: self.kind.key_oid().parse().expect("an OID"),
                parameters: Some(AnyRef::from_der(&params_der).expect("just encoded")),
            },
            private_key: &scalar_der,
            public_key: None,
        };
        info.to_der().expect("encodable")
    }

    pub fn kind(&self) -> GostKind {
        self.kind
    }

    pub(super) fn curve(&self) -> &'static Curve {
        self.curve
    }

    pub(super) fn scalar(&self) -> &BigUint {
        &self.d
    }

    /// The DER `SubjectPublicKeyInfo` of this key as NCA's certificates carry it: algorithm with
    /// (curve, digest) parameters, BIT STRING holding an OCTET STRING of `x‖y` little-endian.
    pub fn public_key_info_der(&self) -> Vec<u8> {
        let (x, y) = self
            .curve
            .to_affine(&self.curve.mul(&self.d, &self.curve.generator()))
            .expect("d in [1, q) gives a finite point");
        let mut xy = le_fixed(&x, self.curve.size);
        xy.extend(le_fixed(&y, self.curve.size));
        let point = OctetString::new(xy).expect("short").to_der().expect("encodable");
        let params_der = self.params.to_der().expect("encodable");
        let spki = SubjectPublicKeyInfo {
            algorithm: AlgorithmIdentifier {
                oid: self.kind.key_oid().parse().expect("an OID"),
                parameters: Some(der::Any::from_der(&params_der).expect("just encoded")),
            },
            subject_public_key: BitString::from_bytes(&point).expect("short"),
        };
        spki.to_der().expect("encodable")
    }
}
