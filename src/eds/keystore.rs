//! NCA PKCS#12 key stores (`.p12`): the private key (RSA or GOST), its certificate and the rest of
//! the chain. NCA's stores use pbeWithSHAAnd3-KeyTripleDES-CBC for the key bag and
//! pbeWithSHAAnd40BitRC2-CBC for the certificates (decrypted by the `p12` crate), inside BER with
//! indefinite lengths (Java's writer); a GOST key is a PKCS#8 with Kazakh OIDs (2004: the scalar
//! as an INTEGER; 2015: little-endian in an OCTET STRING).
//!
//! For tests, benchmarks and the test NCALayer: the server never holds users' keys. Input is
//! still bounded (size, PBE iteration counts) so that a hostile file cannot hang the caller.

use der::Encode;
use p12::{AlgorithmIdentifier, ContentInfo, PFX, SafeBagKind};
use rsa::pkcs8::DecodePrivateKey;
use x509_cert::Certificate;

use crate::eds::gost::GostPrivateKey;

/// The largest key store read (NCA's are a few kilobytes).
pub const MAX_KEYSTORE_BYTES: usize = 256 * 1024;
/// The most PBE or MAC iterations accepted (NCA uses 2048 or fewer).
pub const MAX_ITERATIONS: u64 = 100_000;

/// A private key of a key store. (Unboxed: only a handful exist at a time, in tests and tools.)
/// Debug output names the kind only, never key material.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PrivateKey {
    Rsa(rsa::RsaPrivateKey),
    Gost(GostPrivateKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrivateKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                write!(f, "PrivateKey::Rsa({} bits)", k.n().bits())
            }
            PrivateKey::Gost(k) => write!(f, "PrivateKey::Gost({:?})", k.kind()),
        }
    }
}

impl PrivateKey {
    /// The DER `SubjectPublicKeyInfo` of the key's public part (to compare with a certificate).
    pub fn public_key_info_der(&self) -> Result<Vec<u8>, KeyStoreError> {
        match self {
            PrivateKey::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey;
                Ok(k.to_public_key().to_public_key_der().map_err(|_| KeyStoreError::BadKey)?.into_vec())
            }
            PrivateKey::Gost(k) => Ok(k.public_key_info_der()),
        }
    }
}

/// Why a key store could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("the key store is larger than {MAX_KEYSTORE_BYTES} bytes")]
    TooLarge,
    #[error("not a PKCS#12 key store")]
    Malformed,
    #[error("wrong password (or a damaged key store)")]
    WrongPassword,
    #[error("the key store uses {0} PBE iterations, more than allowed")]
    TooManyIterations(u64),
    #[error("the key store uses an encryption this reader does not know")]
    UnsupportedEncryption,
    #[error("the key store holds no private key")]
    NoKey,
    #[error("the private key is neither RSA nor a known GOST key")]
    BadKey,
    #[error("no certificate in the key store matches its private key")]
    NoCertificate,
}

