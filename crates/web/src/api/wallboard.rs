//! For supervisors: the live wallboard figures and the Erlang C staffing estimate.

use crate::auth::Supervisor;
use crate::extract::ApiQuery;
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use centrale_core::acd::OperatorState;
use centrale_core::calls::CallStats;
use centrale_core::erlang::{self, Forecast, Staffing};
use centrale_core::{CallId, StaffId};
use chrono::{DateTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The bureau's own day, for "today": its calls are counted from midnight in this zone.
const BUREAU_ZONE: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;
/// The answer-time target the figures and the estimate use.
const TARGET_ANSWER: Duration = Duration::from_secs(20);

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wallboard))
        .routes(routes!(staffing))
}

#[derive(Serialize, ToSchema)]
struct Waiting {
    call_id: CallId,
    arrived_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
struct OperatorRow {
    id: StaffId,
    name: String,
    state: OperatorState,
    registered: bool,
}

#[derive(Serialize, ToSchema)]
struct Today {
    offered: i64,
    answered: i64,
    abandoned: i64,
    /// Share of answered calls answered within 20 s; null before the first answer.
    answered_within_20s_share: Option<f64>,
    /// Average wait of answered calls, ms; null before the first answer.
    average_speed_of_answer_ms: Option<i64>,
}

impl From<CallStats> for Today {
    fn from(stats: CallStats) -> Self {
        let answered = (stats.answered > 0).then_some(stats.answered);
        Self {
            offered: stats.offered,
            answered: stats.answered,
            abandoned: stats.abandoned,
            answered_within_20s_share: answered
                .map(|n| stats.answered_within_target as f64 / n as f64),
            average_speed_of_answer_ms: answered.map(|n| stats.answered_wait_ms / n),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Wallboard {
    waiting: Vec<Waiting>,
    operators: Vec<OperatorRow>,
    today: Today,
}

/// Calls waiting, operators and their states, and today's figures.
#[utoipa::path(get, path = "/api/v1/wallboard", tag = "live", security(("bearer" = [])),
    responses((status = 200, body = Wallboard), (status = 403, body = crate::error::ErrorBody)))]
async fn wallboard(State(state): State<AppState>, _: Supervisor) -> ApiResult<Json<Wallboard>> {
    let waiting = state
        .switchboard
        .queue()
        .into_iter()
        .map(|(call_id, arrived_at)| Waiting {
            call_id,
            arrived_at,
        })
        .collect();
    let operators = state
        .store
        .list_staff()
        .await?
        .into_iter()
        .filter(|staff| staff.draft.sip_username.is_some())
        .map(|staff| {
            let (operator_state, registered) = state.switchboard.operator_status(staff.id);
            OperatorRow {
                id: staff.id,
                name: staff.draft.name,
                state: operator_state,
                registered,
            }
        })
        .collect();
    let stats = state
        .store
        .call_stats(start_of_today(Utc::now()), TARGET_ANSWER.as_millis() as i64)
        .await?;
    Ok(Json(Wallboard {
        waiting,
        operators,
        today: stats.into(),
    }))
}

fn start_of_today(now: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = now
        .with_timezone(&BUREAU_ZONE)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    BUREAU_ZONE
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StaffingQuery {
    /// Forecast calls per hour.
    calls_per_hour: f64,
    /// Average handle time (talk plus wrap-up), seconds.
    average_handle_time_secs: f64,
    /// Target share answered within 20 s, e.g. 0.8.
    target: f64,
}

#[derive(Serialize, ToSchema)]
struct Current {
    /// Operators logged in now (available, ringing, talking or in wrap-up).
    agents: u32,
    /// The service level they give for this forecast.
    service_level: f64,
}

#[derive(Serialize, ToSchema)]
struct StaffingEstimate {
    needed: Staffing,
    current: Current,
}

/// Operators needed for a forecast (Erlang C), and what the current staffing gives.
#[utoipa::path(get, path = "/api/v1/staffing", tag = "live", security(("bearer" = [])), params(StaffingQuery),
    responses((status = 200, body = StaffingEstimate), (status = 422, body = crate::error::ErrorBody)))]
async fn staffing(
    State(state): State<AppState>,
    _: Supervisor,
    ApiQuery(query): ApiQuery<StaffingQuery>,
) -> ApiResult<Json<StaffingEstimate>> {
    if !(0.0..=100_000.0).contains(&query.calls_per_hour) {
        return Err(ApiError::invalid(
            "calls_per_hour",
            "give a number of calls per hour from 0 to 100000",
        ));
    }
    if !(1.0..=36_000.0).contains(&query.average_handle_time_secs) {
        return Err(ApiError::invalid(
            "average_handle_time_secs",
            "give the handle time in seconds, 1 to 36000",
        ));
    }
    if !(query.target > 0.0 && query.target < 1.0) {
        return Err(ApiError::invalid(
            "target",
            "give the target as a share between 0 and 1, e.g. 0.8",
        ));
    }
    let forecast = Forecast {
        calls_per_hour: query.calls_per_hour,
        average_handle_time: Duration::from_secs_f64(query.average_handle_time_secs),
        target_answer_time: TARGET_ANSWER,
    };
    let staff = state.store.list_staff().await?;
    let logged_in = staff
        .iter()
        .filter(|s| {
            !matches!(
                state.switchboard.operator_status(s.id).0,
                OperatorState::Offline | OperatorState::Pause
            )
        })
        .count();
    let agents = u32::try_from(logged_in).unwrap_or(u32::MAX);
    Ok(Json(StaffingEstimate {
        needed: erlang::staffing(&forecast, query.target),
        current: Current {
            agents,
            service_level: erlang::service_level(agents, &forecast),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_midnight_in_amsterdam() {
        let now: DateTime<Utc> = "2026-07-01T10:00:00Z".parse().unwrap();
        assert_eq!(
            start_of_today(now).to_rfc3339(),
            "2026-06-30T22:00:00+00:00"
        );
        let winter: DateTime<Utc> = "2026-12-01T23:30:00Z".parse().unwrap();
        assert_eq!(
            start_of_today(winter).to_rfc3339(),
            "2026-12-01T23:00:00+00:00"
        );
    }
}
