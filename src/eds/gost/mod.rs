//! GOST signatures as NCA makes them: GOST 34.310-2004 (hash GOST 34.311-95) and GOST 34.10-2015
//! 512-bit (hash Streebog), with r‖s and public keys x‖y stored little-endian.

/// Why a GOST signature was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum GostError {
    #[error("GOST signatures are not implemented yet")]
    Unsupported,
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
    let _ = (signature_algorithm, subject_public_key_info, message, signature);
    Err(GostError::Unsupported)
}
