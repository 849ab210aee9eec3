//! `POST /api/v1/auth/token` (log in) and `DELETE /api/v1/auth/token` (log out).

use crate::auth::{AnyStaff, bearer_token, new_token, token_hash};
use crate::extract::ApiJson;
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use centrale_core::{PasswordHash, Staff};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, revoke_token))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
struct IssuedToken {
    /// Send as `Authorization: Bearer <token>`; shown only now.
    token: String,
    expires_at: DateTime<Utc>,
    staff: Staff,
}

/// Exchanges a staff member's e-mail and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = Login,
    responses((status = 200, body = IssuedToken), (status = 401, body = crate::error::ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    ApiJson(login): ApiJson<Login>,
) -> ApiResult<Json<IssuedToken>> {
    let wrong = || ApiError::unauthorized("wrong e-mail address or password");
    let found = match state.store.staff_login(login.email.trim()).await {
        Ok(found) => Some(found),
        Err(centrale_core::Error::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    // Verify against a dummy hash for unknown addresses so timing does not tell which exist.
    let hash = found
        .as_ref()
        .map_or_else(dummy_hash, |(_, hash)| hash.clone());
    let matches = tokio::task::spawn_blocking(move || hash.verify(&login.password))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("password check failed: {e}"),
            )
        })?;
    let (staff, _) = found.filter(|_| matches).ok_or_else(wrong)?;
    let token = new_token();
    let ttl =
        chrono::Duration::from_std(state.settings.token_ttl).unwrap_or(chrono::Duration::hours(12));
    let expires_at = Utc::now() + ttl;
    state
        .store
        .create_token(&token_hash(&token), staff.id, expires_at)
        .await?;
    Ok(Json(IssuedToken {
        token,
        expires_at,
        staff,
    }))
}

fn dummy_hash() -> PasswordHash {
    PasswordHash::from_stored(
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0wZ1Xk0s6dJtQ2S9mTq7o9oN1z0FqI5wS7Rk2d1G6uE".into(),
    )
}

/// Revokes the token the request is made with.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    _staff: AnyStaff,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = bearer_token(&headers).unwrap_or_default();
    state.store.revoke_token(&token_hash(token)).await?;
    Ok(StatusCode::NO_CONTENT)
}
