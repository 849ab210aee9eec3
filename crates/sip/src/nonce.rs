//! Nonces of digest challenges: made without state, bound to the address they were issued to,
//! valid for [`NONCE_LIFETIME`]; and the nonce counts already used, so that a captured
//! `Authorization` cannot be sent again (RFC 7616 §3.4: the count grows with every request).
//!
//! A nonce is `issued.salt.origin.bound`: hex seconds, a random salt (two challenges in one
//! second must differ, or the second one's count 1 would look like a replay of the first), then
//! two MACs under a per-process secret: `origin` proves we made it, `bound` that we made it for
//! this IP address. A nonce of ours from another address — a phone that moved, or a capture
//! replayed elsewhere — is stale: it gets a fresh challenge, which only the password can answer.

use crate::digest::{Algorithm, constant_time_eq};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a nonce may be used.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Nonces whose counts are remembered at most; only verified responses add one, so this is
/// reached only by many operators at once, never by a flood of guesses.
const MAX_COUNTED: usize = 10_000;

/// What a presented nonce is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonce {
    /// Ours, for this address and still valid; issued at this second.
    Fresh { issued: u64 },
    /// Ours but expired or made for another address: challenge again with `stale=true`.
    Stale,
    /// Not ours.
    Forged,
}

/// Makes and checks nonces, and remembers the counts used with them.
pub struct Nonces {
    secret: [u8; 32],
    counts: Mutex<Counts>,
}

/// The highest count seen per nonce, oldest nonce first for expiry and eviction.
struct Counts {
    highest: HashMap<String, u32>,
    by_age: BTreeSet<(u64, String)>,
    /// Nonces issued at or before this second were evicted to make room: treated as used up.
    evicted_until: Option<u64>,
    cap: usize,
}

impl Nonces {
    pub fn new() -> Self {
        Self::with_cap(MAX_COUNTED)
    }

    fn with_cap(cap: usize) -> Self {
        Self {
            secret: rand::random(),
            counts: Mutex::new(Counts {
                highest: HashMap::new(),
                by_age: BTreeSet::new(),
                evicted_until: None,
                cap,
            }),
        }
    }

    /// A fresh nonce for a request from `ip`.
    pub fn issue(&self, ip: IpAddr) -> String {
        self.issue_at(now_secs(), ip)
    }

    fn issue_at(&self, secs: u64, ip: IpAddr) -> String {
        let salt = hex::encode(rand::random::<[u8; 8]>());
        format!(
            "{secs:x}.{salt}.{}.{}",
            self.mac(secs, &salt, None),
            self.mac(secs, &salt, Some(ip))
        )
    }

    /// MAC(secret, issued, salt, ip): 8 bytes to prove a nonce ours, 12 to bind it to `ip`.
    fn mac(&self, secs: u64, salt: &str, ip: Option<IpAddr>) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        hasher.update(secs.to_be_bytes());
        hasher.update(salt.as_bytes());
        let len = match ip.map(|ip| ip.to_canonical()) {
            None => {
                hasher.update(b"origin");
                8
            }
            Some(IpAddr::V4(v4)) => {
                hasher.update(v4.octets());
                12
            }
            Some(IpAddr::V6(v6)) => {
                hasher.update(v6.octets());
                12
            }
        };
        hex::encode(&hasher.finalize()[..len])
    }

    /// What `nonce` is when presented from `ip`.
    pub fn check(&self, nonce: &str, ip: IpAddr) -> Nonce {
        self.check_at(nonce, ip, now_secs())
    }

    fn check_at(&self, nonce: &str, ip: IpAddr, now: u64) -> Nonce {
        let mut parts = nonce.split('.');
        let (Some(secs), Some(salt), Some(origin), Some(bound), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Nonce::Forged;
        };
        let Ok(secs) = u64::from_str_radix(secs, 16) else {
            return Nonce::Forged;
        };
        if !constant_time_eq(self.mac(secs, salt, None).as_bytes(), origin.as_bytes()) {
            return Nonce::Forged;
        }
        let expired = now.saturating_sub(secs) > NONCE_LIFETIME.as_secs();
        let bound_here = self.mac(secs, salt, Some(ip));
        if expired || !constant_time_eq(bound_here.as_bytes(), bound.as_bytes()) {
            return Nonce::Stale;
        }
        Nonce::Fresh { issued: secs }
    }

    /// Uses count `nc` of `nonce` (issued at `issued`): true when it is higher than every count
    /// used with it before, false for a replay. Call it only for a response that verified, so
    /// that a wrong guess never uses up a count.
    pub fn count(&self, nonce: &str, issued: u64, nc: u32) -> bool {
        self.count_at(nonce, issued, nc, now_secs())
    }

    fn count_at(&self, nonce: &str, issued: u64, nc: u32, now: u64) -> bool {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.expire(now);
        counts.count(nonce, issued, nc)
    }

    /// `WWW-Authenticate` / `Proxy-Authenticate` values with a nonce for `ip`: MD5, and SHA-256
    /// after it when `sha256` (RFC 8760). Not every phone copes with a second challenge — libre
    /// 1.1 (baresip 1.0) gives up on any challenge that is not MD5 — so SHA-256 is offered only
    /// when the bureau switches it on; a response made with SHA-256 is verified either way.
    pub fn challenges(&self, realm: &str, stale: bool, sha256: bool, ip: IpAddr) -> Vec<String> {
        let nonce = self.issue(ip);
        let stale = if stale { ", stale=true" } else { "" };
        let algorithms: &[Algorithm] = if sha256 {
            &[Algorithm::Md5, Algorithm::Sha256]
        } else {
            &[Algorithm::Md5]
        };
        algorithms
            .iter()
            .map(|a| format!("Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{stale}", a.name()))
            .collect()
    }
}

