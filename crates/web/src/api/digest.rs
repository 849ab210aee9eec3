//! A client's daily digest settings: `/api/v1/clients/{client_id}/digest` (when, in the
//! client's zone, the day's calls go as one list to its general addresses).

use crate::access::ClientReader;
use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use centrale_core::ClientId;
use centrale_core::digest::DigestSettings;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_digest, put_digest))
}

/// Reads a client's digest settings (disabled defaults when it chose none).
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/digest", tag = "clients",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, body = DigestSettings), (status = 404, body = crate::error::ErrorBody)))]
async fn get_digest(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<DigestSettings>> {
    state.store.client(client_id).await?;
    Ok(Json(state.store.digest_settings(client_id).await?))
}

/// Sets a client's digest settings.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/digest", tag = "clients",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = DigestSettings,
    responses((status = 200, body = DigestSettings), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn put_digest(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(settings): ApiJson<DigestSettings>,
) -> ApiResult<Json<DigestSettings>> {
    state.store.client(client_id).await?;
    Ok(Json(
        state
            .store
            .set_digest_settings(client_id, &settings)
            .await?,
    ))
}
