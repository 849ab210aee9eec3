//! The bureau's staff: `/api/v1/staff` (admins manage, supervisors read) and `/api/v1/staff/me`.

use crate::auth::{Admin, AnyStaff, Supervisor};
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiError, ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{EmailAddress, PasswordHash, Role, Staff, StaffDraft, StaffId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(me))
        .routes(routes!(get_staff, update_staff, delete_staff))
}

/// A staff member with the secrets that are set with it (never read back).
/// (Not a flattened `StaffDraft`: serde loses the error's field path through `flatten`.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct StaffInput {
    email: EmailAddress,
    name: String,
    role: Role,
    #[serde(default)]
    sip_username: Option<String>,
    /// Login password (at least 10 characters); required on creation, optional on update.
    #[serde(default)]
    password: Option<String>,
    /// SIP digest password for `sip_username`; required when the username is set or changed.
    #[serde(default)]
    sip_password: Option<String>,
}

struct Secrets {
    password: Option<PasswordHash>,
    sip: Option<SipCredentials>,
}

impl StaffInput {
    /// Validates the draft and derives the stored secrets; `old_sip_username` is the current
    /// SIP user (None on creation), since changing it invalidates the old digest secret.
    async fn parse(
        self,
        realm: &str,
        old_sip_username: Option<&str>,
    ) -> ApiResult<(StaffDraft, Secrets)> {
        let draft = StaffDraft {
            email: self.email,
            name: self.name,
            role: self.role,
            sip_username: self.sip_username,
        }
        .validate()?;
        let sip = match (&draft.sip_username, self.sip_password) {
            (Some(user), Some(secret)) => Some(
                SipCredentials::derive(user, realm, &secret)
                    .map_err(|e| ApiError::invalid("sip_password", e))?,
            ),
            (Some(user), None) if old_sip_username != Some(user.as_str()) => {
                return Err(ApiError::invalid(
                    "sip_password",
                    "a new SIP username needs a SIP password",
                ));
            }
            _ => None,
        };
        let password = match self.password {
            Some(plain) => Some(
                tokio::task::spawn_blocking(move || PasswordHash::create(&plain))
                    .await
                    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
                    .map_err(|e| ApiError::invalid("password", e))?,
            ),
            None => None,
        };
        Ok((draft, Secrets { password, sip }))
    }
}

/// Lists the staff.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff", security(("bearer" = [])),
    responses((status = 200, body = [Staff]), (status = 403, body = crate::error::ErrorBody)))]
async fn list_staff(State(state): State<AppState>, _: Supervisor) -> ApiResult<Json<Vec<Staff>>> {
    Ok(Json(state.store.list_staff().await?))
}

/// Adds a staff member with a login password and, for operators, a SIP account.
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", security(("bearer" = [])),
    request_body = StaffInput,
    responses((status = 201, body = Staff), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
async fn create_staff(
    State(state): State<AppState>,
    _: Admin,
    ApiJson(input): ApiJson<StaffInput>,
) -> ApiResult<(StatusCode, Json<Staff>)> {
    let (draft, secrets) = input.parse(&state.settings.sip_realm, None).await?;
    let password = secrets
        .password
        .ok_or_else(|| ApiError::invalid("password", "a new staff member needs a password"))?;
    let staff = state
        .store
        .create_staff(&draft, &password, secrets.sip.as_ref())
        .await?;
    Ok((StatusCode::CREATED, Json(staff)))
}

/// The staff member the token belongs to.
#[utoipa::path(get, path = "/api/v1/staff/me", tag = "staff", security(("bearer" = [])),
    responses((status = 200, body = Staff), (status = 401, body = crate::error::ErrorBody)))]
async fn me(AnyStaff(staff): AnyStaff) -> Json<Staff> {
    Json(staff)
}

/// Reads one staff member.
#[utoipa::path(get, path = "/api/v1/staff/{staff_id}", tag = "staff", security(("bearer" = [])),
    params(("staff_id" = String, Path)),
    responses((status = 200, body = Staff), (status = 404, body = crate::error::ErrorBody)))]
async fn get_staff(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(staff_id): ApiPath<StaffId>,
) -> ApiResult<Json<Staff>> {
    Ok(Json(state.store.staff(staff_id).await?))
}

/// Replaces a staff member's data; a password or SIP password, when given, replaces the old one.
/// A new password, SIP password or role revokes the member's tokens and drops their
/// phone's registration.
#[utoipa::path(put, path = "/api/v1/staff/{staff_id}", tag = "staff", security(("bearer" = [])),
    params(("staff_id" = String, Path)), request_body = StaffInput,
    responses((status = 200, body = Staff), (status = 404, body = crate::error::ErrorBody)))]
async fn update_staff(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(staff_id): ApiPath<StaffId>,
    ApiJson(input): ApiJson<StaffInput>,
) -> ApiResult<Json<Staff>> {
    let current = state.store.staff(staff_id).await?;
    let (draft, secrets) = input
        .parse(
            &state.settings.sip_realm,
            current.draft.sip_username.as_deref(),
        )
        .await?;
    // A new secret or role ends what the old one opened: their logins and their phone's
    // registration (a phone that logged in with the old SIP password must log in again).
    let ends_sessions = secrets.password.is_some()
        || secrets.sip.is_some()
        || draft.role != current.draft.role
        || draft.sip_username != current.draft.sip_username;
    let updated = state
        .store
        .update_staff(
            staff_id,
            &draft,
            secrets.password.as_ref(),
            secrets.sip.as_ref(),
        )
        .await?;
    if ends_sessions {
        state.store.revoke_staff_tokens(staff_id).await?;
        state.switchboard.drop_registration(staff_id);
    }
    Ok(Json(updated))
}

/// Removes a staff member, revokes their tokens and drops their phone's registration.
/// Admins cannot remove themselves.
#[utoipa::path(delete, path = "/api/v1/staff/{staff_id}", tag = "staff", security(("bearer" = [])),
    params(("staff_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn delete_staff(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(staff_id): ApiPath<StaffId>,
) -> ApiResult<StatusCode> {
    if admin.id == staff_id {
        return Err(ApiError::invalid(
            "staff_id",
            "you cannot remove yourself; ask another admin",
        ));
    }
    state.store.delete_staff(staff_id).await?;
    // Her phone stays registered until it expires otherwise, and could still be rung.
    state.switchboard.drop_registration(staff_id);
    Ok(StatusCode::NO_CONTENT)
}
