//! `POST /api/v1/auth/token` (log in) and `DELETE /api/v1/auth/token` (log out).

use crate::auth::{AnyStaff, Presented, session_cookie, token_hash};
use crate::extract::ApiJson;
use crate::login::{Refusal, log_in};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use centrale_core::Staff;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
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

/// Exchanges a staff member's e-mail and password for a bearer token. Failures are counted per
/// address and per account: after 5 within a minute the answer is 429 until the minute is over.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = Login,
    responses((status = 200, body = IssuedToken), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(login): ApiJson<Login>,
) -> ApiResult<Json<IssuedToken>> {
    match log_in(&state, &login.email, &login.password, peer.ip()).await {
        Ok(session) => Ok(Json(IssuedToken {
            token: session.token,
            expires_at: session.expires_at,
            staff: session.staff,
        })),
        Err(Refusal::Throttled { retry_after }) => Err(ApiError::too_many_requests(
            "too many failed logins; try again later",
            retry_after,
        )),
        Err(Refusal::Wrong) => Err(ApiError::unauthorized("wrong e-mail address or password")),
        Err(Refusal::Unavailable) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot log in right now; the cause is logged",
        )),
    }
}

/// Revokes the token the request is made with: a bearer token, or the console's session
/// cookie (with its CSRF token), whose cookie is then cleared too.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    _staff: AnyStaff,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // The extractor accepted a presented token.
    let presented = Presented::of(&headers);
    let token = presented.map(Presented::token).unwrap_or_default();
    state.store.revoke_token(&token_hash(token)).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if matches!(presented, Some(Presented::Cookie(_))) {
        let cleared = session_cookie(&state.settings, "", 0);
        if let Ok(value) = HeaderValue::from_str(&cleared) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
