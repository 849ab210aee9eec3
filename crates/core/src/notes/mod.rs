//! Call notes (gespreksnotities): what the operator writes down, and whom it goes to.
//!
//! A [`NoteDraft`] is what the operator types; [`CallNote`] is the stored note with its
//! [`Delivery`] rows (the outbox the delivery worker empties). Whom a note goes to is the
//! pure rule [`recipients`], given the instructions in force at the call. Text is kept as typed: markup in a message is stored verbatim
//! and escaped wherever it is shown.

mod callback;

pub use callback::{Callback, CallbackTime};

use crate::client::optional_text;
use crate::instructions::{DeliveryOverride, EmergencyStep, InstructionContent};
use crate::{
    Actor, CallId, Client, ClientId, DeliveryId, Employee, EmployeeId, Error, Language, NoteId,
    PhoneNumber, Result, SmsPreference, TimeZone,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest caller name or company accepted.
pub const MAX_NAME_LEN: usize = 200;
/// Longest message accepted.
pub const MAX_MESSAGE_LEN: usize = 5_000;
/// Longest callback wish accepted.
pub const MAX_CALLBACK_LEN: usize = 200;
/// Longest action accepted.
pub const MAX_ACTION_LEN: usize = 200;
/// How many actions a note may list.
pub const MAX_ACTIONS: usize = 20;
/// How many employees one note may be for.
pub const MAX_EMPLOYEES: usize = 50;

/// An earlier note about a caller, in short.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoteSummary {
    pub id: NoteId,
    pub call_id: Option<CallId>,
    pub created_at: DateTime<Utc>,
    pub caller_name: String,
    pub message: String,
    pub urgent: bool,
}

/// A note as the operator writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteDraft {
    #[serde(default)]
    pub caller_name: String,
    #[serde(default)]
    pub caller_company: String,
    #[serde(default)]
    pub caller_phone: Option<PhoneNumber>,
    #[serde(default)]
    pub message: String,
    /// The employees the note is for.
    #[serde(default)]
    pub for_employees: Vec<EmployeeId>,
    /// Also (or only) for the client's general addresses.
    #[serde(default)]
    pub for_general: bool,
    #[serde(default)]
    pub urgent: bool,
    /// When the caller wants to be called back, as they said it ("after 14:00").
    #[serde(default)]
    pub callback_wish: Option<String>,
    /// The callback agreed: with whom, when, the number to call.
    #[serde(default)]
    pub callback: Option<Callback>,
    /// What the operator did, e.g. "transferred", "callback agreed".
    #[serde(default)]
    pub actions: Vec<String>,
    /// The steps of the emergency procedure she took, in order, each with its outcome.
    #[serde(default)]
    pub emergency: Vec<EmergencyAction>,
}

/// A step of the emergency procedure in force that the operator took: which, when, by whom
/// (set by Centrale from the session that saved it first) and how it went. An SMS step sends
/// the note by SMS to its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyAction {
    pub step: EmergencyStep,
    pub at: DateTime<Utc>,
    /// E.g. "sms sent", "reached", "not reached", "done".
    #[serde(default)]
    pub outcome: String,
    /// Who took the step (`staff:anna@…`); filled in by Centrale.
    #[serde(default)]
    pub by: Option<String>,
}

