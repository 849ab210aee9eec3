//! The browser side for bureau staff: login, the operator console and the supervisor
//! wallboard. Server-rendered pages (askama) with small hand-written scripts that use the
//! same API as everyone else, over the session cookie plus its CSRF token.

mod assets;
mod login;
mod pages;

pub(crate) use login::{login_csrf, with_cookies};
pub(crate) use pages::{Shell, render};

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The page routes. Pages are not API: they are not in the OpenAPI document.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/console", get(pages::console))
        .route("/wallboard", get(pages::wallboard))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/lang/{code}", get(pages::switch_language))
        .route("/assets/{file}", get(assets::serve))
}
