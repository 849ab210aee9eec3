//! Queue decisions (ACD): which waiting call goes to which operator. Pure and synchronous;
//! the telephony side feeds it events and carries out its decisions.
//!
//! One bureau-wide queue, first come first served; an operator is eligible when available,
//! registered and not already ringing; among the eligible the one idle longest is chosen.
//! An operator who refused or missed a call is not offered that same call again while
//! others are eligible; one whose phone refused it (busy, error) is not offered it again for
//! [`RETRY_REFUSED_AFTER`] at all — she may take another call meanwhile — so a lone refusing
//! phone is not rung in a tight loop. Later, priorities or operator groups plug in at
//! [`Acd::next_offer`].

use crate::{CallId, StaffId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long a phone that refused a call (busy, error) is not offered that call again.
pub const RETRY_REFUSED_AFTER: Duration = Duration::from_secs(5);

/// How an offer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    /// The phone refused it (busy, error): the operator is free, the call keeps off her phone
    /// for [`RETRY_REFUSED_AFTER`].
    Refused,
    /// Nobody answered: the operator is paused (nobody is at the desk, it seems).
    NoAnswer,
}

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
    /// Operators whose phone refused the call, and until when it keeps off them.
    refused: HashMap<StaffId, Instant>,
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
            refused: HashMap::new(),
        });
    }

    /// A call that was answered waits again, first in line: its operator could not take it
    /// back after a transfer that failed.
    pub fn enqueue_first(&mut self, call: CallId) {
        self.queue.push_front(Waiting {
            call,
            offered_to: None,
            tried: HashSet::new(),
            refused: HashMap::new(),
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

    /// The next offer to make at `now`, if a waiting call and an eligible operator meet: the
    /// oldest call that has one. The call is then ringing at that operator until
    /// [`Acd::offer_failed`], [`Acd::answered`] or [`Acd::remove`].
    pub fn next_offer(&mut self, now: Instant) -> Option<(CallId, StaffId)> {
        let eligible: Vec<(StaffId, Instant)> = self
            .operators
            .iter()
            .filter(|(_, s)| {
                s.state == OperatorState::Available && s.registered && s.ringing.is_none()
            })
            .map(|(id, s)| (*id, s.idle_since))
            .collect();
        let (waiting, operator) = self
            .queue
            .iter_mut()
            .filter(|w| w.offered_to.is_none())
            .find_map(|waiting| {
                let open: Vec<&(StaffId, Instant)> = eligible
                    .iter()
                    .filter(|(id, _)| waiting.refused.get(id).is_none_or(|until| *until <= now))
                    .collect();
                let longest_idle = |candidates: &mut dyn Iterator<Item = &&(StaffId, Instant)>| {
                    candidates
                        .min_by_key(|(id, since)| (*since, *id))
                        .map(|(id, _)| *id)
                };
                let operator =
                    longest_idle(&mut open.iter().filter(|(id, _)| !waiting.tried.contains(id)))
                        .or_else(|| longest_idle(&mut open.iter()))?;
                Some((waiting, operator))
            })?;
        waiting.offered_to = Some(operator);
        waiting.tried.insert(operator);
        let call = waiting.call;
        if let Some(slot) = self.operators.get_mut(&operator) {
            slot.ringing = Some(call);
            slot.state = OperatorState::OnCall;
        }
        Some((call, operator))
    }

    /// When a refusal now keeping a waiting call off a phone ends: offers may be possible then.
    pub fn next_retry(&self, now: Instant) -> Option<Instant> {
        self.queue
            .iter()
            .filter(|w| w.offered_to.is_none())
            .flat_map(|w| w.refused.values())
            .filter(|until| **until > now)
            .min()
            .copied()
    }

    /// The offer failed: the call waits again; the operator is free again, or paused when
    /// nobody answered.
    pub fn offer_failed(&mut self, call: CallId, operator: StaffId, missed: Missed, now: Instant) {
        if let Some(waiting) = self.queue.iter_mut().find(|w| w.call == call) {
            waiting.offered_to = None;
            if missed == Missed::Refused {
                waiting.refused.insert(operator, now + RETRY_REFUSED_AFTER);
            }
        }
        if let Some(slot) = self.operators.get_mut(&operator)
            && slot.ringing == Some(call)
        {
            slot.ringing = None;
            slot.state = match missed {
                Missed::NoAnswer => OperatorState::Pause,
                Missed::Refused => OperatorState::Available,
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
        assert_eq!(acd.next_offer(t0), Some((first, anna)));
        assert_eq!(acd.next_offer(t0), Some((second, bram)));
        assert_eq!(
            acd.next_offer(t0),
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
        assert_eq!(acd.next_offer(t0), None);
    }

    #[test]
    fn a_missed_call_goes_to_someone_else_first() {
        let t0 = Instant::now();
        let (anna, bram) = (StaffId::new(), StaffId::new());
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        ready(&mut acd, bram, t0 + Duration::from_secs(1));
        let call = CallId::new();
        acd.enqueue(call);
        assert_eq!(acd.next_offer(t0), Some((call, anna)));
        acd.offer_failed(call, anna, Missed::NoAnswer, t0 + Duration::from_secs(2));
        acd.set_state(anna, OperatorState::Available, t0 + Duration::from_secs(2));
        assert_eq!(acd.next_offer(t0), Some((call, bram)));
        acd.offer_failed(call, bram, Missed::NoAnswer, t0 + Duration::from_secs(3));
        acd.set_state(bram, OperatorState::Available, t0 + Duration::from_secs(3));
        // Everyone missed it once: try again, longest idle first.
        assert_eq!(acd.next_offer(t0), Some((call, anna)));
    }

    #[test]
    fn a_refusing_phone_gets_other_calls_but_not_that_one_until_the_back_off_ends() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let (first, second) = (CallId::new(), CallId::new());
        acd.enqueue(first);
        assert_eq!(acd.next_offer(t0), Some((first, anna)));
        acd.offer_failed(first, anna, Missed::Refused, t0);
        assert_eq!(
            acd.state(anna),
            OperatorState::Available,
            "a refusal does not pause"
        );
        assert_eq!(acd.next_offer(t0), None, "not the same call at once");
        assert_eq!(acd.next_retry(t0), Some(t0 + RETRY_REFUSED_AFTER));
        // A call arriving meanwhile goes to her.
        acd.enqueue(second);
        assert_eq!(acd.next_offer(t0), Some((second, anna)));
        acd.answered(second, anna);
        acd.set_state(anna, OperatorState::Available, t0 + Duration::from_secs(1));
        assert_eq!(acd.next_offer(t0 + Duration::from_secs(4)), None);
        let later = t0 + RETRY_REFUSED_AFTER;
        assert_eq!(
            acd.next_offer(later),
            Some((first, anna)),
            "after the back-off"
        );
        assert_eq!(acd.next_retry(later), None);
    }

    #[test]
    fn a_missed_call_can_pause_the_operator() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let call = CallId::new();
        acd.enqueue(call);
        acd.next_offer(t0);
        acd.offer_failed(call, anna, Missed::NoAnswer, t0);
        assert_eq!(acd.state(anna), OperatorState::Pause);
        assert_eq!(acd.next_offer(t0), None);
    }

    #[test]
    fn an_abandoned_call_frees_its_ringing_operator() {
        let t0 = Instant::now();
        let anna = StaffId::new();
        let mut acd = Acd::default();
        ready(&mut acd, anna, t0);
        let call = CallId::new();
        acd.enqueue(call);
        acd.next_offer(t0);
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
        acd.next_offer(t0);
        acd.answered(call, anna);
        assert!(acd.is_empty());
        assert_eq!(acd.state(anna), OperatorState::OnCall);
    }
}
