//! For supervisors: deliveries of call notes that failed for good, with the reason.
//! (A note's own deliveries, with status, attempts and last error, come with the note.)

use crate::auth::Supervisor;
use crate::extract::ApiQuery;
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use centrale_core::notes::FailedDelivery;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(failed_deliveries))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Limit {
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
}

/// Failed deliveries, newest first: whom, which note and client, and why.
#[utoipa::path(get, path = "/api/v1/deliveries/failed", tag = "notes", security(("bearer" = [])), params(Limit),
    responses((status = 200, body = Vec<FailedDelivery>), (status = 403, body = crate::error::ErrorBody)))]
async fn failed_deliveries(
    State(state): State<AppState>,
    _: Supervisor,
    ApiQuery(query): ApiQuery<Limit>,
) -> ApiResult<Json<Vec<FailedDelivery>>> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.store.failed_deliveries(limit).await?))
}
