//! Delivery receipts: what an SMSC or gateway says became of a sent SMS, handed back to
//! whoever built the channel as a [`Receipt`] on a [`ReceiptSender`].

use std::collections::{HashMap, VecDeque};

/// The final fate of one sent SMS. `reference` is the one the send returned in
/// [`crate::Outcome::Sent`] (SMPP: the SMSC's message id of the first part; HTTP: the
/// message's own reference, carried in the gateway's `dlr-url`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub reference: String,
    /// True when delivered to the handset; false when it failed for good (expired,
    /// undeliverable, rejected).
    pub delivered: bool,
}

/// Where a channel hands its receipts; the receiving end updates the outbox.
pub type ReceiptSender = tokio::sync::mpsc::UnboundedSender<Receipt>;

/// The final verdict of an SMPP receipt's `stat:` word; `None` while not final (ENROUTE,
/// ACCEPTD, BUFFRED) or unknown.
pub fn stat_delivered(stat: &str) -> Option<bool> {
    match stat.to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => Some(true),
        "EXPIRED" | "DELETED" | "UNDELIV" | "UNDELIVERABLE" | "REJECTD" | "REJECTED"
        | "UNKNOWN" | "FAILED" => Some(false),
        _ => None,
    }
}

/// The final verdict of an SMPP `message_state` TLV value; `None` while not final.
pub fn message_state_delivered(state: u8) -> Option<bool> {
    match state {
        2 => Some(true),
        3 | 4 | 5 | 7 | 8 => Some(false),
        _ => None,
    }
}

/// Reads `id:` and `stat:` from the customary receipt text
/// (`id:123 sub:001 dlvrd:001 submit date:… done date:… stat:DELIVRD err:000 text:…`).
pub fn parse_receipt_text(text: &str) -> Option<(String, String)> {
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|word| word.strip_prefix(name).filter(|_| word.len() > name.len()))
            .map(str::to_string)
    };
    // `text:` comes last and may contain anything, so only read what precedes it.
    let head = text.split(" text:").next().unwrap_or(text);
    let id = head
        .split_whitespace()
        .find_map(|w| w.strip_prefix("id:").or_else(|| w.strip_prefix("Id:")))
        .filter(|id| !id.is_empty())?
        .to_string();
    let stat = field("stat:").or_else(|| field("Stat:"))?;
    Some((id, stat))
}

/// The verdict of a Kannel DLR `type` (`%d` in `dlr-url`): 1 delivered, 2 and 16 failed;
/// `None` for 4 (buffered) and 8 (accepted by the SMSC).
pub fn kannel_dlr_delivered(dlr_type: u8) -> Option<bool> {
    match dlr_type {
        1 => Some(true),
        2 | 16 => Some(false),
        _ => None,
    }
}

/// What to make of one part's receipt.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The message's verdict is known: hand this back.
    Done(Receipt),
    /// Recorded; other parts are still to report (or the message was already reported).
    Pending,
    /// Not a part this channel sent (yet): sent before a restart, or the receipt overtook
    /// the submit response.
    Unknown,
}

struct Pending {
    remaining: usize,
    reported: bool,
}

/// Joins the receipts of a message's parts into one verdict per message: failed as soon
/// as one part fails, delivered when every part is. Bounded: the oldest messages are
/// forgotten first.
pub struct PartTracker {
    reference_of: HashMap<String, String>,
    pending: HashMap<String, Pending>,
    order: VecDeque<(String, Vec<String>)>,
    capacity: usize,
}

