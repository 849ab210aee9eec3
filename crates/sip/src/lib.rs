//! Centrale's telephony: calls from the carrier's trunk reach a free operator's phone.
//!
//! Centrale is a back-to-back user agent: it keeps the caller's leg and an operator's leg,
//! anchors the media ([`media`]) and knows at every moment which client a call is for.
//!
//! Key types: [`Telephony`] (started with [`Telephony::start`], returns a [`SipHandle`]),
//! [`Board`] (the queue and operators' states; with the location service in [`Telephony`],
//! the web's [`Switchboard`]),
//! [`SipConfig`]. The path of a call reads top to bottom in `call/`, one file per state of
//! `core::call_state`: admission → queued → ringing → talking → ended, each step recorded,
//! published and counted by the call journal; a call holds only its `CallContext`.
//!
//! The edge trusts only the wire: where a request came from is [`peer::Peer`], read from the
//! socket (never a header); REGISTER and INVITE prove who sent them through one digest check
//! (`auth`, with nonces bound to the sender's address and counted in `nonce`).
//!
//! [`Switchboard`]: centrale_core::ports::Switchboard
//!
//! May depend on: `centrale-core` (types and ports), never on the store or the web.

mod auth;
pub mod board;
mod call;
pub mod config;
mod credentials;
mod digest;
mod directory;
mod extensions;
mod headers;
mod journal;
pub mod location;
pub mod media;
pub mod metrics;
mod nonce;
pub mod peer;
mod registrar;
mod reply;
mod screened_tcp;
mod session_timer;
pub mod telephony;
mod unknown_method;

pub use board::Board;
pub use config::SipConfig;
pub use metrics::SipMetrics;
pub use telephony::{SipHandle, Telephony};

/// The parsers of untrusted input, for the fuzz targets in `fuzz/` and the regression and
/// property tests; not an API.
#[doc(hidden)]
pub mod fuzzing;
