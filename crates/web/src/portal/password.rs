//! Passwords: set through a one-time link (e-mailed on invitation or when forgotten; valid 24
//! hours, used once; using it ends the user's other sessions and opens one here), or changed
//! by a logged-in user who gives the current one.

use super::PortalState;
use super::session::{Fields, Posted, current_password, open_session};
use crate::auth::{cookie, token_hash};
use crate::console::{Shell, login_csrf, render, with_cookies};
use crate::i18n::Lang;
use crate::login::Refusal;
use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::PasswordHash;
use serde::Deserialize;
use std::net::SocketAddr;

const CSRF_COOKIE: &str = "centrale_portal_csrf";

#[derive(Template)]
#[template(path = "portal/password.html")]
struct PasswordPage {
    shell: Shell,
    /// None when the link cannot be used (expired, used or unknown).
    email: Option<String>,
    action: String,
    csrf: String,
    error: Option<String>,
}

pub(super) async fn form(
    State(state): State<PortalState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let (csrf, set_cookie) = login_csrf(
        &headers,
        state.settings.secure_cookies,
        CSRF_COOKIE,
        "/portal",
    );
    let email = match state
        .access
        .password_link(&token_hash(&token), chrono::Utc::now())
        .await
    {
        Ok(user) => Some(user.draft.email.to_string()),
        Err(centrale_core::Error::NotFound(_)) => None,
        Err(e) => return unavailable(&e),
    };
    let status = if email.is_some() {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    let page = PasswordPage {
        shell: Shell::new(lang, "portal.password_title", "/portal/login"),
        email,
        action: format!("/portal/password/{token}"),
        csrf,
        error: None,
    };
    with_cookies(
        (status, render(&page)).into_response(),
        set_cookie.into_iter().collect(),
    )
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    password: String,
    repeat: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

pub(super) async fn submit(
    State(state): State<PortalState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expected = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return (
            StatusCode::FORBIDDEN,
            "The form has expired; open the link again.",
        )
            .into_response();
    }
    let hash = token_hash(&token);
    let now = chrono::Utc::now();
    let again = |email: Option<String>, error: String| {
        let status = if email.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::GONE
        };
        let page = PasswordPage {
            shell: Shell::new(lang, "portal.password_title", "/portal/login"),
            email,
            action: format!("/portal/password/{token}"),
            csrf: form.csrf.clone(),
            error: Some(error),
        };
        (status, render(&page)).into_response()
    };
    let user = match state.access.password_link(&hash, now).await {
        Ok(user) => user,
        Err(centrale_core::Error::NotFound(_)) => return again(None, String::new()),
        Err(e) => return unavailable(&e),
    };
    let email = Some(user.draft.email.to_string());
    if form.password != form.repeat {
        return again(email, lang.t("portal.password_mismatch").to_owned());
    }
    let password = form.password.clone();
    let created = tokio::task::spawn_blocking(move || PasswordHash::create(&password)).await;
    let password = match created {
        Ok(Ok(hash)) => hash,
        Ok(Err(_)) => return again(email, lang.t("portal.password_short").to_owned()),
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot set the password now.",
            )
                .into_response();
        }
    };
    match state.access.use_password_link(&hash, &password, now).await {
        Ok(user) => open_session(&state, &user).await,
        // Used by a request that won the race, or expired meanwhile.
        Err(centrale_core::Error::NotFound(_)) => again(None, String::new()),
        Err(e) => unavailable(&e),
    }
}

fn unavailable(e: &centrale_core::Error) -> Response {
    tracing::error!(error = %e, "cannot read a password link");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The portal is unavailable.",
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/forgot.html")]
struct ForgotPage {
    shell: Shell,
    csrf: String,
    sent: bool,
    error: Option<&'static str>,
}

pub(super) async fn forgot_form(State(state): State<PortalState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let (csrf, set_cookie) = login_csrf(
        &headers,
        state.settings.secure_cookies,
        CSRF_COOKIE,
        "/portal",
    );
    let page = ForgotPage {
        shell: Shell::new(lang, "portal.forgot_title", "/portal/login/forgot"),
        csrf,
        sent: false,
        error: None,
    };
    with_cookies(render(&page), set_cookie.into_iter().collect())
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    email: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// Mails a link that sets the password to the address, if it is a portal user's; the answer
/// is the same either way (the form tells no one who has a login). Counted per address and
/// account like a login, so it mails no one into a flood.
pub(super) async fn forgot(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expected = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return (
            StatusCode::FORBIDDEN,
            "The form has expired; reload the page.",
        )
            .into_response();
    }
    let page = |sent: bool, error: Option<&'static str>| ForgotPage {
        shell: Shell::new(lang, "portal.forgot_title", "/portal/login/forgot"),
        csrf: form.csrf.clone(),
        sent,
        error,
    };
    let email = form.email.trim();
    // Never given back: every request counts, so at most a few mails a minute per address.
    let Ok(_attempt) = state
        .logins
        .counted_attempt("reset", email, Some(peer.ip()))
    else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            render(&page(false, Some("login.throttled"))),
        )
            .into_response();
    };
    let (token, link) = state.settings.password_link();
    let expires = centrale_core::portal::link_expiry(chrono::Utc::now());
    match state
        .access
        .reset_link(email, &token_hash(&token), &link, expires)
        .await
    {
        Ok(()) | Err(centrale_core::Error::NotFound(_)) => render(&page(true, None)),
        Err(e) => unavailable(&e),
    }
}

/// A logged-in user changes the password, giving the current one; every session ends and a
/// new one opens (after the second factor, if they use one).
pub(super) async fn change(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let checked = current_password(&state, &portal, form.one("current"), peer.ip()).await;
    let refuse = |key: &'static str| {
        Redirect::to(&format!("/portal/security?password={key}")).into_response()
    };
    let user = match checked {
        Ok(user) => user,
        Err(Refusal::Wrong) => return refuse("wrong"),
        Err(Refusal::Throttled { .. }) => return refuse("throttled"),
        Err(Refusal::Unavailable) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The portal is unavailable.",
            )
                .into_response();
        }
    };
    if form.one("password") != form.one("repeat") {
        return refuse("mismatch");
    }
    let password = form.one("password").to_owned();
    let hash = match tokio::task::spawn_blocking(move || PasswordHash::create(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(_)) => return refuse("short"),
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot set the password now.",
            )
                .into_response();
        }
    };
    match state.data.set_password(&portal.scope, &hash).await {
        Ok(()) => open_session(&state, &user).await,
        Err(e) => unavailable(&e),
    }
}
