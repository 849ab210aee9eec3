//! Staff login and logout for the pages.
//!
//! The login form is protected against cross-site posting by a double-submit token: a
//! random `centrale_csrf` cookie that the form must echo. Attempts are throttled per address
//! and per account ([`crate::login`], shared with the API's token endpoint).
//! Only staff log in here; a client's portal users have no staff account and are refused.

use super::pages::{Shell, render};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie, csrf_token, new_token, session_cookie, token_hash};
use crate::i18n::Lang;
use crate::login::{Refusal, log_in};
use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

const LOGIN_CSRF_COOKIE: &str = "centrale_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    action: &'static str,
    /// Where a forgotten password is asked for (the portal's form).
    forgot: Option<&'static str>,
    csrf: String,
    error: Option<&'static str>,
    email: String,
}

/// The login form.
#[derive(Deserialize)]
pub(super) struct FormQuery {
    /// Set by the console's script when the session ran out mid-work.
    expired: Option<String>,
}

pub(super) async fn form(
    State(state): State<AppState>,
    Query(query): Query<FormQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expired = query.expired.is_some();
    let (csrf, set_cookie) = login_csrf(
        &headers,
        state.settings.secure_cookies,
        LOGIN_CSRF_COOKIE,
        "/console",
    );
    let page = LoginPage {
        shell: Shell::new(lang, "login.title", "/console/login"),
        action: "/console/login",
        forgot: None,
        csrf,
        error: expired.then_some("login.expired"),
        email: String::new(),
    };
    with_cookies(render(&page), set_cookie.into_iter().collect())
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// Checks the credentials and opens a session.
pub(super) async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(login): Form<LoginForm>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != login.csrf {
        return (
            StatusCode::FORBIDDEN,
            "The form has expired; reload the login page.",
        )
            .into_response();
    }
    let refuse = |status: StatusCode, error: &'static str| {
        let page = LoginPage {
            shell: Shell::new(lang, "login.title", "/console/login"),
            action: "/console/login",
            forgot: None,
            csrf: login.csrf.clone(),
            error: Some(error),
            email: login.email.clone(),
        };
        (status, render(&page)).into_response()
    };
    let session = match log_in(&state, &login.email, &login.password, peer.ip()).await {
        Ok(session) => session,
        Err(Refusal::Throttled { .. }) => {
            return refuse(StatusCode::TOO_MANY_REQUESTS, "login.throttled");
        }
        Err(Refusal::Wrong) => return refuse(StatusCode::UNAUTHORIZED, "login.failed"),
        Err(Refusal::Unavailable) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot log in right now.",
            )
                .into_response();
        }
    };
    let (token, staff) = (session.token, session.staff);
    let session = session_cookie(&state.settings, &token, state.settings.token_ttl.as_secs());
    let target = if staff.draft.role >= centrale_core::Role::Supervisor {
        "/wallboard"
    } else {
        "/console"
    };
    with_cookies(Redirect::to(target).into_response(), vec![session])
}

#[derive(Deserialize)]
pub(super) struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// Ends the session.
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if form.csrf != csrf_token(token) {
            return (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response();
        }
        let _ = state.store.revoke_token(&token_hash(token)).await;
    }
    with_cookies(
        Redirect::to("/console/login").into_response(),
        vec![session_cookie(&state.settings, "", 0)],
    )
}

/// The double-submit token for a login form (cookie `name`, scoped to `path`), and a
/// Set-Cookie when it is new.
pub(crate) fn login_csrf(
    headers: &HeaderMap,
    secure_cookies: bool,
    name: &str,
    path: &str,
) -> (String, Option<String>) {
    if let Some(existing) = cookie(headers, name).filter(|v| v.len() == 68) {
        return (existing.to_owned(), None);
    }
    let fresh = new_token();
    let secure = if secure_cookies { "; Secure" } else { "" };
    let set = format!("{name}={fresh}; Path={path}; HttpOnly; SameSite=Strict{secure}");
    (fresh, Some(set))
}

pub(crate) fn with_cookies(mut response: Response, cookies: Vec<String>) -> Response {
    for value in cookies {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
