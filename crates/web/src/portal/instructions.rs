//! Instructions: the client edits its standard set and creates, edits, ends or deletes
//! temporary sets, with a live preview as the operator will see it (the pop component), a
//! timeline of what is in force when, and every change with who made it and what changed.
//! An edit made on an older version is refused with both versions shown; a period that
//! overlaps another set's is explained and saved only when confirmed.

use super::PortalState;
use super::pages::{Frame, failed};
use super::session::{Fields, Portal, Posted};
use crate::console::{Shell, render};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::calls::CallerId;
use centrale_core::diff::{self, Line};
use centrale_core::directory::ClientCard;
use centrale_core::instructions::{DeliveryOverride, EmergencyStep, InstructionVersion, Period};
use centrale_core::timeline::{overlapping, timeline};
use centrale_core::{
    EmailAddress, Employee, EmployeeId, InstructionContent, InstructionSet, InstructionSetDraft,
    InstructionSetId, PhoneNumber, TimeZone,
};
use chrono::{DateTime, NaiveDateTime, Utc};

/// Emergency steps the form offers.
const STEPS: usize = 3;
/// How far ahead the timeline looks.
const TIMELINE_DAYS: u64 = 28;

/// A set's form as typed: kept as text, so an error shows it back.
#[derive(Clone, Debug, Default)]
pub(super) struct SetForm {
    title: String,
    start: String,
    end: String,
    text: String,
    greeting: String,
    put_through: Vec<String>,
    sms_to: String,
    colleague: String,
    also_email: String,
    steps: Vec<(String, String, String)>,
    version: String,
    confirm_overlap: bool,
}

impl SetForm {
    fn of(set: &InstructionSet) -> Self {
        let d = &set.draft;
        let c = &d.content;
        let wall = |at: NaiveDateTime| at.format("%Y-%m-%dT%H:%M").to_string();
        let mut form = Self {
            title: d.title.clone(),
            start: d.period.map(|p| wall(p.start)).unwrap_or_default(),
            end: d.period.map(|p| wall(p.end)).unwrap_or_default(),
            text: c.text.clone(),
            greeting: c.greeting_override.clone().unwrap_or_default(),
            put_through: c.put_through.iter().map(ToString::to_string).collect(),
            version: set.version.to_string(),
            ..Self::default()
        };
        for o in &c.delivery_overrides {
            match o {
                DeliveryOverride::AllBySms { to } => form.sms_to = to.to_string(),
                DeliveryOverride::AllToEmployee { employee } => {
                    form.colleague = employee.to_string()
                }
                DeliveryOverride::AlsoEmail { to } => form.also_email = to.to_string(),
            }
        }
        form.steps = c
            .emergency
            .iter()
            .map(|step| match step {
                EmergencyStep::Sms { to } => ("sms".into(), to.to_string(), String::new()),
                EmergencyStep::Call { to, name } => ("call".into(), to.to_string(), name.clone()),
                EmergencyStep::Voicemail { to } => {
                    ("voicemail".into(), to.to_string(), String::new())
                }
            })
            .collect();
        form.padded()
    }

    fn read(fields: &Fields) -> Self {
        let kinds = fields.all("step_kind");
        let tos = fields.all("step_to");
        let names = fields.all("step_name");
        let steps = (0..kinds.len().min(STEPS))
            .map(|i| {
                let part = |list: &[&str]| {
                    list.get(i)
                        .map_or_else(String::new, |v| v.trim().to_owned())
                };
                (part(&kinds), part(&tos), part(&names))
            })
            .collect();
        Self {
            title: fields.one("title").to_owned(),
            start: fields.one("start").trim().to_owned(),
            end: fields.one("end").trim().to_owned(),
            text: fields.one("text").replace("\r\n", "\n"),
            greeting: fields.one("greeting").to_owned(),
            put_through: fields
                .all("put_through")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            sms_to: fields.one("sms_to").trim().to_owned(),
            colleague: fields.one("colleague").trim().to_owned(),
            also_email: fields.one("also_email").trim().to_owned(),
            steps,
            version: fields.one("version").to_owned(),
            confirm_overlap: !fields.one("confirm_overlap").is_empty(),
        }
        .padded()
    }

    /// With empty rows up to the steps the form offers.
    fn padded(mut self) -> Self {
        self.steps
            .resize(STEPS.max(self.steps.len()), Default::default());
        self
    }

    fn chosen(&self, employee: &EmployeeId) -> bool {
        self.put_through
            .iter()
            .any(|id| *id == employee.to_string())
    }

