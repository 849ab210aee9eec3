//! Centrale's telephony: calls from the carrier's trunk reach a free operator's phone.
//!
//! Centrale is a back-to-back user agent: it keeps the caller's leg and an operator's leg,
//! anchors the media ([`media`]) and knows at every moment which client a call is for.
//!
//! Key types: [`Telephony`] (started with [`Telephony::start`], returns a [`SipHandle`]),
//! [`Board`] (the queue and operators' states, also the web's [`Switchboard`]),
//! [`SipConfig`]. The path of a call reads top to bottom in `call/`: admission →
//! lifecycle (queue, ring, converse) → records and events.
//!
//! [`Switchboard`]: centrale_core::ports::Switchboard
//!
//! May depend on: `centrale-core` (types and ports), never on the store or the web.

pub mod board;
mod call;
pub mod config;
mod digest;
mod headers;
pub mod location;
pub mod media;
pub mod metrics;
mod registrar;
pub mod telephony;
mod throttle;

pub use board::Board;
pub use config::{Cidr, SipConfig};
pub use metrics::SipMetrics;
pub use telephony::{SipHandle, Telephony};
