//! Least privilege for operators: an operator reads a client's data only while her work needs
//! it — a call of the client was offered to her, or she found the client by search — within
//! [`ACCESS_WINDOW`]. Supervisors and admins read every client.
//!
//! Handlers on a client's data (`/api/v1/clients/{client_id}/…`) take [`ClientReader`], which
//! checks this for the `client_id` of the path before the handler runs.

use crate::auth::AnyStaff;
use crate::extract::ApiPath;
use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use centrale_core::{ClientId, Role, Staff};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;

/// How long an offered call or a search lets an operator read its client: a working day.
pub const ACCESS_WINDOW: TimeDelta = TimeDelta::hours(12);

/// At most this many clients answer an operator's search: she looks for one, not for a list.
pub const OPERATOR_SEARCH_RESULTS: usize = 10;

/// A staff member who may read the client named by the path's `client_id`.
pub struct ClientReader(pub Staff);

impl FromRequestParts<AppState> for ClientReader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AnyStaff(staff) = AnyStaff::from_request_parts(parts, state).await?;
        let ApiPath(OfClient { client_id }) = ApiPath::from_request_parts(parts, state).await?;
        if may_read(state, &staff, client_id).await? {
            Ok(Self(staff))
        } else {
            Err(ApiError::forbidden(
                "an operator reads a client's data while handling its call or after finding it \
                 by search",
            ))
        }
    }
}

/// Whether `staff` may read `client` now.
async fn may_read(state: &AppState, staff: &Staff, client: ClientId) -> Result<bool, ApiError> {
    if staff.draft.role >= Role::Supervisor {
        return Ok(true);
    }
    let since = Utc::now() - ACCESS_WINDOW;
    Ok(state
        .store
        .has_client_access(staff.id, client, since)
        .await?)
}

/// The path's `client_id`, among its other parameters.
#[derive(Deserialize)]
struct OfClient {
    client_id: ClientId,
}
