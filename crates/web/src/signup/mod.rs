//! The public sign-up: `/aanmelden` (Dutch) and `/signup` (English). A business fills in the
//! form and, unless the bureau wants the address confirmed first (`signup_confirm_email`), is
//! an active client with a forwarding number at once (`core::signup`).
//!
//! Abuse is kept small without a third party: a double-submit CSRF cookie, a field people
//! never see and scripts fill in (the honeypot: such a post is thanked and dropped), and a
//! few sign-ups per source an hour ([`limit::SourceLimit`]; a form sent back for correction
//! is not counted), so one place cannot empty the number pool.

pub mod limit;
mod mails;

use crate::AppState;
use crate::auth::{cookie, new_token, token_hash};
use crate::console::{Shell, login_csrf, render, with_cookies};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use centrale_core::events::{ClientSignedUp, Event};
use centrale_core::forwarding::{self, LineType};
use centrale_core::mail::MailDraft;
use centrale_core::ports::{EventSink, Store};
use centrale_core::signup::{Activated, Activation, ActivationOutcome, Signup, SignupForm};
use centrale_core::{EmailAddress, Error, PhoneNumber, Role, SignupId, plan};
use chrono::Utc;
use serde::Deserialize;
use std::net::SocketAddr;

const CSRF_COOKIE: &str = "centrale_signup_csrf";

/// The form's two languages: its path, and where its confirmation links point.
#[derive(Clone, Copy)]
struct Language {
    lang: Lang,
    path: &'static str,
    confirm: &'static str,
}

const DUTCH: Language = Language {
    lang: Lang::Nl,
    path: "/aanmelden",
    confirm: "/aanmelden/bevestigen",
};
const ENGLISH: Language = Language {
    lang: Lang::En,
    path: "/signup",
    confirm: "/signup/confirm",
};

impl Language {
    /// The frame of a page; the language switch leads to the form in the other language.
    fn shell(self, title: &'static str) -> Shell {
        let other = if self.lang == Lang::Nl {
            ENGLISH
        } else {
            DUTCH
        };
        Shell::new(self.lang, title, other.path)
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            DUTCH.path,
            get(|s, h| form(DUTCH, s, h)).post(|s, c, h, f| submit(DUTCH, s, c, h, f)),
        )
        .route(
            ENGLISH.path,
            get(|s, h| form(ENGLISH, s, h)).post(|s, c, h, f| submit(ENGLISH, s, c, h, f)),
        )
        .route(
            "/aanmelden/bevestigen/{token}",
            get(|s, t| confirm(DUTCH, s, t)),
        )
        .route(
            "/signup/confirm/{token}",
            get(|s, t| confirm(ENGLISH, s, t)),
        )
}

/// A plan as offered on the form.
struct PlanOption {
    code: String,
    label: String,
}

/// A text field of the form.
struct Field {
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    label: &'static str,
    value: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "signup/form.html")]
struct FormPage {
    shell: Shell,
    action: &'static str,
    csrf: String,
    fields: Vec<Field>,
    form: SignupForm,
    plans: Vec<PlanOption>,
    lines: [LineType; 5],
    /// The field that is wrong (or "limit"), and what to say.
    error: Option<(String, String)>,
}

impl FormPage {
    /// The text fields, filled in with what was posted.
    fn fields(lang: Lang, form: &SignupForm) -> Vec<Field> {
        [
            ("company", "text", "organization", &form.company),
            ("contact", "text", "name", &form.contact),
            ("email", "email", "email", &form.email),
            ("phone", "tel", "tel", &form.phone),
            ("address", "text", "street-address", &form.address),
            ("kvk", "text", "off", &form.kvk),
        ]
        .into_iter()
        .map(|(name, kind, autocomplete, value)| Field {
            name,
            kind,
            autocomplete,
            label: lang.t(&format!("signup.{name}")),
            value: value.clone(),
            required: name != "kvk",
        })
        .collect()
    }
}

/// What a sign-up came to, as the applicant reads it.
enum Outcome {
    /// Active: the number and the codes for the line.
    Active {
        dialled: String,
        number: String,
        codes: Vec<String>,
    },
    /// Waiting for a number; staff will call.
    Pending,
    /// Waiting for the address to be confirmed.
    CheckMail,
    /// A confirmation link that was used or has expired.
    LinkUnusable,
    /// Something failed on our side.
    Unavailable,
}

#[derive(Template)]
#[template(path = "signup/result.html")]
struct ResultPage {
    shell: Shell,
    outcome: Outcome,
}