    /// The draft, or every field that is wrong (name, message key or text). `temporary`:
    /// the set has a period; `employees`: the client's, the only ones a form may name.
    fn draft(
        &self,
        temporary: bool,
        employees: &[Employee],
        lang: Lang,
    ) -> Result<InstructionSetDraft, Vec<(String, String)>> {
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut wrong =
            |field: &str, message: &str| errors.push((field.to_owned(), message.to_owned()));
        let wall = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M");
        let period = if temporary {
            match (wall(&self.start), wall(&self.end)) {
                (Ok(start), Ok(end)) if end > start => Some(Period { start, end }),
                (Ok(_), Ok(_)) => {
                    wrong("end", lang.t("instr.end_before_start"));
                    None
                }
                (start, end) => {
                    if start.is_err() {
                        wrong("start", lang.t("instr.when_wrong"));
                    }
                    if end.is_err() {
                        wrong("end", lang.t("instr.when_wrong"));
                    }
                    None
                }
            }
        } else {
            None
        };
        let employee = |text: &str| -> Option<EmployeeId> {
            text.parse()
                .ok()
                .filter(|id| employees.iter().any(|e| e.id == *id))
        };
        let mut put_through = Vec::new();
        for id in &self.put_through {
            match employee(id) {
                Some(id) => put_through.push(id),
                None => wrong("put_through", lang.t("instr.no_such_employee")),
            }
        }
        let mut delivery_overrides = Vec::new();
        if !self.sms_to.is_empty() {
            match PhoneNumber::parse(&self.sms_to) {
                Ok(to) => delivery_overrides.push(DeliveryOverride::AllBySms { to }),
                Err(e) => wrong("sms_to", &e),
            }
        }
        if !self.colleague.is_empty() {
            match employee(&self.colleague) {
                Some(employee) => {
                    delivery_overrides.push(DeliveryOverride::AllToEmployee { employee })
                }
                None => wrong("colleague", lang.t("instr.no_such_employee")),
            }
        }
        if !self.also_email.is_empty() {
            match EmailAddress::parse(&self.also_email) {
                Ok(to) => delivery_overrides.push(DeliveryOverride::AlsoEmail { to }),
                Err(e) => wrong("also_email", &e),
            }
        }
        let mut emergency = Vec::new();
        for (i, (kind, to, name)) in self.steps.iter().enumerate() {
            if kind.is_empty() && to.is_empty() {
                continue;
            }
            let field = format!("step_{i}");
            let Ok(to) = PhoneNumber::parse(to) else {
                wrong(&field, lang.t("instr.step_number"));
                continue;
            };
            match kind.as_str() {
                "sms" => emergency.push(EmergencyStep::Sms { to }),
                "voicemail" => emergency.push(EmergencyStep::Voicemail { to }),
                "call" if !name.is_empty() => emergency.push(EmergencyStep::Call {
                    to,
                    name: name.clone(),
                }),
                "call" => wrong(&field, lang.t("instr.step_name")),
                _ => wrong(&field, lang.t("instr.step_kind")),
            }
        }
        let draft = InstructionSetDraft {
            period,
            title: self.title.clone(),
            content: InstructionContent {
                text: self.text.clone(),
                greeting_override: Some(self.greeting.clone()).filter(|g| !g.trim().is_empty()),
                put_through,
                delivery_overrides,
                emergency,
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        draft.validate().map_err(|e| match e {
            centrale_core::Error::Invalid { field, message } => vec![(field, message)],
            other => vec![("text".into(), other.to_string())],
        })
    }
}

/// A set as listed.
struct SetView {
    id: String,
    title: String,
    temporary: bool,
    period: String,
    /// Its text key: in force now, upcoming, ended, or standard.
    status: &'static str,
    changed: String,
}

struct SpanView {
    from: String,
    until: String,
    title: String,
    temporary: bool,
}

struct VersionView {
    version: i64,
    who: String,
    when: String,
    deleted: bool,
    fields: Vec<(&'static str, String, String)>,
    lines: Vec<(&'static str, String)>,
}

fn local(at: DateTime<Utc>, zone: TimeZone) -> String {
    at.with_timezone(&zone.tz())
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

fn period_text(period: &Period) -> String {
    format!(
        "{} – {}",
        period.start.format("%d-%m-%Y %H:%M"),
        period.end.format("%d-%m-%Y %H:%M")
    )
}

fn title_of(set: &InstructionSet, lang: Lang) -> String {
    if set.is_standard() {
        lang.t("pop.standard").to_owned()
    } else if set.draft.title.is_empty() {
        lang.t("pop.temporary").to_owned()
    } else {
        set.draft.title.clone()
    }
}

fn who(actor: &centrale_core::Actor, lang: Lang) -> String {
    match actor.who() {
        Some((email, true)) => format!("{email} ({})", lang.t("instr.by_bureau")),
        Some((email, false)) => email.to_owned(),
        None => lang.t("instr.by_system").to_owned(),
    }
}

fn set_views(sets: &[InstructionSet], zone: TimeZone, lang: Lang) -> Vec<SetView> {
    let now = Utc::now();
    sets.iter()
        .map(|set| {
            let status = match set.draft.period.map(|p| p.instants(zone.tz())) {
                None => "instr.status_standard",
                Some((start, end)) if start <= now && now < end => "instr.status_now",
                Some((start, _)) if now < start => "instr.status_upcoming",
                Some(_) => "instr.status_ended",
            };
            SetView {
                id: set.id.to_string(),
                title: title_of(set, lang),
                temporary: !set.is_standard(),
                period: set
                    .draft
                    .period
                    .as_ref()
                    .map(period_text)
                    .unwrap_or_default(),
                status,
                changed: format!(
                    "{} · {}",
                    local(set.updated_at, zone),
                    who(&set.updated_by, lang)
                ),
            }
        })
        .collect()
}

fn spans(sets: &[InstructionSet], zone: TimeZone, lang: Lang) -> Vec<SpanView> {
    let tz = zone.tz();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = centrale_core::instructions::instant_of(today.and_time(chrono::NaiveTime::MIN), tz);
    let until = centrale_core::instructions::instant_of(
        (today + chrono::Days::new(TIMELINE_DAYS)).and_time(chrono::NaiveTime::MIN),
        tz,
    );
    timeline(sets, tz, from, until)
        .into_iter()
        .filter_map(|span| {
            let set = sets.iter().find(|s| s.id == span.set)?;
            Some(SpanView {
                from: local(span.from, zone),
                until: local(span.until, zone),
                title: title_of(set, lang),
                temporary: !set.is_standard(),
            })
        })
        .collect()
}

/// What each part of a set says, for comparing two versions: (label key, text).
fn parts(draft: &InstructionSetDraft, employees: &[Employee]) -> Vec<(&'static str, String)> {
    let name = |id: &EmployeeId| {
        employees
            .iter()
            .find(|e| e.id == *id)
            .map_or_else(|| id.to_string(), |e| e.draft.name.clone())
    };
    let c = &draft.content;
    let overrides = c
        .delivery_overrides
        .iter()
        .map(|o| match o {
            DeliveryOverride::AllBySms { to } => format!("sms {to}"),
            DeliveryOverride::AllToEmployee { employee } => format!("→ {}", name(employee)),
            DeliveryOverride::AlsoEmail { to } => format!("+ {to}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let steps = c
        .emergency
        .iter()
        .map(|s| match s {
            EmergencyStep::Sms { to } => format!("sms {to}"),
            EmergencyStep::Call { to, name } => format!("call {name} {to}"),
            EmergencyStep::Voicemail { to } => format!("voicemail {to}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("instr.name", draft.title.clone()),
        (
            "instr.period",
            draft.period.as_ref().map(period_text).unwrap_or_default(),
        ),
        (
            "instr.greeting",
            c.greeting_override.clone().unwrap_or_default(),
        ),
        (
            "instr.put_through",
            c.put_through
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("instr.delivery", overrides),
        ("pop.emergency", steps),
    ]
}

fn versions(
    history: &[InstructionVersion],
    employees: &[Employee],
    zone: TimeZone,
    lang: Lang,
) -> Vec<VersionView> {
    let mut views = Vec::with_capacity(history.len());
    let mut before: Option<&InstructionSetDraft> = None;
    for version in history {
        let after = version.set.as_ref().map(|set| &set.draft);
        let text =
            |d: Option<&InstructionSetDraft>| d.map_or(String::new(), |d| d.content.text.clone());
        let (was, now) = (
            before.map(|d| parts(d, employees)),
            after.map(|d| parts(d, employees)),
        );
        let fields = match (&was, &now) {
            (Some(was), Some(now)) => was
                .iter()
                .zip(now)
                .filter(|(a, b)| a.1 != b.1)
                .map(|(a, b)| (a.0, a.1.clone(), b.1.clone()))
                .collect(),
            (None, Some(now)) => now
                .iter()
                .filter(|(_, text)| !text.is_empty())
                .map(|(key, text)| (*key, String::new(), text.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let lines = if after.is_some() {
            diff::lines(&text(before), &text(after))
                .into_iter()
                .map(|line| match line {
                    Line::Same(text) => ("same", text),
                    Line::Removed(text) => ("removed", text),
                    Line::Added(text) => ("added", text),
                })
                .collect()
        } else {
            Vec::new()
        };
        views.push(VersionView {
            version: version.version,
            who: who(&version.changed_by, lang),
            when: local(version.changed_at, zone),
            deleted: version.set.is_none(),
            fields,
            lines,
        });
        before = after.or(before);
    }
    views.reverse();
    views
}

/// The pop of a call now, for the live preview (None without a forwarding number).
async fn preview_pop(
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
        .and_then(|number| card.pop(number, &anonymous, None, Utc::now()))
        .and_then(|pop| serde_json::to_string(&pop).ok()))
}

#[derive(Template)]
#[template(path = "portal/instructions.html")]
struct InstructionsPage {
    shell: Shell,
    frame: Frame,
    /// The new set's form is for a temporary set.
    temporary: bool,
    sets: Vec<SetView>,
    spans: Vec<SpanView>,
    form: SetForm,
    employees: Vec<Employee>,
    errors: FormErrors,
    overlaps: Vec<String>,
    pop: Option<String>,
    client_greeting: String,
}

#[derive(Template)]
#[template(path = "portal/instruction.html")]
struct InstructionPage {
    shell: Shell,
    frame: Frame,
    id: String,
    temporary: bool,
    title: String,
    form: SetForm,
    employees: Vec<Employee>,
    errors: FormErrors,
    overlaps: Vec<String>,
    /// The stored set when an edit lost a race with another one.
    theirs: Option<(SetForm, String)>,
    saved: bool,
    history: Vec<VersionView>,
    pop: Option<String>,
    client_greeting: String,
}

/// What is wrong with a submitted form, by field.
#[derive(Debug, Default)]
struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field` (a core field path such as `content.text` counts as `text`).
    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| {
                f == field
                    || f.strip_prefix("content.").is_some_and(|f| f == field)
                    || f.starts_with(&format!("{field}."))
            })
            .map(|(_, message)| message.as_str())
    }

    /// The message for emergency step `i` (counting from 0).
    fn step(&self, i: &usize) -> Option<&str> {
        self.get(&format!("step_{i}"))
            .or_else(|| self.get(&format!("emergency[{i}]")))
    }
}

/// The list: every set, the timeline, and a form for a new temporary set.
pub(super) async fn list(State(state): State<PortalState>, portal: Portal) -> Response {
    list_page(
        &state,
        &portal,
        SetForm::default().padded(),
        Vec::new(),
        Vec::new(),
    )
    .await
}

async fn list_page(
    state: &PortalState,
    portal: &Portal,
    form: SetForm,
    errors: Vec<(String, String)>,
    overlaps: Vec<String>,
) -> Response {
    let (shell, frame) = match Frame::new(
        state,
        portal,
        "portal.instructions_title",
        "/portal/instructions",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let pop = match preview_pop(state, portal, &card).await {
        Ok(pop) => pop,
        Err(response) => return response,
    };
    let zone = frame.zone;
    let status = if errors.is_empty() && overlaps.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InstructionsPage {
        temporary: true,
        sets: set_views(&card.sets, zone, portal.lang),
        spans: spans(&card.sets, zone, portal.lang),
        shell,
        frame,
        form,
        employees: card.employees,
        errors: FormErrors(errors),
        overlaps,
        pop,
        client_greeting: card.client.draft.greeting,
    };
    (status, render(&page)).into_response()
}

/// The sets `draft`'s period overlaps (other than `except`), described; empty when none or
/// when the user confirmed them.
fn overlaps_of(
    form: &SetForm,
    draft: &InstructionSetDraft,
    card: &ClientCard,
    except: Option<InstructionSetId>,
    lang: Lang,
) -> Vec<String> {
    let Some(period) = &draft.period else {
        return Vec::new();
    };
    if form.confirm_overlap {
        return Vec::new();
    }
    overlapping(&card.sets, card.client.draft.time_zone.tz(), period, except)
        .into_iter()
        .map(|set| {
            format!(
                "{} ({})",
                title_of(set, lang),
                set.draft
                    .period
                    .as_ref()
                    .map(period_text)
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// Creates a temporary set.
pub(super) async fn create(State(state): State<PortalState>, posted: Posted<Fields>) -> Response {
    let Posted { portal, form } = posted;
    let form = SetForm::read(&form);
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let draft = match form.draft(true, &card.employees, portal.lang) {
        Ok(draft) => draft,
        Err(errors) => return list_page(&state, &portal, form, errors, Vec::new()).await,
    };
    let overlaps = overlaps_of(&form, &draft, &card, None, portal.lang);
    if !overlaps.is_empty() {
        return list_page(&state, &portal, form, Vec::new(), overlaps).await;
    }
    match state
        .data
        .create_instruction_set(&portal.scope, &draft)
        .await
    {
        Ok(set) => Redirect::to(&format!("/portal/instructions/{}", set.id)).into_response(),
        Err(centrale_core::Error::Invalid { field, message }) => {
            list_page(&state, &portal, form, vec![(field, message)], Vec::new()).await
        }
        Err(e) => failed(e),
    }
}

/// A set id from the path; one that is none is not found, like another client's.
fn set_id(id: &str) -> Option<InstructionSetId> {
    id.parse().ok()
}

fn no_such_set() -> Response {
    (StatusCode::NOT_FOUND, "instruction set not found").into_response()
}

#[derive(serde::Deserialize)]
pub(super) struct Shown {
    saved: Option<String>,
}

/// One set: its form with the live preview, and its history.
pub(super) async fn show(
    State(state): State<PortalState>,
    portal: Portal,
    Path(id): Path<String>,
    axum::extract::Query(shown): axum::extract::Query<Shown>,
) -> Response {
    let Some(id) = set_id(&id) else {
        return no_such_set();
    };
    match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => {
            let showing = Showing {
                saved: shown.saved.is_some(),
                ..Showing::of(SetForm::of(&set))
            };
            set_page(&state, &portal, &set, showing).await
        }
        Err(e) => failed(e),
    }
}

/// What a set's page shows besides the set: the form as typed and how saving it went.
struct Showing {
    form: SetForm,
    errors: Vec<(String, String)>,
    overlaps: Vec<String>,
    /// The stored set and who changed it when, when an edit lost a race with another one.
    theirs: Option<(SetForm, String)>,
    saved: bool,
}

impl Showing {
    fn of(form: SetForm) -> Self {
        Self {
            form,
            errors: Vec::new(),
            overlaps: Vec::new(),
            theirs: None,
            saved: false,
        }
    }

    fn wrong(form: SetForm, errors: Vec<(String, String)>) -> Self {
        Self {
            errors,
            ..Self::of(form)
        }
    }
}

async fn set_page(
    state: &PortalState,
    portal: &Portal,
    set: &InstructionSet,
    showing: Showing,
) -> Response {
    let Showing {
        form,
        errors,
        overlaps,
        theirs,
        saved,
    } = showing;
    let (shell, frame) = match Frame::new(
        state,
        portal,
        "portal.instructions_title",
        "/portal/instructions",
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let (card, history) = match (
        state.data.card(&portal.scope).await,
        state.data.instruction_history(&portal.scope, set.id).await,
    ) {
        (Ok(card), Ok(history)) => (card, history),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let pop = match preview_pop(state, portal, &card).await {
        Ok(pop) => pop,
        Err(response) => return response,
    };
    let status = if theirs.is_some() {
        StatusCode::CONFLICT
    } else if errors.is_empty() && overlaps.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = InstructionPage {
        history: versions(&history, &card.employees, frame.zone, portal.lang),
        shell,
        frame,
        id: set.id.to_string(),
        temporary: !set.is_standard(),
        title: title_of(set, portal.lang),
        form,
        employees: card.employees,
        errors: FormErrors(errors),
        overlaps,
        theirs,
        saved,
        pop,
        client_greeting: card.client.draft.greeting,
    };
    (status, render(&page)).into_response()
}

/// Saves a set, only on the version the form was made from.
pub(super) async fn update(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let Some(id) = set_id(&id) else {
        return no_such_set();
    };
    let set = match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => set,
        Err(e) => return failed(e),
    };
    let form = SetForm::read(&form);
    let card = match state.data.card(&portal.scope).await {
        Ok(card) => card,
        Err(e) => return failed(e),
    };
    let draft = match form.draft(!set.is_standard(), &card.employees, portal.lang) {
        Ok(draft) => draft,
        Err(errors) => return set_page(&state, &portal, &set, Showing::wrong(form, errors)).await,
    };
    let overlaps = overlaps_of(&form, &draft, &card, Some(set.id), portal.lang);
    if !overlaps.is_empty() {
        return set_page(
            &state,
            &portal,
            &set,
            Showing {
                overlaps,
                ..Showing::of(form)
            },
        )
        .await;
    }
    let Ok(expected) = form.version.parse::<i64>() else {
        let message = portal.lang.t("instr.changed_meanwhile").to_owned();
        return set_page(
            &state,
            &portal,
            &set,
            Showing::wrong(form, vec![("version".into(), message)]),
        )
        .await;
    };
    match state
        .data
        .update_instruction_set(&portal.scope, id, &draft, expected)
        .await
    {
        Ok(_) => Redirect::to(&format!("/portal/instructions/{id}?saved=1")).into_response(),
        Err(centrale_core::Error::Conflict { .. }) => {
            // Someone saved first: show theirs beside what was typed; saving again overwrites.
            let current = match state.data.instruction_set(&portal.scope, id).await {
                Ok(current) => current,
                Err(e) => return failed(e),
            };
            let changed = format!(
                "{} · {}",
                local(current.updated_at, card.client.draft.time_zone),
                who(&current.updated_by, portal.lang)
            );
            let mut yours = form;
            yours.version = current.version.to_string();
            let theirs = Some((SetForm::of(&current), changed));
            set_page(
                &state,
                &portal,
                &current,
                Showing {
                    theirs,
                    ..Showing::of(yours)
                },
            )
            .await
        }
        Err(centrale_core::Error::Invalid { field, message }) => {
            set_page(
                &state,
                &portal,
                &set,
                Showing::wrong(form, vec![(field, message)]),
            )
            .await
        }
        Err(e) => failed(e),
    }
}

/// Ends a temporary set in force now: its period ends at this minute.
pub(super) async fn end(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let Some(id) = set_id(&id) else {
        return no_such_set();
    };
    let set = match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => set,
        Err(e) => return failed(e),
    };
    let client = match state.data.client(&portal.scope).await {
        Ok(client) => client,
        Err(e) => return failed(e),
    };
    let tz = client.draft.time_zone.tz();
    let now = Utc::now();
    let Some(period) = set.draft.period.filter(|p| p.contains(tz, now)) else {
        let message = portal.lang.t("instr.end_not_in_force").to_owned();
        return set_page(
            &state,
            &portal,
            &set,
            Showing::wrong(SetForm::of(&set), vec![("end".into(), message)]),
        )
        .await;
    };
    let minute = now
        .with_timezone(&tz)
        .naive_local()
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut draft = set.draft.clone();
    let end = NaiveDateTime::parse_from_str(&minute, "%Y-%m-%dT%H:%M").unwrap_or(period.end);
    // Ended this minute; a set that started this very minute ends a minute later.
    draft.period = Some(Period {
        start: period.start,
        end: end.max(period.start + chrono::Duration::minutes(1)),
    });
    let expected = form.one("version").parse().unwrap_or(set.version);
    match state
        .data
        .update_instruction_set(&portal.scope, id, &draft, expected)
        .await
    {
        Ok(_) => Redirect::to(&format!("/portal/instructions/{id}?saved=1")).into_response(),
        Err(centrale_core::Error::Conflict { .. }) => show_again(&state, &portal, id).await,
        Err(e) => failed(e),
    }
}

async fn show_again(state: &PortalState, portal: &Portal, id: InstructionSetId) -> Response {
    match state.data.instruction_set(&portal.scope, id).await {
        Ok(set) => {
            let message = portal.lang.t("instr.changed_meanwhile").to_owned();
            set_page(
                state,
                portal,
                &set,
                Showing::wrong(SetForm::of(&set), vec![("version".into(), message)]),
            )
            .await
        }
        Err(e) => failed(e),
    }
}

/// Deletes a temporary set (its history stays).
pub(super) async fn delete(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    posted: Posted<Fields>,
) -> Response {
    let portal = posted.portal;
    let Some(id) = set_id(&id) else {
        return no_such_set();
    };
    match state.data.delete_instruction_set(&portal.scope, id).await {
        Ok(()) => Redirect::to("/portal/instructions").into_response(),
        Err(centrale_core::Error::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(e) => failed(e),
    }
}
