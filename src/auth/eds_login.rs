//! The one-time challenges of the EDS sign-in: the server hands out random bytes, NCALayer signs
//! them with the user's AUTH key as an attached CMS, and the CMS comes back with them inside.
//! Only the challenge's SHA-256 is stored; a challenge is accepted once, before it expires.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// How long a challenge may wait for its signature.
pub const CHALLENGE_TTL: chrono::Duration = chrono::Duration::minutes(5);
/// The longest challenge accepted back (what is issued is far shorter).
pub const MAX_CHALLENGE_BYTES: usize = 256;

/// A challenge to be signed.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub bytes: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// The bytes of a new challenge: a readable prefix naming the server and the time, then 32
/// random bytes in base64 (so that a user shown the data in NCALayer sees what it is for).
pub fn challenge_bytes(public_url: &str, now: DateTime<Utc>) -> Vec<u8> {
    let mut r = [0u8; 32];
    rand::rng().fill_bytes(&mut r);
    format!(
        "qala-eds-login {public_url} {} {}",
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r)
    )
    .into_bytes()
}

/// Issues and stores a challenge (expired ones older than a day are purged on the way).
pub async fn issue(pool: &PgPool, public_url: &str, now: DateTime<Utc>) -> sqlx::Result<Challenge> {
    let bytes = challenge_bytes(public_url, now);
    let expires_at = now + CHALLENGE_TTL;
    sqlx::query(include_str!("sql/challenge_purge.sql")).bind(now).execute(pool).await?;
    sqlx::query(include_str!("sql/challenge_insert.sql"))
        .bind(hex::encode(Sha256::digest(&bytes)))
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(Challenge { bytes, expires_at })
}

/// Uses the challenge `bytes` (the content of a signed CMS): true when it was issued here, has
/// not expired at `now` and was not used before; it is used from now on.
pub async fn take(pool: &PgPool, bytes: &[u8], now: DateTime<Utc>) -> sqlx::Result<bool> {
    if bytes.is_empty() || bytes.len() > MAX_CHALLENGE_BYTES {
        return Ok(false);
    }
    let taken: Option<String> = sqlx::query_scalar(include_str!("sql/challenge_take.sql"))
        .bind(hex::encode(Sha256::digest(bytes)))
        .bind(now)
        .fetch_optional(pool)
        .await?;
    Ok(taken.is_some())
}