impl Default for Nonces {
    fn default() -> Self {
        Self::new()
    }
}

impl Counts {
    /// Forgets nonces long expired. Kept for twice their lifetime, so a nonce that passed
    /// `check` just before it expired still finds its counts here.
    fn expire(&mut self, now: u64) {
        let keep = 2 * NONCE_LIFETIME.as_secs();
        while let Some((issued, _)) = self.by_age.first()
            && now.saturating_sub(*issued) > keep
        {
            if let Some((_, nonce)) = self.by_age.pop_first() {
                self.highest.remove(&nonce);
            }
        }
    }

    fn count(&mut self, nonce: &str, issued: u64, nc: u32) -> bool {
        if let Some(highest) = self.highest.get_mut(nonce) {
            if nc <= *highest {
                return false;
            }
            *highest = nc;
            return true;
        }
        if nc == 0 || self.evicted_until.is_some_and(|until| issued <= until) {
            return false;
        }
        if self.highest.len() >= self.cap
            && let Some((oldest, evicted)) = self.by_age.pop_first()
        {
            self.highest.remove(&evicted);
            self.evicted_until = Some(self.evicted_until.unwrap_or(0).max(oldest));
        }
        self.highest.insert(nonce.to_owned(), nc);
        self.by_age.insert((issued, nonce.to_owned()));
        true
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const ELSEWHERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn nonces_are_ours_for_one_address_and_expire() {
        let (nonces, now) = (Nonces::new(), now_secs());
        let nonce = nonces.issue_at(now, PHONE);
        assert_eq!(
            nonces.check_at(&nonce, PHONE, now),
            Nonce::Fresh { issued: now }
        );
        assert_eq!(nonces.check_at(&nonce, ELSEWHERE, now), Nonce::Stale);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            nonces.check_at(&nonce, mapped, now),
            Nonce::Fresh { issued: now },
            "IPv4-mapped is the same address"
        );
        let later = now + NONCE_LIFETIME.as_secs() + 1;
        assert_eq!(nonces.check_at(&nonce, PHONE, later), Nonce::Stale);
        assert_eq!(
            nonces.check_at(&Nonces::new().issue_at(now, PHONE), PHONE, now),
            Nonce::Forged
        );
        for junk in [
            "",
            "garbage",
            "5f.1.2.3",
            "5f.1.2.3.4",
            &format!("{nonce}.x"),
        ] {
            assert_eq!(nonces.check_at(junk, PHONE, now), Nonce::Forged, "{junk}");
        }
    }

    #[test]
    fn two_nonces_issued_at_once_differ() {
        // Else a phone's count 1 on the second would look like a replay of the first.
        let (nonces, now) = (Nonces::new(), now_secs());
        assert_ne!(nonces.issue_at(now, PHONE), nonces.issue_at(now, PHONE));
    }

