//! The journal of calls to the state systems (SEC-1, INT-1): each call's system, operation,
//! outcome, attempts, duration and a keyed hash of its key (an IIN, a BIN, a phone, an account),
//! never the key itself. Entries go to the `adapter_calls` table (migration 0026) when the journal
//! has a database, to the log (`tracing`, with the hash only) and to a bounded ring in memory
//! that tests and the admin read.
//!
//! The hash is SHA-256 over a secret and the key, cut to 16 bytes: the same key gives the same
//! hash for the life of the secret (so an investigator holding the key can find its calls), but
//! an IIN cannot be recovered from it by trying every IIN without the secret.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::System;

/// Entries kept in memory.
const RING: usize = 1000;

/// One call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    pub system: System,
    pub operation: &'static str,
    /// `ok`, `not_found`, or the error's word ([`super::AdapterError::outcome`]).
    pub outcome: &'static str,
    pub attempts: u32,
    pub duration_ms: u64,
    pub key_hash: String,
}

#[derive(Debug)]
struct Inner {
    secret: [u8; 32],
    ring: Mutex<VecDeque<CallRecord>>,
    pool: Option<sqlx::PgPool>,
}

/// Where calls are journalled (cheap to clone).
#[derive(Debug, Clone)]
pub struct CallJournal(Arc<Inner>);

impl CallJournal {
    /// A journal in memory and the log only, with a random secret.
    pub fn memory() -> CallJournal {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
        CallJournal(Arc::new(Inner { secret, ring: Mutex::default(), pool: None }))
    }

    /// A journal that also writes `adapter_calls` in `pool`; `secret` keys the hashes (a random
    /// one when `None`).
    pub fn database(pool: sqlx::PgPool, secret: Option<&[u8]>) -> CallJournal {
        let mut key = [0u8; 32];
        match secret {
            Some(s) => key.copy_from_slice(&Sha256::digest(s)),
            None => rand::RngCore::fill_bytes(&mut rand::rng(), &mut key),
        }
        CallJournal(Arc::new(Inner { secret: key, ring: Mutex::default(), pool: Some(pool) }))
    }

    /// The keyed hash of a key, 32 hex characters.
    pub fn key_hash(&self, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0.secret);
        h.update([0]);
        h.update(key.as_bytes());
        hex::encode(&h.finalize()[..16])
    }

    /// Records one call; never fails the call.
    pub async fn record(&self, r: CallRecord) {
        tracing::info!(
            system = r.system.code(),
            operation = r.operation,
            outcome = r.outcome,
            attempts = r.attempts,
            duration_ms = r.duration_ms,
            key = %r.key_hash,
            "state system call"
        );
        if let Some(pool) = &self.0.pool {
            let done = sqlx::query(
                "INSERT INTO adapter_calls (system, operation, outcome, attempts, duration_ms, key_hash)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(r.system.code())
            .bind(r.operation)
            .bind(r.outcome)
            .bind(i32::try_from(r.attempts).unwrap_or(i32::MAX))
            .bind(i64::try_from(r.duration_ms).unwrap_or(i64::MAX))
            .bind(&r.key_hash)
            .execute(pool)
            .await;
            if let Err(e) = done {
                tracing::error!(error = %e, "the state systems' call journal could not be written");
            }
        }
        let mut ring = self.0.ring.lock().unwrap_or_else(|p| p.into_inner());
        if ring.len() >= RING {
            ring.pop_front();
        }
        ring.push_back(r);
    }

    /// The latest calls in memory, oldest first.
    pub fn recent(&self) -> Vec<CallRecord> {
        self.0.ring.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_keyed_and_stable() {
        let j = CallJournal::memory();
        let h = j.key_hash("860101300562");
        assert_eq!(h.len(), 32);
        assert_eq!(h, j.key_hash("860101300562"));
        assert_ne!(h, CallJournal::memory().key_hash("860101300562"), "another secret, another hash");
        assert!(!h.contains("860101"));
    }
}
