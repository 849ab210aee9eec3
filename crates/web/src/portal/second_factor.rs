//! The second factor: the code form after the password, and the Security page where a user
//! switches TOTP on (an authenticator app's link and secret, confirmed by a first code; ten
//! recovery codes shown once) or off (with a current code).

use super::PortalState;
use super::pages::{Frame, failed};
use super::session::{Fields, PORTAL_COOKIE, Portal, Posted, current_password};
use crate::auth::{cookie, token_hash};
use crate::console::{Shell, login_csrf, render, with_cookies};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::ports::SecondFactor;
use centrale_core::totp::{RECOVERY_CODES, SECRET_BYTES, TotpSecret, recovery_code, recovery_hash};
use rand::RngCore;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

const CSRF_COOKIE: &str = "centrale_portal_csrf";

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "portal/code.html")]
struct CodePage {
    shell: Shell,
    csrf: String,
    error: Option<&'static str>,
}

pub(super) async fn form(State(state): State<PortalState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let (csrf, set_cookie) = login_csrf(
        &headers,
        state.settings.secure_cookies,
        CSRF_COOKIE,
        "/portal",
    );
    let page = CodePage {
        shell: Shell::new(lang, "portal.code_title", "/portal/login/code"),
        csrf,
        error: None,
    };
    with_cookies(render(&page), set_cookie.into_iter().collect())
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    code: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// Checks the code of a session waiting for it: a TOTP code (each once) or a recovery code.
pub(super) async fn submit(
    State(state): State<PortalState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
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
    let again = |status: StatusCode, error: &'static str| {
        let page = CodePage {
            shell: Shell::new(lang, "portal.code_title", "/portal/login/code"),
            csrf: form.csrf.clone(),
            error: Some(error),
        };
        (status, render(&page)).into_response()
    };
    let Some(token) = cookie(&headers, PORTAL_COOKIE) else {
        return Redirect::to("/portal/login").into_response();
    };
    let hash = token_hash(token);
    let now = chrono::Utc::now();
    let (user, secret) = match state.access.pending_portal_session(&hash, now).await {
        Ok(found) => found,
        Err(centrale_core::Error::NotFound(_)) => {
            return Redirect::to("/portal/login").into_response();
        }
        Err(e) => return failed(e),
    };
    let code = form.code.trim();
    let step = TotpSecret::parse(&secret).and_then(|s| s.matching_step(code, unix_now()));
    let recovery = recovery_hash(code);
    let factor = match step {
        Some(step) => SecondFactor::Step(step),
        None => SecondFactor::Recovery(&recovery),
    };
    // Counted like a password; whether the code is taken (once) is the store's to decide.
    let Ok(attempt) =
        state
            .logins
            .counted_attempt("second-factor", user.draft.email.as_str(), None)
    else {
        return again(StatusCode::TOO_MANY_REQUESTS, "login.throttled");
    };
    let ttl =
        chrono::Duration::from_std(state.settings.token_ttl).unwrap_or(chrono::Duration::hours(12));
    match state
        .access
        .complete_second_factor(&hash, factor, now, now + ttl)
        .await
    {
        Ok(_) => {
            state.logins.attempt_passed(attempt);
            Redirect::to("/portal/now").into_response()
        }
        // A wrong or used code stays counted as a failure.
        Err(centrale_core::Error::NotFound(_)) => {
            again(StatusCode::UNAUTHORIZED, "portal.code_wrong")
        }
        Err(e) => failed(e),
    }
}

#[derive(Template)]
#[template(path = "portal/security.html")]
struct SecurityPage {
    shell: Shell,
    frame: Frame,
    on: bool,
    /// While off: a fresh secret (base32) and its otpauth link, to switch it on with.
    secret: String,
    url: String,
    /// Shown once, right after switching on.
    recovery: Vec<String>,
    error: Option<&'static str>,
    /// Why a password change was refused (a text key).
    password_problem: Option<&'static str>,
    email: String,
}

fn fresh_secret() -> TotpSecret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    TotpSecret::from_random(bytes)
}

/// What the Security page shows besides its state.
#[derive(Default)]
struct SecurityShown {
    /// The secret to switch on with (a new one when none).
    secret: Option<TotpSecret>,
    /// Recovery codes just made, shown once.
    recovery: Vec<String>,
    /// Why the second factor was not switched (a text key).
    error: Option<&'static str>,
    /// Why a password change was refused (a text key).
    problem: Option<&'static str>,
}