    #[test]
    fn a_nonce_is_bound_by_its_salt_and_address_together() {
        let (nonces, now) = (Nonces::new(), now_secs());
        let mine = nonces.issue_at(now, PHONE);
        let (head, _) = mine.rsplit_once('.').unwrap();
        let salt = head.split('.').nth(1).unwrap();
        // The same nonce re-bound to another address is that address's, not mine.
        let rebound = format!("{head}.{}", nonces.mac(now, salt, Some(ELSEWHERE)));
        assert_eq!(nonces.check_at(&rebound, PHONE, now), Nonce::Stale);
        assert_eq!(
            nonces.check_at(&rebound, ELSEWHERE, now),
            Nonce::Fresh { issued: now }
        );
        // Another nonce's address MAC does not fit this salt.
        let theirs = nonces.issue_at(now, ELSEWHERE);
        let (_, their_bound) = theirs.rsplit_once('.').unwrap();
        let spliced = format!("{head}.{their_bound}");
        assert_eq!(nonces.check_at(&spliced, ELSEWHERE, now), Nonce::Stale);
    }

    #[test]
    fn each_count_is_used_once_and_counts_only_grow() {
        let (nonces, now) = (Nonces::new(), now_secs());
        let nonce = nonces.issue_at(now, PHONE);
        assert!(!nonces.count_at(&nonce, now, 0, now), "counts start at 1");
        assert!(nonces.count_at(&nonce, now, 1, now));
        assert!(
            !nonces.count_at(&nonce, now, 1, now),
            "the same count again is a replay"
        );
        assert!(nonces.count_at(&nonce, now, 3, now));
        assert!(
            !nonces.count_at(&nonce, now, 2, now),
            "a lower count is a replay"
        );
        let other = nonces.issue_at(now, ELSEWHERE);
        assert!(nonces.count_at(&other, now, 1, now), "counts are per nonce");
    }

    #[test]
    fn counts_outlive_their_nonce_and_then_are_forgotten() {
        let (nonces, now) = (Nonces::new(), now_secs());
        let nonce = nonces.issue_at(now, PHONE);
        assert!(nonces.count_at(&nonce, now, 1, now));
        let just_expired = now + NONCE_LIFETIME.as_secs() + 5;
        assert!(!nonces.count_at(&nonce, now, 1, just_expired));
        let long_after = now + 2 * NONCE_LIFETIME.as_secs() + 1;
        nonces.count_at(
            &nonces.issue_at(long_after, PHONE),
            long_after,
            1,
            long_after,
        );
        let counts = nonces.counts.lock().unwrap();
        assert!(!counts.highest.contains_key(&nonce));
        assert_eq!(counts.highest.len(), 1);
    }

    #[test]
    fn memory_is_capped_and_an_evicted_nonce_is_used_up_not_reopened() {
        let (nonces, now) = (Nonces::with_cap(3), now_secs());
        let issued: Vec<(u64, String)> = (0..5)
            .map(|i| (now + i, nonces.issue_at(now + i, PHONE)))
            .collect();
        for (at, nonce) in &issued {
            assert!(nonces.count_at(nonce, *at, 1, now + 5));
        }
        assert_eq!(nonces.counts.lock().unwrap().highest.len(), 3);
        let (oldest_at, oldest) = &issued[0];
        assert!(
            !nonces.count_at(oldest, *oldest_at, 2, now + 5),
            "an evicted nonce is not a fresh one"
        );
        let (newest_at, newest) = &issued[4];
        assert!(!nonces.count_at(newest, *newest_at, 1, now + 5));
        assert!(nonces.count_at(newest, *newest_at, 2, now + 5));
    }

    #[test]
    fn challenges_carry_a_nonce_for_the_asker() {
        let nonces = Nonces::new();
        let offered = nonces.challenges("centrale", true, true, PHONE);
        assert_eq!(offered.len(), 2);
        assert!(offered[0].contains("algorithm=MD5") && offered[1].contains("algorithm=SHA-256"));
        assert!(
            offered
                .iter()
                .all(|c| c.contains("qop=\"auth\"") && c.ends_with("stale=true"))
        );
        let nonce = offered[0]
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(matches!(nonces.check(nonce, PHONE), Nonce::Fresh { .. }));
        assert_eq!(nonces.check(nonce, ELSEWHERE), Nonce::Stale);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn checking_any_text_never_panics(nonce in any::<String>(), nc in any::<u32>()) {
                let nonces = Nonces::with_cap(4);
                let _ = nonces.check(&nonce, PHONE);
                let _ = nonces.count(&nonce, 0, nc);
            }
        }
    }
}
