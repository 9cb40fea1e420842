//! Sign-in by IIN with a one-time code by SMS (AUTH-1).
//!
//! [`start`]: the IIN checked (its check digit), the limits of the IIN and the client address
//! checked, the phone asked of БМГ (the mobile citizens base), the phone's limit checked, a
//! 6-digit code made and stored hashed (a newer code kills the older ones of the IIN), sent
//! through the SMS gateway in the caller's language. [`verify`]: the IIN's latest code compared
//! in constant time; a wrong one counts (5 kill it), a right one is used once; the account of
//! the IIN is found or made ([`super::citizens`]: applicant, login the IIN, full name from
//! ГБД ФЛ when it answers); a blocked account is refused.
//!
//! Limits (rows of `sms_login_codes`, migration 0024, counted on the injected [`AuthClock`]):
//! codes per IIN, per phone and per client address in the last hour, and a resend not before
//! [`SmsSettings::resend_after`]. The IIN's limits are checked again under a transaction lock on
//! the IIN, so two requests at once cannot both pass them.
//!
//! Every start and verify is journalled (`sms_login`) with the IIN masked and never the code or
//! the phone. Nothing here knows HTTP: the refusals are [`Refusal`], which the route turns into
//! statuses.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use super::citizens::{self, Proven};
use super::iin::{Iin, IinError};
use super::limits::{AuthClock, address_key};
use super::store::UserRow;
use super::{journal, sha256_hex};
use crate::adapters::{AdapterError, Adapters};
use crate::i18n::{Lang, Msg};

/// The bounds of the SMS sign-in.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// How long a code is valid.
    pub code_ttl: Duration,
    /// The shortest wait between two codes for one IIN.
    pub resend_after: Duration,
    /// Wrong tries that kill a code.
    pub max_failures: i32,
    /// Codes per IIN, per phone and per client address in [`SmsSettings::window`].
    pub per_iin: i64,
    pub per_phone: i64,
    pub per_address: i64,
    pub window: Duration,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            code_ttl: Duration::from_secs(300),
            resend_after: Duration::from_secs(60),
            max_failures: 5,
            per_iin: 5,
            per_phone: 5,
            per_address: 20,
            window: Duration::from_secs(3600),
        }
    }
}

/// Why a start or verify was refused.
#[derive(Debug)]
pub enum Refusal {
    IinInvalid(IinError),
    CodeFormat,
    /// БМГ has no phone for this IIN.
    NoPhone,
    /// A code was sent less than `resend_after` ago.
    TooSoon {
        retry_after: Duration,
    },
    /// Too many codes in the window for this IIN, phone or address.
    TooMany {
        retry_after: Duration,
    },
    /// A state system (БМГ, the SMS gateway) does not answer.
    Unavailable(AdapterError),
    Wrong {
        attempts_left: i32,
    },
    /// No live code: expired, used, killed, or never sent.
    Expired,
    Blocked,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Database(e)
    }
}

impl Refusal {
    /// The journal's reason.
    fn reason(&self) -> &'static str {
        match self {
            Refusal::IinInvalid(_) => "invalid_iin",
            Refusal::CodeFormat => "code_format",
            Refusal::NoPhone => "no_phone",
            Refusal::TooSoon { .. } => "too_soon",
            Refusal::TooMany { .. } => "too_many",
            Refusal::Unavailable(_) => "state_system_unavailable",
            Refusal::Wrong { .. } => "code_wrong",
            Refusal::Expired => "code_expired",
            Refusal::Blocked => "blocked",
            Refusal::Database(_) => "database",
        }
    }
}

/// A code sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The phone with all but its operator's first digit and last four digits hidden.
    pub phone_hint: String,
    pub expires_in: u64,
    pub resend_in: u64,
}

/// The latest code of an IIN, as stored.
#[derive(Debug, sqlx::FromRow)]
struct CodeRow {
    id: i64,
    salt: String,
    code_sha256: String,
    expires_at: DateTime<Utc>,
    failures: i32,
    used_at: Option<DateTime<Utc>>,
    dead: bool,
}

/// What the sign-in needs: the database, the state systems, the clock and the bounds.
#[derive(Debug, Clone)]
pub struct SmsLogin<'a> {
    pub pool: &'a PgPool,
    pub adapters: &'a Adapters,
    pub clock: &'a AuthClock,
    pub settings: &'a SmsSettings,
}

/// `+77011234567` → `+7 7** *** 45 67`.
pub fn phone_hint(phone: &str) -> String {
    let d: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if d.len() != 11 {
        return "+7 *** *** ** **".into();
    }
    format!("+7 {}** *** {}{} {}{}", d[1], d[7], d[8], d[9], d[10])
}

