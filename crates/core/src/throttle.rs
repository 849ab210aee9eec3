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
//!
//! Counting per account stops guessing spread over many addresses, but would let a stranger
//! lock an operator's phone out by guessing its password. So an account's refusal does not
//! apply to an address the account logged in from successfully within [`TRUSTED_FOR`]: the
//! phone on the operator's desk keeps registering while someone elsewhere guesses (that
//! someone's own address is refused as usual).

use lru::LruCache;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key within [`WINDOW`] before it is refused outright.
pub const MAX_FAILURES: u32 = 5;
/// The window failures are counted in; a refused key is refused until it passes.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Keys remembered at most (and as many account–address pairs that succeeded).
pub const MAX_TRACKED: usize = 10_000;
/// How long an address that logged in to an account stays exempt from that account's refusal.
pub const TRUSTED_FOR: Duration = Duration::from_secs(24 * 3600);

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

    /// The key failures are counted under: an IPv6 source by its /64, the block one
    /// machine or home is given, so its many addresses count as one.
    fn counted(&self) -> Self {
        match self {
            Self::Source(source) => Self::Source(source_block(*source)),
            other => other.clone(),
        }
    }
}

/// What a source is counted as: an IPv6 address by its /64, the block one machine or home is
/// given, so its many addresses count as one; an IPv4 address as itself.
pub fn source_block(source: IpAddr) -> IpAddr {
    match source {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        other => other,
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

impl Window {
    fn fresh(now: Instant) -> Self {
        Self {
            failures: 0,
            since: now,
        }
    }

    fn refuses(&self, now: Instant) -> bool {
        self.failures >= MAX_FAILURES && now.duration_since(self.since) < WINDOW
    }
}

/// The address an attempt comes from, if it names one.
fn source_of(keys: &[Key]) -> Option<IpAddr> {
    keys.iter().find_map(|key| match key {
        Key::Source(ip) => Some(*ip),
        Key::Account(_) => None,
    })
}

/// Failure counts per key, in fixed windows that start at a key's first failure.
#[derive(Debug)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    windows: LruCache<Key, Window>,
    /// (account, address) pairs that succeeded, with when.
    trusted: LruCache<(String, IpAddr), Instant>,
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
            state: Mutex::new(State {
                windows: LruCache::new(capacity),
                trusted: LruCache::new(capacity),
            }),
        }
    }

    /// Checks every key and counts the attempt against all of them in the same step; refused
    /// when any key (other than an account its address logged in to lately) failed too often.
    pub fn begin(&self, keys: &[Key], now: Instant) -> Result<Attempt, Blocked> {
        let keys: Vec<Key> = keys.iter().map(Key::counted).collect();
        let keys = keys.as_slice();
        let mut state = self.lock();
        let source = source_of(keys);
        let refused = keys
            .iter()
            .filter(|key| !state.exempt(key, source, now))
            .filter_map(|key| state.windows.peek(key))
            .filter(|w| w.refuses(now))
            .map(|w| WINDOW.saturating_sub(now.duration_since(w.since)))
            .max();
        // A refused attempt counts too: an address that keeps trying stays refused. But it
        // adds no account: made-up account names cost nothing, and a refused flood of them
        // must not push others' counts out (addresses are bounded: an IPv6 /64 is one).
        for key in keys {
            let window = if refused.is_some() && matches!(key, Key::Account(_)) {
                match state.windows.get_mut(key) {
                    Some(window) => window,
                    None => continue,
                }
            } else {
                state
                    .windows
                    .get_or_insert_mut(key.clone(), || Window::fresh(now))
            };
            if now.duration_since(window.since) >= WINDOW {
                *window = Window::fresh(now);
            }
            window.failures = window.failures.saturating_add(1);
        }
        if let Some(retry_after) = refused {
            return Err(Blocked { retry_after });
        }
        Ok(Attempt {
            keys: keys.to_vec(),
        })
    }

    /// The attempt succeeded: its count is given back (earlier failures stay counted, so a
    /// guesser cannot clear them by logging in to an account of their own in between).
    /// The address of the attempt becomes trusted for its account (see the module's notes).
    pub fn succeeded(&self, attempt: Attempt) {
        self.succeeded_at(attempt, Instant::now());
    }

    /// The attempt got no verdict (nothing was checked): its count is given back, and
    /// nothing becomes trusted.
    pub fn no_verdict(&self, attempt: Attempt) {
        give_back(&mut self.lock(), &attempt);
    }

    fn succeeded_at(&self, attempt: Attempt, now: Instant) {
        let mut state = self.lock();
        give_back(&mut state, &attempt);
        if let Some(ip) = source_of(&attempt.keys) {
            for key in &attempt.keys {
                if let Key::Account(account) = key {
                    state.trusted.put((account.clone(), ip), now);
                }
            }
        }
    }

    /// True when `key` is refused now (for tests and for callers that only look).
    pub fn is_blocked(&self, key: &Key, now: Instant) -> bool {
        self.lock()
            .windows
            .peek(&key.counted())
            .is_some_and(|w| w.refuses(now))
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.lock().windows.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    /// True when `key` is an account that `source` logged in to lately.
    fn exempt(&self, key: &Key, source: Option<IpAddr>, now: Instant) -> bool {
        match (key, source) {
            (Key::Account(account), Some(ip)) => self
                .trusted
                .peek(&(account.clone(), ip))
                .is_some_and(|at| now.duration_since(*at) < TRUSTED_FOR),
            _ => false,
        }
    }
}

