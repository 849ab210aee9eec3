//! Centrale's HTTP side: the REST API under `/api/v1` with its OpenAPI document,
//! `/healthz` and `/metrics`.
//!
//! Key types: [`AppState`] (what handlers share), [`router`] (the whole HTTP surface),
//! [`ApiError`] (every failure as `{"error": …, "field": …}` with its status).
//! Access is checked by extractors in [`auth`]: a handler that takes [`auth::Supervisor`]
//! cannot run for an operator.
//!
//! May depend on: `centrale-core` (types and ports), never on the store.

mod access;
pub mod api;
pub mod auth;
pub mod bureau;
mod console;
mod error;
pub mod events;
mod extract;
mod health;
pub mod i18n;
pub mod login;
pub mod metrics;
pub mod portal;
mod security;
pub mod signup;

pub use error::{ApiError, ApiResult};

use axum::Router;
use centrale_core::ports::{Store, Switchboard};
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Settings the HTTP side needs.
#[derive(Clone, Debug)]
pub struct WebSettings {
    /// How long an API token lives.
    pub token_ttl: Duration,
    /// The SIP realm operators' digest credentials are derived for.
    pub sip_realm: String,
    /// Mark cookies Secure (when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Wrap-up after a call, for the console's countdown.
    pub wrap_up: Duration,
    /// How long after her wrap-up the operator who took a call may still edit its note.
    pub note_edit_window: Duration,
    /// Who may read `/metrics` without a token.
    pub metrics_networks: Vec<centrale_core::Cidr>,
    /// A bearer token that opens `/metrics` from anywhere (empty: none).
    pub metrics_token: String,
    /// Where people reach this site (`https://centrale.example`), for links in e-mails.
    pub public_url: String,
    /// A sign-up's e-mail address is confirmed by a link before it gets a number.
    pub signup_confirm_email: bool,
    /// How long a number a client gave up stays out of the pool, in days.
    pub number_quarantine_days: u32,
}

impl WebSettings {
    /// The address of `path` on this site, for links in e-mails.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// A fresh token for a portal password link, and the link that carries it.
    pub fn password_link(&self) -> (String, String) {
        let token = auth::new_token();
        let link = self.link(&format!("/portal/password/{token}"));
        (token, link)
    }

    /// How long a number a client gave up stays out of the pool.
    pub fn number_quarantine(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.number_quarantine_days))
    }
}

/// What every handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub events: Arc<events::EventBus>,
    pub switchboard: Arc<dyn Switchboard>,
    pub metrics: Arc<metrics::Metrics>,
    pub settings: Arc<WebSettings>,
    /// Staff logins: throttle, password-check semaphore, stand-in hash.
    pub logins: Arc<login::Logins>,
    /// Sign-ups per source and hour.
    pub signup_limit: Arc<signup::limit::SourceLimit>,
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    // Every route goes through the OpenAPI router, so the document lists them all.
    let (routes, openapi) = api::routes().merge(health::routes()).split_for_parts();
    let portal = portal::routes(portal::PortalState {
        access: state.store.clone(),
        data: centrale_core::portal::ClientData::new(state.store.clone()),
        settings: state.settings.clone(),
        logins: state.logins.clone(),
    });
    routes
        .layer(axum::Extension(Arc::new(openapi)))
        .merge(console::routes())
        .merge(signup::routes())
        .merge(bureau::routes())
        .with_state(state.clone())
        .merge(portal)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