/// An opened key store. Debug output shows the key's kind and the number of certificates only
/// (certificates carry IINs and names).
pub struct KeyStore {
    key: PrivateKey,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("key", &self.key)
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// Opens a PKCS#12 store with `password`: checks its MAC, decrypts the key and certificates,
    /// and picks the certificate whose public key is the key's.
    pub fn from_pkcs12(der_bytes: &[u8], password: &str) -> Result<KeyStore, KeyStoreError> {
        if der_bytes.len() > MAX_KEYSTORE_BYTES {
            return Err(KeyStoreError::TooLarge);
        }
        let pfx = PFX::parse(der_bytes).map_err(|_| KeyStoreError::Malformed)?;
        if let Some(mac) = &pfx.mac_data {
            check_iterations(u64::from(mac.iterations))?;
        }
        let pass = bmp_password(password);
        // The MAC is checked before anything is decrypted: a wrong password fails here.
        if !pfx.verify_mac(password) {
            return Err(KeyStoreError::WrongPassword);
        }
        let ContentInfo::Data(auth_safe) = &pfx.auth_safe else {
            return Err(KeyStoreError::Malformed);
        };
        let contents = yasna::parse_ber(auth_safe, |r| r.collect_sequence_of(ContentInfo::parse))
            .map_err(|_| KeyStoreError::Malformed)?;

        let mut keys = Vec::new();
        let mut certs = Vec::new();
        for content in &contents {
            let data = match content {
                ContentInfo::Data(d) => d.clone(),
                ContentInfo::EncryptedData(ed) => {
                    let alg = &ed.encrypted_content_info.content_encryption_algorithm;
                    check_pbe(alg)?;
                    ed.data(&pass).ok_or(KeyStoreError::WrongPassword)?
                }
                ContentInfo::OtherContext(_) => return Err(KeyStoreError::UnsupportedEncryption),
            };
            let bags = yasna::parse_ber(&data, |r| r.collect_sequence_of(p12::SafeBag::parse))
                .map_err(|_| KeyStoreError::Malformed)?;
            for bag in bags {
                match &bag.bag {
                    SafeBagKind::Pkcs8ShroudedKeyBag(epki) => {
                        check_pbe(&epki.encryption_algorithm)?;
                        keys.push(epki.decrypt(&pass).ok_or(KeyStoreError::WrongPassword)?);
                    }
                    SafeBagKind::CertBag(_) => certs.extend(bag.bag.get_x509_cert()),
                    SafeBagKind::OtherBagKind(_) => {}
                }
            }
        }

        let pkcs8 = keys.first().ok_or(KeyStoreError::NoKey)?;
        let key = parse_private_key(pkcs8)?;
        let spki = key.public_key_info_der()?;
        let index = certs
            .iter()
            .position(|c| certificate_spki(c).is_some_and(|s| s == spki))
            .ok_or(KeyStoreError::NoCertificate)?;
        let certificate = certs.remove(index);
        Ok(KeyStore { key, certificate, chain: certs })
    }

    /// A store made of a key and certificate held elsewhere (tests with their own CA).
    pub fn from_parts(key: PrivateKey, certificate_der: Vec<u8>, chain_der: Vec<Vec<u8>>) -> KeyStore {
        KeyStore { key, certificate: certificate_der, chain: chain_der }
    }

    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The DER certificate of the key.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The other certificates of the store (issuing CAs), DER.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }
}

/// A PKCS#8 private key: RSA, or GOST with NCA's OIDs.
pub fn parse_private_key(pkcs8: &[u8]) -> Result<PrivateKey, KeyStoreError> {
    if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8) {
        return Ok(PrivateKey::Rsa(k));
    }
    GostPrivateKey::from_pkcs8_der(pkcs8).map(PrivateKey::Gost).map_err(|_| KeyStoreError::BadKey)
}

fn certificate_spki(cert_der: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let cert = Certificate::from_der(cert_der).ok()?;
    cert.tbs_certificate.subject_public_key_info.to_der().ok()
}

fn check_iterations(n: u64) -> Result<(), KeyStoreError> {
    if n > MAX_ITERATIONS { Err(KeyStoreError::TooManyIterations(n)) } else { Ok(()) }
}

fn check_pbe(alg: &AlgorithmIdentifier) -> Result<(), KeyStoreError> {
    match alg {
        AlgorithmIdentifier::PbewithSHAAnd40BitRC2CBC(p)
        | AlgorithmIdentifier::PbeWithSHAAnd3KeyTripleDESCBC(p) => check_iterations(p.iterations),
        _ => Err(KeyStoreError::UnsupportedEncryption),
    }
}

/// The password as PKCS#12 wants it: BMPString (UTF-16 big-endian) with a trailing NUL.
fn bmp_password(password: &str) -> Vec<u8> {
    let mut out: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    out.extend([0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_password_is_utf16_be_with_nul() {
        assert_eq!(bmp_password("Aa"), vec![0, b'A', 0, b'a', 0, 0]);
        assert_eq!(bmp_password("Ә"), vec![0x04, 0xD8, 0, 0]);
    }

    #[test]
    fn refuses_garbage_and_oversized_input() {
        assert!(matches!(KeyStore::from_pkcs12(b"not a key store", "x"), Err(KeyStoreError::Malformed)));
        let big = vec![0x30u8; MAX_KEYSTORE_BYTES + 1];
        assert!(matches!(KeyStore::from_pkcs12(&big, "x"), Err(KeyStoreError::TooLarge)));
    }
}
