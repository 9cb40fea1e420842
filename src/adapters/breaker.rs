//! A circuit breaker per state system: after `threshold` consecutive failures the circuit opens
//! and calls are refused at once (no request is sent) for `cooldown`; then it is half-open: one
//! call goes through, its success closes the circuit, its failure opens it again for another
//! cooldown. Time comes from an injected [`AuthClock`] (tests advance it).

use std::sync::Mutex;
use std::time::Duration;

use governor::clock::Clock;

use crate::auth::limits::AuthClock;

/// The state of a circuit, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug, Default)]
struct Inner {
    failures: u32,
    /// When the circuit opened (clock time), while it is open or half-open.
    opened_at: Option<Duration>,
    /// A half-open trial is in flight: other calls are refused until it ends.
    trial: bool,
}

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    clock: AuthClock,
    inner: Mutex<Inner>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration, clock: AuthClock) -> Breaker {
        Breaker { threshold: threshold.max(1), cooldown, clock, inner: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// May a call go through now? `Err(wait)` while the circuit is open (or its half-open trial
    /// is still running).
    pub fn allow(&self) -> Result<(), Duration> {
        let now = self.clock.now();
        let mut s = self.lock();
        let Some(opened) = s.opened_at else { return Ok(()) };
        let since = now.saturating_sub(opened);
        if since < self.cooldown {
            return Err(self.cooldown - since);
        }
        if s.trial {
            return Err(Duration::from_secs(1));
        }
        s.trial = true;
        Ok(())
    }

    /// The call succeeded: the circuit closes.
    pub fn success(&self) {
        *self.lock() = Inner::default();
    }

    /// The call failed: counted; the circuit opens at the threshold, or again after a failed trial.
    pub fn failure(&self) {
        let now = self.clock.now();
        let mut s = self.lock();
        s.failures = s.failures.saturating_add(1);
        if s.trial || s.failures >= self.threshold {
            s.opened_at = Some(now);
            s.trial = false;
        }
    }

    /// A call that ended without saying anything about the system (a refusal on the merits).
    pub fn neutral(&self) {
        let mut s = self.lock();
        if s.trial {
            *s = Inner::default();
        }
    }

    pub fn state(&self) -> CircuitState {
        let now = self.clock.now();
        let s = self.lock();
        match s.opened_at {
            None => CircuitState::Closed,
            Some(o) if now.saturating_sub(o) < self.cooldown && !s.trial => CircuitState::Open,
            Some(_) => CircuitState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_closes_after_a_good_trial() {
        let clock = AuthClock::manual();
        let b = Breaker::new(3, Duration::from_secs(30), clock.clone());
        for _ in 0..2 {
            assert!(b.allow().is_ok());
            b.failure();
        }
        assert_eq!(b.state(), CircuitState::Closed);
        b.success();
        for _ in 0..3 {
            assert!(b.allow().is_ok());
            b.failure();
        }
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.allow(), Err(Duration::from_secs(30)));
        clock.advance(Duration::from_secs(29));
        assert_eq!(b.allow(), Err(Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(b.allow().is_ok(), "one trial goes through");
        assert!(b.allow().is_err(), "only one at a time");
        b.failure();
        assert_eq!(b.state(), CircuitState::Open, "a failed trial opens it again");
        clock.advance(Duration::from_secs(30));
        assert!(b.allow().is_ok());
        b.success();
        assert_eq!(b.state(), CircuitState::Closed);
        assert!(b.allow().is_ok() && b.allow().is_ok());
    }
}