fn give_back(state: &mut State, attempt: &Attempt) {
    for key in &attempt.keys {
        if let Some(window) = state.windows.peek_mut(key) {
            window.failures = window.failures.saturating_sub(1);
        }
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
    fn an_attempt_without_a_verdict_is_given_back_and_trusts_nothing() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let stranger = [source("203.0.113.7"), Key::account("anna")];
        let unchecked = throttle.begin(&stranger, now).unwrap();
        throttle.no_verdict(unchecked);
        // Others guess Anna's password until her account is refused.
        for i in 0..MAX_FAILURES {
            let keys = [source(&format!("192.0.2.{i}")), Key::account("anna")];
            let _failed = throttle.begin(&keys, now).unwrap();
        }
        assert!(
            throttle.begin(&stranger, now).is_err(),
            "an address whose attempt was never checked is not trusted"
        );
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
    fn an_address_that_logged_in_lately_is_not_locked_out_by_guesses_elsewhere() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let desk = [source("192.0.2.10"), Key::account("1001")];
        let ok = throttle.begin(&desk, now).unwrap();
        throttle.succeeded_at(ok, now);
        for i in 0..MAX_FAILURES {
            let guess = [source(&format!("198.51.100.{i}")), Key::account("1001")];
            let _failed = throttle.begin(&guess, now).unwrap();
        }
        // The account is refused to strangers, not to the desk phone's address.
        let stranger = [source("203.0.113.1"), Key::account("1001")];
        assert!(throttle.begin(&stranger, now).is_err());
        assert!(throttle.begin(&desk, now).is_ok());
        // Trust fades: a day later the same guessing locks the desk's address out too.
        let later = now + TRUSTED_FOR;
        for i in 0..MAX_FAILURES {
            let guess = [source(&format!("198.51.100.{i}")), Key::account("1001")];
            let _failed = throttle.begin(&guess, later).unwrap();
        }
        assert!(throttle.begin(&desk, later).is_err());
    }

    #[test]
    fn an_address_refused_for_its_account_is_counted_and_then_refused_itself() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..MAX_FAILURES {
            let guess = [source(&format!("198.51.100.{i}")), Key::account("1001")];
            let _failed = throttle.begin(&guess, now).unwrap();
        }
        let flooder = source("192.0.2.66");
        for _ in 0..MAX_FAILURES {
            let keys = [flooder.clone(), Key::account("1001")];
            assert!(throttle.begin(&keys, now).is_err());
        }
        assert!(throttle.is_blocked(&flooder, now));
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

    #[test]
    fn a_refused_flood_of_made_up_accounts_does_not_push_out_other_counts() {
        let throttle = Throttle::with_capacity(50);
        let now = Instant::now();
        let guesser = source("203.0.113.9");
        let victim = Key::account("henk@vandijk.example");
        for _ in 0..MAX_FAILURES {
            let _ = throttle.begin(&[source("198.51.100.1"), victim.clone()], now);
        }
        assert!(throttle.is_blocked(&victim, now));
        // The guesser gets refused, then floods with fresh accounts.
        for i in 0..1_000 {
            let _ = throttle.begin(
                &[guesser.clone(), Key::account(&format!("x{i}@example"))],
                now,
            );
        }
        assert!(
            throttle.is_blocked(&victim, now),
            "the victim's count was pushed out"
        );
        assert!(throttle.is_blocked(&guesser, now));
    }

    #[test]
    fn an_ipv6_block_counts_as_one_source() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..MAX_FAILURES {
            let _ = throttle.begin(&[source(&format!("2001:db8:1:2::{i}"))], now);
        }
        assert!(throttle.is_blocked(&source("2001:db8:1:2::ffff"), now));
        assert!(!throttle.is_blocked(&source("2001:db8:1:3::1"), now));
    }
}
