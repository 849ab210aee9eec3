//! Employees and known callers: who works at the client (roles, numbers, reachable for
//! transfers, how notes reach them) and whom the operator should recognise ("extra aandacht").

use super::PortalState;
use super::pages::{Frame, PathId, failed};
use super::session::{Fields, Portal, Posted};
use crate::console::{Shell, render};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use centrale_core::{
    Contact, ContactDraft, ContactId, EmailAddress, Employee, EmployeeDraft, EmployeeId,
    PhoneNumber, SmsPreference,
};

/// An employee's form as typed.
#[derive(Clone, Debug, Default)]
pub(super) struct EmployeeForm {
    name: String,
    role: String,
    emails: String,
    mobile: String,
    landline: String,
    reachable: bool,
    sms: String,
}

impl EmployeeForm {
    fn of(e: &Employee) -> Self {
        let d = &e.draft;
        Self {
            name: d.name.clone(),
            role: d.role.clone(),
            emails: d
                .emails
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            mobile: d
                .mobile
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            landline: d
                .landline
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            reachable: d.reachable,
            sms: sms_code(&d.sms).to_owned(),
        }
    }

    fn blank() -> Self {
        Self {
            reachable: true,
            sms: "never".into(),
            ..Self::default()
        }
    }

    fn read(fields: &Fields) -> Self {
        Self {
            name: fields.one("name").to_owned(),
            role: fields.one("role").to_owned(),
            emails: fields.one("emails").to_owned(),
            mobile: fields.one("mobile").trim().to_owned(),
            landline: fields.one("landline").trim().to_owned(),
            reachable: !fields.one("reachable").is_empty(),
            sms: fields.one("sms").to_owned(),
        }
    }

    /// The draft, or the first wrong field and what is wrong.
    fn draft(&self, lang: Lang) -> Result<EmployeeDraft, (&'static str, String)> {
        let emails = addresses(&self.emails).map_err(|e| ("emails", e))?;
        let number = |text: &str,
                      field: &'static str|
         -> Result<Option<PhoneNumber>, (&'static str, String)> {
            if text.is_empty() {
                Ok(None)
            } else {
                PhoneNumber::parse(text).map(Some).map_err(|e| (field, e))
            }
        };
        let mobile = number(&self.mobile, "mobile")?;
        let landline = number(&self.landline, "landline")?;
        let sms = match self.sms.as_str() {
            "urgent_only" => SmsPreference::UrgentOnly,
            "always" => SmsPreference::Always,
            _ => SmsPreference::Never,
        };
        if sms != SmsPreference::Never && mobile.is_none() {
            return Err(("mobile", lang.t("people.sms_needs_mobile").to_owned()));
        }
        Ok(EmployeeDraft {
            name: self.name.clone(),
            role: self.role.clone(),
            emails,
            mobile,
            landline,
            reachable: self.reachable,
            sms,
        })
    }
}

/// E-mail addresses typed with commas, semicolons, spaces or one per line.
pub(super) fn addresses(text: &str) -> Result<Vec<EmailAddress>, String> {
    text.split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(EmailAddress::parse)
        .collect()
}

pub(super) fn sms_code(sms: &SmsPreference) -> &'static str {
    match *sms {
        SmsPreference::Never => "never",
        SmsPreference::UrgentOnly => "urgent_only",
        SmsPreference::Always => "always",
    }
}

/// A known caller's form as typed.
#[derive(Clone, Debug, Default)]
pub(super) struct CallerForm {
    number: String,
    name: String,
    company: String,
    remarks: String,
    vip: bool,
}

impl CallerForm {
    fn of(c: &Contact) -> Self {
        let d = &c.draft;
        Self {
            number: d.number.to_string(),
            name: d.name.clone(),
            company: d.company.clone(),
            remarks: d.remarks.clone(),
            vip: d.vip,
        }
    }

    fn read(fields: &Fields) -> Self {
        Self {
            number: fields.one("number").trim().to_owned(),
            name: fields.one("name").to_owned(),
            company: fields.one("company").to_owned(),
            remarks: fields.one("remarks").replace("\r\n", "\n"),
            vip: !fields.one("vip").is_empty(),
        }
    }

