//! Putting callers through: the operator's order on her live call
//! (`POST /api/v1/calls/{call_id}/transfer`), and the usage it bills
//! (`GET /api/v1/clients/{client_id}/usage`).

use crate::auth::{AnyStaff, Supervisor};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::calls::UsageEvent;
use centrale_core::transfer::{
    ConsultStep, Destination, Refusal, TransferError, TransferMode, TransferPrice,
};
use centrale_core::{CallId, ClientId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(transfer))
        .routes(routes!(hold))
        .routes(routes!(complete))
        .routes(routes!(go_back))
        .routes(routes!(usage))
        .routes(routes!(prices))
}

/// The transfer prices in force now, one per line kind (euro cents, excluding VAT): what the
/// console shows beside each destination.
#[utoipa::path(get, path = "/api/v1/transfer-prices", tag = "calls", security(("bearer" = [])),
    responses((status = 200, body = [TransferPrice]), (status = 401, body = crate::error::ErrorBody)))]
async fn prices(State(state): State<AppState>, _: AnyStaff) -> ApiResult<Json<Vec<TransferPrice>>> {
    Ok(Json(state.store.transfer_prices(Utc::now()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    /// The number as typed or picked: an employee's, one of the instructions' emergency
    /// steps, or (supervisors, or clients that allow it) any number.
    to: String,
    mode: TransferMode,
}

#[derive(Serialize, ToSchema)]
struct TransferStarted {
    to: Destination,
    mode: TransferMode,
}

/// Puts the caller of the call the operator is talking on through (202: the destination
/// rings; the outcome follows as `call.transfer` events): `blind` at once, or `consult`
/// (ruggespraak) — the caller waits on hold while she talks with the destination, then
/// completes or returns (the routes below). Only the operator on the call may; a destination
/// the rules refuse is 422 (premium rate, short code, abroad, not listed), too many outbound
/// calls 429, no gateway configured 503.
#[utoipa::path(post, path = "/api/v1/calls/{call_id}/transfer", tag = "calls", security(("bearer" = [])),
    params(("call_id" = String, Path)),
    request_body = TransferRequest,
    responses((status = 202, body = TransferStarted), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody)))]
async fn transfer(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> ApiResult<(StatusCode, Json<TransferStarted>)> {
    let to = state
        .switchboard
        .transfer(call_id, &staff, &request.to, request.mode)
        .await
        .map_err(refused)?;
    let started = TransferStarted {
        to,
        mode: request.mode,
    };
    Ok((StatusCode::ACCEPTED, Json(started)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    held: bool,
}

/// Holds the caller from the console (F8: the caller hears the hold music; `call.held` by the
/// operator) or resumes (`call.resumed`). Only the operator talking on the call; 409 when it
/// is not being talked to.
#[utoipa::path(put, path = "/api/v1/calls/{call_id}/hold", tag = "calls", security(("bearer" = [])),
    params(("call_id" = String, Path)), request_body = HoldRequest,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn hold(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
    ApiJson(request): ApiJson<HoldRequest>,
) -> ApiResult<StatusCode> {
    state
        .switchboard
        .hold(call_id, &staff, request.held)
        .await
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Completes the operator's ruggespraak (F9): the caller is put through to the one she
/// consulted and she is free; before that one answered, it rings on as a blind transfer.
/// 409 when the call is not in a ruggespraak.
#[utoipa::path(post, path = "/api/v1/calls/{call_id}/transfer/complete", tag = "calls", security(("bearer" = [])),
    params(("call_id" = String, Path)),
    responses((status = 202), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
) -> ApiResult<StatusCode> {
    consult_step(&state, &staff, call_id, ConsultStep::Complete).await
}

/// Ends the operator's ruggespraak and gives her the caller back (F10): the consulted leg is
/// hung up. 409 when the call is not in a ruggespraak.
#[utoipa::path(post, path = "/api/v1/calls/{call_id}/transfer/return", tag = "calls", security(("bearer" = [])),
    params(("call_id" = String, Path)),
    responses((status = 202), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn go_back(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiPath(call_id): ApiPath<CallId>,
) -> ApiResult<StatusCode> {
    consult_step(&state, &staff, call_id, ConsultStep::Return).await
}

async fn consult_step(
    state: &AppState,
    staff: &centrale_core::Staff,
    call: CallId,
    step: ConsultStep,
) -> ApiResult<StatusCode> {
    state
        .switchboard
        .consult_step(call, staff, step)
        .await
        .map_err(refused)?;
    Ok(StatusCode::ACCEPTED)
}

fn refused(error: TransferError) -> ApiError {
    let message = error.to_string();
    match error {
        TransferError::NoSuchCall => ApiError::new(StatusCode::NOT_FOUND, message),
        TransferError::NotYours => ApiError::forbidden(message),
        TransferError::NotTalking | TransferError::NotConsulting => {
            ApiError::new(StatusCode::CONFLICT, message)
        }
        TransferError::NoGateway => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message),
        TransferError::Refused(refusal @ Refusal::TooMany) => {
            ApiError::too_many_requests(message, std::time::Duration::from_secs(60))
                .with_code(refusal.code())
        }
        TransferError::Refused(refusal) => {
            ApiError::invalid("to", message).with_code(refusal.code())
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Period {
    /// From this instant (inclusive, RFC 3339).
    from: DateTime<Utc>,
    /// Until this instant (exclusive, RFC 3339).
    to: DateTime<Utc>,
}

/// A client's usage events in a period: each caller put through (a connected transfer),
/// with the destination's line and the price (euro cents, excluding VAT) in force when it
/// connected. Supervisors only.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/usage", tag = "calls", security(("bearer" = [])),
    params(("client_id" = String, Path), Period),
    responses((status = 200, body = [UsageEvent]), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn usage(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiQuery(period): ApiQuery<Period>,
) -> ApiResult<Json<Vec<UsageEvent>>> {
    if period.to <= period.from {
        return Err(ApiError::invalid("to", "to must come after from"));
    }
    state.store.client(client_id).await?;
    Ok(Json(
        state.store.usage(client_id, period.from, period.to).await?,
    ))
}
