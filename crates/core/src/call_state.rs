//! The life of a call as states and the moves between them, without SIP:
//!
//! ```text
//! Arrived ─Queue→ Queued ─Offer(op)→ Ringing(op) ─Answer→ Talking(op)
//!                   ↑                   │
//!                   └──── Missed ───────┘
//! any state but Ended ─End(party)→ Ended(outcome)
//! ```
//!
//! The telephony's call task does what a state needs (early media, ringing a phone, the
//! bridge) and asks [`CallState::after`] where a move leads; a move the state does not
//! allow is refused, so a call cannot, say, be answered while it waits in the queue.
//! The outcome follows from where the call was when it ended.
//! (Held, consulting and transferring come with hold and transfers.)

use crate::StaffId;
use crate::calls::{CallOutcome, OfferResult, Party};

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallState {
    /// Admitted; not yet in the queue.
    Arrived,
    /// Waiting for an operator (hearing the announcement).
    Queued,
    /// Ringing at this operator's phone.
    Ringing(StaffId),
    /// The caller talks with this operator.
    Talking(StaffId),
    /// Over.
    Ended(CallOutcome),
}

/// What happened to the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Joined the queue, where `queue_length` calls (this one included) now wait.
    Queue { queue_length: usize },
    /// The board offers it to an operator.
    Offer(StaffId),
    /// The offer ended without an answer; back to waiting.
    Missed(OfferResult),
    /// The operator picked up.
    Answer,
    /// `party` ended it: the caller hung up, the operator did, or Centrale (dead media).
    End(Party),
}

/// A move the call's state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a call {from:?} cannot {by:?}")]
pub struct NotAllowed {
    pub from: CallState,
    pub by: Move,
}

impl CallState {
    /// The state `by` leads to.
    pub fn after(self, by: Move) -> Result<CallState, NotAllowed> {
        use CallState::*;
        let next = match (self, by) {
            (Arrived, Move::Queue { .. }) => Queued,
            (Queued, Move::Offer(operator)) => Ringing(operator),
            (Ringing(_), Move::Missed(result)) if result != OfferResult::Answered => Queued,
            (Ringing(operator), Move::Answer) => Talking(operator),
            (Talking(_), Move::End(_)) => Ended(CallOutcome::Answered),
            (Queued, Move::End(Party::Caller)) => Ended(CallOutcome::AbandonedQueued),
            (Ringing(_), Move::End(Party::Caller)) => Ended(CallOutcome::AbandonedRinging),
            (Arrived | Queued | Ringing(_), Move::End(Party::System)) => Ended(CallOutcome::Failed),
            (from, by) => return Err(NotAllowed { from, by }),
        };
        Ok(next)
    }

    /// The operator the call rings at or talks with.
    pub fn operator(self) -> Option<StaffId> {
        match self {
            CallState::Ringing(operator) | CallState::Talking(operator) => Some(operator),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallState::*;

    const QUEUE: Move = Move::Queue { queue_length: 1 };

    fn walk(moves: &[Move]) -> Result<CallState, NotAllowed> {
        moves.iter().try_fold(Arrived, |state, m| state.after(*m))
    }

    #[test]
    fn an_answered_call_goes_through_the_queue_and_a_ring() {
        let anna = StaffId::new();
        assert_eq!(Arrived.after(QUEUE), Ok(Queued));
        assert_eq!(Queued.after(Move::Offer(anna)), Ok(Ringing(anna)));
        assert_eq!(Ringing(anna).after(Move::Answer), Ok(Talking(anna)));
        for party in [Party::Caller, Party::Operator, Party::System] {
            assert_eq!(
                Talking(anna).after(Move::End(party)),
                Ok(Ended(CallOutcome::Answered))
            );
        }
        assert_eq!(Talking(anna).operator(), Some(anna));
        assert_eq!(Queued.operator(), None);
    }

    #[test]
    fn a_missed_offer_puts_the_call_back_in_the_queue_for_the_next_operator() {
        let (anna, bert) = (StaffId::new(), StaffId::new());
        for missed in [
            OfferResult::Rejected,
            OfferResult::Timeout,
            OfferResult::Failed,
            OfferResult::Incompatible,
        ] {
            assert_eq!(Ringing(anna).after(Move::Missed(missed)), Ok(Queued));
        }
        let moves = [
            QUEUE,
            Move::Offer(anna),
            Move::Missed(OfferResult::Timeout),
            Move::Offer(bert),
            Move::Answer,
        ];
        assert_eq!(walk(&moves), Ok(Talking(bert)));
    }

    #[test]
    fn the_outcome_follows_from_where_the_call_ended() {
        let anna = StaffId::new();
        assert_eq!(
            Queued.after(Move::End(Party::Caller)),
            Ok(Ended(CallOutcome::AbandonedQueued))
        );
        assert_eq!(
            Ringing(anna).after(Move::End(Party::Caller)),
            Ok(Ended(CallOutcome::AbandonedRinging))
        );
        // Silence (Centrale ends it) before anyone answered is a failed call.
        for state in [Arrived, Queued, Ringing(anna)] {
            assert_eq!(
                state.after(Move::End(Party::System)),
                Ok(Ended(CallOutcome::Failed))
            );
        }
    }

    #[test]
    fn moves_the_state_does_not_allow_are_refused() {
        let anna = StaffId::new();
        let refused = [
            (Arrived, Move::Offer(anna)),
            (Arrived, Move::Answer),
            (Queued, QUEUE),
            (Queued, Move::Answer),
            (Queued, Move::Missed(OfferResult::Timeout)),
            (Queued, Move::End(Party::Operator)),
            (Ringing(anna), Move::Offer(anna)),
            (Ringing(anna), Move::Missed(OfferResult::Answered)),
            (Ringing(anna), Move::End(Party::Operator)),
            (Talking(anna), Move::Answer),
            (Talking(anna), Move::Offer(anna)),
            (Ended(CallOutcome::Answered), Move::End(Party::Caller)),
            (Ended(CallOutcome::Failed), QUEUE),
        ];
        for (from, by) in refused {
            assert_eq!(
                from.after(by),
                Err(NotAllowed { from, by }),
                "{from:?} {by:?}"
            );
        }
    }
}