fn result(language: Language, status: StatusCode, outcome: Outcome) -> Response {
    let title = match outcome {
        Outcome::Active { .. } => "signup.active_title",
        Outcome::Pending => "signup.pending_title",
        Outcome::CheckMail => "signup.check_title",
        Outcome::LinkUnusable | Outcome::Unavailable => "signup.title",
    };
    let page = ResultPage {
        shell: language.shell(title),
        outcome,
    };
    (status, render(&page)).into_response()
}

/// The plans on offer now (the versions in force), cheapest first.
async fn plans_now(store: &dyn Store) -> centrale_core::Result<Vec<plan::Plan>> {
    Ok(plan::in_force(&store.plan_versions().await?, Utc::now()))
}

/// The plans on offer now as the form shows them.
async fn offered_plans(store: &dyn Store, lang: Lang) -> centrale_core::Result<Vec<PlanOption>> {
    let language = lang.language();
    Ok(plans_now(store)
        .await?
        .into_iter()
        .map(|p| PlanOption {
            label: format!(
                "{} — {} {}",
                p.name,
                p.monthly_text(language),
                lang.t("signup.plan_detail")
                    .replace("{calls}", &p.included_calls.to_string())
                    .replace("{extra}", &plan::euros(p.extra_call_cents, language)),
            ),
            code: p.code,
        })
        .collect())
}