    fn draft(&self) -> Result<ContactDraft, (&'static str, String)> {
        Ok(ContactDraft {
            number: PhoneNumber::parse(&self.number).map_err(|e| ("number", e))?,
            name: self.name.clone(),
            company: self.company.clone(),
            remarks: self.remarks.clone(),
            vip: self.vip,
        })
    }
}

#[derive(Template)]
#[template(path = "portal/people.html")]
struct PeoplePage {
    shell: Shell,
    frame: Frame,
    employees: Vec<Employee>,
    callers: Vec<Contact>,
    employee: EmployeeForm,
    known: CallerForm,
    /// Which form the error is about ("employee" or "caller"), the field and the message.
    error: Option<(&'static str, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "portal/person.html")]
struct PersonPage {
    shell: Shell,
    frame: Frame,
    action: String,
    employee: Option<EmployeeForm>,
    known: Option<CallerForm>,
    error: Option<(&'static str, &'static str, String)>,
}

impl PeoplePage {
    fn wrong(&self, form: &str, field: &str) -> Option<&str> {
        wrong(&self.error, form, field)
    }
}

impl PersonPage {
    fn wrong(&self, form: &str, field: &str) -> Option<&str> {
        wrong(&self.error, form, field)
    }
}

fn wrong<'a>(
    error: &'a Option<(&'static str, &'static str, String)>,
    form: &str,
    field: &str,
) -> Option<&'a str> {
    error
        .as_ref()
        .filter(|(f, name, _)| *f == form && *name == field)
        .map(|(_, _, message)| message.as_str())
}

/// The sms preference's label.
pub(super) fn sms_label(lang: &Lang, code: &str) -> &'static str {
    lang.t(match code {
        "urgent_only" => "people.sms_urgent_only",
        "always" => "people.sms_always",
        _ => "people.sms_never",
    })
}

async fn people_page(
    state: &PortalState,
    portal: &Portal,
    employee: EmployeeForm,
    caller: CallerForm,
    error: Option<(&'static str, &'static str, String)>,
) -> Response {
    let (shell, frame) =
        match Frame::new(state, portal, "portal.people_title", "/portal/employees").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let (employees, callers) = match (
        state.data.employees(&portal.scope).await,
        state.data.contacts(&portal.scope).await,
    ) {
        (Ok(e), Ok(c)) => (e, c),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&PeoplePage {
            shell,
            frame,
            employees,
            callers,
            employee,
            known: caller,
            error,
        }),
    )
        .into_response()
}

async fn person_page(
    state: &PortalState,
    portal: &Portal,
    action: String,
    employee: Option<EmployeeForm>,
    caller: Option<CallerForm>,
    error: Option<(&'static str, &'static str, String)>,
) -> Response {
    let (shell, frame) =
        match Frame::new(state, portal, "portal.people_title", "/portal/employees").await {
            Ok(page) => page,
            Err(response) => return response,
        };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&PersonPage {
            shell,
            frame,
            action,
            employee,
            known: caller,
            error,
        }),
    )
        .into_response()
}

/// A core refusal as the form's error; any other failure as it was.
fn refused(
    form: &'static str,
    e: centrale_core::Error,
) -> Result<(&'static str, &'static str, String), centrale_core::Error> {
    match e {
        centrale_core::Error::Invalid { field, message } => {
            let field = match field.as_str() {
                "role" => "role",
                "company" => "company",
                "remarks" => "remarks",
                _ => "name",
            };
            Ok((form, field, message))
        }
        centrale_core::Error::Conflict { message, .. } => Ok((form, "number", message)),
        other => Err(other),
    }
}

pub(super) async fn list(State(state): State<PortalState>, portal: Portal) -> Response {
    people_page(
        &state,
        &portal,
        EmployeeForm::blank(),
        CallerForm::default(),
        None,
    )
    .await
}

pub(super) async fn create_employee(
    State(state): State<PortalState>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let typed = EmployeeForm::read(&form);
    let draft = match typed.draft(portal.lang) {
        Ok(draft) => draft,
        Err((field, message)) => {
            return people_page(
                &state,
                &portal,
                typed,
                CallerForm::default(),
                Some(("employee", field, message)),
            )
            .await;
        }
    };
    match state.data.create_employee(&portal.scope, &draft).await {
        Ok(_) => Redirect::to("/portal/employees").into_response(),
        Err(e) => match refused("employee", e) {
            Ok(error) => {
                people_page(&state, &portal, typed, CallerForm::default(), Some(error)).await
            }
            Err(e) => failed(e),
        },
    }
}

