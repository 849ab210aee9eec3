//! Who may use the bureau's pages: a supervisor or admin logged into the console (its session
//! cookie; the portal's never counts), and forms posted with the session's CSRF token.

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie, csrf_token, token_hash};
use crate::i18n::Lang;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::{Role, Staff};
use serde::de::DeserializeOwned;

/// A request of a supervisor or admin.
pub struct Bureau {
    pub staff: Staff,
    pub csrf: String,
    pub lang: Lang,
}

impl Bureau {
    pub fn is_admin(&self) -> bool {
        self.staff.draft.role == Role::Admin
    }

    /// The refusal of what only an admin may do, unless this is an admin.
    pub fn unless_admin(&self) -> Option<Response> {
        (!self.is_admin())
            .then(|| (StatusCode::FORBIDDEN, self.lang.t("bureau.admin_only")).into_response())
    }
}

impl FromRequestParts<AppState> for Bureau {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        let to_login = || Redirect::to("/console/login").into_response();
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|t| !t.is_empty())
            .ok_or_else(to_login)?;
        let staff = match state
            .store
            .staff_by_token(&token_hash(token), chrono::Utc::now())
            .await
        {
            Ok(staff) => staff,
            Err(centrale_core::Error::NotFound(_)) => return Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read a staff session");
                return Err((StatusCode::SERVICE_UNAVAILABLE, "Unavailable.").into_response());
            }
        };
        if staff.draft.role < Role::Supervisor {
            return Err((StatusCode::FORBIDDEN, lang.t("bureau.supervisors_only")).into_response());
        }
        Ok(Self {
            csrf: csrf_token(token),
            staff,
            lang,
        })
    }
}

/// A form posted on a bureau page, its `_csrf` checked; `T` is read from the same body.
pub struct Posted<T> {
    pub bureau: Bureau,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;
    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let bureau = Bureau::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = crate::portal::checked_form(&bytes, &bureau.csrf)
            .map_err(IntoResponse::into_response)?;
        Ok(Self { bureau, form })
    }
}
