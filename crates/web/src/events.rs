//! The in-process event bus and its Server-Sent Events stream.
//!
//! Telephony publishes through [`EventSink`]; every SSE client holds a broadcast receiver and
//! gets what its role may see ([`Event::only_for`]). A slow client that falls behind skips
//! events rather than slowing anyone down.

use centrale_core::events::{Audience, Event};
use centrale_core::ports::EventSink;
use centrale_core::{Role, Staff};
use tokio::sync::broadcast;

/// Events buffered per subscriber before a slow one starts skipping.
const CAPACITY: usize = 1024;

/// Fan-out of live events to every subscriber.
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl EventBus {
    /// A new subscription from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

impl EventSink for EventBus {
    fn publish(&self, event: Event) {
        // No subscribers is fine: nobody is watching.
        let _ = self.sender.send(event);
    }
}

/// Whether `staff` may see `event`: supervisors see all; operators what is not someone
/// else's screen pop.
pub fn visible_to(event: &Event, staff: &Staff) -> bool {
    staff.draft.role >= Role::Supervisor
        || match event.audience() {
            Audience::Everyone => true,
            Audience::Operator(operator) => operator == staff.id,
            Audience::Supervisors => false,
        }
}
