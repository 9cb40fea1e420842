//! What the HTTP layer reports about each request for the detection pass, journalled:
//!
//! - a session or API token used from an address it was never used from (`credential_address`):
//!   the addresses of a credential are kept in `credential_addresses`, at most
//!   [`ADDRESSES_PER_CREDENTIAL`] (the least recently used one is dropped), a session's first
//!   address being the one it was opened from; the first address of a token raises nothing;
//! - a refused request (401/403) with its client address (`denied`), at most
//!   [`DENIALS_PER_ADDRESS`] per address in ten minutes (the incident is raised long before).
//!
//! A per-process cache of (credential, address) pairs already known keeps the database out of the
//! way of ordinary requests.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use crate::auth::{journal, sha256_hex};

/// Most addresses remembered per credential.
pub const ADDRESSES_PER_CREDENTIAL: i64 = 16;
/// Most refusals journalled per address in ten minutes.
pub const DENIALS_PER_ADDRESS: u32 = 200;

/// Which credential a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Session,
    Token,
}

/// The per-process state of the request watch (shared by every clone).
#[derive(Clone)]
pub struct Watch {
    seen: moka::sync::Cache<(String, IpAddr), ()>,
    denials: moka::sync::Cache<IpAddr, Arc<AtomicU32>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").field("seen", &self.seen.entry_count()).finish()
    }
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            seen: moka::sync::Cache::builder()
                .max_capacity(50_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            denials: moka::sync::Cache::builder()
                .max_capacity(50_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
        }
    }
}

impl Watch {
    /// A request with a session or API token `secret` from `ip` was not refused as unauthenticated.
    pub async fn credential_used(&self, pool: &PgPool, kind: CredentialKind, secret: &str, ip: IpAddr) {
        let sha = sha256_hex(secret);
        let key = (sha, ip);
        if self.seen.contains_key(&key) {
            return;
        }
        match note(pool, kind, &key.0, ip).await {
            Ok(Some(new)) => {
                journal::record(
                    pool,
                    "credential_address",
                    Some(&new.login),
                    Some(&ip.to_string()),
                    Some(&new.subject),
                    "ok",
                    json!({"credential": new.kind, "known": new.known}),
                )
                .await
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the addresses of a credential could not be recorded");
                return;
            }
        }
        self.seen.insert(key, ());
    }

    /// A request from `ip` by `actor` (if known) was refused with `status`.
    pub async fn denied(
        &self,
        pool: &PgPool,
        ip: Option<IpAddr>,
        actor: Option<&str>,
        status: u16,
        method: &str,
        path: &str,
    ) {
        if let Some(ip) = ip {
            let n = self.denials.get_with(ip, || Arc::new(AtomicU32::new(0)));
            if n.fetch_add(1, Ordering::Relaxed) >= DENIALS_PER_ADDRESS {
                return;
            }
        }
        let path: String = path.chars().take(200).collect();
        journal::record(
            pool,
            "denied",
            actor,
            ip.map(|i| i.to_string()).as_deref(),
            Some(&path),
            "refused",
            json!({"status": status, "method": method}),
        )
        .await;
    }
}

/// A credential's use from an address it was not used from before.
#[derive(Debug)]
struct NewAddress {
    login: String,
    kind: &'static str,
    /// `session:<first 12 hex digits of its SHA-256>` or `token:<id>`.
    subject: String,
    known: Vec<String>,
}

/// Records that credential `sha` was used from `ip`: `Some` when the address is new and the
/// credential had been used from others (or, for a session, opened elsewhere).
async fn note(
    pool: &PgPool,
    kind: CredentialKind,
    sha: &str,
    ip: IpAddr,
) -> sqlx::Result<Option<NewAddress>> {
    let ip = ip.to_string();
    let owner: Option<(String, Option<String>, String)> = match kind {
        CredentialKind::Session => {
            sqlx::query_as(
                "SELECT u.login, s.ip, 'session:' || left(s.token_sha256, 12) FROM sessions s
                 JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > now()",
            )
            .bind(sha)
            .fetch_optional(pool)
            .await?
        }
        CredentialKind::Token => {
            sqlx::query_as(
                "SELECT u.login, NULL::text, 'token:' || t.id FROM api_tokens t
                 JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1",
            )
            .bind(sha)
            .fetch_optional(pool)
            .await?
        }
    };
    let Some((login, origin, subject)) = owner else { return Ok(None) };
    let mut tx = pool.begin().await?;
    let mut known: Vec<String> = sqlx::query_scalar(
        "SELECT ip FROM credential_addresses WHERE credential = $1 ORDER BY last_seen DESC",
    )
    .bind(sha)
    .fetch_all(&mut *tx)
    .await?;
    if known.is_empty()
        && let Some(origin) = origin
    {
        sqlx::query(
            "INSERT INTO credential_addresses (credential, ip) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(sha)
        .bind(&origin)
        .execute(&mut *tx)
        .await?;
        known.push(origin);
    }
    let inserted: Option<String> = sqlx::query_scalar(
        "INSERT INTO credential_addresses (credential, ip) VALUES ($1, $2)
         ON CONFLICT (credential, ip) DO UPDATE SET last_seen = now()
         RETURNING CASE WHEN xmax = 0 THEN ip END",
    )
    .bind(sha)
    .bind(&ip)
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    sqlx::query(
        "DELETE FROM credential_addresses WHERE credential = $1 AND ip NOT IN
            (SELECT ip FROM credential_addresses WHERE credential = $1 ORDER BY last_seen DESC LIMIT $2)",
    )
    .bind(sha)
    .bind(ADDRESSES_PER_CREDENTIAL)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let kind = match kind {
        CredentialKind::Session => "session",
        CredentialKind::Token => "token",
    };
    let known: Vec<String> = known.into_iter().filter(|k| *k != ip).collect();
    Ok((inserted.is_some() && !known.is_empty()).then_some(NewAddress { login, kind, subject, known }))
}

/// Forgets addresses unused for 90 days (run with the detection pass).
pub async fn forget_old(pool: &PgPool) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM credential_addresses WHERE last_seen < now() - interval '90 days'")
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
