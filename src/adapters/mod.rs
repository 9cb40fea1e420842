//! The state systems Qala talks to (INT-1), each behind a trait with a real client over HTTP:
//!
//! - [`address`]: the address register (ИС АР), REST: an address by id, a search by text,
//!   geocoding both ways;
//! - [`individuals`]: individuals (ГБД ФЛ), **SOAP 1.1** (as the real one, through ШЭП): a person
//!   by IIN;
//! - [`legal`]: legal entities (ГБД ЮЛ), REST: an entity by BIN;
//! - [`realty`]: the real estate register (ГБД РН), REST: by cadastral number, by owner;
//! - [`mobile`]: the mobile citizens base (БМГ), REST: the phone of an IIN;
//! - [`sms`]: the SMS gateway, REST (the protocol of `notify::send`);
//! - [`billing`]: ALSECO billing, REST: a subscriber by account, and writes (open, close,
//!   transfer an account).
//!
//! Every call goes through one place, [`call::Endpoint`]: a timeout per attempt, bounded retries
//! with backoff for idempotent reads only, a circuit breaker per system ([`breaker`]; its clock
//! injected), answers bounded in size and checked (a malformed one is
//! [`AdapterError::Malformed`]), and a journal entry per call ([`journal`]: system, operation,
//! outcome, duration and a keyed hash of the key, never the IIN, name or phone). Whatever goes
//! wrong, the caller sees "the state system X does not answer, try later" in its language
//! ([`AdapterError::message`]), never a 500.
//!
//! Configuration ([`AdapterSettings`]): one base URL per system; `qala serve` takes
//! `--state-systems-url URL` (each system under `URL/<code>`, which is how
//! `qala-state-simulator` serves them) and `--state-system-url CODE=URL` to place one elsewhere.
//! A system without a URL is not configured: its calls fail as unavailable.

pub mod address;
pub mod billing;
pub mod breaker;
pub mod call;
pub mod individuals;
pub mod journal;
pub mod legal;
pub mod mobile;
pub mod realty;
pub mod sms;
pub mod soap;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::auth::limits::AuthClock;
use crate::i18n::{Lang, Msg};

/// A state system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// ИС АР, the address register.
    Ar,
    /// ГБД ФЛ, individuals.
    Fl,
    /// ГБД ЮЛ, legal entities.
    Ul,
    /// ГБД РН, the real estate register.
    Rn,
    /// БМГ, the mobile citizens base.
    Bmg,
    /// The SMS gateway.
    Sms,
    /// ALSECO billing.
    Alseco,
}

impl System {
    pub const ALL: [System; 7] =
        [System::Ar, System::Fl, System::Ul, System::Rn, System::Bmg, System::Sms, System::Alseco];

    /// The code used in URLs, settings and the journal: `ar`, `fl`, `ul`, `rn`, `bmg`, `sms`, `alseco`.
    pub fn code(self) -> &'static str {
        match self {
            System::Ar => "ar",
            System::Fl => "fl",
            System::Ul => "ul",
            System::Rn => "rn",
            System::Bmg => "bmg",
            System::Sms => "sms",
            System::Alseco => "alseco",
        }
    }

    pub fn parse(code: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.code() == code.trim().to_ascii_lowercase())
    }

    /// The message that says this system does not answer.
    pub fn unavailable_msg(self) -> Msg {
        match self {
            System::Ar => Msg::StateArUnavailable,
            System::Fl => Msg::StateFlUnavailable,
            System::Ul => Msg::StateUlUnavailable,
            System::Rn => Msg::StateRnUnavailable,
            System::Bmg => Msg::StateBmgUnavailable,
            System::Sms => Msg::StateSmsUnavailable,
            System::Alseco => Msg::StateAlsecoUnavailable,
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a call to a state system gave no usable answer. A system's "not found" is not an error:
/// the operations answer `Ok(None)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    #[error("{system} is not configured")]
    NotConfigured { system: System },
    #[error("{system} did not answer within {timeout:?}")]
    Timeout { system: System, timeout: Duration },
    #[error("{system} cannot be reached: {reason}")]
    Unreachable { system: System, reason: String },
    #[error("{system} answered HTTP {status}")]
    Status { system: System, status: u16 },
    #[error("{system}'s circuit is open (too many failures); next try in {retry_after:?}")]
    CircuitOpen { system: System, retry_after: Duration },
    #[error("{system} answered something unreadable: {reason}")]
    Malformed { system: System, reason: String },
    /// A write the system refused on its merits (a 409 or 422: an account already closed).
    #[error("{system} refused the request: {reason}")]
    Refused { system: System, status: u16, reason: String },
}

impl AdapterError {
    pub fn system(&self) -> System {
        match self {
            AdapterError::NotConfigured { system }
            | AdapterError::Timeout { system, .. }
            | AdapterError::Unreachable { system, .. }
            | AdapterError::Status { system, .. }
            | AdapterError::CircuitOpen { system, .. }
            | AdapterError::Malformed { system, .. }
            | AdapterError::Refused { system, .. } => *system,
        }
    }

    /// Whether another attempt of an idempotent read may help (timeouts, connection failures,
    /// 5xx, 408, 429).
    pub fn retryable(&self) -> bool {
        match self {
            AdapterError::Timeout { .. } | AdapterError::Unreachable { .. } => true,
            AdapterError::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }

    /// Whether this counts as the system failing (for its circuit breaker): everything but a
    /// refusal on the merits.
    pub fn is_failure(&self) -> bool {
        !matches!(self, AdapterError::Refused { .. } | AdapterError::NotConfigured { .. })
    }

    /// The journal's word for it.
    pub fn outcome(&self) -> &'static str {
        match self {
            AdapterError::NotConfigured { .. } => "not_configured",
            AdapterError::Timeout { .. } => "timeout",
            AdapterError::Unreachable { .. } => "unreachable",
            AdapterError::Status { .. } => "error_status",
            AdapterError::CircuitOpen { .. } => "circuit_open",
            AdapterError::Malformed { .. } => "malformed",
            AdapterError::Refused { .. } => "refused",
        }
    }

    /// Seconds a client should wait before trying again.
    pub fn retry_after_secs(&self) -> u64 {
        match self {
            AdapterError::CircuitOpen { retry_after, .. } => retry_after.as_secs().max(1),
            _ => 30,
        }
    }

    /// The user's message: "the state system X does not answer, try later" in `lang`.
    pub fn message(&self, lang: Lang) -> &'static str {
        self.system().unavailable_msg().text(lang)
    }
}

