//! Telephony against real SIP peers: SIPp as the carrier trunk and as operators' phones,
//! baresip as a real softphone. Each test starts its own Centrale (SIP and HTTP on free
//! ports, a fresh database with the demo data) and asserts what callers, operators and
//! supervisors would see: SIP responses, call records and live events.

mod audio;
mod calls;
mod edge;
mod flood;
mod ghosts;
mod in_dialog;
mod journal;
mod malformed;
mod media_bleed;
mod odd_messages;
mod prack;
mod raw_call;
mod refusals;
mod registration;
mod routing;
mod sessions;
mod signup;
mod transfers;
