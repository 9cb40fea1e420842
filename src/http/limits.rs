//! Rate limits on the expensive routes and on writes: per client address and per account (429
//! with `Retry-After`).
//!
//! A request is sorted into a [`RouteClass`] by method and path ([`RouteClass::of`], pure); each
//! class has a quota per minute with a burst, kept by `governor` (GCRA) for the client's address
//! and, when the request carries credentials, for those credentials (a SHA-256 of the
//! `Authorization` header or the session cookie: one account's token or session cannot be used to
//! print or export more than the quota, whichever address it comes from). The clock is injected
//! ([`LimitClock`]) so tests move time instead of waiting.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::extract::{ClientAddr, ReqLang};
use super::state::AppState;
use crate::error::ApiError;
use crate::i18n::Msg;

/// The largest request body a route takes unless it sets its own (`DefaultBodyLimit` on the whole
/// router; uploads, verification and applications' files declare theirs): 2 MiB, 413 beyond.
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// The routes that are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteClass {
    /// `POST /api/auth/login`.
    Login,
    /// Requests that carry HTTP Basic credentials (each may cost a password check).
    Basic,
    /// `POST /api/print`.
    Print,
    /// `GET /api/layers/{id}/items/{fid}/passport.pdf` and an application's output document,
    /// `GET /api/applications/{id}/document.pdf` (one-page documents drawn with a map).
    Passport,
    /// `POST /verify/{code}` (a PDF uploaded to be compared).
    VerifyUpload,
    /// `GET /ogc/collections/{id}/export`.
    Export,
    /// `GET /api/search`.
    Search,
    /// A write (POST, PUT, PATCH, DELETE) of features (`/ogc/collections/...`: items, their
    /// attachments, restores) or of applications (`/api/applications/...`: drafts, actions, files,
    /// objects). Generous: a specialist editing all day stays under it, a script flooding does not.
    Write,
}

impl RouteClass {
    /// The class of a request by method and path, if it is limited (pure).
    ///
    /// ```
    /// # use qala::http::limits::RouteClass;
    /// # use axum::http::Method;
    /// assert_eq!(RouteClass::of(&Method::GET, "/ogc/collections/roads/export"), Some(RouteClass::Export));
    /// assert_eq!(RouteClass::of(&Method::GET, "/ogc/collections/roads/items"), None);
    /// ```
    pub fn of(method: &Method, path: &str) -> Option<RouteClass> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match (method.as_str(), segs.as_slice()) {
            ("POST", ["api", "auth", "login"]) => Some(RouteClass::Login),
            ("POST", ["api", "print"]) => Some(RouteClass::Print),
            ("GET" | "HEAD", ["api", "layers", _, "items", _, "passport.pdf"]) => Some(RouteClass::Passport),
            ("GET" | "HEAD", ["api", "applications", _, "document.pdf"]) => Some(RouteClass::Passport),
            ("POST", ["verify", _]) => Some(RouteClass::VerifyUpload),
            ("GET" | "HEAD", ["ogc", "collections", _, "export"]) => Some(RouteClass::Export),
            ("GET" | "HEAD", ["api", "search"]) => Some(RouteClass::Search),
            ("POST" | "PUT" | "PATCH" | "DELETE", ["ogc", "collections", _, "items", ..]) => {
                Some(RouteClass::Write)
            }
            ("POST" | "PUT" | "PATCH" | "DELETE", ["api", "applications", ..]) => Some(RouteClass::Write),
            _ => None,
        }
    }

    const ALL: [RouteClass; 8] = [
        RouteClass::Login,
        RouteClass::Basic,
        RouteClass::Print,
        RouteClass::Passport,
        RouteClass::VerifyUpload,
        RouteClass::Export,
        RouteClass::Search,
        RouteClass::Write,
    ];
}

/// A quota: `per_minute` requests a minute on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

/// Quotas per route class (0 per minute: unlimited). The default limits nothing (a router built
/// in a test or embedded elsewhere); `qala serve` uses [`RateLimitSettings::server`].
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub login: Rate,
    pub basic: Rate,
    pub print: Rate,
    pub passport: Rate,
    pub verify_upload: Rate,
    pub export: Rate,
    pub search: Rate,
    /// Writes of features and applications.
    pub write: Rate,
    /// The clock the limits run on (a manual one in tests).
    pub clock: LimitClock,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let none = Rate { per_minute: 0, burst: 0 };
        RateLimitSettings {
            login: none,
            basic: none,
            print: none,
            passport: none,
            verify_upload: none,
            export: none,
            search: none,
            write: none,
            clock: LimitClock::real(),
        }
    }
}