fn code_hash(salt: &str, iin: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}\0{iin}\0{code}").as_bytes()))
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The limits' counts for an IIN, a phone and an address since `since`, and the IIN's latest code.
async fn check_limits(
    exec: &mut sqlx::PgConnection,
    s: &SmsSettings,
    now: DateTime<Utc>,
    iin: &str,
    phone_key: Option<&str>,
    ip: &str,
) -> Result<(), Refusal> {
    let window = chrono::Duration::from_std(s.window).unwrap_or_default();
    let since = now - window;
    let wait_for = |oldest: Option<DateTime<Utc>>| {
        let until = oldest.map_or(now, |o| o + window);
        (until - now).to_std().unwrap_or_default().max(Duration::from_secs(1))
    };
    let (count, oldest, latest): (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), min(created_at), max(created_at) FROM sms_login_codes WHERE iin = $1 AND created_at > $2",
    )
    .bind(iin)
    .bind(since)
    .fetch_one(&mut *exec)
    .await?;
    if let Some(latest) = latest {
        let next = latest + chrono::Duration::from_std(s.resend_after).unwrap_or_default();
        if next > now {
            return Err(Refusal::TooSoon { retry_after: (next - now).to_std().unwrap_or_default() });
        }
    }
    if count >= s.per_iin {
        return Err(Refusal::TooMany { retry_after: wait_for(oldest) });
    }
    let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), min(created_at) FROM sms_login_codes WHERE ip = $1 AND created_at > $2",
    )
    .bind(ip)
    .bind(since)
    .fetch_one(&mut *exec)
    .await?;
    if count >= s.per_address {
        return Err(Refusal::TooMany { retry_after: wait_for(oldest) });
    }
    if let Some(phone_key) = phone_key {
        let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT count(*), min(created_at) FROM sms_login_codes WHERE phone_key = $1 AND created_at > $2",
        )
        .bind(phone_key)
        .bind(since)
        .fetch_one(&mut *exec)
        .await?;
        if count >= s.per_phone {
            return Err(Refusal::TooMany { retry_after: wait_for(oldest) });
        }
    }
    Ok(())
}

