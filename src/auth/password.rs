//! Password hashing with Argon2id (PHC strings, salt per password) and the password rule.
//!
//! ```
//! let h = qala::auth::password::hash("correct horse").unwrap();
//! assert!(h.starts_with("$argon2id$"));
//! assert!(qala::auth::password::verify(&h, "correct horse"));
//! assert!(!qala::auth::password::verify(&h, "wrong"));
//! ```

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

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
