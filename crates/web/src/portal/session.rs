//! Portal sessions: the login form, the session extractor that makes the request's scope, and
//! posted forms that carry the session's CSRF token.
//!
//! The session cookie (`centrale_portal`, `Path=/portal`, HttpOnly, SameSite=Strict) holds a
//! token of which only the SHA-256 is kept in `portal_sessions`; it is never a staff token,
//! and the console's cookie is never read here. Logins share the console's throttle and
//! password-check semaphore ([`crate::login::Logins`]).

use super::PortalState;
use crate::auth::{cookie, csrf_token, new_token, token_hash};
use crate::console::{Shell, login_csrf, render, with_cookies};
use crate::i18n::Lang;
use crate::login::Refusal;
use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, StatusCode, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::portal::{ClientScope, PortalUser};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// The portal's session cookie.
pub const PORTAL_COOKIE: &str = "centrale_portal";
/// The login form's double-submit cookie.
const LOGIN_CSRF_COOKIE: &str = "centrale_portal_csrf";
const PATH: &str = "/portal";

/// A request of a logged-in portal user: who, the client scope, and the session's CSRF token.
pub struct Portal {
    pub user: PortalUser,
    pub scope: ClientScope,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<PortalState> for Portal {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &PortalState) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        let to_login = || Redirect::to("/portal/login").into_response();
        let token = cookie(&parts.headers, PORTAL_COOKIE)
            .filter(|t| !t.is_empty())
            .ok_or_else(to_login)?;
        match state
            .access
            .portal_session(&token_hash(token), chrono::Utc::now())
            .await
        {
            Ok(user) => Ok(Self {
                scope: ClientScope::of(&user),
                user,
                csrf: csrf_token(token),
                lang,
            }),
            Err(centrale_core::Error::NotFound(_)) => Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read a portal session");
                Err((
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The portal is unavailable.",
                )
                    .into_response())
            }
        }
    }
}

/// A form posted by a logged-in portal user, its CSRF token (`_csrf`) checked. The form is
/// read from the same body (its other fields; `T` ignores `_csrf`).
pub struct Posted<T> {
    pub portal: Portal,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<PortalState> for Posted<T> {
    type Rejection = Response;
    async fn from_request(request: Request, state: &PortalState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let portal = Portal::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = checked_form(&bytes, &portal.csrf).map_err(IntoResponse::into_response)?;
        Ok(Self { portal, form })
    }
}

/// Why a posted form was not read.
pub(crate) enum FormRefused {
    Incomplete(String),
    /// Its `_csrf` is not the session's.
    Expired,
}

impl IntoResponse for FormRefused {
    fn into_response(self) -> Response {
        match self {
            Self::Incomplete(why) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The form is incomplete: {why}"),
            )
                .into_response(),
            Self::Expired => expired_form(),
        }
    }
}

/// A posted form read as `T` (which ignores `_csrf`), once its `_csrf` field is `expected`.
pub(crate) fn checked_form<T: DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
) -> Result<T, FormRefused> {
    let incomplete = |e: serde_urlencoded::de::Error| FormRefused::Incomplete(e.to_string());
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).map_err(incomplete)?;
    let csrf = pairs
        .iter()
        .find(|(key, _)| key == "_csrf")
        .map(|(_, value)| value.as_str());
    if csrf != Some(expected) {
        return Err(FormRefused::Expired);
    }
    serde_urlencoded::from_bytes(bytes).map_err(incomplete)
}

/// A form's fields in order, repeated names kept (checkbox lists).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name` (empty when absent).
    pub fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

fn expired_form() -> Response {
    (
        StatusCode::FORBIDDEN,
        "The form has expired; reload the page and try again.",
    )
        .into_response()
}

/// The `Set-Cookie` of the portal session holding `token` for `max_age` seconds (0 clears).
pub(super) fn session_cookie(state: &PortalState, token: &str, max_age: u64) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{PORTAL_COOKIE}={token}; Path={PATH}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

