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

pub use board::Board;
pub use config::SipConfig;
pub use metrics::SipMetrics;
pub use telephony::{SipHandle, Telephony};

/// The parsers of untrusted input, for the fuzz targets in `crates/sip/fuzz` and the property
/// tests; not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::digest::Credentials;
    pub use crate::headers::{caller, dialled, name_addr, original_called, source, uri_user};

    /// Parses `bytes` as the transport does and, when it is a request, reads it as the
    /// registrar and admission do: caller, original called number, dialled number, source,
    /// and the digest credentials of `Authorization` / `Proxy-Authorization`.
    pub fn read_request(bytes: &[u8]) {
        let Ok(rsipstack::sip::SipMessage::Request(request)) =
            rsipstack::sip::SipMessage::try_from(bytes)
        else {
            return;
        };
        let _ = caller(&request);
        let _ = original_called(&request);
        let _ = dialled(&request);
        let _ = source(&request);
        for name in ["Authorization", "Proxy-Authorization", "To", "Contact"] {
            for value in crate::headers::values(&request, name) {
                if let Some(credentials) = Credentials::parse(value) {
                    let _ = credentials.verify("0123456789abcdef0123456789abcdef", "REGISTER");
                }
                let _ = uri_user(name_addr(value).1);
            }
        }
    }
}
