//! The pages: the operator console and the supervisor wallboard (both need a session).

use super::login::with_cookies;
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie, csrf_token, token_hash};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use centrale_core::{Role, Staff};
use serde::Deserialize;

/// What every page's frame needs.
pub(crate) struct Shell {
    pub lang: Lang,
    pub title: &'static str,
    /// This page's path, for the language switch to come back to.
    pub path: &'static str,
}

impl Shell {
    pub fn new(lang: Lang, title_key: &'static str, path: &'static str) -> Self {
        Self {
            lang,
            title: lang.t(title_key),
            path,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

/// Renders a template, or a plain 500 if the template fails.
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page failed to render").into_response()
        }
    }
}

/// The staff member of the session cookie, and the session's CSRF token.
async fn session(state: &AppState, headers: &HeaderMap) -> Option<(Staff, String)> {
    let token = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty())?;
    let staff = state
        .store
        .staff_by_token(&token_hash(token), chrono::Utc::now())
        .await
        .ok()?;
    Some((staff, csrf_token(token)))
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    shell: Shell,
    staff: Staff,
    csrf: String,
    wrap_up_secs: u64,
}

#[derive(Template)]
#[template(path = "wallboard.html")]
struct WallboardPage {
    shell: Shell,
    staff: Staff,
    csrf: String,
}

pub(super) async fn home() -> Redirect {
    Redirect::to("/console")
}

/// The operator console.
pub(super) async fn console(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    match session(&state, &headers).await {
        Some((staff, csrf)) => render(&ConsolePage {
            shell: Shell::new(lang, "console.title", "/console"),
            staff,
            csrf,
            wrap_up_secs: state.settings.wrap_up.as_secs(),
        }),
        None => Redirect::to("/console/login").into_response(),
    }
}

/// The supervisor wallboard.
pub(super) async fn wallboard(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    match session(&state, &headers).await {
        Some((staff, csrf)) if staff.draft.role >= Role::Supervisor => render(&WallboardPage {
            shell: Shell::new(lang, "wallboard.title", "/wallboard"),
            staff,
            csrf,
        }),
        Some(_) => (StatusCode::FORBIDDEN, "The wallboard is for supervisors.").into_response(),
        None => Redirect::to("/console/login").into_response(),
    }
}

#[derive(Deserialize)]
pub(super) struct Back {
    back: Option<String>,
}

/// The language switch: remembers the choice and returns to the page (paths of this site only).
pub(super) async fn switch_language(
    Path(code): Path<String>,
    Query(back): Query<Back>,
) -> Response {
    let lang = if code == "en" { "en" } else { "nl" };
    let target = back
        .back
        .filter(|b| crate::security::same_origin_path(b).is_some())
        .unwrap_or_else(|| "/console".into());
    with_cookies(
        Redirect::to(&target).into_response(),
        vec![format!(
            "lang={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
        )],
    )
}
