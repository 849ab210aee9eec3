//! Tokens, sessions and the role checks.
//!
//! A token is 32 random bytes shown once to its owner; only its SHA-256 is stored. API clients
//! send it as `Authorization: Bearer`; the console keeps it in an HttpOnly, SameSite=Strict
//! session cookie. A cookie rides along on any request the browser makes, so every
//! state-changing request authenticated by the cookie must also carry the session's CSRF
//! token ([`csrf_token`]) in the `X-CSRF-Token` header.
//!
//! Handlers state the role they need by the extractor they take: [`AnyStaff`], [`Supervisor`]
//! or [`Admin`]; on one client's data, [`crate::access::ClientReader`]. Code without the
//! extractor never holds the [`Staff`] it would act as.

use crate::{ApiError, AppState, WebSettings};
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, Method, header, request::Parts};
use centrale_core::{Role, Staff};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random bearer token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("ctr_{}", hex::encode(bytes))
}

/// What is stored for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The console's session cookie.
pub const SESSION_COOKIE: &str = "centrale_session";
/// The header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session: derived from the session token, which scripts cannot read.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(&Sha256::digest(format!("csrf:{session_token}").as_bytes())[..16])
}

/// The `Set-Cookie` value of a session cookie holding `token` for `max_age` seconds (0 clears it).
pub fn session_cookie(settings: &WebSettings, token: &str, max_age: u64) -> String {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The bearer token of a request, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

async fn authenticate(parts: &Parts, state: &AppState, needed: Role) -> Result<Staff, ApiError> {
    let token = request_token(parts)?;
    let staff = state
        .store
        .staff_by_token(&token_hash(token), chrono::Utc::now())
        .await
        .map_err(|e| match e {
            centrale_core::Error::NotFound(_) => {
                ApiError::unauthorized("the token is invalid, expired or revoked; log in again")
            }
            other => other.into(),
        })?;
    if staff.draft.role < needed {
        return Err(ApiError::forbidden(format!(
            "this needs the {} role; you are {}",
            role_name(needed),
            role_name(staff.draft.role)
        )));
    }
    Ok(staff)
}

/// How a request presents its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// The console's session cookie.
    Cookie(&'a str),
}

impl<'a> Presented<'a> {
    /// The bearer token, else the session cookie.
    pub fn of(headers: &'a HeaderMap) -> Option<Self> {
        bearer_token(headers)
            .map(Self::Bearer)
            .or_else(|| cookie(headers, SESSION_COOKIE).map(Self::Cookie))
    }

    pub fn token(self) -> &'a str {
        match self {
            Self::Bearer(token) | Self::Cookie(token) => token,
        }
    }
}

/// The bearer token, else the session cookie — which on a write must come with its CSRF token.
fn request_token(parts: &Parts) -> Result<&str, ApiError> {
    let presented = Presented::of(&parts.headers).ok_or_else(|| {
        ApiError::unauthorized(
            "log in first: send Authorization: Bearer <token> (POST /api/v1/auth/token)",
        )
    })?;
    let Presented::Cookie(token) = presented else {
        return Ok(presented.token());
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let csrf = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if !safe && csrf != Some(csrf_token(token).as_str()) {
        return Err(ApiError::forbidden(
            "missing or wrong CSRF token; reload the page",
        ));
    }
    Ok(token)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Operator => "operator",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

/// Any logged-in staff member.
pub struct AnyStaff(pub Staff);
/// A supervisor or admin: may keep clients and their data.
pub struct Supervisor(pub Staff);
/// An admin: may also manage staff.
pub struct Admin(pub Staff);

impl FromRequestParts<AppState> for AnyStaff {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state, Role::Operator).await.map(Self)
    }
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state, Role::Supervisor).await.map(Self)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state, Role::Admin).await.map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
