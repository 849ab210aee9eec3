//! The life of a call as states and the moves between them, without SIP:
//!
//! ```text
//! Arrived ─Queue→ Queued ─Offer(op)→ Ringing(op) ─Answer→ Talking(op) ─Transfer→ Transferring(op)
//!                   ↑  ↑                 │                     ↑                   │       │
//!                   │  └──── Missed ─────┘                     Answer         NotReached  Connect
//!                   │                                          │                   ↓       ↓
//!                   └────────────── Missed ──────────── Recalling(op) ←────────────┘   PutThrough
//! any state but Ended ─End(party)→ Ended(outcome)
//! ```
//!
//! A blind transfer keeps its operator until the destination answers: not reached, the call
//! rings her again (`Recalling`), never queued behind others unless she misses that too.
//!
//! A consult-first transfer (ruggespraak): `Talking(op) ─Consult→ Consulting(op)`, the caller
//! on hold; `Connect` puts the caller through (`PutThrough`), `Return` gives her the caller
//! back (`Talking(op)`), `CallerLeft` leaves her talking with the destination
//! (`ConsultOnly(op)`); her phone gone before the destination answered and it is not reached:
//! `NotReached` rings her again.
//!
//! The telephony's call task does what a state needs (early media, ringing a phone, the
//! bridge) and asks [`CallState::after`] where a move leads; a move the state does not
//! allow is refused, so a call cannot, say, be answered while it waits in the queue.
//! The outcome follows from where the call was when it ended.

use crate::StaffId;
use crate::calls::{CallOutcome, OfferResult, Party, TransferResult};

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
    /// This operator put the caller through; the destination rings, the caller hears ringing.
    Transferring(StaffId),
    /// The destination was not reached: the call rings this operator again.
    Recalling(StaffId),
    /// The caller talks with the destination; the operator is free.
    PutThrough,
    /// The operator consults the destination (ruggespraak) while the caller waits on hold.
    Consulting(StaffId),
    /// The caller hung up during a ruggespraak: the operator and the destination talk on.
    ConsultOnly(StaffId),
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
    /// The operator puts the caller through.
    Transfer,
    /// The destination answered.
    Connect,
    /// The destination did not answer, was busy or failed.
    NotReached(TransferResult),
    /// The operator consults the destination first.
    Consult,
    /// The ruggespraak ended with the operator back with the caller (she returned, the
    /// destination hung up or was not reached).
    Return(TransferResult),
    /// The caller hung up while the operator consulted.
    CallerLeft,
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
            (Ringing(operator) | Recalling(operator), Move::Answer) => Talking(operator),
            (Talking(operator), Move::Transfer) => Transferring(operator),
            (Transferring(_), Move::Connect) => PutThrough,
            (Transferring(operator) | Consulting(operator), Move::NotReached(_)) => {
                Recalling(operator)
            }
            (Talking(operator), Move::Consult) => Consulting(operator),
            (Consulting(_), Move::Connect) => PutThrough,
            (Consulting(operator), Move::Return(_)) => Talking(operator),
            (Consulting(operator), Move::CallerLeft) => ConsultOnly(operator),
            (Recalling(_), Move::Missed(result)) if result != OfferResult::Answered => Queued,
            (
                Talking(_) | Transferring(_) | Recalling(_) | PutThrough | Consulting(_)
                | ConsultOnly(_),
                Move::End(_),
            ) => Ended(CallOutcome::Answered),
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
            CallState::Ringing(operator)
            | CallState::Talking(operator)
            | CallState::Transferring(operator)
            | CallState::Recalling(operator)
            | CallState::Consulting(operator)
            | CallState::ConsultOnly(operator) => Some(operator),
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
    fn a_blind_transfer_frees_the_operator_only_once_the_destination_answers() {
        let anna = StaffId::new();
        assert_eq!(Talking(anna).after(Move::Transfer), Ok(Transferring(anna)));
        assert_eq!(Transferring(anna).operator(), Some(anna));
        assert_eq!(Transferring(anna).after(Move::Connect), Ok(PutThrough));
        assert_eq!(PutThrough.operator(), None);
        for party in [Party::Caller, Party::Operator, Party::System] {
            for state in [Transferring(anna), Recalling(anna), PutThrough] {
                assert_eq!(
                    state.after(Move::End(party)),
                    Ok(Ended(CallOutcome::Answered)),
                    "{state:?}"
                );
            }
        }
    }

    #[test]
    fn a_destination_not_reached_rings_the_same_operator_again() {
        let anna = StaffId::new();
        let moves = [
            QUEUE,
            Move::Offer(anna),
            Move::Answer,
            Move::Transfer,
            Move::NotReached(TransferResult::NoAnswer),
        ];
        assert_eq!(walk(&moves), Ok(Recalling(anna)));
        assert_eq!(Recalling(anna).after(Move::Answer), Ok(Talking(anna)));
        // Only when she misses that ring too does the call wait for the next operator.
        assert_eq!(
            Recalling(anna).after(Move::Missed(OfferResult::Timeout)),
            Ok(Queued)
        );
    }

    #[test]
    fn a_ruggespraak_completes_returns_or_leaves_the_operator_with_the_destination() {
        let anna = StaffId::new();
        assert_eq!(Talking(anna).after(Move::Consult), Ok(Consulting(anna)));
        assert_eq!(Consulting(anna).after(Move::Connect), Ok(PutThrough));
        for back in [
            TransferResult::Returned,
            TransferResult::DestinationHungUp,
            TransferResult::Busy,
        ] {
            assert_eq!(
                Consulting(anna).after(Move::Return(back)),
                Ok(Talking(anna))
            );
        }
        assert_eq!(
            Consulting(anna).after(Move::CallerLeft),
            Ok(ConsultOnly(anna))
        );
        assert_eq!(ConsultOnly(anna).operator(), Some(anna));
        assert_eq!(
            ConsultOnly(anna).after(Move::End(Party::Operator)),
            Ok(Ended(CallOutcome::Answered))
        );
        assert_eq!(
            Consulting(anna).after(Move::NotReached(TransferResult::NoAnswer)),
            Ok(Recalling(anna))
        );
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
            (Talking(anna), Move::Connect),
            (Queued, Move::Transfer),
            (Ringing(anna), Move::Transfer),
            (Transferring(anna), Move::Transfer),
            (Transferring(anna), Move::Answer),
            (PutThrough, Move::Transfer),
            (Recalling(anna), Move::Connect),
            (Queued, Move::Consult),
            (Consulting(anna), Move::Consult),
            (Consulting(anna), Move::Transfer),
            (Talking(anna), Move::CallerLeft),
            (Talking(anna), Move::Return(TransferResult::Returned)),
            (ConsultOnly(anna), Move::Connect),
            (PutThrough, Move::Consult),
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
