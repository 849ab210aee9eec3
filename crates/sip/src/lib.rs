//! Centrale's telephony: calls from the carrier's trunk reach a free operator's phone.
//!
//! Centrale is a back-to-back user agent: it keeps the caller's leg and an operator's leg,
//! anchors the media ([`media`]) and knows at every moment which client a call is for.
//!
//! May depend on: `centrale-core` (types and ports), never on the store or the web.

pub mod media;
