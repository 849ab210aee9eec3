//! Guessing passwords is slowed to a trickle: failures are counted per source address *and*
//! per account, and a key that failed [`MAX_FAILURES`] times within [`WINDOW`] is refused,
//! right password or not, until its window has passed (SIP REGISTER and INVITE, the API's
//! token endpoint, the console's login).
//!
//! An attempt is counted when it *begins* ([`Throttle::begin`]), checked and counted under one
//! lock, so fifty concurrent wrong guesses get five tries and forty-five refusals, not fifty
//! verdicts; a success gives its count back ([`Throttle::succeeded`]). Memory is bounded: at
//! most [`MAX_TRACKED`] keys, the least recently seen forgotten first, each step O(1) — a
//! flood from spoofed sources neither grows the map nor makes an insert scan it.

use lru::LruCache;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key within [`WINDOW`] before it is refused outright.
pub const MAX_FAILURES: u32 = 5;
/// The window failures are counted in; a refused key is refused until it passes.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Keys remembered at most.
pub const MAX_TRACKED: usize = 10_000;

/// What failures are counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// The address a request came from (the socket's peer, never a header).
    Source(IpAddr),
    /// The account tried (an e-mail address or SIP user, case-folded).
    Account(String),
}

impl Key {
    /// The account key for `name`, case-folded so `Anna@…` and `anna@…` count together.
    pub fn account(name: &str) -> Self {
        Self::Account(name.trim().to_lowercase())
    }
}

/// Refused: too many failures; try again after `retry_after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

/// An attempt under way, counted as a failure until [`Throttle::succeeded`] gives it back.
#[derive(Debug)]
#[must_use = "a successful attempt must be given back with Throttle::succeeded"]
pub struct Attempt {
    keys: Vec<Key>,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    failures: u32,
    since: Instant,
}

/// Failure counts per key, in fixed windows that start at a key's first failure.
#[derive(Debug)]
pub struct Throttle {
    windows: Mutex<LruCache<Key, Window>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::with_capacity(MAX_TRACKED)
    }
}

impl Throttle {
    /// A throttle remembering at most `capacity` keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            windows: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// Checks every key and, when none is refused, counts the attempt against all of them in
    /// the same step.
    pub fn begin(&self, keys: &[Key], now: Instant) -> Result<Attempt, Blocked> {
        let mut windows = self.lock();
        let refused = keys
            .iter()
            .filter_map(|key| windows.peek(key))
            .filter(|w| w.failures >= MAX_FAILURES && now.duration_since(w.since) < WINDOW)
            .map(|w| WINDOW.saturating_sub(now.duration_since(w.since)))
            .max();
        if let Some(retry_after) = refused {
            return Err(Blocked { retry_after });
        }
        for key in keys {
            let window = windows.get_or_insert_mut(key.clone(), || Window {
                failures: 0,
                since: now,
            });
            if now.duration_since(window.since) >= WINDOW {
                *window = Window {
                    failures: 0,
                    since: now,
                };
            }
            window.failures += 1;
        }
        Ok(Attempt {
            keys: keys.to_vec(),
        })
    }

    /// The attempt succeeded: its count is given back (earlier failures stay counted, so a
    /// guesser cannot clear them by logging in to an account of their own in between).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut windows = self.lock();
        for key in &attempt.keys {
            if let Some(window) = windows.peek_mut(key) {
                window.failures = window.failures.saturating_sub(1);
            }
        }
    }

    /// True when `key` is refused now (for tests and for callers that only look).
    pub fn is_blocked(&self, key: &Key, now: Instant) -> bool {
        self.lock()
            .peek(key)
            .is_some_and(|w| w.failures >= MAX_FAILURES && now.duration_since(w.since) < WINDOW)
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Key, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(ip: &str) -> Key {
        Key::Source(ip.parse().unwrap())
    }

    #[test]
    fn refuses_a_key_after_repeated_failures_for_its_window() {
        let throttle = Throttle::default();
        let (ip, other, now) = (source("192.0.2.1"), source("192.0.2.2"), Instant::now());
        for _ in 0..MAX_FAILURES {
            let _failed = throttle.begin(std::slice::from_ref(&ip), now).unwrap();
        }
        let blocked = throttle.begin(std::slice::from_ref(&ip), now).unwrap_err();
        assert_eq!(blocked.retry_after, WINDOW);
        assert!(throttle.begin(&[other], now).is_ok());
        // Refused until the window ends, then counted afresh.
        let later = now + WINDOW - Duration::from_secs(1);
        assert!(throttle.begin(std::slice::from_ref(&ip), later).is_err());
        assert!(throttle.begin(&[ip], now + WINDOW).is_ok());
    }

    #[test]
    fn an_account_is_refused_from_every_source_and_a_source_for_every_account() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..MAX_FAILURES {
            let keys = [
                source(&format!("192.0.2.{i}")),
                Key::account("Anna@Bureau.test"),
            ];
            let _failed = throttle.begin(&keys, now).unwrap();
        }
        let fresh_source = [source("198.51.100.1"), Key::account("anna@bureau.test")];
        assert!(throttle.begin(&fresh_source, now).is_err());
        for i in 0..MAX_FAILURES {
            let keys = [source("203.0.113.9"), Key::account(&format!("user{i}"))];
            let _failed = throttle.begin(&keys, now).unwrap();
        }
        let fresh_account = [source("203.0.113.9"), Key::account("bram@bureau.test")];
        assert!(throttle.begin(&fresh_account, now).is_err());
    }

    #[test]
    fn success_gives_back_only_its_own_count() {
        let throttle = Throttle::default();
        let (ip, now) = (source("192.0.2.1"), Instant::now());
        for _ in 0..MAX_FAILURES - 1 {
            let _failed = throttle.begin(std::slice::from_ref(&ip), now).unwrap();
        }
        let ok = throttle.begin(std::slice::from_ref(&ip), now).unwrap();
        throttle.succeeded(ok);
        // Four failures still count: one more makes five.
        let _failed = throttle.begin(std::slice::from_ref(&ip), now).unwrap();
        assert!(throttle.is_blocked(&ip, now));
    }

    #[test]
    fn concurrent_guesses_get_only_the_allowed_tries() {
        let throttle = std::sync::Arc::new(Throttle::default());
        let now = Instant::now();
        let threads: Vec<_> = (0..50)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || throttle.begin(&[Key::account("anna")], now).is_ok())
            })
            .collect();
        let allowed = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(allowed, MAX_FAILURES as usize);
    }

    #[test]
    fn memory_is_bounded_by_forgetting_the_least_recent() {
        let throttle = Throttle::with_capacity(100);
        let now = Instant::now();
        for i in 0..10_000u32 {
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + i);
            let _ = throttle.begin(&[Key::Source(ip.into())], now);
        }
        assert_eq!(throttle.len(), 100);
    }
}
