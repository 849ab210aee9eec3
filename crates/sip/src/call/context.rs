//! What a call may use: the few capabilities its states need — the directory, the journal,
//! the board, media, the dialog layer and where operators' phones are — and nothing of the
//! edge (digest, nonces, registrar). Of the database it has only its callers' history, read
//! after the pop; admitting and ringing a call hold memory only.

use crate::board::Board;
use crate::directory::LiveDirectory;
use crate::journal::CallJournal;
use crate::location::Location;
use crate::media::MediaEngine;
use crate::metrics::SipMetrics;
use centrale_core::ports::CallStore;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::Uri;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::early::EarlyDialogs;
use super::reliable::Reliable;
use super::{Caps, Gateway, LiveCalls};

/// See the module documentation; one for all calls.
pub struct CallContext {
    /// Numbers, clients and what their calls show.
    pub directory: Arc<LiveDirectory>,
    /// Every step of every call: recorded, published, counted.
    pub journal: Arc<CallJournal>,
    pub board: Arc<Board>,
    pub media: MediaEngine,
    /// Places of calls per trunk source and in the queue.
    pub caps: Arc<Caps>,
    pub dialogs: Arc<DialogLayer>,
    pub location: Arc<Location>,
    /// Callers' earlier notes, for the event that follows the pop.
    pub history: Arc<dyn CallStore>,
    pub metrics: Arc<SipMetrics>,
    pub limits: CallLimits,
    /// Our own address as peers should reach it.
    pub local: SocketAddr,
    /// Our reliable 183s and their PRACKs.
    pub reliable: Reliable,
    /// Where requests in callers' early dialogs go.
    pub early: EarlyDialogs,
    /// Calls in progress, for operators' orders.
    pub live: LiveCalls,
    /// Where transfers go, if anywhere.
    pub gateway: Option<Arc<Gateway>>,
}

/// The settings a call obeys.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// How long an operator's phone rings before the call goes to the next one.
    pub ring_timeout: Duration,
    pub max_calls_per_trunk: usize,
    pub max_queue_length: usize,
}

impl CallContext {
    /// Our Contact URI.
    pub fn contact(&self) -> Uri {
        let text = format!("sip:centrale@{}", self.local);
        // Built from a socket address, so it always parses; fall back to the default URI anyway.
        Uri::try_from(text.as_str()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    /// The files a call runs through from its INVITE to the INVITE to the operator.
    const TO_THE_OPERATOR: [(&str, &str); 5] = [
        ("mod.rs", include_str!("mod.rs")),
        ("admission.rs", include_str!("admission.rs")),
        ("caps.rs", include_str!("caps.rs")),
        ("queued.rs", include_str!("queued.rs")),
        ("ringing.rs", include_str!("ringing.rs")),
    ];

    /// A lint: admitting, queueing and ringing a call use memory only. The one port of the
    /// database a call holds (`history`) is read in `screen_pop.rs`, in a task of its own.
    #[test]
    fn the_path_to_the_operator_reaches_no_database() {
        for (file, text) in TO_THE_OPERATOR {
            let code = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"));
            for (number, line) in code.enumerate() {
                for word in [".history", "Store", "store.", "sqlx"] {
                    assert!(
                        !line.contains(word),
                        "{file}: line {} of code reaches the database: {line}",
                        number + 1
                    );
                }
            }
        }
    }
}