impl PartTracker {
    pub fn new(capacity: usize) -> Self {
        Self {
            reference_of: HashMap::new(),
            pending: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Remembers that the parts with these SMSC ids make up the message `reference`.
    pub fn register(&mut self, reference: &str, part_ids: &[String]) {
        if self.capacity == 0 {
            return;
        }
        while self.order.len() >= self.capacity {
            if let Some((old, parts)) = self.order.pop_front() {
                self.pending.remove(&old);
                for part in parts {
                    self.reference_of.remove(&part);
                }
            }
        }
        for part in part_ids {
            self.reference_of
                .insert(part.clone(), reference.to_string());
        }
        self.pending.insert(
            reference.to_string(),
            Pending {
                remaining: part_ids.len(),
                reported: false,
            },
        );
        self.order
            .push_back((reference.to_string(), part_ids.to_vec()));
    }

    /// Takes the final receipt of one part.
    pub fn part_done(&mut self, part_id: &str, delivered: bool) -> Lookup {
        let Some(reference) = self.reference_of.remove(part_id) else {
            return Lookup::Unknown;
        };
        let Some(pending) = self.pending.get_mut(&reference) else {
            return Lookup::Unknown;
        };
        pending.remaining = pending.remaining.saturating_sub(1);
        let verdict = if pending.reported {
            None
        } else if !delivered {
            Some(false)
        } else if pending.remaining == 0 {
            Some(true)
        } else {
            None
        };
        if verdict.is_some() {
            pending.reported = true;
        }
        if pending.remaining == 0 {
            self.pending.remove(&reference);
            self.order.retain(|(r, _)| *r != reference);
        }
        match verdict {
            Some(delivered) => Lookup::Done(Receipt {
                reference,
                delivered,
            }),
            None => Lookup::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn receipt_text_is_read() {
        let text = "id:0A1B sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:id:x stat:UNDELIV";
        assert_eq!(
            parse_receipt_text(text),
            Some(("0A1B".into(), "DELIVRD".into()))
        );
        assert_eq!(parse_receipt_text("hello there"), None);
        assert_eq!(stat_delivered("DELIVRD"), Some(true));
        assert_eq!(stat_delivered("UNDELIV"), Some(false));
        assert_eq!(stat_delivered("ENROUTE"), None);
    }

    #[test]
    fn states_and_kannel_types() {
        assert_eq!(message_state_delivered(2), Some(true));
        assert_eq!(message_state_delivered(5), Some(false));
        assert_eq!(message_state_delivered(1), None);
        assert_eq!(kannel_dlr_delivered(1), Some(true));
        assert_eq!(kannel_dlr_delivered(16), Some(false));
        assert_eq!(kannel_dlr_delivered(8), None);
    }

    #[test]
    fn single_part_reports_at_once() {
        let mut t = PartTracker::new(10);
        t.register("m1", &ids(&["m1"]));
        let done = Lookup::Done(Receipt {
            reference: "m1".into(),
            delivered: true,
        });
        assert_eq!(t.part_done("m1", true), done);
        assert_eq!(t.part_done("m1", true), Lookup::Unknown);
    }

    #[test]
    fn parts_join_into_one_verdict() {
        let mut t = PartTracker::new(10);
        t.register("a", &ids(&["a", "b", "c"]));
        assert_eq!(t.part_done("b", true), Lookup::Pending);
        assert_eq!(t.part_done("a", true), Lookup::Pending);
        assert_eq!(
            t.part_done("c", true),
            Lookup::Done(Receipt {
                reference: "a".into(),
                delivered: true
            })
        );

        t.register("x", &ids(&["x", "y"]));
        assert_eq!(
            t.part_done("y", false),
            Lookup::Done(Receipt {
                reference: "x".into(),
                delivered: false
            })
        );
        assert_eq!(t.part_done("x", true), Lookup::Pending);
        assert_eq!(t.part_done("x", true), Lookup::Unknown);
    }

    #[test]
    fn oldest_are_forgotten_past_capacity() {
        let mut t = PartTracker::new(2);
        t.register("1", &ids(&["1"]));
        t.register("2", &ids(&["2"]));
        t.register("3", &ids(&["3"]));
        assert_eq!(t.part_done("1", true), Lookup::Unknown);
        assert!(matches!(t.part_done("3", true), Lookup::Done(_)));
    }
}
