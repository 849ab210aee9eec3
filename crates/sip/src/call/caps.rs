//! Caps on what callers can hold: calls in progress per trunk source address, and calls waiting
//! for an operator. A flood of INVITEs that never go away (no RTP, no CANCEL) then fills a
//! bounded number of places and the rest get 503 with Retry-After, instead of queueing without
//! end in front of real callers or taking every media port.
//!
//! A place is a guard: it is given back when dropped, so no path of a call can leak one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many places are taken.
#[derive(Debug, Default)]
struct Taken {
    per_trunk: HashMap<IpAddr, usize>,
    waiting: usize,
}

/// The places in use, shared by all calls.
#[derive(Debug, Default)]
pub struct Caps {
    taken: Mutex<Taken>,
}

/// Which cap refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Trunk,
    Queue,
}

impl Caps {
    /// A waiting place (and a trunk place, for a call from trunk source `trunk`), or which cap
    /// is reached. Both are taken under one lock, so concurrent INVITEs cannot overshoot.
    pub fn take(
        self: &Arc<Self>,
        trunk: Option<IpAddr>,
        max_per_trunk: usize,
        max_waiting: usize,
    ) -> Result<(Option<TrunkPlace>, QueuePlace), Full> {
        let mut taken = self.lock();
        if taken.waiting >= max_waiting {
            return Err(Full::Queue);
        }
        if let Some(ip) = trunk {
            let calls = taken.per_trunk.entry(ip).or_default();
            if *calls >= max_per_trunk {
                return Err(Full::Trunk);
            }
            *calls += 1;
        }
        taken.waiting += 1;
        let trunk = trunk.map(|ip| TrunkPlace {
            caps: self.clone(),
            ip,
        });
        Ok((trunk, QueuePlace { caps: self.clone() }))
    }

    fn lock(&self) -> MutexGuard<'_, Taken> {
        self.taken
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One call in progress from a trunk source; held until the call ends.
#[derive(Debug)]
pub struct TrunkPlace {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Drop for TrunkPlace {
    fn drop(&mut self) {
        let mut taken = self.caps.lock();
        if let Some(calls) = taken.per_trunk.get_mut(&self.ip) {
            *calls = calls.saturating_sub(1);
            // Entries go with their last call: the map stays as small as the calls in progress.
            if *calls == 0 {
                taken.per_trunk.remove(&self.ip);
            }
        }
    }
}

/// One call waiting for an operator; held until it is answered or ends.
#[derive(Debug)]
pub struct QueuePlace {
    caps: Arc<Caps>,
}

impl Drop for QueuePlace {
    fn drop(&mut self) {
        let mut taken = self.caps.lock();
        taken.waiting = taken.waiting.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn places_run_out_per_trunk_and_for_the_queue_and_come_back() {
        let caps = Arc::new(Caps::default());
        let first = caps.take(Some(TRUNK), 2, 3).expect("first");
        let second = caps.take(Some(TRUNK), 2, 3).expect("second");
        assert_eq!(caps.take(Some(TRUNK), 2, 3).unwrap_err(), Full::Trunk);
        // Another source (an operator, no trunk) still gets the last waiting place.
        let third = caps.take(None, 2, 3).expect("third");
        assert_eq!(caps.take(None, 2, 3).unwrap_err(), Full::Queue);
        // Answered: the waiting place is free, the trunk place is kept until the call ends.
        drop(first.1);
        assert_eq!(caps.take(Some(TRUNK), 2, 3).unwrap_err(), Full::Trunk);
        drop((first.0, second, third));
        assert!(caps.take(Some(TRUNK), 2, 3).is_ok());
        assert!(caps.lock().per_trunk.is_empty());
    }
}
