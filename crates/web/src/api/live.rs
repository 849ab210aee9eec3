//! Live telephony for staff: the event stream, the queue, and an operator's own state.

use crate::auth::AnyStaff;
use crate::events::visible_to;
use crate::extract::ApiJson;
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use centrale_core::CallId;
use centrale_core::acd::OperatorState;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(queue))
        .routes(routes!(my_state, set_my_state))
}

/// Live events as Server-Sent Events: `call.queued`, `call.offered` (only to the operator
/// it rings for, and supervisors), `call.answered`, `call.ended`, `operator.state`.
#[utoipa::path(get, path = "/api/v1/events", tag = "live", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = centrale_core::events::Event)))]
async fn events(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let receiver = state.events.subscribe();
    let stream =
        futures_util::stream::unfold((receiver, staff), |(mut receiver, staff)| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if visible_to(&event, &staff) => {
                        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".into());
                        let sse = SseEvent::default().event(event.name()).data(data);
                        return Some((Ok(sse), (receiver, staff)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(Serialize, ToSchema)]
struct WaitingCall {
    call_id: CallId,
    arrived_at: DateTime<Utc>,
    waited_ms: i64,
}

/// The calls waiting now, oldest first.
#[utoipa::path(get, path = "/api/v1/queue", tag = "live", security(("bearer" = [])),
    responses((status = 200, body = [WaitingCall])))]
async fn queue(State(state): State<AppState>, _: AnyStaff) -> Json<Vec<WaitingCall>> {
    let now = Utc::now();
    let waiting = state
        .switchboard
        .queue()
        .into_iter()
        .map(|(call_id, arrived_at)| WaitingCall {
            call_id,
            arrived_at,
            waited_ms: (now - arrived_at).num_milliseconds(),
        });
    Json(waiting.collect())
}

#[derive(Serialize, ToSchema)]
struct MyState {
    state: OperatorState,
    /// Whether my SIP phone is registered.
    registered: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewState {
    /// available, pause or offline (ending wrap-up early is choosing available).
    state: OperatorState,
}

/// My state and whether my phone is registered.
#[utoipa::path(get, path = "/api/v1/operators/me/state", tag = "live", security(("bearer" = [])),
    responses((status = 200, body = MyState)))]
async fn my_state(State(state): State<AppState>, AnyStaff(staff): AnyStaff) -> Json<MyState> {
    let (current, registered) = state.switchboard.operator_status(staff.id);
    Json(MyState {
        state: current,
        registered,
    })
}

/// Sets my state: available, pause or offline.
#[utoipa::path(put, path = "/api/v1/operators/me/state", tag = "live", security(("bearer" = [])),
    request_body = NewState,
    responses((status = 200, body = MyState), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn set_my_state(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    ApiJson(new): ApiJson<NewState>,
) -> ApiResult<Json<MyState>> {
    state.switchboard.set_operator_state(staff.id, new.state)?;
    let (current, registered) = state.switchboard.operator_status(staff.id);
    Ok(Json(MyState {
        state: current,
        registered,
    }))
}
