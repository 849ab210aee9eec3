//! The bureau's lists: the number pool (with its import), sign-ups waiting for a number,
//! prices and plans, failed deliveries, and invoices (none until billing exists).

use super::session::{Bureau, Posted};
use super::{Frame, Notice, back, done, finished, unavailable};
use crate::AppState;
use crate::console::render;
use crate::portal::pages::PathId;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use centrale_core::forwarding;
use centrale_core::notes::FailedDelivery;
use centrale_core::number_pool::{self, NumberState};
use centrale_core::plan::{self, Plan};
use centrale_core::ports::Imported;
use centrale_core::signup::{ActivationOutcome, Signup, SignupStatus};
use centrale_core::transfer::TransferPrice;
use centrale_core::{DeliveryId, SignupId};
use chrono::Utc;
use serde::Deserialize;

/// A number of the pool as listed: dialled, whose, and where it stands.
struct PoolRow {
    number: String,
    dialled: String,
    client: Option<String>,
    state: NumberState,
}

#[derive(Template)]
#[template(path = "bureau/numbers.html")]
struct NumbersPage {
    frame: Frame,
    rows: Vec<PoolRow>,
    free: usize,
    imported: Option<Imported>,
}

async fn numbers_page(
    state: &AppState,
    bureau: &Bureau,
    query: Notice,
    imported: Option<Imported>,
) -> Response {
    let (numbers, clients) =
        match tokio::try_join!(state.store.list_numbers(), state.store.list_clients()) {
            Ok(found) => found,
            Err(e) => return unavailable(bureau.lang, &e),
        };
    let quarantine = state.settings.number_quarantine();
    let now = Utc::now();
    let rows: Vec<PoolRow> = numbers
        .into_iter()
        .map(|n| PoolRow {
            dialled: forwarding::dialled(&n.draft.number),
            client: n.draft.client_id.and_then(|id| {
                clients
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.draft.name.clone())
            }),
            state: n.state(quarantine, now),
            number: n.draft.number.to_string(),
        })
        .collect();
    render(&NumbersPage {
        free: rows.iter().filter(|r| r.state == NumberState::Free).count(),
        frame: Frame::new(bureau, "bureau.numbers", "/bureau/numbers", query),
        rows,
        imported,
    })
}

pub(super) async fn numbers(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<Notice>,
) -> Response {
    numbers_page(&state, &bureau, query, None).await
}

#[derive(Deserialize)]
pub(super) struct ImportForm {
    #[serde(default)]
    numbers: String,
}

/// Imports numbers and ranges; the page reports what was added and what was not, and why.
pub(super) async fn import(State(state): State<AppState>, posted: Posted<ImportForm>) -> Response {
    let Posted { bureau, form } = posted;
    let plan = number_pool::parse_import(&form.numbers);
    match state.store.import_numbers(&plan.numbers).await {
        Ok((added, already_in_pool)) => {
            let imported = Imported {
                added,
                already_in_pool,
                plan: number_pool::ImportPlan {
                    numbers: Vec::new(),
                    ..plan
                },
            };
            numbers_page(&state, &bureau, Notice::default(), Some(imported)).await
        }
        Err(e) => unavailable(bureau.lang, &e),
    }
}

#[derive(Template)]
#[template(path = "bureau/signups.html")]
struct SignupsPage {
    frame: Frame,
    pending: Vec<Signup>,
    unconfirmed: Vec<Signup>,
    active: Vec<Signup>,
}

pub(super) async fn signups(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<Notice>,
) -> Response {
    let store = &state.store;
    match tokio::try_join!(
        store.signups(SignupStatus::Pending, 100),
        store.signups(SignupStatus::Unconfirmed, 100),
        store.signups(SignupStatus::Active, 20),
    ) {
        Ok((pending, unconfirmed, active)) => render(&SignupsPage {
            frame: Frame::new(&bureau, "bureau.signups", "/bureau/signups", query),
            pending,
            unconfirmed,
            active,
        }),
        Err(e) => unavailable(bureau.lang, &e),
    }
}

/// Completes a sign-up that waited for a number, as at sign-up.
pub(super) async fn activate(
    State(state): State<AppState>,
    PathId(id): PathId<SignupId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    match crate::signup::activate(&state, id).await {
        Ok(ActivationOutcome::Active(_)) => done("/bureau/signups", "activated"),
        Ok(ActivationOutcome::NoFreeNumber(_)) => done("/bureau/signups", "pool_empty"),
        Err(e) => back(&bureau, "/bureau/signups", e),
    }
}

#[derive(Template)]
#[template(path = "bureau/prices.html")]
struct PricesPage {
    frame: Frame,
    transfers: Vec<TransferPrice>,
    plans: Vec<Plan>,
    current: Vec<Plan>,
}

