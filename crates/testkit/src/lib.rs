//! The one test kit for Centrale's integration tests, tests of every crate and benchmarks.
//!
//! Key types: [`TestApp`] (the whole application in-process on port 0 with a fresh database
//! on the backend `CENTRALE_TEST_DB` names, optionally with the demo data), [`Api`] (its HTTP
//! API as one logged-in user), [`Reply`]; the peers a user's world has: [`Sipp`] (carrier and
//! phones), [`RawSip`] (hand-made SIP), [`SmtpPeer`] (aiosmtpd), [`SmppPeer`] (an SMSC),
//! [`Kannel`] (an HTTP SMS gateway), [`Chrome`] (a real browser); and [`Events`] (the live
//! event stream as one user sees it) and [`PanicWatch`].
//!
//! Every peer is a real program the README's test command installs (`scripts/test`); a
//! missing one panics with the package to install. Every wait is bounded.
//!
//! May depend on every Centrale crate: it is a dev-dependency only.

pub mod app;
pub mod chrome;
pub mod events;
pub mod kannel;
pub mod panics;
pub mod portal;
pub mod raw_sip;
pub mod signup;
pub mod sipp;
pub mod smpp;
pub mod smtp;
pub mod telephony;

pub use app::{ADMIN_EMAIL, Api, PASSWORD, Reply, TestApp, metric_in};
pub use chrome::Chrome;
pub use events::Events;
pub use kannel::Kannel;
pub use panics::PanicWatch;
pub use raw_sip::{RawResponse, RawSip};
pub use sipp::{Sipp, SippResult, free_media_port, free_port, scenario};
pub use smpp::SmppPeer;
pub use smtp::{Mail, SmtpPeer, distinct_ids, read_maildir};
pub use telephony::{BAKERY_NUMBER, Operator, VAN_DIJK_NUMBER};