pub(super) async fn show_employee(
    State(state): State<PortalState>,
    portal: Portal,
    PathId(id): PathId<EmployeeId>,
) -> Response {
    match state.data.employee(&portal.scope, id).await {
        Ok(e) => {
            person_page(
                &state,
                &portal,
                format!("/portal/employees/{id}"),
                Some(EmployeeForm::of(&e)),
                None,
                None,
            )
            .await
        }
        Err(e) => failed(e),
    }
}

pub(super) async fn update_employee(
    State(state): State<PortalState>,
    PathId(id): PathId<EmployeeId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let typed = EmployeeForm::read(&form);
    let action = format!("/portal/employees/{id}");
    let draft = match typed.draft(portal.lang) {
        Ok(draft) => draft,
        Err((field, message)) => {
            return person_page(
                &state,
                &portal,
                action,
                Some(typed),
                None,
                Some(("employee", field, message)),
            )
            .await;
        }
    };
    match state.data.update_employee(&portal.scope, id, &draft).await {
        Ok(_) => Redirect::to("/portal/employees").into_response(),
        Err(e) => match refused("employee", e) {
            Ok(error) => person_page(&state, &portal, action, Some(typed), None, Some(error)).await,
            Err(e) => failed(e),
        },
    }
}

pub(super) async fn delete_employee(
    State(state): State<PortalState>,
    PathId(id): PathId<EmployeeId>,
    posted: Posted<Fields>,
) -> Response {
    match state.data.delete_employee(&posted.portal.scope, id).await {
        Ok(()) => Redirect::to("/portal/employees").into_response(),
        Err(e) => failed(e),
    }
}

pub(super) async fn create_caller(
    State(state): State<PortalState>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let typed = CallerForm::read(&form);
    let draft = match typed.draft() {
        Ok(draft) => draft,
        Err((field, message)) => {
            return people_page(
                &state,
                &portal,
                EmployeeForm::blank(),
                typed,
                Some(("caller", field, message)),
            )
            .await;
        }
    };
    match state.data.create_contact(&portal.scope, &draft).await {
        Ok(_) => Redirect::to("/portal/employees#callers").into_response(),
        Err(e) => match refused("caller", e) {
            Ok(error) => {
                people_page(&state, &portal, EmployeeForm::blank(), typed, Some(error)).await
            }
            Err(e) => failed(e),
        },
    }
}

pub(super) async fn show_caller(
    State(state): State<PortalState>,
    portal: Portal,
    PathId(id): PathId<ContactId>,
) -> Response {
    match state.data.contact(&portal.scope, id).await {
        Ok(c) => {
            person_page(
                &state,
                &portal,
                format!("/portal/callers/{id}"),
                None,
                Some(CallerForm::of(&c)),
                None,
            )
            .await
        }
        Err(e) => failed(e),
    }
}

pub(super) async fn update_caller(
    State(state): State<PortalState>,
    PathId(id): PathId<ContactId>,
    posted: Posted<Fields>,
) -> Response {
    let Posted { portal, form } = posted;
    let typed = CallerForm::read(&form);
    let action = format!("/portal/callers/{id}");
    let draft = match typed.draft() {
        Ok(draft) => draft,
        Err((field, message)) => {
            return person_page(
                &state,
                &portal,
                action,
                None,
                Some(typed),
                Some(("caller", field, message)),
            )
            .await;
        }
    };
    match state.data.update_contact(&portal.scope, id, &draft).await {
        Ok(_) => Redirect::to("/portal/employees#callers").into_response(),
        Err(e) => match refused("caller", e) {
            Ok(error) => person_page(&state, &portal, action, None, Some(typed), Some(error)).await,
            Err(e) => failed(e),
        },
    }
}

pub(super) async fn delete_caller(
    State(state): State<PortalState>,
    PathId(id): PathId<ContactId>,
    posted: Posted<Fields>,
) -> Response {
    match state.data.delete_contact(&posted.portal.scope, id).await {
        Ok(()) => Redirect::to("/portal/employees#callers").into_response(),
        Err(e) => failed(e),
    }
}