impl PricesPage {
    fn euros(&self, cents: &i64) -> String {
        plan::euros(*cents, self.frame.shell.lang.language())
    }
}

pub(super) async fn prices(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<Notice>,
) -> Response {
    let now = Utc::now();
    match tokio::try_join!(
        state.store.transfer_prices(now),
        state.store.plan_versions()
    ) {
        Ok((transfers, plans)) => render(&PricesPage {
            frame: Frame::new(&bureau, "bureau.prices", "/bureau/prices", query),
            transfers,
            current: plan::in_force(&plans, now),
            plans,
        }),
        Err(e) => unavailable(bureau.lang, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct PlanForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    monthly: String,
    #[serde(default)]
    included_calls: String,
    #[serde(default)]
    extra_call: String,
    /// The first day it holds (bureau time, from midnight); empty: from now.
    #[serde(default)]
    valid_from: String,
}

/// Euros as typed ("49", "49,50", "1.25") in cents, without floating point.
fn cents(field: &str, text: &str) -> centrale_core::Result<i64> {
    let text = text.trim().replace(',', ".");
    let (whole, part) = text.split_once('.').unwrap_or((&text, ""));
    let wrong = || centrale_core::Error::invalid(field, format!("{field}: an amount in euros"));
    if whole.is_empty() || part.len() > 2 {
        return Err(wrong());
    }
    let whole: i64 = whole.parse().map_err(|_| wrong())?;
    let part: i64 = if part.is_empty() {
        0
    } else {
        format!("{part:0<2}").parse().map_err(|_| wrong())?
    };
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(part))
        .ok_or_else(wrong)
}

impl PlanForm {
    fn plan(&self) -> centrale_core::Result<Plan> {
        let valid_from = match self.valid_from.trim() {
            "" => Utc::now(),
            day => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|d| {
                    d.and_local_timezone(chrono_tz::Europe::Amsterdam)
                        .earliest()
                })
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| centrale_core::Error::invalid("valid_from", "a day: YYYY-MM-DD"))?,
        };
        let calls = self.included_calls.trim().parse().map_err(|_| {
            centrale_core::Error::invalid("included_calls", "included calls: a whole number")
        })?;
        Plan {
            code: self.code.clone(),
            name: self.name.clone(),
            monthly_cents: cents("monthly", &self.monthly)?,
            included_calls: calls,
            extra_call_cents: cents("extra_call", &self.extra_call)?,
            valid_from,
        }
        .validate()
    }
}

/// Adds a version of a plan (admins): it holds from its day on; earlier months keep theirs.
pub(super) async fn add_plan(State(state): State<AppState>, posted: Posted<PlanForm>) -> Response {
    let Posted { bureau, form } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    let result = async {
        let plan = form.plan()?;
        state.store.add_plan_version(&plan).await
    }
    .await;
    finished(&bureau, "/bureau/prices", "plan_added", result)
}

#[derive(Template)]
#[template(path = "bureau/deliveries.html")]
struct DeliveriesPage {
    frame: Frame,
    failed: Vec<FailedDelivery>,
}

pub(super) async fn deliveries(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<Notice>,
) -> Response {
    match state.store.failed_deliveries(200).await {
        Ok(failed) => render(&DeliveriesPage {
            frame: Frame::new(&bureau, "bureau.deliveries", "/bureau/deliveries", query),
            failed,
        }),
        Err(e) => unavailable(bureau.lang, &e),
    }
}

/// Tries a failed delivery again (once its cause is mended).
pub(super) async fn retry_delivery(
    State(state): State<AppState>,
    PathId(id): PathId<DeliveryId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    finished(
        &bureau,
        "/bureau/deliveries",
        "retrying",
        state.store.retry_delivery(id, Utc::now()).await,
    )
}

#[derive(Template)]
#[template(path = "bureau/invoices.html")]
struct InvoicesPage {
    frame: Frame,
}

pub(super) async fn invoices(bureau: Bureau) -> Response {
    render(&InvoicesPage {
        frame: Frame::new(
            &bureau,
            "bureau.invoices",
            "/bureau/invoices",
            Notice::default(),
        ),
    })
}

super::framed!(
    NumbersPage,
    SignupsPage,
    PricesPage,
    DeliveriesPage,
    InvoicesPage
);

#[cfg(test)]
mod tests {
    #[test]
    fn euros_as_typed_are_whole_cents() {
        assert_eq!(super::cents("x", "49").unwrap(), 4900);
        assert_eq!(super::cents("x", "49,5").unwrap(), 4950);
        assert_eq!(super::cents("x", " 1.25 ").unwrap(), 125);
        for wrong in ["", "1.255", "abc", "-", ",5"] {
            assert!(super::cents("x", wrong).is_err(), "{wrong}");
        }
    }
}
