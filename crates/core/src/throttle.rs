//! Repeated authentication failures from one address are throttled (SIP REGISTER, console login).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per address within [`WINDOW`] before it is refused outright.
pub const MAX_FAILURES: u32 = 5;
/// The window failures are counted in; a blocked address is refused until it passes.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most (a flood of sources cannot grow memory without bound).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
/// Failure counts per address in a sliding window.
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    /// True when `ip` has failed too often lately.
    pub fn is_blocked(&self, ip: IpAddr, now: Instant) -> bool {
        self.lock().get(&ip).is_some_and(|(count, since)| {
            *count >= MAX_FAILURES && now.duration_since(*since) < WINDOW
        })
    }

    /// Counts a failure.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        }
        let entry = failures.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets an address after a success.
    pub fn succeeded(&self, ip: IpAddr) {
        self.lock().remove(&ip);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (u32, Instant)>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_repeated_failures_for_a_window() {
        let throttle = Throttle::default();
        let (ip, other, now) = (
            "192.0.2.1".parse().unwrap(),
            "192.0.2.2".parse().unwrap(),
            Instant::now(),
        );
        for _ in 0..MAX_FAILURES {
            assert!(!throttle.is_blocked(ip, now));
            throttle.failed(ip, now);
        }
        assert!(throttle.is_blocked(ip, now));
        assert!(!throttle.is_blocked(other, now));
        assert!(!throttle.is_blocked(ip, now + WINDOW));
        throttle.succeeded(ip);
        assert!(!throttle.is_blocked(ip, now));
    }
}
