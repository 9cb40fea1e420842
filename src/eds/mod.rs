//! Electronic digital signatures (EDS, ЭЦП) of Kazakhstan's National Certification Authority:
//! CMS signatures checked in process (signature, chain to the configured NCA roots, validity at
//! the signing time, key usage, revocation by OCSP and CRL), RSA and GOST alike.
//!
//! - [`gost`]: GOST 34.310-2004 and GOST 34.10-2015 (Streebog) signatures in NCA's byte order.

pub mod gost;