impl NoteDraft {
    /// Checks lengths and that the note says something: a message or at least who called.
    pub fn validate(self) -> Result<Self> {
        let caller_name = optional_text("caller_name", &self.caller_name, MAX_NAME_LEN)?;
        let caller_company = optional_text("caller_company", &self.caller_company, MAX_NAME_LEN)?;
        let message = optional_text("message", &self.message, MAX_MESSAGE_LEN)?;
        if message.is_empty() && caller_name.is_empty() {
            return Err(Error::invalid(
                "message",
                "write a message or at least the caller's name",
            ));
        }
        let callback_wish = match self.callback_wish {
            Some(wish) => Some(optional_text("callback_wish", &wish, MAX_CALLBACK_LEN)?)
                .filter(|w| !w.is_empty()),
            None => None,
        };
        if self.actions.len() > MAX_ACTIONS {
            return Err(Error::invalid(
                "actions",
                format!("a note lists at most {MAX_ACTIONS} actions"),
            ));
        }
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, action) in self.actions.iter().enumerate() {
            let action = optional_text(&format!("actions[{i}]"), action, MAX_ACTION_LEN)?;
            if !action.is_empty() {
                actions.push(action);
            }
        }
        if self.emergency.len() > MAX_ACTIONS {
            return Err(Error::invalid(
                "emergency",
                format!("a note lists at most {MAX_ACTIONS} emergency steps"),
            ));
        }
        let mut emergency = Vec::with_capacity(self.emergency.len());
        for (i, action) in self.emergency.into_iter().enumerate() {
            let field = format!("emergency[{i}].outcome");
            let outcome = optional_text(&field, &action.outcome, MAX_ACTION_LEN)?;
            emergency.push(EmergencyAction { outcome, ..action });
        }
        if self.for_employees.len() > MAX_EMPLOYEES {
            return Err(Error::invalid(
                "for_employees",
                format!("a note is for at most {MAX_EMPLOYEES} employees"),
            ));
        }
        let mut for_employees: Vec<EmployeeId> = Vec::with_capacity(self.for_employees.len());
        for id in self.for_employees {
            if !for_employees.contains(&id) {
                for_employees.push(id);
            }
        }
        let callback = self
            .callback
            .map(|callback| callback.validate(self.caller_phone.as_ref()))
            .transpose()?;
        Ok(Self {
            caller_name,
            caller_company,
            message,
            callback_wish,
            callback,
            actions,
            emergency,
            for_employees,
            ..self
        })
    }

    /// Checks that every emergency step taken is one of the procedure in force (`steps`), and
    /// says who took the ones nobody has yet: `by`.
    pub fn check_emergency(mut self, steps: &[EmergencyStep], by: &Actor) -> Result<Self> {
        for (i, action) in self.emergency.iter_mut().enumerate() {
            if !steps.contains(&action.step) {
                return Err(Error::invalid(
                    format!("emergency[{i}].step"),
                    "not a step of the emergency procedure in force",
                ));
            }
            action.by.get_or_insert_with(|| by.as_str().to_owned());
        }
        Ok(self)
    }

    /// Checks that every employee the note is for, and the one to call back, is one of
    /// `employees` (the client's).
    pub fn check_employees(&self, employees: &[Employee]) -> Result<()> {
        let known = |id: &EmployeeId| employees.iter().any(|e| e.id == *id);
        if let Some(i) = self.for_employees.iter().position(|id| !known(id)) {
            return Err(Error::invalid(
                format!("for_employees[{i}]"),
                "the client has no such employee",
            ));
        }
        match self.callback.as_ref().and_then(|c| c.with.as_ref()) {
            Some(with) if !known(with) => Err(Error::invalid(
                "callback.with",
                "the client has no such employee",
            )),
            _ => Ok(()),
        }
    }
}

/// How a note is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for the delivery worker (also between attempts).
    Queued,
    /// Accepted by the next hop (mail server, SMS gateway).
    Sent,
    /// Confirmed by a delivery receipt (SMS).
    Delivered,
    /// Failed for good (permanent refusal, invalid address, or given up); see `last_error`.
    Failed,
}

/// Someone a note must reach, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Recipient {
    pub channel: Channel,
    /// An e-mail address or an E.164 number.
    pub to: String,
    /// The employee it is for; none for the client's general addresses.
    pub employee_id: Option<EmployeeId>,
}

/// One delivery of a note (a row of the outbox).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Delivery {
    pub id: DeliveryId,
    pub channel: Channel,
    /// An e-mail address or an E.164 number.
    pub recipient: String,
    pub employee_id: Option<EmployeeId>,
    pub status: DeliveryStatus,
    pub created_at: DateTime<Utc>,
    /// Attempts made so far (a claimed attempt counts, even when the worker died during it).
    pub attempts: u32,
    /// Why the last attempt failed; kept while retrying and when failed.
    pub last_error: Option<String>,
    /// When the next hop accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A claimed delivery with what composing its message needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub delivery: Delivery,
    /// The note (its `deliveries` left empty).
    pub note: CallNote,
    pub client_name: String,
    pub language: Language,
    pub time_zone: TimeZone,
    /// Names of the employees the note is for, in the note's order.
    pub employee_names: Vec<String>,
    /// The name of the employee who is to call back, when the callback names one.
    pub callback_with: Option<String>,
}

/// A delivery that failed for good, for supervisors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FailedDelivery {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub note_id: NoteId,
    pub client_id: ClientId,
    pub client_name: String,
}

/// A note as stored, with its deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallNote {
    pub id: NoteId,
    pub client_id: ClientId,
    /// The call it was taken on; none for a call taken outside Centrale.
    pub call_id: Option<CallId>,
    #[serde(flatten)]
    pub draft: NoteDraft,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deliveries: Vec<Delivery>,
}

/// A note's text before one edit: who changed it, when, and what it said until then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NoteVersion {
    /// 1 for the first edit, then 2, …
    pub seq: i64,
    #[schema(value_type = String)]
    pub edited_by: Actor,
    pub edited_at: DateTime<Utc>,
    /// The note as it was before this edit.
    pub previous: NoteDraft,
}