async fn form_page(
    language: Language,
    state: &AppState,
    csrf: String,
    form: SignupForm,
    error: Option<(String, &'static str)>,
) -> Response {
    let plans = match offered_plans(state.store.as_ref(), language.lang).await {
        Ok(plans) => plans,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the plans for the sign-up form");
            return result(
                language,
                StatusCode::SERVICE_UNAVAILABLE,
                Outcome::Unavailable,
            );
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let lang = language.lang;
    let error = error.map(|(field, key)| {
        let message = if key == "signup.error" {
            format!("{}: {}", lang.t(key), lang.t(&format!("signup.{field}")))
        } else {
            lang.t(key).to_owned()
        };
        (field, message)
    });
    let page = FormPage {
        shell: language.shell("signup.title"),
        action: language.path,
        csrf,
        fields: FormPage::fields(lang, &form),
        form,
        plans,
        lines: LineType::ALL,
        error,
    };
    (status, render(&page)).into_response()
}

async fn form(language: Language, State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (csrf, set_cookie) = login_csrf(&headers, state.settings.secure_cookies, CSRF_COOKIE, "/");
    let page = form_page(language, &state, csrf, SignupForm::default(), None).await;
    with_cookies(page, set_cookie.into_iter().collect())
}

/// The form as posted: the sign-up, the CSRF token and the honeypot.
#[derive(Deserialize)]
struct Posted {
    #[serde(flatten)]
    form: SignupForm,
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// Hidden from people; filled in only by scripts.
    #[serde(default)]
    website: String,
}

async fn submit(
    language: Language,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(posted): Form<Posted>,
) -> Response {
    let expected = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || posted.csrf != expected {
        return (
            StatusCode::FORBIDDEN,
            "The form has expired; reload the page and try again.",
        )
            .into_response();
    }
    let csrf = posted.csrf.clone();
    let refuse = |field: &str, message| {
        form_page(
            language,
            &state,
            csrf.clone(),
            posted.form.clone(),
            Some((field.to_owned(), message)),
        )
    };
    if !state.signup_limit.allow(peer.ip()) {
        let mut page = refuse("limit", "signup.throttled").await;
        *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return page;
    }
    if !posted.website.trim().is_empty() {
        tracing::info!(source = %peer.ip(), "a sign-up filled in the honeypot; dropped");
        return result(language, StatusCode::OK, Outcome::Pending);
    }
    let plans = match plans_now(state.store.as_ref()).await {
        Ok(plans) => plans.into_iter().map(|p| p.code).collect::<Vec<_>>(),
        Err(e) => return unavailable(language, &e),
    };
    let draft = match posted.form.validate(language.lang.language(), &plans) {
        Ok(draft) => draft,
        Err(Error::Invalid { field, .. }) => {
            state.signup_limit.give_back(peer.ip());
            return refuse(&field, "signup.error").await;
        }
        Err(e) => return unavailable(language, &e),
    };
    match state.store.portal_login(draft.email.as_str()).await {
        Ok(_) => {
            state.signup_limit.give_back(peer.ip());
            return refuse("email", "signup.email_taken").await;
        }
        Err(Error::NotFound(_)) => {}
        Err(e) => return unavailable(language, &e),
    }
    if state.settings.signup_confirm_email {
        let token = new_token();
        let link = state
            .settings
            .link(&format!("{}/{token}", language.confirm));
        let expires = Utc::now() + chrono::Duration::hours(centrale_core::signup::CONFIRM_HOURS);
        return match state
            .store
            .create_unconfirmed_signup(
                &draft,
                &token_hash(&token),
                expires,
                &mails::confirmation(&draft, &link),
            )
            .await
        {
            Ok(_) => result(language, StatusCode::OK, Outcome::CheckMail),
            Err(e) => unavailable(language, &e),
        };
    }
    match state.store.create_pending_signup(&draft).await {
        Ok(signup) => activated_page(language, activate(&state, signup.id).await),
        Err(e) => unavailable(language, &e),
    }
}

async fn confirm(
    language: Language,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    match state
        .store
        .confirm_signup(&token_hash(&token), Utc::now())
        .await
    {
        Ok(signup) => activated_page(language, activate(&state, signup.id).await),
        Err(Error::NotFound(_)) => result(language, StatusCode::GONE, Outcome::LinkUnusable),
        Err(e) => unavailable(language, &e),
    }
}

fn unavailable(language: Language, e: &Error) -> Response {
    tracing::error!(error = %e, "a sign-up failed");
    result(
        language,
        StatusCode::SERVICE_UNAVAILABLE,
        Outcome::Unavailable,
    )
}

fn activated_page(
    language: Language,
    outcome: centrale_core::Result<ActivationOutcome>,
) -> Response {
    match outcome {
        Ok(ActivationOutcome::Active(activated)) => {
            let number = &activated.number;
            let codes = mails::codes_text(language.lang, activated.signup.draft.line, number);
            result(
                language,
                StatusCode::OK,
                Outcome::Active {
                    dialled: forwarding::dialled(number),
                    number: number.to_string(),
                    codes,
                },
            )
        }
        Ok(ActivationOutcome::NoFreeNumber(_)) => {
            result(language, StatusCode::ACCEPTED, Outcome::Pending)
        }
        Err(e) => unavailable(language, &e),
    }
}

/// Activates a pending sign-up (`core::signup`): at once after the form or its confirmation,
/// or later by staff once the pool has numbers. Supervisors are told either way (an e-mail
/// and a `client.signed_up` event on the wallboard).
pub(crate) async fn activate(
    state: &AppState,
    signup: SignupId,
) -> centrale_core::Result<ActivationOutcome> {
    let (token, link) = state.settings.password_link();
    let portal = state.settings.link("/portal/login");
    let supervisors = supervisor_addresses(state.store.as_ref()).await?;
    let now = Utc::now();
    let activation = Activation {
        link_token_hash: token_hash(&token),
        link_expires_at: centrale_core::portal::link_expiry(now),
        now,
        quarantine: state.settings.number_quarantine(),
    };
    let compose = |activated: &Activated| -> Vec<MailDraft> {
        let mut mails = vec![mails::welcome(
            &activated.signup.draft,
            &activated.number,
            &link,
            &portal,
        )];
        mails.extend(mails::alerts(
            &supervisors,
            &activated.signup,
            Some(&activated.number),
        ));
        mails
    };
    let outcome = state
        .store
        .activate_signup(signup, &activation, &compose)
        .await?;
    match &outcome {
        ActivationOutcome::Active(activated) => {
            announce(state, &activated.signup, Some(&activated.number));
        }
        ActivationOutcome::NoFreeNumber(signup) => {
            tracing::warn!(signup = %signup.id, "a sign-up waits: the number pool has no free number");
            state
                .store
                .queue_mails(&mails::alerts(&supervisors, signup, None))
                .await?;
            announce(state, signup, None);
        }
    }
    Ok(outcome)
}

/// Supervisors' and admins' addresses, for alerts.
async fn supervisor_addresses(store: &dyn Store) -> centrale_core::Result<Vec<EmailAddress>> {
    Ok(store
        .list_staff()
        .await?
        .into_iter()
        .filter(|s| s.draft.role >= Role::Supervisor)
        .map(|s| s.draft.email)
        .collect())
}

fn announce(state: &AppState, signup: &Signup, number: Option<&PhoneNumber>) {
    state.events.publish(Event::ClientSignedUp(ClientSignedUp {
        signup_id: signup.id,
        company: signup.draft.company.clone(),
        client_id: signup.client_id,
        number: number.cloned(),
        at: Utc::now(),
    }));
}