async fn security_page(state: &PortalState, portal: &Portal, shown: SecurityShown) -> Response {
    let SecurityShown {
        secret,
        recovery,
        error,
        problem,
    } = shown;
    let (shell, frame) =
        match Frame::new(state, portal, "portal.security_title", "/portal/security").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let on = match state.data.has_totp(&portal.scope).await {
        Ok(on) => on,
        Err(e) => return failed(e),
    };
    let secret = secret.unwrap_or_else(fresh_secret);
    let page = SecurityPage {
        shell,
        frame,
        on,
        url: secret.url(portal.user.draft.email.as_str()),
        secret: secret.base32(),
        recovery,
        error,
        password_problem: problem,
        email: portal.user.draft.email.to_string(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub(super) struct Asked {
    /// Why the last password change was refused.
    password: Option<String>,
}

pub(super) async fn security(
    State(state): State<PortalState>,
    portal: Portal,
    axum::extract::Query(asked): axum::extract::Query<Asked>,
) -> Response {
    let problem = match asked.password.as_deref() {
        Some("wrong") => Some("portal.password_wrong"),
        Some("throttled") => Some("login.throttled"),
        Some("mismatch") => Some("portal.password_mismatch"),
        Some("short") => Some("portal.password_short"),
        _ => None,
    };
    security_page(
        &state,
        &portal,
        SecurityShown {
            problem,
            ..SecurityShown::default()
        },
    )
    .await
}

/// Switches the second factor on: the secret the form showed, confirmed by a first code.
/// Whether the form's `current` password is the user's: switching the second factor takes it.
async fn password_given(
    state: &PortalState,
    portal: &Portal,
    form: &Fields,
    source: IpAddr,
) -> Result<(), &'static str> {
    match current_password(state, portal, form.one("current"), source).await {
        Ok(_) => Ok(()),
        Err(crate::login::Refusal::Throttled { .. }) => Err("login.throttled"),
        Err(_) => Err("portal.password_wrong"),
    }
}

pub(super) async fn enable(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    if let Err(error) = password_given(&state, &portal, &form, peer.ip()).await {
        let shown = SecurityShown {
            error: Some(error),
            ..SecurityShown::default()
        };
        return security_page(&state, &portal, shown).await;
    }
    let Some(secret) = TotpSecret::parse(form.one("secret")) else {
        let shown = SecurityShown {
            error: Some("portal.code_wrong"),
            ..SecurityShown::default()
        };
        return security_page(&state, &portal, shown).await;
    };
    let recovery: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rng().fill_bytes(&mut bytes);
            recovery_code(bytes)
        })
        .collect();
    match state
        .data
        .enable_totp(
            &portal.scope,
            &secret,
            form.one("code"),
            unix_now(),
            &recovery,
        )
        .await
    {
        Ok(()) => {
            let shown = SecurityShown {
                recovery,
                ..SecurityShown::default()
            };
            security_page(&state, &portal, shown).await
        }
        Err(centrale_core::Error::Invalid { .. }) => {
            let shown = SecurityShown {
                secret: Some(secret),
                error: Some("portal.code_wrong"),
                ..SecurityShown::default()
            };
            security_page(&state, &portal, shown).await
        }
        Err(e) => failed(e),
    }
}

/// Switches it off, given a current code.
pub(super) async fn disable(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    if let Err(error) = password_given(&state, &portal, &form, peer.ip()).await {
        let shown = SecurityShown {
            error: Some(error),
            ..SecurityShown::default()
        };
        return security_page(&state, &portal, shown).await;
    }
    // The code is counted like the login's: per account (the one who guesses has the
    // password already; an office's shared address is not blocked by one user's typos).
    let email = portal.user.draft.email.as_str();
    let Ok(attempt) = state.logins.counted_attempt("second-factor", email, None) else {
        let shown = SecurityShown {
            error: Some("login.throttled"),
            ..SecurityShown::default()
        };
        return security_page(&state, &portal, shown).await;
    };
    match state
        .data
        .disable_totp(&portal.scope, form.one("code"), unix_now())
        .await
    {
        Ok(()) => {
            state.logins.attempt_passed(attempt);
            Redirect::to("/portal/security").into_response()
        }
        Err(centrale_core::Error::Invalid { .. }) => {
            let shown = SecurityShown {
                error: Some("portal.code_wrong"),
                ..SecurityShown::default()
            };
            security_page(&state, &portal, shown).await
        }
        Err(e) => failed(e),
    }
}
