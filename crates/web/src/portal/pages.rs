//! The portal's frame and its simpler pages: Now (the screen pop as the operator sees it),
//! forwarding help, invoices.

use super::PortalState;
use super::session::Portal;
use crate::console::{Shell, render};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::calls::CallerId;
use centrale_core::directory::ClientCard;
use centrale_core::forwarding::{self, ForwardingCode, LineType, RingSeconds};
use serde::Deserialize;

/// What every portal page's frame shows: the language, the client, who is logged in, the
/// navigation with the current page marked, and the logout form's CSRF token.
pub(super) struct Frame {
    pub client_name: String,
    pub user: String,
    pub admin: bool,
    pub csrf: String,
    pub current: &'static str,
    /// The client's zone, in which the pages show times.
    pub zone: centrale_core::TimeZone,
}

impl Frame {
    /// The page's shell (title from `title_key`) and frame.
    pub async fn new(
        state: &PortalState,
        portal: &Portal,
        title_key: &'static str,
        path: &'static str,
    ) -> Result<(Shell, Self), Response> {
        let client = state.data.client(&portal.scope).await.map_err(failed)?;
        let user = &portal.user.draft;
        let frame = Self {
            client_name: client.draft.name,
            user: if user.name.is_empty() {
                user.email.to_string()
            } else {
                user.name.clone()
            },
            admin: user.admin,
            csrf: portal.csrf.clone(),
            current: path,
            zone: client.draft.time_zone,
        };
        Ok((Shell::new(portal.lang, title_key, path), frame))
    }

    /// `aria-current` for the navigation link to `path`.
    pub fn here(&self, path: &str) -> &'static str {
        if self.current == path {
            "page"
        } else {
            "false"
        }
    }
}

/// A store failure, logged; the user sees a plain 500.
pub(super) fn failed(e: centrale_core::Error) -> Response {
    match e {
        centrale_core::Error::NotFound(what) => {
            (StatusCode::NOT_FOUND, format!("{what} not found")).into_response()
        }
        other => {
            tracing::error!(error = %other, "portal page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The portal is unavailable.",
            )
                .into_response()
        }
    }
}

/// An id from the path, read as `T`: one that is none is not found, like another client's
/// (which the scope then does not find either).
pub(crate) struct PathId<T>(pub T);

impl<S: Send + Sync, T: std::str::FromStr + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        text.parse().map(Self).map_err(|_| not_found())
    }
}

/// The two ids of a path such as `/…/{id}/…/{other}`, each read as [`PathId`] reads one.
pub(crate) struct PathIds<A, B>(pub A, pub B);

impl<S, A, B> FromRequestParts<S> for PathIds<A, B>
where
    S: Send + Sync,
    A: std::str::FromStr + Send,
    B: std::str::FromStr + Send,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(Self(a, b)),
            _ => Err(not_found()),
        }
    }
}

pub(super) async fn home() -> Redirect {
    Redirect::to("/portal/now")
}

#[derive(Template)]
#[template(path = "portal/now.html")]
struct NowPage {
    shell: Shell,
    frame: Frame,
    /// The screen pop as JSON, for the pop component; None without a forwarding number.
    pop: Option<String>,
}

/// What the operator's screen shows for a call now (from an unknown caller, to the first
/// forwarding number), rendered by the console's own pop component.
pub(super) async fn now(State(state): State<PortalState>, portal: Portal) -> Response {
    let (shell, frame) = match Frame::new(&state, &portal, "portal.now_title", "/portal/now").await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let pop = match pop_of_a_call_now(&state, &portal, &card).await {
        Ok(pop) => pop,
        Err(response) => return response,
    };
    render(&NowPage { shell, frame, pop })
}

/// The screen pop of a call now from an unknown caller to the client's first forwarding
/// number, as JSON for the pop component; None without a forwarding number.
pub(super) async fn pop_of_a_call_now(
    state: &PortalState,
    portal: &Portal,
    card: &ClientCard,
) -> Result<Option<String>, Response> {
    let numbers = state.data.numbers(&portal.scope).await.map_err(failed)?;
    let anonymous = CallerId {
        number: None,
        name: None,
    };
    Ok(numbers
        .first()
        .and_then(|number| card.pop(number, &anonymous, None, chrono::Utc::now()))
        .and_then(|pop| serde_json::to_string(&pop).ok()))
}

#[derive(Deserialize)]
pub(super) struct ForwardingQuery {
    line: Option<String>,
    ring: Option<u8>,
}

struct NumberCodes {
    number: String,
    dialled: String,
    label: Option<String>,
    codes: Vec<ForwardingCode>,
}

#[derive(Template)]
#[template(path = "portal/forwarding.html")]
struct ForwardingPage {
    shell: Shell,
    frame: Frame,
    line: LineType,
    lines: [LineType; 5],
    ring: u8,
    numbers: Vec<NumberCodes>,
    error: Option<&'static str>,
}

/// The forwarding codes for the client's line type, with its own number(s) filled in.
pub(super) async fn forwarding(
    State(state): State<PortalState>,
    portal: Portal,
    Query(query): Query<ForwardingQuery>,
) -> Response {
    let (shell, frame) = match Frame::new(
        &state,
        &portal,
        "portal.forwarding_title",
        "/portal/forwarding",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let line = query
        .line
        .as_deref()
        .and_then(LineType::parse)
        .unwrap_or(LineType::Analog);
    let (ring, error) = match query.ring.map(RingSeconds::new) {
        None => (RingSeconds::DEFAULT, None),
        Some(Ok(ring)) => (ring, None),
        Some(Err(_)) => (RingSeconds::DEFAULT, Some("portal.ring_invalid")),
    };
    let numbers = match state.data.numbers(&portal.scope).await {
        Ok(numbers) => numbers,
        Err(e) => return failed(e),
    };
    let numbers = numbers
        .into_iter()
        .map(|n| NumberCodes {
            dialled: forwarding::dialled(&n.draft.number),
            codes: forwarding::codes(line, &n.draft.number, ring),
            number: n.draft.number.to_string(),
            label: n.draft.label,
        })
        .collect();
    render(&ForwardingPage {
        shell,
        frame,
        line,
        lines: LineType::ALL,
        ring: ring.get(),
        numbers,
        error,
    })
}

#[derive(Template)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage {
    shell: Shell,
    frame: Frame,
}

/// The client's invoices (billing makes them; until then there are none).
pub(super) async fn invoices(State(state): State<PortalState>, portal: Portal) -> Response {
    match Frame::new(&state, &portal, "portal.invoices_title", "/portal/invoices").await {
        Ok((shell, frame)) => render(&InvoicesPage { shell, frame }),
        Err(response) => response,
    }
}