/// Timeouts, retries and the breaker's thresholds, the same for every system.
#[derive(Debug, Clone)]
pub struct CallPolicy {
    /// Longest wait for one attempt's whole answer.
    pub timeout: Duration,
    /// Attempts of an idempotent read (1 = no retry); writes are tried once.
    pub read_attempts: u32,
    /// The wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    /// Consecutive failures that open a system's circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit refuses calls before letting one through (half-open).
    pub breaker_cooldown: Duration,
    /// Largest answer read, in bytes.
    pub max_body: usize,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            timeout: Duration::from_secs(5),
            read_attempts: 3,
            backoff: Duration::from_millis(200),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
            max_body: 256 * 1024,
        }
    }
}

/// Where the systems are and how they are called.
#[derive(Debug, Clone, Default)]
pub struct AdapterSettings {
    /// The base URL of each configured system (no trailing slash).
    pub urls: BTreeMap<System, String>,
    /// The SMS gateway's URL (`POST` of `{"id", "to", "text"}`), as `--sms-gateway-url`.
    pub sms_gateway_url: Option<String>,
    pub policy: CallPolicy,
}

impl AdapterSettings {
    /// The settings from `--state-systems-url` (each system at `<base>/<code>`) and
    /// `--state-system-url CODE=URL` overrides; errors name the bad value.
    pub fn from_flags(
        base: Option<&str>,
        overrides: &[String],
        sms_gateway_url: Option<&str>,
        policy: CallPolicy,
    ) -> anyhow::Result<AdapterSettings> {
        let check = |u: &str| -> anyhow::Result<String> {
            let u = u.trim().trim_end_matches('/');
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains([' ', '?', '#']) {
                anyhow::bail!("a state system URL must be an http(s) URL, not `{u}`");
            }
            Ok(u.to_string())
        };
        let mut urls = BTreeMap::new();
        if let Some(base) = base.filter(|b| !b.trim().is_empty()) {
            let base = check(base)?;
            for s in System::ALL.into_iter().filter(|s| *s != System::Sms) {
                urls.insert(s, format!("{base}/{}", s.code()));
            }
        }
        for o in overrides {
            let (code, url) = o
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--state-system-url takes CODE=URL, not `{o}`"))?;
            let system = System::parse(code).ok_or_else(|| {
                anyhow::anyhow!("--state-system-url: unknown system `{code}` (ar, fl, ul, rn, bmg, alseco)")
            })?;
            urls.insert(system, check(url)?);
        }
        let sms_gateway_url = sms_gateway_url.map(check).transpose()?;
        Ok(AdapterSettings { urls, sms_gateway_url, policy })
    }
}

/// The clients of every system, shared by the handlers (cheap to clone).
#[derive(Clone)]
pub struct Adapters {
    pub address: Arc<dyn address::AddressRegister>,
    pub individuals: Arc<dyn individuals::Individuals>,
    pub legal: Arc<dyn legal::LegalEntities>,
    pub realty: Arc<dyn realty::RealEstate>,
    pub mobile: Arc<dyn mobile::MobileCitizens>,
    pub sms: Arc<dyn sms::SmsGateway>,
    pub billing: Arc<dyn billing::Billing>,
    /// The journal every call writes to.
    pub journal: journal::CallJournal,
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapters").finish_non_exhaustive()
    }
}

impl Default for Adapters {
    /// No system configured: every call fails as unavailable.
    fn default() -> Self {
        Adapters::new(&AdapterSettings::default(), AuthClock::real(), journal::CallJournal::memory())
    }
}

impl Adapters {
    /// The real clients of `settings`, their breakers on `clock`, journalled into `journal`.
    pub fn new(settings: &AdapterSettings, clock: AuthClock, journal: journal::CallJournal) -> Adapters {
        let ep = |system: System, url: Option<&String>| {
            Arc::new(call::Endpoint::new(
                system,
                url.cloned(),
                settings.policy.clone(),
                clock.clone(),
                journal.clone(),
            ))
        };
        let url = |s: System| settings.urls.get(&s);
        Adapters {
            address: Arc::new(address::Client(ep(System::Ar, url(System::Ar)))),
            individuals: Arc::new(individuals::Client(ep(System::Fl, url(System::Fl)))),
            legal: Arc::new(legal::Client(ep(System::Ul, url(System::Ul)))),
            realty: Arc::new(realty::Client(ep(System::Rn, url(System::Rn)))),
            mobile: Arc::new(mobile::Client(ep(System::Bmg, url(System::Bmg)))),
            sms: Arc::new(sms::Client(ep(System::Sms, settings.sms_gateway_url.as_ref()))),
            billing: Arc::new(billing::Client(ep(System::Alseco, url(System::Alseco)))),
            journal,
        }
    }
}
