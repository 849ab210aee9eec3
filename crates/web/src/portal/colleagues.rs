//! Colleagues: who of the client has portal access; the client's portal admin invites (a
//! set-password link by e-mail) and removes them.

use super::PortalState;
use super::pages::{Frame, PathId, failed};
use super::session::{Portal, Posted};
use crate::auth::token_hash;
use crate::console::{Shell, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::portal::{PortalUser, PortalUserDraft};
use centrale_core::{EmailAddress, PortalUserId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal/colleagues.html")]
struct ColleaguesPage {
    shell: Shell,
    frame: Frame,
    me: PortalUserId,
    users: Vec<PortalUser>,
    form: InviteForm,
    error: Option<(&'static str, String)>,
    invited: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    admin: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Shown {
    invited: Option<String>,
}

async fn page(
    state: &PortalState,
    portal: &Portal,
    form: InviteForm,
    error: Option<(&'static str, String)>,
    invited: bool,
) -> Response {
    let (shell, frame) = match Frame::new(
        state,
        portal,
        "portal.colleagues_title",
        "/portal/colleagues",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let users = match state.data.colleagues(&portal.scope).await {
        Ok(users) => users,
        Err(e) => return failed(e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let me = portal.user.id;
    (
        status,
        render(&ColleaguesPage {
            shell,
            frame,
            me,
            users,
            form,
            error,
            invited,
        }),
    )
        .into_response()
}

pub(super) async fn list(
    State(state): State<PortalState>,
    portal: Portal,
    axum::extract::Query(shown): axum::extract::Query<Shown>,
) -> Response {
    page(
        &state,
        &portal,
        InviteForm::default(),
        None,
        shown.invited.is_some(),
    )
    .await
}

/// Invites a colleague (the client's portal admin only).
pub(super) async fn invite(
    State(state): State<PortalState>,
    posted: Posted<InviteForm>,
) -> Response {
    let Posted { portal, form } = posted;
    let Some(admin) = portal.scope.admin() else {
        return (StatusCode::FORBIDDEN, portal.lang.t("portal.admin_only")).into_response();
    };
    let email = match EmailAddress::parse(form.email.trim()) {
        Ok(email) => email,
        Err(e) => return page(&state, &portal, form, Some(("email", e)), false).await,
    };
    let draft = PortalUserDraft {
        email,
        name: form.name.clone(),
        admin: form.admin.is_some(),
    };
    let (token, link) = state.settings.password_link();
    match state
        .data
        .invite(
            &admin,
            &draft,
            &token_hash(&token),
            &link,
            chrono::Utc::now(),
        )
        .await
    {
        Ok(_) => Redirect::to("/portal/colleagues?invited=1").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            page(&state, &portal, form, Some(("name", message)), false).await
        }
        Err(centrale_core::Error::Conflict { message, .. }) => {
            page(&state, &portal, form, Some(("email", message)), false).await
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
pub(super) struct Nothing {}

/// Removes a colleague (the client's portal admin only; a user of another client is not found).
pub(super) async fn remove(
    State(state): State<PortalState>,
    PathId(id): PathId<PortalUserId>,
    posted: Posted<Nothing>,
) -> Response {
    let portal = posted.portal;
    let Some(admin) = portal.scope.admin() else {
        return (StatusCode::FORBIDDEN, portal.lang.t("portal.admin_only")).into_response();
    };

    match state.data.remove_colleague(&admin, id).await {
        Ok(()) => Redirect::to("/portal/colleagues").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(e) => failed(e),
    }
}
