//! The `centrale` binary's library: settings, wiring and the demo, so tests can start the
//! whole application in-process.
//!
//! Key types: [`Settings`] (layered configuration), [`App`] (a built, bound, ready server).
//! This is the only crate that knows every other one: it picks the store from the URL and
//! hands it to the web as a port.

pub mod admin;
pub mod app;
pub mod delivery;
pub mod demo;
pub mod settings;

pub use app::App;
pub use settings::{Flags, Settings};
