//! Security monitoring (SEC-1): the event journal raises incidents, security admins see and
//! acknowledge them, and each incident can be forwarded once to syslog or a JSON-lines file.
//! Nothing here knows HTTP; the routes are `http/routes/incidents.rs`.
//!
//! - [`detect`]: the pass over new journal events (a cursor in `security_cursors`, so each event is
//!   examined once across servers) and its rules: password guessing, repeated refusals, a
//!   credential used from a new address, admin rights changed, mass exports;
//! - [`addresses`]: what the HTTP layer reports per request (the addresses a session or API token
//!   is used from, refusals with their client address), journalled for the pass to read;
//! - [`store`]: incidents listed and acted on (acknowledged, closed) with who, when and why;
//! - [`forward`]: RFC 5424 syslog over UDP or TCP and JSON lines, each incident once per sink.

pub mod addresses;
pub mod detect;
pub mod forward;
pub mod store;

use std::time::Duration;

pub use addresses::Watch;
pub use detect::{ScanReport, scan};
pub use store::{Action, Incident, IncidentQuery};

/// Roles whose grant or removal is an "admin rights changed" incident of high severity.
pub const PRIVILEGED_ROLES: &[&str] = &["admin", "org_admin", "security_admin"];

/// The thresholds of the rules. A rule raises one incident per (rule, subject, window): later
/// events of the same burst are added to it as evidence.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Window of password guessing.
    pub guess_window: Duration,
    /// Failed logins for this many different logins from one address are guessing.
    pub guess_logins: i64,
    /// Failed logins from this many different addresses against one login are guessing.
    pub guess_addresses: i64,
    /// Window of repeated refusals.
    pub refusal_window: Duration,
    /// This many refused requests (401/403) from one address are an incident.
    pub refusals: i64,
    /// New addresses of one credential within this window make one incident.
    pub address_window: Duration,
    /// Rights changes of one user within this window make one incident.
    pub admin_window: Duration,
    /// Window of mass exports.
    pub export_window: Duration,
    /// This many exports by one account are an incident...
    pub exports: i64,
    /// ...and so are this many exported rows (where the journal knows them).
    pub export_rows: i64,
    /// A gap in the journal's ids younger than this is waited for (a transaction still writing an
    /// earlier event); older gaps are rolled-back ids and are passed over.
    pub settle: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            guess_window: Duration::from_secs(600),
            guess_logins: 5,
            guess_addresses: 5,
            refusal_window: Duration::from_secs(600),
            refusals: 20,
            address_window: Duration::from_secs(3600),
            admin_window: Duration::from_secs(3600),
            export_window: Duration::from_secs(3600),
            exports: 20,
            export_rows: 100_000,
            settle: Duration::from_secs(60),
        }
    }
}

/// How grave an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}