/// Whom a note goes to, each once, given the instructions in force when the call arrived
/// (for a note without a call: when it is saved).
///
/// 1. **Whom it is for.** The employees the note names (ids that are not among
///    `employees`, the client's, are ignored). While an
///    [`AllToEmployee`](DeliveryOverride::AllToEmployee) override is in force, a note naming
///    anyone is for that colleague instead (the first such override naming one of the
///    client's employees counts; one naming no employee of the client is ignored).
/// 2. **E-mail to the employees:** every address of each of them — unless an
///    [`AllBySms`](DeliveryOverride::AllBySms) override is in force (see 5).
/// 3. **E-mail to the general addresses** (the client's `emails`) when the note is for the
///    general address (`for_general`) or for nobody in particular; also when it is for
///    employees none of whom has an e-mail address and no `AllBySms` override is in force,
///    so a note always reaches someone.
/// 4. **E-mail to every [`AlsoEmail`](DeliveryOverride::AlsoEmail) address**, always.
/// 5. **SMS to the employees:** to the mobile of each of them by *their own* preference
///    (`always`, or `urgent_only` and the note is urgent). An employee's preference is
///    always set (it defaults to `never` when the employee is made) and is never overridden
///    by the client's default. While an `AllBySms{to}` override is in force, the employees
///    get neither e-mail nor SMS: the note goes by SMS to each `AllBySms` number instead.
///    The general addresses (3) and `AlsoEmail` (4) are kept; so is the daily list, which is
///    not a per-note delivery.
/// 6. **The client's default** (`sms_default`) applies to notes for the general address or
///    for nobody in particular: by it (`always`, or `urgent_only` and the note is urgent),
///    an SMS goes to each number of the emergency procedure's SMS steps, the only SMS
///    numbers a client names for itself.
/// 7. **Urgent notes** follow the emergency procedure: an SMS to each
///    [`EmergencyStep::Sms`] number (the procedure's calls and voicemails are the
///    operator's to do, not deliveries).
///
/// A channel and address appear once, with the first reason that put them there (so an
/// employee's address that is also a general one keeps the employee). Order: e-mails to
/// employees, general addresses, `AlsoEmail`; then SMS to employees or `AllBySms` numbers,
/// then emergency numbers.
pub fn recipients(
    note: &NoteDraft,
    client: &Client,
    employees: &[Employee],
    instructions: &InstructionContent,
) -> Vec<Recipient> {
    let named: Vec<&Employee> = note
        .for_employees
        .iter()
        .filter_map(|id| employees.iter().find(|e| e.id == *id))
        .collect();
    let colleague = instructions
        .delivery_overrides
        .iter()
        .filter_map(|o| match o {
            DeliveryOverride::AllToEmployee { employee } => {
                employees.iter().find(|e| e.id == *employee)
            }
            _ => None,
        })
        .next();
    let addressed: Vec<&Employee> = match colleague {
        Some(colleague) if !named.is_empty() => vec![colleague],
        _ => named,
    };
    let by_sms: Vec<&PhoneNumber> = instructions
        .delivery_overrides
        .iter()
        .filter_map(|o| match o {
            DeliveryOverride::AllBySms { to } => Some(to),
            _ => None,
        })
        .collect();
    let emergency_sms: Vec<&PhoneNumber> = instructions
        .emergency
        .iter()
        .filter_map(|step| match step {
            EmergencyStep::Sms { to } => Some(to),
            _ => None,
        })
        .collect();
    let wants_sms = |preference: SmsPreference| match preference {
        SmsPreference::Always => true,
        SmsPreference::UrgentOnly => note.urgent,
        SmsPreference::Never => false,
    };
    let general_note = note.for_general || addressed.is_empty();

    let mut out: Vec<Recipient> = Vec::new();
    let mut add = |channel, to: &str, employee_id| {
        if !out.iter().any(|r| r.channel == channel && r.to == to) {
            out.push(Recipient {
                channel,
                to: to.to_owned(),
                employee_id,
            });
        }
    };
    if by_sms.is_empty() {
        for employee in &addressed {
            for address in &employee.draft.emails {
                add(Channel::Email, address.as_str(), Some(employee.id));
            }
        }
    }
    let employee_mail = addressed.iter().any(|e| !e.draft.emails.is_empty());
    if general_note || (by_sms.is_empty() && !employee_mail) {
        for address in &client.draft.emails {
            add(Channel::Email, address.as_str(), None);
        }
    }
    for o in &instructions.delivery_overrides {
        if let DeliveryOverride::AlsoEmail { to } = o {
            add(Channel::Email, to.as_str(), None);
        }
    }
    if by_sms.is_empty() {
        for employee in &addressed {
            if let (true, Some(mobile)) = (wants_sms(employee.draft.sms), &employee.draft.mobile) {
                add(Channel::Sms, mobile.as_str(), Some(employee.id));
            }
        }
    } else {
        for to in &by_sms {
            add(Channel::Sms, to.as_str(), None);
        }
    }
    if note.urgent || (general_note && wants_sms(client.draft.sms_default)) {
        for to in &emergency_sms {
            add(Channel::Sms, to.as_str(), None);
        }
    }
    // An SMS step the operator took sends the note to its number, whatever else applies.
    for action in &note.emergency {
        if let EmergencyStep::Sms { to } = &action.step {
            add(Channel::Sms, to.as_str(), None);
        }
    }
    out
}

#[cfg(test)]
mod tests;
