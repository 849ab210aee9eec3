//! For supervisors: sign-ups from the public form (those waiting for a number above all,
//! to complete once the pool has one), and the plans clients choose from.

use crate::auth::{Admin, Supervisor};
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use centrale_core::plan::Plan;
use centrale_core::signup::{ActivationOutcome, Signup, SignupStatus};
use centrale_core::{ClientId, PhoneNumber, SignupId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_signups))
        .routes(routes!(activate_signup))
        .routes(routes!(list_plans, add_plan))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SignupQuery {
    /// `pending` (waiting for a number; the default), `unconfirmed` or `active`.
    #[serde(default = "pending")]
    status: SignupStatus,
    /// At most this many, newest first (default 50, at most 500).
    #[serde(default)]
    limit: Option<u32>,
}

fn pending() -> SignupStatus {
    SignupStatus::Pending
}

/// Sign-ups in a status, newest first.
#[utoipa::path(get, path = "/api/v1/signups", tag = "clients", security(("bearer" = [])),
    params(SignupQuery), responses((status = 200, body = [Signup])))]
async fn list_signups(
    State(state): State<AppState>,
    _: Supervisor,
    Query(query): Query<SignupQuery>,
) -> ApiResult<Json<Vec<Signup>>> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(state.store.signups(query.status, limit).await?))
}

#[derive(Serialize, ToSchema)]
struct Activated {
    client_id: ClientId,
    number: PhoneNumber,
}

/// Completes a sign-up that waited for a number: as at sign-up, the client gets the first
/// free number, its portal admin a set-password link and the welcome e-mail. 409 while the
/// pool has no free number.
#[utoipa::path(post, path = "/api/v1/signups/{signup_id}/activate", tag = "clients",
    security(("bearer" = [])), params(("signup_id" = String, Path)),
    responses((status = 200, body = Activated), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
async fn activate_signup(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(signup_id): ApiPath<SignupId>,
) -> ApiResult<Json<Activated>> {
    match crate::signup::activate(&state, signup_id).await? {
        ActivationOutcome::Active(activated) => Ok(Json(Activated {
            client_id: activated.client_id,
            number: activated.number,
        })),
        ActivationOutcome::NoFreeNumber(_) => Err(ApiError::from(centrale_core::Error::Conflict {
            field: "number".into(),
            message: "the number pool has no free number".into(),
        })),
    }
}

/// Every version of every plan, oldest first (billing prices a month by the version then in
/// force; sign-up offers the current ones).
#[utoipa::path(get, path = "/api/v1/plans", tag = "clients", security(("bearer" = [])),
    responses((status = 200, body = [Plan])))]
async fn list_plans(State(state): State<AppState>, _: Supervisor) -> ApiResult<Json<Vec<Plan>>> {
    Ok(Json(state.store.plan_versions().await?))
}

/// Adds a version of a plan: a new plan, or a change from `valid_from` on (a version never
/// changes, so a past invoice keeps its prices). Admins.
#[utoipa::path(post, path = "/api/v1/plans", tag = "clients", security(("bearer" = [])),
    request_body = Plan, responses((status = 201, body = Plan), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn add_plan(
    State(state): State<AppState>,
    _: Admin,
    ApiJson(plan): ApiJson<Plan>,
) -> ApiResult<(StatusCode, Json<Plan>)> {
    let plan = plan.validate()?;
    state.store.add_plan_version(&plan).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}
