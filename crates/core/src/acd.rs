//! Queue decisions (ACD): which waiting call goes to which operator. Pure and synchronous;
//! the telephony side feeds it events and carries out its decisions.
//!
//! One bureau-wide queue, first come first served; an operator is eligible when available,
//! registered and not already ringing; among the eligible the one idle longest is chosen.
//! An operator who refused or missed a call is not offered that same call again while
//! others are eligible. Later, priorities or operator groups plug in at [`Acd::next_offer`].

use crate::{CallId, StaffId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;
use utoipa::ToSchema;

/// What an operator is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorState {
    Offline,
    Available,
    /// Ringing or talking.
    OnCall,
    /// After a call, finishing the note; ends by itself.
    WrapUp,
    Pause,
}

#[derive(Clone, Debug)]
struct Slot {
    state: OperatorState,
    registered: bool,
    idle_since: Instant,
    ringing: Option<CallId>,
}

#[derive(Clone, Debug)]
struct Waiting {
    call: CallId,
    offered_to: Option<StaffId>,
    tried: HashSet<StaffId>,
}

/// The queue and the operators' states.
#[derive(Debug, Default)]
pub struct Acd {
    operators: HashMap<StaffId, Slot>,
    queue: VecDeque<Waiting>,
}

impl Acd {
    /// Sets an operator's state; becoming available starts their idle time.
    pub fn set_state(&mut self, operator: StaffId, state: OperatorState, now: Instant) {
        let slot = self.slot(operator, now);
        if state == OperatorState::Available && slot.state != OperatorState::Available {
            slot.idle_since = now;
        }
        slot.state = state;
    }

    /// Records whether the operator's phone is registered.
    pub fn set_registered(&mut self, operator: StaffId, registered: bool, now: Instant) {
        self.slot(operator, now).registered = registered;
    }

    /// The operator's state (offline when unknown).
    pub fn state(&self, operator: StaffId) -> OperatorState {
        self.operators
            .get(&operator)
            .map_or(OperatorState::Offline, |s| s.state)
    }

    /// Whether the operator's phone is registered.
    pub fn is_registered(&self, operator: StaffId) -> bool {
        self.operators.get(&operator).is_some_and(|s| s.registered)
    }

    /// Every known operator's state and registration.
    pub fn operators(&self) -> Vec<(StaffId, OperatorState, bool)> {
        self.operators
            .iter()
            .map(|(id, s)| (*id, s.state, s.registered))
            .collect()
    }

    fn slot(&mut self, operator: StaffId, now: Instant) -> &mut Slot {
        self.operators.entry(operator).or_insert(Slot {
            state: OperatorState::Offline,
            registered: false,
            idle_since: now,
            ringing: None,
        })
    }

    /// Puts a call at the back of the queue.
    pub fn enqueue(&mut self, call: CallId) {
        self.queue.push_back(Waiting {
            call,
            offered_to: None,
            tried: HashSet::new(),
        });
    }

