//! Where each operator's phone can be reached: one binding per operator, with an expiry.

use crate::peer::Peer;
use centrale_core::StaffId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A registered phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub operator: StaffId,
    pub username: String,
    /// The Contact URI the phone registered: the Request-URI of calls to it, never where
    /// they are sent.
    pub contact: String,
    /// The flow its REGISTER came on (socket address and transport); INVITEs go here, which
    /// works behind NAT and cannot be pointed at another host.
    pub source: Peer,
    pub expires: Instant,
}

/// The location service.
#[derive(Debug, Default)]
pub struct Location {
    bindings: Mutex<HashMap<StaffId, Binding>>,
}

impl Location {
    /// Adds or refreshes a binding; true when the operator was not reachable before.
    pub fn bind(&self, binding: Binding) -> bool {
        let mut bindings = self.lock();
        let now = Instant::now();
        let was_live = bindings
            .get(&binding.operator)
            .is_some_and(|b| b.expires > now);
        bindings.insert(binding.operator, binding);
        !was_live
    }

    /// Removes a binding (`Expires: 0`); true when there was a live one.
    pub fn unbind(&self, operator: StaffId) -> bool {
        let now = Instant::now();
        self.lock()
            .remove(&operator)
            .is_some_and(|b| b.expires > now)
    }

    /// The live binding of an operator.
    pub fn lookup(&self, operator: StaffId) -> Option<Binding> {
        let now = Instant::now();
        self.lock()
            .get(&operator)
            .filter(|b| b.expires > now)
            .cloned()
    }

    /// Drops expired bindings and returns whose they were.
    pub fn expire(&self, now: Instant) -> Vec<StaffId> {
        let mut bindings = self.lock();
        let expired: Vec<StaffId> = bindings
            .values()
            .filter(|b| b.expires <= now)
            .map(|b| b.operator)
            .collect();
        for operator in &expired {
            bindings.remove(operator);
        }
        expired
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StaffId, Binding>> {
        // A poisoned lock only means another thread panicked mid-update of plain data.
        self.bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn binding(operator: StaffId, expires: Instant) -> Binding {
        Binding {
            operator,
            username: "1001".into(),
            contact: "sip:1001@127.0.0.1:5080".into(),
            source: Peer {
                addr: "127.0.0.1:5080".parse().unwrap(),
                transport: rsipstack::sip::Transport::Udp,
            },
            expires,
        }
    }

    #[test]
    fn bindings_live_until_they_expire_or_are_removed() {
        let location = Location::default();
        let (anna, now) = (StaffId::new(), Instant::now());
        assert!(location.bind(binding(anna, now + Duration::from_secs(60))));
        assert!(
            !location.bind(binding(anna, now + Duration::from_secs(60))),
            "a refresh is not new"
        );
        assert!(location.lookup(anna).is_some());
        assert_eq!(location.expire(now + Duration::from_secs(61)), vec![anna]);
        assert!(location.lookup(anna).is_none());
        location.bind(binding(anna, now + Duration::from_secs(60)));
        assert!(location.unbind(anna));
        assert!(!location.unbind(anna));
    }
}
