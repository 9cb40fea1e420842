//! Password hashing with Argon2id (PHC strings, salt per password) and the password rule.
//!
//! ```
//! let h = qala::auth::password::hash("correct horse").unwrap();
//! assert!(h.starts_with("$argon2id$"));
//! assert!(qala::auth::password::verify(&h, "correct horse"));
//! assert!(!qala::auth::password::verify(&h, "wrong"));
//! ```

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 8;

/// The PHC string of `password` (Argon2id, default parameters: 19 MiB, 2 passes).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Whether `password` matches the PHC string `phc`; a malformed string never matches.
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Memory for Argon2 that is kept and reused from one check to the next (one per hashing permit),
/// so that checks allocate nothing and the memory they use stays bounded and is not fragmented.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scratch({} KiB)", self.0.len())
    }
}

/// [`verify`] computed in `scratch` (grown to the hash's memory cost the first time).
pub fn verify_in(scratch: &mut Scratch, phc: &str, password: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else { return false };
    let (Ok(params), Some(expected), Some(salt)) = (Params::try_from(&h), h.hash, h.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(version)) =
        (Algorithm::try_from(h.algorithm), h.version.map_or(Ok(Version::default()), Version::try_from))
    else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let blocks = params.block_count();
    if scratch.0.len() < blocks {
        scratch.0.resize(blocks, Block::default());
    }
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else { return false };
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut scratch.0[..blocks])
        .is_ok()
        && bool::from(out.ct_eq(expected.as_bytes()))
}

/// Why a new password is refused, if it is.
pub fn check_rule(password: &str, login: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("must have at least {MIN_LENGTH} characters"));
    }
    if password.eq_ignore_ascii_case(login) {
        return Err("must differ from the login".into());
    }
    Ok(())
}

/// A hash that matches nothing, verified for unknown logins so that they take as long as known ones.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash("qala-dummy-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_in_reused_memory_agrees_with_argon2() {
        let h = hash("correct horse").unwrap();
        let mut s = Scratch::default();
        assert!(verify_in(&mut s, &h, "correct horse"));
        assert!(!verify_in(&mut s, &h, "correct horsf"));
        assert!(verify_in(&mut s, &h, "correct horse"), "the memory is reused");
        assert_eq!(s.0.len(), Params::DEFAULT_M_COST as usize);
        assert!(!verify_in(&mut s, "not a hash", "x"));
        // Other parameters and algorithms than the default are read from the hash.
        let small = Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(64, 1, 1, Some(16)).unwrap())
            .hash_password(b"pw", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_in(&mut s, &small, "pw") && verify(&small, "pw"));
        assert!(!verify_in(&mut s, &small, "pW"));
    }
}