    /// Calls waiting (ringing ones included), oldest first.
    pub fn waiting(&self) -> impl Iterator<Item = CallId> + '_ {
        self.queue.iter().map(|w| w.call)
    }

    /// Number of calls in the queue.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no call waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The next offer to make, if a waiting call and an eligible operator meet. The call is
    /// then ringing at that operator until [`Acd::offer_failed`], [`Acd::answered`] or
    /// [`Acd::remove`].
    pub fn next_offer(&mut self) -> Option<(CallId, StaffId)> {
        let eligible: Vec<(StaffId, Instant)> = self
            .operators
            .iter()
            .filter(|(_, s)| {
                s.state == OperatorState::Available && s.registered && s.ringing.is_none()
            })
            .map(|(id, s)| (*id, s.idle_since))
            .collect();
        let waiting = self.queue.iter_mut().find(|w| w.offered_to.is_none())?;
        let (operator, _) = eligible
            .iter()
            .filter(|(id, _)| !waiting.tried.contains(id))
            .min_by_key(|(id, since)| (*since, *id))
            .or_else(|| eligible.iter().min_by_key(|(id, since)| (*since, *id)))?;
        waiting.offered_to = Some(*operator);
        waiting.tried.insert(*operator);
        let call = waiting.call;
        if let Some(slot) = self.operators.get_mut(operator) {
            slot.ringing = Some(call);
            slot.state = OperatorState::OnCall;
        }
        Some((call, *operator))
    }

    /// The offer was refused or timed out: the call waits again, the operator is free again
    /// (or paused, when `pause` — a missed call usually means nobody is at the desk).
    pub fn offer_failed(&mut self, call: CallId, operator: StaffId, pause: bool, now: Instant) {
        if let Some(waiting) = self.queue.iter_mut().find(|w| w.call == call) {
            waiting.offered_to = None;
        }
        if let Some(slot) = self.operators.get_mut(&operator)
            && slot.ringing == Some(call)
        {
            slot.ringing = None;
            slot.state = if pause {
                OperatorState::Pause
            } else {
                OperatorState::Available
            };
            slot.idle_since = now;
        }
    }

    /// The operator answered: the call leaves the queue, the operator stays on call.
    pub fn answered(&mut self, call: CallId, operator: StaffId) {
        self.queue.retain(|w| w.call != call);
        if let Some(slot) = self.operators.get_mut(&operator) {
            slot.ringing = None;
            slot.state = OperatorState::OnCall;
        }
    }

    /// The call left the queue without an answer (abandoned); a ringing operator is freed.
    /// Returns the operator it was ringing at, if any.
    pub fn remove(&mut self, call: CallId, now: Instant) -> Option<StaffId> {
        let offered_to = self
            .queue
            .iter()
            .find(|w| w.call == call)
            .and_then(|w| w.offered_to);
        self.queue.retain(|w| w.call != call);
        let operator = offered_to?;
        if let Some(slot) = self.operators.get_mut(&operator)
            && slot.ringing == Some(call)
        {
            slot.ringing = None;
            slot.state = OperatorState::Available;
            slot.idle_since = now;
        }
        Some(operator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ready(acd: &mut Acd, op: StaffId, at: Instant) {
        acd.set_registered(op, true, at);
        acd.set_state(op, OperatorState::Available, at);
    }

    #[test]
    fn the_longest_idle_operator_gets_the_oldest_call() {
        let t0 = Instant::now();
        let (anna, bram) = (StaffId::new(), StaffId::new());
        let mut acd = Acd::default();
        ready(&mut acd, bram, t0 + Duration::from_secs(5));
        ready(&mut acd, anna, t0);
        let (first, second) = (CallId::new(), CallId::new());
        acd.enqueue(first);
        acd.enqueue(second);
        assert_eq!(acd.next_offer(), Some((first, anna)));
        assert_eq!(acd.next_offer(), Some((second, bram)));
        assert_eq!(
            acd.next_offer(),
            None,
            "one operator rings per call, one call per operator"
        );
    }

    #[test]
    fn nobody_unregistered_paused_or_offline_is_offered_a_call() {
        let t0 = Instant::now();
        let mut acd = Acd::default();
        let (unregistered, paused, offline) = (StaffId::new(), StaffId::new(), StaffId::new());
        acd.set_state(unregistered, OperatorState::Available, t0);
        ready(&mut acd, paused, t0);
        acd.set_state(paused, OperatorState::Pause, t0);
        acd.set_registered(offline, true, t0);
        acd.enqueue(CallId::new());
        assert_eq!(acd.next_offer(), None);
    }

    #[test]
    fn a_refused_call_goes_to_someone_else_first() {
        let t0 = Instant::now();
        let (anna, bram) = (StaffId::new(), StaffId::new());
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        ready(&mut acd, bram, t0 + Duration::from_secs(1));
        let call = CallId::new();
        acd.enqueue(call);
        assert_eq!(acd.next_offer(), Some((call, anna)));
        acd.offer_failed(call, anna, false, t0 + Duration::from_secs(2));
        assert_eq!(acd.next_offer(), Some((call, bram)));
        acd.offer_failed(call, bram, false, t0 + Duration::from_secs(3));
        // Everyone refused once: try again, longest idle first.
        assert_eq!(acd.next_offer(), Some((call, anna)));
    }

    #[test]
    fn a_missed_call_can_pause_the_operator() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let call = CallId::new();
        acd.enqueue(call);
        acd.next_offer();
        acd.offer_failed(call, anna, true, t0);
        assert_eq!(acd.state(anna), OperatorState::Pause);
        assert_eq!(acd.next_offer(), None);
    }

    #[test]
    fn an_abandoned_call_frees_its_ringing_operator() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let call = CallId::new();
        acd.enqueue(call);
        acd.next_offer();
        assert_eq!(acd.remove(call, t0), Some(anna));
        assert_eq!(acd.state(anna), OperatorState::Available);
        assert!(acd.is_empty());
    }

    #[test]
    fn an_answered_call_leaves_the_queue() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let call = CallId::new();
        acd.enqueue(call);
        acd.next_offer();
        acd.answered(call, anna);
        assert!(acd.is_empty());
        assert_eq!(acd.state(anna), OperatorState::OnCall);
    }
}
