//! Bounds on what authentication may cost: a queue for password hashing (Argon2id holds about
//! 19 MiB per check) and rate limits per client address and per account on password checks.
//!
//! - [`Hasher`]: at most `hash_permits` hashes run at once, each on a blocking thread; at most
//!   `hash_queue` requests wait for a permit, none longer than `hash_wait`; beyond that the answer is
//!   [`Busy`] (503 with `Retry-After`). Memory for hashing is therefore bounded by
//!   `hash_permits × 19 MiB` whatever the number of requests.
//! - [`RateLimits`]: GCRA limiters (the `governor` crate) keyed by client address (IPv6 by its /64)
//!   and by login, on every password check that has to run Argon2 (logins and HTTP Basic
//!   credentials that are not already known to be right).
//! - [`AuthClock`]: the clock of the limiters and of expiry decisions, real or manual (tests advance
//!   it instead of sleeping).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock, FakeRelativeClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

/// Settings of the bounds; [`AuthLimits::default`] is what the server uses.
#[derive(Debug, Clone)]
pub struct AuthLimits {
    /// Password hashes computed at once (default: the number of CPUs, at least 2).
    pub hash_permits: usize,
    /// Requests that may wait for a hashing permit; more get 503 at once (default 16 per permit).
    pub hash_queue: usize,
    /// The longest wait for a hashing permit before a 503 (default 5 s).
    pub hash_wait: Duration,
    /// Password checks per client address (default: bursts of 30, then one every 2 s).
    pub per_address: Quota,
    /// Password checks per account from addresses that have not logged in to it in the last 90
    /// days (default: bursts of 10, then one every 30 s).
    pub per_account: Quota,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// A quota of `burst` at once, then one more every `every`.
pub fn quota(burst: u32, every: Duration) -> Quota {
    Quota::with_period(every).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(nz(burst))
}

impl Default for AuthLimits {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from).max(2);
        AuthLimits {
            hash_permits: cpus,
            hash_queue: cpus * 16,
            hash_wait: Duration::from_secs(5),
            per_address: quota(30, Duration::from_secs(2)),
            per_account: quota(10, Duration::from_secs(30)),
        }
    }
}

/// The clock of authentication decisions: real, or manual for tests (advanced by hand; the
/// wall-clock time then starts at the moment the clock was made).
#[derive(Debug, Clone)]
pub struct AuthClock {
    start: std::time::Instant,
    manual: Option<(FakeRelativeClock, DateTime<Utc>)>,
}

impl Default for AuthClock {
    fn default() -> Self {
        AuthClock::real()
    }
}

impl AuthClock {
    /// The system's clock.
    pub fn real() -> AuthClock {
        AuthClock { start: std::time::Instant::now(), manual: None }
    }

    /// A clock that moves only when [`AuthClock::advance`] is called.
    pub fn manual() -> AuthClock {
        AuthClock {
            start: std::time::Instant::now(),
            manual: Some((FakeRelativeClock::default(), Utc::now())),
        }
    }

    /// Moves a manual clock forward (a real clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let Some((c, _)) = &self.manual {
            c.advance(by);
        }
    }

    /// The wall-clock time now.
    pub fn now_utc(&self) -> DateTime<Utc> {
        match &self.manual {
            Some((c, start)) => {
                *start + chrono::Duration::from_std(Duration::from(c.now())).unwrap_or_default()
            }
            None => Utc::now(),
        }
    }
}

impl Clock for AuthClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        match &self.manual {
            Some((c, _)) => Duration::from(c.now()),
            None => self.start.elapsed(),
        }
    }
}

/// The hashing queue is full or the wait was too long: answer 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after: Duration,
}

/// Counters of the hashing queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashStats {
    /// Hashes computing now.
    pub running: usize,
    /// The most hashes ever computed at once.
    pub peak: usize,
    /// Hashes computed since the start.
    pub total: u64,
    /// Requests refused because the queue was full or the wait too long.
    pub refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicU64,
    refused: AtomicU64,
}

/// The bounded queue in front of password hashing.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Argon2's memory, one per permit, reused.
    scratch: Arc<std::sync::Mutex<Vec<super::password::Scratch>>>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    wait: Duration,
    counters: Arc<Counters>,
}

