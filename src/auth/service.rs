//! [`AuthService`]: credentials to principals, and the password check of logins and HTTP Basic.
//!
//! A password check, in order: the per-address rate limit (in memory), a reservation in the
//! (login, address) pair's count ([`super::attempts`]; a locked pair stops here), the per-account
//! rate limit for addresses the account has not logged in from, then Argon2 through the bounded
//! [`Hasher`] (a dummy hash for unknown logins, so that they cost and answer the same), then the
//! outcome is counted. The check runs in a task of its own, so that a client that goes away cannot
//! leave a reservation behind.
//!
//! Resolved principals are cached for a minute (never past a token's end, checked on every
//! request); any change to users or grants clears that cache. HTTP Basic credentials already
//! verified are remembered by a keyed hash of login and password together with the password hash
//! they matched, so QGIS's Basic requests do not pay Argon2 each time and a changed password stops
//! the old one at once.
//!
//! Several servers sharing one database clear each other's caches: [`AuthService::invalidate_all`]
//! also notifies [`CHANNEL`], and every server runs [`AuthService::listen`], which clears its cache
//! on each notification and after any gap in listening (notifications may have been missed).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::limits::{AuthClock, AuthLimits, HashStats, Hasher, RateLimits, address_key};
use super::{Credentials, LOCK_AFTER, LOCKOUT, SLOW_DOWN_AFTER, attempts, journal, sha256_hex, store};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::policy::{AuthMethod, Caller, Principal};

/// Why credentials were refused.
#[derive(Debug)]
pub enum LoginRefusal {
    /// Wrong password or unknown login (the answer does not say which).
    BadCredentials,
    /// Too many failures from this address on this login.
    Locked {
        retry_after: Duration,
    },
    /// The account is blocked (said only to whoever knows its password).
    Blocked,
    /// Too many password checks from this address or on this account.
    RateLimited {
        retry_after: Duration,
    },
    /// The password hashing queue is full.
    Busy {
        retry_after: Duration,
    },
    Database(Arc<sqlx::Error>),
    Internal(String),
}

fn retry_after(d: Duration) -> String {
    d.as_secs_f64().ceil().max(1.0).to_string()
}

impl LoginRefusal {
    fn db(e: sqlx::Error) -> LoginRefusal {
        LoginRefusal::Database(Arc::new(e))
    }

    pub fn into_api_error(self, lang: Lang) -> ApiError {
        self.to_api_error(lang)
    }

    /// The answer to give: 401, 403, 429 or 503 (with `Retry-After`), 500 for the unexpected.
    pub fn to_api_error(&self, lang: Lang) -> ApiError {
        match *self {
            LoginRefusal::BadCredentials => {
                ApiError::unauthorized(lang).with_detail(Msg::BadCredentials.text(lang).to_string())
            }
            LoginRefusal::Locked { retry_after: d } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::AccountLocked, lang)
                    .with_header(header::RETRY_AFTER, retry_after(d))
            }
            LoginRefusal::Blocked => ApiError::new(StatusCode::FORBIDDEN, Msg::AccountBlocked, lang),
            LoginRefusal::RateLimited { retry_after: d } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::TooManyAttempts, lang)
                    .with_header(header::RETRY_AFTER, retry_after(d))
            }
            LoginRefusal::Busy { retry_after: d } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::ServerBusy, lang)
                    .with_header(header::RETRY_AFTER, retry_after(d))
            }
            LoginRefusal::Database(ref e) => match **e {
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                    tracing::error!(error = %e, "database unavailable");
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::DatabaseUnavailable, lang)
                }
                _ => ApiError::internal(lang, e),
            },
            LoginRefusal::Internal(ref e) => ApiError::internal(lang, e),
        }
    }
}

/// The channel on which a server tells the others to forget cached principals.
pub const CHANNEL: &str = "qala_auth";

/// A resolved principal and the moment it stops being valid (a token's end).
#[derive(Debug)]
struct Cached {
    principal: Principal,
    until: Option<DateTime<Utc>>,
}

/// Resolves credentials to principals and checks passwords within the bounds of [`super::limits`].
#[derive(Debug, Clone)]
pub struct AuthService {
    pool: PgPool,
    principals: moka::future::Cache<String, Arc<Cached>>,
    /// Keyed hash of Basic login and password → the password hash they were verified against.
    verified: moka::future::Cache<String, Arc<str>>,
    /// The key of that hash (random per process), so that the cache holds nothing to brute-force.
    cache_key: Arc<[u8; 32]>,
    hasher: Hasher,
    limits: RateLimits,
    clock: AuthClock,
}

impl AuthService {
    /// The service with the default limits and the system's clock.
    pub fn new(pool: PgPool) -> AuthService {
        Self::with_limits(pool, AuthLimits::default(), AuthClock::real())
    }

