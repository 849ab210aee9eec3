//! Bearer tokens and the role checks.
//!
//! A token is 32 random bytes shown once to its owner; only its SHA-256 is stored. Handlers
//! state the role they need by the extractor they take: [`AnyStaff`], [`Supervisor`] or
//! [`Admin`]. Code without the extractor never holds the [`Staff`] it would act as.

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
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
    let token = bearer_token(&parts.headers).ok_or_else(|| {
        ApiError::unauthorized(
            "log in first: send Authorization: Bearer <token> (POST /api/v1/auth/token)",
        )
    })?;
    let staff = state
        .store
        .staff_by_token(&token_hash(token), chrono::Utc::now())
        .await
        .map_err(|e| match e {
            centrale_core::Error::NotFound(_) => {
                ApiError::unauthorized("the token is invalid, expired or revoked")
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