impl SmsLogin<'_> {
    async fn journal(
        &self,
        step: &str,
        iin: &str,
        ip: Option<IpAddr>,
        outcome: &str,
        detail: serde_json::Value,
    ) {
        let ip = ip.map(|i| i.to_string());
        let mut d = json!({"step": step});
        if let (Some(d), Some(extra)) = (d.as_object_mut(), detail.as_object()) {
            d.extend(extra.clone());
        }
        let target = super::iin::mask(iin);
        journal::record(self.pool, "sms_login", None, ip.as_deref(), Some(&target), outcome, d).await;
    }

    /// Sends a code for `iin` asked from `ip`; the SMS in `lang`.
    pub async fn start(&self, iin: &str, lang: Lang, ip: Option<IpAddr>) -> Result<Started, Refusal> {
        let out = self.start_inner(iin, lang, ip).await;
        match &out {
            Ok(_) => self.journal("start", iin, ip, "ok", json!({})).await,
            Err(r) => {
                let outcome = if matches!(r, Refusal::Unavailable(_) | Refusal::Database(_)) {
                    "failed"
                } else {
                    "refused"
                };
                self.journal("start", iin, ip, outcome, json!({"reason": r.reason()})).await;
            }
        }
        out
    }

    async fn start_inner(&self, iin: &str, lang: Lang, ip: Option<IpAddr>) -> Result<Started, Refusal> {
        let iin = Iin::parse(iin).map_err(Refusal::IinInvalid)?;
        let iin = iin.as_str();
        let s = self.settings;
        let addr = address_key(ip).to_string();
        let now = self.clock.now_utc();
        {
            let mut conn = self.pool.acquire().await?;
            check_limits(&mut conn, s, now, iin, None, &addr).await?;
        }
        let phone =
            self.adapters.mobile.phone(iin).await.map_err(Refusal::Unavailable)?.ok_or(Refusal::NoPhone)?;
        let phone_key = sha256_hex(&phone);
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let salt = super::new_secret("");
        let now = self.clock.now_utc();
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sms_login:' || $1))")
            .bind(iin)
            .execute(&mut *tx)
            .await?;
        check_limits(&mut tx, s, now, iin, Some(&phone_key), &addr).await?;
        sqlx::query("DELETE FROM sms_login_codes WHERE created_at < $1")
            .bind(now - chrono::Duration::days(1))
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sms_login_codes SET dead = true WHERE iin = $1 AND NOT dead AND used_at IS NULL")
            .bind(iin)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sms_login_codes (iin, phone_key, ip, salt, code_sha256, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(iin)
        .bind(&phone_key)
        .bind(&addr)
        .bind(&salt)
        .bind(code_hash(&salt, iin, &code))
        .bind(now)
        .bind(now + chrono::Duration::from_std(s.code_ttl).unwrap_or_default())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let text = Msg::SmsCodeText.text(lang).replace("{code}", &code);
        if let Err(e) = self.adapters.sms.send(&format!("qala-sms-login-{id}"), &phone, &text).await {
            // Not sent: the row must neither count nor be verifiable.
            sqlx::query("DELETE FROM sms_login_codes WHERE id = $1").bind(id).execute(self.pool).await?;
            return Err(Refusal::Unavailable(e));
        }
        Ok(Started {
            phone_hint: phone_hint(&phone),
            expires_in: s.code_ttl.as_secs(),
            resend_in: secs(s.resend_after).ceil() as u64,
        })
    }

    /// Checks `code` for `iin`; on success the account (found or made) and whether it was made.
    pub async fn verify(
        &self,
        iin: &str,
        code: &str,
        lang: Lang,
        ip: Option<IpAddr>,
    ) -> Result<(UserRow, bool), Refusal> {
        let out = self.verify_inner(iin, code, lang).await;
        match &out {
            Ok((_, created)) => self.journal("verify", iin, ip, "ok", json!({"created": created})).await,
            Err(r) => {
                let mut d = json!({"reason": r.reason()});
                if let Refusal::Wrong { attempts_left } = r {
                    d["attempts_left"] = json!(attempts_left);
                }
                self.journal("verify", iin, ip, "refused", d).await;
            }
        }
        out
    }

    async fn verify_inner(&self, iin: &str, code: &str, lang: Lang) -> Result<(UserRow, bool), Refusal> {
        let iin = Iin::parse(iin).map_err(Refusal::IinInvalid)?;
        let iin = iin.as_str();
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::CodeFormat);
        }
        let now = self.clock.now_utc();
        let mut tx = self.pool.begin().await?;
        let row: Option<CodeRow> = sqlx::query_as(
            "SELECT id, salt, code_sha256, expires_at, failures, used_at, dead FROM sms_login_codes
             WHERE iin = $1 ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE",
        )
        .bind(iin)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(CodeRow { id, salt, code_sha256: hash, expires_at, failures, used_at, dead }) = row else {
            return Err(Refusal::Expired);
        };
        if dead || used_at.is_some() || expires_at <= now {
            return Err(Refusal::Expired);
        }
        let right = bool::from(code_hash(&salt, iin, code).as_bytes().ct_eq(hash.as_bytes()));
        if !right {
            let failures = failures + 1;
            let dead = failures >= self.settings.max_failures;
            sqlx::query("UPDATE sms_login_codes SET failures = $2, dead = $3 WHERE id = $1")
                .bind(id)
                .bind(failures)
                .bind(dead)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Err(Refusal::Wrong { attempts_left: (self.settings.max_failures - failures).max(0) });
        }
        sqlx::query("UPDATE sms_login_codes SET used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let known = citizens::known(self.pool, iin).await?;
        // A new account takes its name from ГБД ФЛ; without an answer it starts without one.
        let full_name = if known {
            String::new()
        } else {
            match self.adapters.individuals.person(iin).await {
                Ok(Some(p)) => p.full_name(),
                _ => String::new(),
            }
        };
        let (user, created) = citizens::account_for(
            self.pool,
            &Proven { iin, full_name: &full_name, bin: None, lang: lang.tag() },
        )
        .await?;
        if user.status != "active" {
            return Err(Refusal::Blocked);
        }
        Ok((user, created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_hints_hide_the_middle() {
        assert_eq!(phone_hint("+77011234567"), "+7 7** *** 45 67");
        assert_eq!(phone_hint("+7 777 000 12 34"), "+7 7** *** 12 34");
        assert_eq!(phone_hint("12"), "+7 *** *** ** **");
    }

    #[test]
    fn code_hashes_depend_on_salt_iin_and_code() {
        let h = code_hash("s", "860101300562", "123456");
        assert_ne!(h, code_hash("t", "860101300562", "123456"));
        assert_ne!(h, code_hash("s", "860101300562", "123457"));
        assert!(!h.contains("123456"));
    }
}
