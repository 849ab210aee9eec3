//! Live telephony for staff: the event stream (which re-checks its token while open), the
//! queue, and an operator's own state.

use crate::auth::{AnyStaff, Presented, token_hash};
use crate::events::visible_to;
use crate::extract::ApiJson;
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use centrale_core::acd::OperatorState;
use centrale_core::events::Event;
use centrale_core::{CallId, Staff};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::MissedTickBehavior;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(queue))
        .routes(routes!(my_state, set_my_state))
}

/// How often an open event stream checks that its token still holds.
const RECHECK: Duration = Duration::from_secs(2);

/// One open event stream: what its staff member may see, for as long as their token holds.
struct Subscription {
    receiver: broadcast::Receiver<Event>,
    staff: Staff,
    token_hash: String,
    state: AppState,
    recheck: tokio::time::Interval,
}

impl Subscription {
    /// The next event this staff member may see; `None` once the stream must end.
    async fn next(&mut self) -> Option<Event> {
        loop {
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(event) if visible_to(&event, &self.staff) => return Some(event),
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if !self.still_valid().await {
                        return None;
                    }
                }
            }
        }
    }

    /// Whether the token is still live and its member still has the role the stream was
    /// opened with (another role sees other events: the console reconnects).
    async fn still_valid(&self) -> bool {
        match self
            .state
            .store
            .staff_by_token(&self.token_hash, Utc::now())
            .await
        {
            Ok(staff) => staff.draft.role == self.staff.draft.role,
            Err(centrale_core::Error::NotFound(_)) => false,
            Err(e) => {
                // A database hiccup does not end every console's stream; the next check decides.
                tracing::warn!(error = %e, "cannot re-check an event stream's token");
                true
            }
        }
    }
}

/// Live events as Server-Sent Events: `call.queued`, `call.offered` and the caller's earlier
/// notes after it, `call.caller_history` (both only to the operator it rings for, and
/// supervisors), `call.answered`, `call.ended`, `operator.state`. The
/// stream ends within seconds once its token is revoked or expires, or its staff member is
/// removed or gets another role.
#[utoipa::path(get, path = "/api/v1/events", tag = "live", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = centrale_core::events::Event)))]
async fn events(
    State(state): State<AppState>,
    AnyStaff(staff): AnyStaff,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    // The extractor accepted this token: the bearer token, else the session cookie.
    let token = Presented::of(&headers)
        .map(Presented::token)
        .unwrap_or_default();
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let subscription = Subscription {
        receiver: state.events.subscribe(),
        staff,
        token_hash: token_hash(token),
        state,
        recheck,
    };
    let stream = futures_util::stream::unfold(subscription, |mut subscription| async move {
        let event = subscription.next().await?;
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".into());
        let sse = SseEvent::default().event(event.name()).data(data);
        Some((Ok(sse), subscription))
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
