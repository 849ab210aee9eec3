//! Delivery: where notes go — the general addresses, the daily list, each employee's
//! addresses and SMS preference — and a test message to an address on file (only those: the
//! portal is no relay for mail to anyone).

use super::PortalState;
use super::pages::{Frame, failed};
use super::people::addresses;
use super::session::{Fields, Portal, Posted};
use crate::console::{Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::digest::{DigestSettings, SendTime};
use centrale_core::{EmailAddress, Employee};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal/delivery.html")]
struct DeliveryPage {
    shell: Shell,
    frame: Frame,
    general: String,
    digest_enabled: bool,
    digest_at: String,
    digest_empty: bool,
    employees: Vec<Employee>,
    /// Every address on file: the general ones, then the employees'.
    on_file: Vec<String>,
    /// The form the error is about, and the message.
    error: Option<(&'static str, String)>,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

struct Typed {
    general: Option<String>,
    digest: Option<(bool, String, bool)>,
}

async fn page(
    state: &PortalState,
    portal: &Portal,
    typed: Typed,
    error: Option<(&'static str, String)>,
    done: Option<&'static str>,
) -> Response {
    let (shell, frame) =
        match Frame::new(state, portal, "portal.delivery_title", "/portal/delivery").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let (client, digest, employees) = match (
        state.data.client(&portal.scope).await,
        state.data.digest_settings(&portal.scope).await,
        state.data.employees(&portal.scope).await,
    ) {
        (Ok(c), Ok(d), Ok(e)) => (c, d, e),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failed(e),
    };
    let on_file = on_file(&client.draft.emails, &employees)
        .iter()
        .map(ToString::to_string)
        .collect();
    let general = typed.general.unwrap_or_else(|| {
        client
            .draft
            .emails
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    });
    let (digest_enabled, digest_at, digest_empty) = typed.digest.unwrap_or((
        digest.enabled,
        digest.send_at.time().format("%H:%M").to_string(),
        digest.include_empty,
    ));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = DeliveryPage {
        shell,
        frame,
        general,
        digest_enabled,
        digest_at,
        digest_empty,
        employees,
        on_file,
        error,
        done,
    };
    (status, render(&page)).into_response()
}

fn on_file(general: &[EmailAddress], employees: &[Employee]) -> Vec<EmailAddress> {
    let mut all: Vec<EmailAddress> = general.to_vec();
    for address in employees.iter().flat_map(|e| e.draft.emails.iter()) {
        if !all.contains(address) {
            all.push(address.clone());
        }
    }
    all
}

pub(super) async fn show(
    State(state): State<PortalState>,
    portal: Portal,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("addresses") => Some("delivery.saved_addresses"),
        Some("digest") => Some("delivery.saved_digest"),
        Some("test") => Some("delivery.test_queued"),
        _ => None,
    };
    page(
        &state,
        &portal,
        Typed {
            general: None,
            digest: None,
        },
        None,
        done,
    )
    .await
}

pub(super) async fn addresses_saved(
    State(state): State<PortalState>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let typed = form.one("general").to_owned();
    let emails = match addresses(&typed) {
        Ok(emails) => emails,
        Err(e) => {
            return page(
                &state,
                &portal,
                Typed {
                    general: Some(typed),
                    digest: None,
                },
                Some(("general", e)),
                None,
            )
            .await;
        }
    };
    match state.data.set_general_emails(&portal.scope, emails).await {
        Ok(_) => Redirect::to("/portal/delivery?done=addresses").into_response(),
        Err(e) => failed(e),
    }
}

pub(super) async fn digest_saved(
    State(state): State<PortalState>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let enabled = !form.one("enabled").is_empty();
    let include_empty = !form.one("include_empty").is_empty();
    let at = form.one("send_at").trim().to_owned();
    let send_at = match SendTime::parse(&at) {
        Ok(time) => time,
        Err(e) => {
            let typed = Typed {
                general: None,
                digest: Some((enabled, at, include_empty)),
            };
            return page(&state, &portal, typed, Some(("digest", e)), None).await;
        }
    };
    let settings = DigestSettings {
        enabled,
        send_at,
        include_empty,
    };
    match state
        .data
        .set_digest_settings(&portal.scope, &settings)
        .await
    {
        Ok(_) => Redirect::to("/portal/delivery?done=digest").into_response(),
        Err(e) => failed(e),
    }
}

/// A test message to one address on file, through the outbox.
pub(super) async fn test(State(state): State<PortalState>, posted: Posted<Fields>) -> Response {
    let Posted { portal, form } = posted;
    let (client, employees) = match (
        state.data.client(&portal.scope).await,
        state.data.employees(&portal.scope).await,
    ) {
        (Ok(c), Ok(e)) => (c, e),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let chosen = form.one("to");
    let Some(to) = on_file(&client.draft.emails, &employees)
        .into_iter()
        .find(|a| a.as_str() == chosen)
    else {
        let message = portal.lang.t("delivery.not_on_file").to_owned();
        return page(
            &state,
            &portal,
            Typed {
                general: None,
                digest: None,
            },
            Some(("test", message)),
            None,
        )
        .await;
    };
    match state.data.send_test_mail(&portal.scope, &[to]).await {
        Ok(()) => Redirect::to("/portal/delivery?done=test").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            let typed = Typed {
                general: None,
                digest: None,
            };
            page(&state, &portal, typed, Some(("test", message)), None).await
        }
        Err(e) => failed(e),
    }
}
