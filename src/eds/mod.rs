//! Electronic digital signatures (EDS, ЭЦП) of Kazakhstan's National Certification Authority:
//! CMS signatures checked in process (signature, chain to the configured NCA roots, validity at
//! the signing time, key usage, revocation by OCSP and CRL), RSA and GOST alike.
//!
//! - [`gost`]: GOST 34.310-2004 and GOST 34.10-2015 (Streebog) signatures in NCA's byte order.
//! - [`verifier`]: the public API ([`Verifier`], [`Verdict`], [`SignerReport`], [`Refusal`]);
//!   [`cms`] (SignedData and signer signatures), [`chain`] (to the anchors of [`roots`]),
//!   [`usage`] (AUTH/SIGN), [`identity`] (IIN, BIN, names), [`revocation`] (OCSP, CRLs, caches),
//!   [`cert`] (a parsed certificate), [`algo`] (RSA here, GOST through [`gost`]).

pub mod algo;
pub mod cert;
pub mod chain;
pub mod cms;
pub mod gost;
pub mod identity;
pub mod keystore;
pub mod revocation;
pub mod roots;
pub mod sign;
pub mod usage;
pub mod verifier;

pub use identity::Identity;
pub use roots::{EdsSetupError, RootInfo};
pub use usage::KeyPurpose;
pub use verifier::{
    EdsConfig, EdsError, Refusal, RevocationStatus, SignerReport, UnknownRevocationPolicy, Verdict, Verifier,
};