/// Decrements the number of waiters when a waiter leaves, however it leaves.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hasher {
    pub fn new(limits: &AuthLimits) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(limits.hash_permits.max(1))),
            scratch: Arc::default(),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue: limits.hash_queue,
            wait: limits.hash_wait,
            counters: Arc::new(Counters::default()),
        }
    }

    /// The counters of the queue.
    pub fn stats(&self) -> HashStats {
        let c = &self.counters;
        HashStats {
            running: c.running.load(Ordering::SeqCst),
            peak: c.peak.load(Ordering::SeqCst),
            total: c.total.load(Ordering::SeqCst),
            refused: c.refused.load(Ordering::SeqCst),
        }
    }

    fn busy(&self) -> Busy {
        self.counters.refused.fetch_add(1, Ordering::SeqCst);
        Busy { retry_after: Duration::from_secs(1) }
    }

    /// Runs `f` (a hash) on a blocking thread once a permit is free. The permit is held until `f`
    /// returns, even when the request that asked is dropped meanwhile.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let before = self.waiting.fetch_add(1, Ordering::SeqCst);
                let _waiting = Waiting(&self.waiting);
                if before >= self.queue {
                    return Err(self.busy());
                }
                match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
                    Ok(Ok(p)) => p,
                    _ => return Err(self.busy()),
                }
            }
        };
        let counters = Arc::clone(&self.counters);
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let now = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
            counters.peak.fetch_max(now, Ordering::SeqCst);
            counters.total.fetch_add(1, Ordering::SeqCst);
            let out = f();
            counters.running.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await;
        joined.map_err(|e| {
            tracing::error!(error = %e, "a password hash failed");
            self.busy()
        })
    }

    /// Whether `password` matches the PHC string `phc` (the dummy hash when `None`, for unknown
    /// logins), computed in memory kept for the permit (see [`super::password::verify_in`]).
    pub async fn verify(&self, phc: Option<String>, password: String) -> Result<bool, Busy> {
        let pool = Arc::clone(&self.scratch);
        self.run(move || {
            let mut scratch = pool.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
            let phc = phc.as_deref().unwrap_or_else(|| super::password::dummy_hash());
            let ok = super::password::verify_in(&mut scratch, phc, &password);
            pool.lock().unwrap_or_else(|p| p.into_inner()).push(scratch);
            ok
        })
        .await
    }

    /// The PHC string of a new password (see [`super::password::hash`]).
    pub async fn hash(&self, password: String) -> Result<anyhow::Result<String>, Busy> {
        self.run(move || super::password::hash(&password)).await
    }
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, AuthClock, NoOpMiddleware<Duration>>;

/// Keys kept by a limiter before forgotten ones are swept out.
const SWEEP_ABOVE: usize = 50_000;

/// Rate limits on password checks, per client address and per account.
#[derive(Debug, Clone)]
pub struct RateLimits {
    per_address: Arc<Keyed<IpAddr>>,
    per_account: Arc<Keyed<String>>,
    clock: AuthClock,
}

/// The key of an address: IPv4 as is, IPv6 by its /64 (one subscriber usually has a whole /64);
/// no address (a request without a socket) is the unspecified address.
pub fn address_key(ip: Option<IpAddr>) -> IpAddr {
    match ip {
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        Some(v4) => v4,
        None => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(l: &Keyed<K>, key: &K, clock: &AuthClock) -> Result<(), Duration> {
    if l.len() > SWEEP_ABOVE {
        l.retain_recent();
    }
    l.check_key(key).map_err(|not_until| not_until.wait_time_from(clock.now()))
}

impl RateLimits {
    pub fn new(limits: &AuthLimits, clock: AuthClock) -> RateLimits {
        RateLimits {
            per_address: Arc::new(RateLimiter::dashmap_with_clock(limits.per_address, clock.clone())),
            per_account: Arc::new(RateLimiter::dashmap_with_clock(limits.per_account, clock.clone())),
            clock,
        }
    }

    /// Takes one password check from the address's allowance; `Err(wait)` when it is spent.
    pub fn check_address(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        check(&self.per_address, &address_key(ip), &self.clock)
    }

    /// Takes one password check from the account's allowance; `Err(wait)` when it is spent.
    pub fn check_account(&self, login: &str) -> Result<(), Duration> {
        check(&self.per_account, &login.to_string(), &self.clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_subscriber() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_key(Some(mapped)), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(address_key(None), IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn limits_follow_the_injected_clock() {
        let clock = AuthClock::manual();
        let limits = AuthLimits { per_account: quota(2, Duration::from_secs(30)), ..Default::default() };
        let r = RateLimits::new(&limits, clock.clone());
        assert!(r.check_account("a").is_ok());
        assert!(r.check_account("a").is_ok());
        let wait = r.check_account("a").unwrap_err();
        assert_eq!(wait, Duration::from_secs(30));
        assert!(r.check_account("b").is_ok(), "another account is not affected");
        clock.advance(Duration::from_secs(29));
        assert!(r.check_account("a").is_err());
        clock.advance(Duration::from_secs(1));
        assert!(r.check_account("a").is_ok());
        let t0 = clock.now_utc();
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now_utc() - t0, chrono::Duration::seconds(60));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_hashing_queue_is_bounded() {
        let h = Hasher::new(&AuthLimits {
            hash_permits: 1,
            hash_queue: 1,
            hash_wait: Duration::from_secs(30),
            ..Default::default()
        });
        // The first job holds the only permit until it is released.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let h = h.clone();
            tokio::spawn(async move {
                h.run(move || {
                    let _ = started_tx.send(());
                    held.recv().ok();
                })
                .await
            })
        };
        started.await.unwrap();
        // The second waits in the queue, the third finds the queue full.
        let second = {
            let h = h.clone();
            tokio::spawn(async move { h.run(|| 2).await })
        };
        while h.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(h.run(|| 3).await, Err(Busy { retry_after: Duration::from_secs(1) }));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(()));
        assert_eq!(second.await.unwrap(), Ok(2));
        let s = h.stats();
        assert_eq!((s.running, s.peak, s.total, s.refused), (0, 1, 2, 1));
    }
}