    /// The service with other limits or a manual clock (tests).
    pub fn with_limits(pool: PgPool, limits: AuthLimits, clock: AuthClock) -> AuthService {
        let mut cache_key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut cache_key);
        AuthService {
            pool,
            principals: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            verified: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            cache_key: Arc::new(cache_key),
            hasher: Hasher::new(&limits),
            limits: RateLimits::new(&limits, clock.clone()),
            clock,
        }
    }

    /// Forgets every resolved principal (after a change to users, roles, grants, sessions or
    /// tokens), here at once and in every other server through [`CHANNEL`].
    pub fn invalidate_all(&self) {
        self.principals.invalidate_all();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let pool = self.pool.clone();
            rt.spawn(async move {
                if let Err(e) = sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&pool).await {
                    tracing::warn!(error = %e, "cannot tell the other servers to clear their credentials cache");
                }
            });
        }
    }

    /// Clears this server's cache whenever any server changes credentials (a notification on
    /// [`CHANNEL`]), and after a lost connection (reconnecting as the tile invalidation does).
    /// Returns once listening has started; the task ends when the pool is closed.
    pub async fn listen(&self) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        let (on_change, on_gap) = (self.principals.clone(), self.principals.clone());
        crate::db::listen::spawn(
            self.pool.clone(),
            CHANNEL,
            move |_| on_change.invalidate_all(),
            move || on_gap.invalidate_all(),
        )
        .await
    }

    /// The bounded queue of password hashing (also for new passwords).
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Counters of password hashing: running now, most at once, total, refused.
    pub fn hash_stats(&self) -> HashStats {
        self.hasher.stats()
    }

    /// The clock of expiry and rate decisions.
    pub fn clock(&self) -> &AuthClock {
        &self.clock
    }

    async fn journal(&self, login: &str, ip: Option<IpAddr>, outcome: &str, detail: serde_json::Value) {
        let ip = ip.map(|i| i.to_string());
        journal::record(&self.pool, "login", Some(login), ip.as_deref(), None, outcome, detail).await;
    }

    /// Checks a login and password from `ip` (see the module's documentation); journals the
    /// outcome. Each failure past [`SLOW_DOWN_AFTER`] answers half a second later per failure.
    pub async fn check_password(
        &self,
        login: &str,
        password: &str,
        ip: Option<IpAddr>,
    ) -> Result<store::UserRow, LoginRefusal> {
        if let Err(wait) = self.limits.check_address(ip) {
            tracing::warn!(login, ?ip, "password checks from this address are rate limited");
            return Err(LoginRefusal::RateLimited { retry_after: wait });
        }
        let this = self.clone();
        let (login, pw) = (login.to_string(), password.to_string());
        let (outcome, failures) = tokio::spawn(async move { this.check_reserved(&login, pw, ip).await })
            .await
            .map_err(|e| LoginRefusal::Internal(e.to_string()))?;
        if failures > SLOW_DOWN_AFTER {
            // Each failure past the threshold costs the guesser half a second more.
            let ms = 500 * u64::try_from(failures - SLOW_DOWN_AFTER).unwrap_or(0).min(8);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        outcome
    }

    /// The check after the address's rate limit; returns the outcome and the pair's failures.
    async fn check_reserved(
        &self,
        login: &str,
        pw: String,
        ip: Option<IpAddr>,
    ) -> (Result<store::UserRow, LoginRefusal>, i32) {
        let now = self.clock.now_utc();
        let key: String = login.chars().take(100).collect();
        let addr = address_key(ip).to_string();
        if rand::random::<u8>() == 0
            && let Err(e) = attempts::prune(&self.pool, now).await
        {
            tracing::warn!(error = %e, "old login attempts could not be pruned");
        }
        let reservation = match attempts::reserve(&self.pool, &key, &addr, now, LOCK_AFTER, LOCKOUT).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                let left = attempts::locked_for(&self.pool, &key, &addr, now).await.unwrap_or(LOCKOUT);
                self.journal(login, ip, "refused", serde_json::json!({"reason": "locked"})).await;
                return (Err(LoginRefusal::Locked { retry_after: left }), 0);
            }
            Err(e) => return (Err(LoginRefusal::db(e)), 0),
        };
        let outcome = self.check_with(login, &key, &addr, pw, ip, reservation.known_address).await;
        if let Err(e) = &outcome.0
            && !matches!(
                e,
                LoginRefusal::BadCredentials | LoginRefusal::Locked { .. } | LoginRefusal::Blocked
            )
            && let Err(e) = attempts::release(&self.pool, &key, &addr).await
        {
            tracing::warn!(error = %e, "a login attempt could not be released");
        }
        outcome
    }

    /// The check with a reservation held; every refusal other than a verified one gives it back
    /// (the caller does).
    async fn check_with(
        &self,
        login: &str,
        key: &str,
        addr: &str,
        pw: String,
        ip: Option<IpAddr>,
        known_address: bool,
    ) -> (Result<store::UserRow, LoginRefusal>, i32) {
        if !known_address && let Err(wait) = self.limits.check_account(key) {
            self.journal(login, ip, "refused", serde_json::json!({"reason": "rate limit"})).await;
            return (Err(LoginRefusal::RateLimited { retry_after: wait }), 0);
        }
        let user = match store::user_by_login(&self.pool, login).await {
            Ok(u) => u,
            Err(e) => return (Err(LoginRefusal::db(e)), 0),
        };
        let phc = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self.hasher.verify(phc, pw).await;
        let ok = match verified {
            Ok(ok) => ok,
            Err(busy) => return (Err(LoginRefusal::Busy { retry_after: busy.retry_after }), 0),
        };
        let now = self.clock.now_utc();
        match user {
            Some(u) if ok => {
                if let Err(e) = attempts::succeeded(&self.pool, key, addr, now).await {
                    return (Err(LoginRefusal::db(e)), 0);
                }
                if u.status == "active" {
                    return (Ok(u), 0);
                }
                self.journal(login, ip, "refused", serde_json::json!({"reason": "blocked"})).await;
                (Err(LoginRefusal::Blocked), 0)
            }
            user => {
                let failures = match attempts::failed(&self.pool, key, addr, now, LOCK_AFTER, LOCKOUT).await {
                    Ok(f) => f,
                    Err(e) => return (Err(LoginRefusal::db(e)), 0),
                };
                let reason = if user.is_some() { "bad password" } else { "unknown login" };
                self.journal(
                    login,
                    ip,
                    "failed",
                    serde_json::json!({"reason": reason, "failures": failures}),
                )
                .await;
                if failures >= LOCK_AFTER {
                    (Err(LoginRefusal::Locked { retry_after: LOCKOUT }), failures)
                } else {
                    (Err(LoginRefusal::BadCredentials), failures)
                }
            }
        }
    }

    /// The keyed hash of Basic credentials (cache keys; never stored).
    fn basic_key(&self, login: &str, password: &str) -> String {
        let digest = Sha256::new()
            .chain_update(self.cache_key.as_slice())
            .chain_update(login.as_bytes())
            .chain_update([0u8])
            .chain_update(password.as_bytes())
            .finalize();
        format!("basic:{}", hex::encode(digest))
    }

    /// The caller of a request with these credentials.
    pub async fn resolve(
        &self,
        creds: &Credentials,
        ip: Option<IpAddr>,
        lang: Lang,
    ) -> Result<Caller, ApiError> {
        let key = match creds {
            Credentials::None => return Ok(Caller::Anonymous),
            Credentials::Malformed => return Err(ApiError::unauthorized(lang)),
            Credentials::Bearer(t) => format!("bearer:{}", sha256_hex(t)),
            Credentials::Session(t) => format!("session:{}", sha256_hex(t)),
            Credentials::Basic { login, password } => self.basic_key(login, password),
        };
        let now = self.clock.now_utc();
        if let Some(c) = self.principals.get(&key).await {
            if c.until.is_none_or(|until| until > now) {
                return Ok(Caller::User(Box::new(c.principal.clone())));
            }
            self.principals.invalidate(&key).await;
        }
        let db = |e| ApiError::database(lang, e);
        let (principal, until) = match creds {
            Credentials::Bearer(t) => store::principal_by_token(&self.pool, &sha256_hex(t), now)
                .await
                .map_err(db)?
                .ok_or_else(|| ApiError::unauthorized(lang).with_detail("the token is unknown or expired"))?,
            Credentials::Session(t) => {
                match store::principal_by_session(&self.pool, &sha256_hex(t)).await.map_err(db)? {
                    Some(p) => (p, None),
                    // An expired or unknown cookie is not an attack: the caller is simply logged out.
                    None => return Ok(Caller::Anonymous),
                }
            }
            Credentials::Basic { login, password } => {
                (self.basic(login, password, &key, ip, lang).await?, None)
            }
            Credentials::None | Credentials::Malformed => return Ok(Caller::Anonymous),
        };
        self.principals.insert(key, Arc::new(Cached { principal: principal.clone(), until })).await;
        Ok(Caller::User(Box::new(principal)))
    }

    /// The principal of HTTP Basic credentials: without Argon2 when these exact credentials were
    /// verified against the user's current password hash. Concurrent requests with the same
    /// credentials (QGIS opens many at once) share one check.
    async fn basic(
        &self,
        login: &str,
        password: &str,
        key: &str,
        ip: Option<IpAddr>,
        lang: Lang,
    ) -> Result<Principal, ApiError> {
        let db = |e| ApiError::database(lang, e);
        for _ in 0..2 {
            let phc = self
                .verified
                .try_get_with(key.to_string(), async {
                    let u = self.check_password(login, password, ip).await?;
                    Ok::<_, LoginRefusal>(Arc::<str>::from(u.password_hash.as_str()))
                })
                .await
                .map_err(|r| r.to_api_error(lang))?;
            match store::user_by_login(&self.pool, login).await.map_err(db)? {
                Some(u) if *u.password_hash == *phc => {
                    if u.status != "active" {
                        return Err(LoginRefusal::Blocked.into_api_error(lang));
                    }
                    return store::principal_of(&self.pool, &u, AuthMethod::Basic).await.map_err(db);
                }
                // The password changed since these credentials were verified: check them again.
                _ => self.verified.invalidate(key).await,
            }
        }
        Err(LoginRefusal::BadCredentials.into_api_error(lang))
    }
}