impl RateLimitSettings {
    /// The quotas of `qala serve`.
    pub fn server() -> Self {
        RateLimitSettings {
            login: Rate { per_minute: 30, burst: 10 },
            // QGIS sends Basic credentials with every tile and item request.
            basic: Rate { per_minute: 6000, burst: 600 },
            print: Rate { per_minute: 20, burst: 10 },
            passport: Rate { per_minute: 60, burst: 20 },
            verify_upload: Rate { per_minute: 20, burst: 10 },
            export: Rate { per_minute: 10, burst: 5 },
            search: Rate { per_minute: 600, burst: 100 },
            // 50 writes a second on average, 1000 at once (a QGIS session saving a day's edits).
            write: Rate { per_minute: 3000, burst: 1000 },
            clock: LimitClock::real(),
        }
    }
}

impl RateLimitSettings {
    /// The same quotas with `per_minute` writes a minute, a third of them at once (0: unlimited).
    pub fn with_writes(mut self, per_minute: u32) -> Self {
        self.write = Rate { per_minute, burst: (per_minute / 3).max(1) };
        self
    }

    fn rate(&self, class: RouteClass) -> Rate {
        match class {
            RouteClass::Login => self.login,
            RouteClass::Basic => self.basic,
            RouteClass::Print => self.print,
            RouteClass::Passport => self.passport,
            RouteClass::VerifyUpload => self.verify_upload,
            RouteClass::Export => self.export,
            RouteClass::Search => self.search,
            RouteClass::Write => self.write,
        }
    }
}

/// The limits' clock: monotonic time, or a manual one that tests advance.
#[derive(Debug, Clone)]
pub struct LimitClock {
    start: Instant,
    manual: Option<Arc<AtomicU64>>,
}

impl LimitClock {
    pub fn real() -> LimitClock {
        LimitClock { start: Instant::now(), manual: None }
    }

    /// A clock that stands still until [`LimitClock::advance`].
    pub fn manual() -> LimitClock {
        LimitClock { start: Instant::now(), manual: Some(Arc::new(AtomicU64::new(0))) }
    }

    /// Moves a manual clock forward (no effect on the real one).
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            m.fetch_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX), Ordering::SeqCst);
        }
    }
}

impl Clock for LimitClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        match &self.manual {
            Some(m) => Nanos::from(m.load(Ordering::SeqCst)),
            None => Nanos::from(self.start.elapsed()),
        }
    }
}

type Keyed = RateLimiter<Key, DefaultKeyedStateStore<Key>, LimitClock, NoOpMiddleware<Nanos>>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(RouteClass, Option<IpAddr>),
    Account(RouteClass, [u8; 16]),
}

/// The limiters of a server.
#[derive(Clone)]
pub struct RateLimits {
    limiters: Arc<Vec<(RouteClass, Keyed)>>,
    clock: LimitClock,
    checks: Arc<AtomicU64>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").field("classes", &self.limiters.len()).finish()
    }
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> RateLimits {
        let limiters = RouteClass::ALL
            .iter()
            .filter_map(|&class| {
                let rate = settings.rate(class);
                let per_minute = NonZeroU32::new(rate.per_minute)?;
                let burst = NonZeroU32::new(rate.burst.max(1))?;
                let quota = Quota::per_minute(per_minute).allow_burst(burst);
                let limiter =
                    RateLimiter::new(quota, DefaultKeyedStateStore::default(), settings.clock.clone());
                Some((class, limiter))
            })
            .collect();
        RateLimits { limiters: Arc::new(limiters), clock: settings.clock.clone(), checks: Arc::default() }
    }

    /// Takes one request of `class` from the address's and the account's quotas; on refusal, how
    /// long to wait.
    pub fn check(
        &self,
        class: RouteClass,
        addr: Option<IpAddr>,
        account: Option<[u8; 16]>,
    ) -> Result<(), Duration> {
        let Some((_, limiter)) = self.limiters.iter().find(|(c, _)| *c == class) else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            limiter.retain_recent();
        }
        let now = self.clock.now();
        let wait = |nu: governor::NotUntil<Nanos>| Duration::from(nu.earliest_possible().duration_since(now));
        limiter.check_key(&Key::Addr(class, addr)).map_err(wait)?;
        if let Some(a) = account {
            limiter.check_key(&Key::Account(class, a)).map_err(wait)?;
        }
        Ok(())
    }
}

