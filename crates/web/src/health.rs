//! `/healthz`, `/metrics` and the OpenAPI document itself.

use crate::auth::{bearer_token, token_hash};
use crate::{ApiError, ApiResult, AppState};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::{Extension, Json, extract::State};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

/// Healthy when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "up, with the database backend"), (status = 500, body = crate::error::ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.store.ping().await?;
    Ok(Json(
        json!({ "status": "ok", "database": state.store.backend() }),
    ))
}

/// Prometheus metrics in the text exposition format: for the networks in `metrics_networks`,
/// or with `Authorization: Bearer <metrics_token>`.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, content_type = "application/openmetrics-text", body = String),
              (status = 403, body = crate::error::ErrorBody)))]
async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let settings = &state.settings;
    let from_allowed_network = settings
        .metrics_networks
        .iter()
        .any(|network| network.contains(peer.ip()));
    let token = bearer_token(&headers).unwrap_or_default();
    let with_token = !settings.metrics_token.is_empty()
        && token_hash(token) == token_hash(&settings.metrics_token);
    if !from_allowed_network && !with_token {
        return Err(ApiError::forbidden(
            "metrics are open to the networks in metrics_networks or with metrics_token",
        ));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    ))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health",
    responses((status = 200, description = "the OpenAPI document")))]
async fn openapi(
    Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> Json<utoipa::openapi::OpenApi> {
    Json(doc.as_ref().clone())
}