/// How long a session waits for its second factor.
const SECOND_FACTOR_SECS: u64 = 300;

/// Opens a session for `user` whose password was checked, and sends them to the Now page —
/// or, when they use a second factor, to the code form first (the session opens nothing
/// else until the code is given, and lasts five minutes unless it is).
pub(super) async fn open_session(state: &PortalState, user: &PortalUser) -> Response {
    let token = new_token();
    let verified = !user.has_totp;
    let ttl = if verified {
        state.settings.token_ttl
    } else {
        std::time::Duration::from_secs(SECOND_FACTOR_SECS)
    };
    let expires_at =
        chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(12));
    if let Err(e) = state
        .access
        .create_portal_session(&token_hash(&token), user.id, expires_at, verified)
        .await
    {
        tracing::error!(error = %e, "cannot open a portal session");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot log in right now.",
        )
            .into_response();
    }
    let next = if verified {
        "/portal/now"
    } else {
        "/portal/login/code"
    };
    with_cookies(
        Redirect::to(next).into_response(),
        vec![session_cookie(
            state,
            &token,
            state.settings.token_ttl.as_secs(),
        )],
    )
}

/// Checks that `given` is the logged-in user's current password, throttled like a login
/// (changing the password or the second factor takes it, so a session alone cannot).
pub(super) async fn current_password(
    state: &PortalState,
    portal: &Portal,
    given: &str,
    source: std::net::IpAddr,
) -> Result<PortalUser, Refusal> {
    let email = portal.user.draft.email.as_str();
    let found = state.access.portal_login(email);
    match state.logins.check(email, given, source, found).await {
        Ok(user) if user.id == portal.user.id => Ok(user),
        Ok(_) => Err(Refusal::Wrong),
        Err(refusal) => Err(refusal),
    }
}

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

pub(super) async fn form(State(state): State<PortalState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let (csrf, set_cookie) = login_csrf(
        &headers,
        state.settings.secure_cookies,
        LOGIN_CSRF_COOKIE,
        PATH,
    );
    let page = LoginPage {
        shell: Shell::new(lang, "portal.login_title", "/portal/login"),
        action: "/portal/login",
        forgot: Some("/portal/login/forgot"),
        csrf,
        error: None,
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

pub(super) async fn submit(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(login): Form<LoginForm>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || expected != login.csrf {
        return expired_form();
    }
    let refuse = |status: StatusCode, error: &'static str| {
        let page = LoginPage {
            shell: Shell::new(lang, "portal.login_title", "/portal/login"),
            action: "/portal/login",
            forgot: Some("/portal/login/forgot"),
            csrf: login.csrf.clone(),
            error: Some(error),
            email: login.email.clone(),
        };
        (status, render(&page)).into_response()
    };
    let found = state.access.portal_login(login.email.trim());
    match state
        .logins
        .check(&login.email, &login.password, peer.ip(), found)
        .await
    {
        Ok(user) => open_session(&state, &user).await,
        Err(Refusal::Throttled { .. }) => refuse(StatusCode::TOO_MANY_REQUESTS, "login.throttled"),
        Err(Refusal::Wrong) => refuse(StatusCode::UNAUTHORIZED, "login.failed"),
        Err(Refusal::Unavailable) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot log in right now.",
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
pub(super) struct Nothing {}

/// Ends the session.
pub(super) async fn logout(
    State(state): State<PortalState>,
    headers: HeaderMap,
    posted: Posted<Nothing>,
) -> Response {
    if let Some(token) = cookie(&headers, PORTAL_COOKIE)
        && let Err(e) = state.access.revoke_portal_session(&token_hash(token)).await
    {
        tracing::warn!(error = %e, user = %posted.portal.user.id, "cannot end a portal session");
    }
    with_cookies(
        Redirect::to("/portal/login").into_response(),
        vec![session_cookie(&state, "", 0)],
    )
}