/// The credentials of a request, hashed: the `Authorization` header or the session cookie.
fn account_key(headers: &axum::http::HeaderMap) -> Option<[u8; 16]> {
    use sha2::Digest;
    let cred = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .or_else(|| crate::auth::session_cookie(headers).map(String::into_bytes))?;
    let digest = sha2::Sha256::digest(&cred);
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    Some(key)
}

/// Middleware: refuses requests over their class's quota with 429 and `Retry-After` (seconds).
pub async fn rate_limit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    ClientAddr(addr): ClientAddr,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = req.headers();
    let account = account_key(headers);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 6 && v[..6].eq_ignore_ascii_case("basic "));
    let classes = [RouteClass::of(req.method(), req.uri().path()), basic.then_some(RouteClass::Basic)];
    for class in classes.into_iter().flatten() {
        if let Err(wait) = state.limits.check(class, addr, account) {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return ApiError::new(StatusCode::TOO_MANY_REQUESTS, Msg::TooManyRequests, lang)
                .with_header(header::RETRY_AFTER, secs.max(1).to_string())
                .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_refuse_then_refill_on_the_clock() {
        let clock = LimitClock::manual();
        let settings = RateLimitSettings {
            export: Rate { per_minute: 2, burst: 2 },
            clock: clock.clone(),
            ..RateLimitSettings::server()
        };
        let limits = RateLimits::new(&settings);
        let a = "192.0.2.1".parse().ok();
        let b = "192.0.2.2".parse().ok();
        assert!(limits.check(RouteClass::Export, a, None).is_ok());
        assert!(limits.check(RouteClass::Export, a, None).is_ok());
        let wait = limits.check(RouteClass::Export, a, None).expect_err("third is over the burst");
        assert_eq!(wait, Duration::from_secs(30));
        // Another address has its own quota; the same account from it shares the account's.
        assert!(limits.check(RouteClass::Export, b, Some([1; 16])).is_ok());
        assert!(limits.check(RouteClass::Export, b, Some([1; 16])).is_ok());
        let c = "192.0.2.3".parse().ok();
        assert!(limits.check(RouteClass::Export, c, Some([1; 16])).is_err(), "the account's quota is spent");
        clock.advance(Duration::from_secs(30));
        assert!(limits.check(RouteClass::Export, a, None).is_ok());
        assert!(limits.check(RouteClass::Export, a, None).is_err());
        // Unlimited classes and routes.
        assert!(RouteClass::of(&Method::GET, "/tiles/roads/1/1/1.mvt").is_none());
    }

    #[test]
    fn classes_of_routes() {
        assert_eq!(RouteClass::of(&Method::POST, "/api/print"), Some(RouteClass::Print));
        assert_eq!(RouteClass::of(&Method::GET, "/api/print/options"), None);
        assert_eq!(
            RouteClass::of(&Method::GET, "/api/layers/b/items/7/passport.pdf"),
            Some(RouteClass::Passport)
        );
        assert_eq!(
            RouteClass::of(&Method::GET, "/api/applications/7/document.pdf"),
            Some(RouteClass::Passport)
        );
        assert_eq!(RouteClass::of(&Method::POST, "/verify/ABC"), Some(RouteClass::VerifyUpload));
        assert_eq!(RouteClass::of(&Method::GET, "/verify/ABC"), None);
        assert_eq!(RouteClass::of(&Method::POST, "/api/auth/login"), Some(RouteClass::Login));
        assert_eq!(RouteClass::of(&Method::GET, "/api/search"), Some(RouteClass::Search));
        assert_eq!(RouteClass::of(&Method::POST, "/ogc/collections/b/items"), Some(RouteClass::Write));
        assert_eq!(RouteClass::of(&Method::DELETE, "/ogc/collections/b/items/7"), Some(RouteClass::Write));
        assert_eq!(
            RouteClass::of(&Method::POST, "/ogc/collections/b/items/7/attachments"),
            Some(RouteClass::Write)
        );
        assert_eq!(RouteClass::of(&Method::POST, "/api/applications/7/actions"), Some(RouteClass::Write));
        assert_eq!(RouteClass::of(&Method::GET, "/ogc/collections/b/items"), None);
    }
}
