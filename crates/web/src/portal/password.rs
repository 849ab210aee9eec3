//! Setting a password through a one-time link: e-mailed on invitation, valid 24 hours, used
//! once. Using it ends the user's other sessions and opens one here.

use super::PortalState;
use super::session::open_session;
use crate::auth::{cookie, token_hash};
use crate::console::{Shell, login_csrf, render, with_cookies};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use centrale_core::PasswordHash;
use serde::Deserialize;

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
