//! Sign-ups counted per source: a machine (an IPv4 address, an IPv6 /64) may sign up a few
//! times an hour, so a script cannot empty the number pool from one place. A post is counted
//! when it begins (so concurrent posts cannot all pass) and given back when the form was
//! wrong, so a person correcting a typo is not counted twice. Memory is bounded (the least
//! recently seen sources are forgotten first).

use lru::LruCache;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window sign-ups are counted in.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Sources remembered at most.
const MAX_TRACKED: usize = 10_000;

/// How many sign-ups each source has made in its current window.
pub struct SourceLimit {
    per_window: u32,
    seen: Mutex<LruCache<IpAddr, (u32, Instant)>>,
}

impl SourceLimit {
    pub fn new(per_hour: u32) -> Self {
        Self {
            per_window: per_hour,
            seen: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAX_TRACKED).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Counts a sign-up from `source`; false when it has had its share of this window.
    pub fn allow(&self, source: IpAddr) -> bool {
        self.allow_at(source, Instant::now())
    }

    fn allow_at(&self, source: IpAddr, now: Instant) -> bool {
        let key = centrale_core::throttle::source_block(source);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let entry = seen.get_or_insert_mut(key, || (0, now));
        if now.duration_since(entry.1) >= WINDOW {
            *entry = (0, now);
        }
        if entry.0 >= self.per_window {
            return false;
        }
        entry.0 += 1;
        true
    }

    /// Gives back a counted post that kept nothing (the form had to be corrected).
    pub fn give_back(&self, source: IpAddr) {
        let key = centrale_core::throttle::source_block(source);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = seen.peek_mut(&key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_its_share_per_hour_and_an_ipv6_block_counts_as_one() {
        let limit = SourceLimit::new(2);
        let start = Instant::now();
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        let other: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(limit.allow_at(a, start));
        assert!(limit.allow_at(b, start));
        assert!(!limit.allow_at(a, start), "the same /64");
        assert!(limit.allow_at(other, start));
        let later = start + WINDOW;
        assert!(limit.allow_at(a, later), "a new window");
        assert!(limit.allow_at(a, later));
        assert!(!limit.allow_at(a, later));
        limit.give_back(b);
        assert!(limit.allow_at(a, later), "a corrected form was given back");
        assert!(!limit.allow_at(a, later));
    }
}
