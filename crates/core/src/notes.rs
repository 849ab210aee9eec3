//! Call notes (gespreksnotities): what the operator writes down, and whom it goes to.
//!
//! A [`NoteDraft`] is what the operator types; [`CallNote`] is the stored note with its
//! [`Delivery`] rows (the outbox the delivery worker empties). Whom a note goes to is the
//! pure rule [`recipients`], given the instructions in force at the call. Text is kept as typed: markup in a message is stored verbatim
//! and escaped wherever it is shown.

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
    /// What the operator did, e.g. "transferred", "callback agreed".
    #[serde(default)]
    pub actions: Vec<String>,
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
        Ok(Self {
            caller_name,
            caller_company,
            message,
            callback_wish,
            actions,
            for_employees,
            ..self
        })
    }

    /// Checks that every employee the note is for is one of `employees` (the client's).
    pub fn check_employees(&self, employees: &[Employee]) -> Result<()> {
        match self
            .for_employees
            .iter()
            .position(|id| !employees.iter().any(|e| e.id == *id))
        {
            Some(i) => Err(Error::invalid(
                format!("for_employees[{i}]"),
                "the client has no such employee",
            )),
            None => Ok(()),
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientDraft, EmailAddress, EmployeeDraft};

    fn email(text: &str) -> EmailAddress {
        EmailAddress::parse(text).unwrap()
    }

    fn client(emails: &[&str]) -> Client {
        Client {
            id: ClientId::new(),
            draft: ClientDraft {
                name: "Bakkerij".into(),
                greeting: "Goedemorgen".into(),
                emails: emails.iter().map(|e| email(e)).collect(),
                time_zone: Default::default(),
                language: Default::default(),
                status: Default::default(),
                sms_default: Default::default(),
            },
            created_at: Utc::now(),
        }
    }

    fn employee(client: &Client, emails: &[&str], mobile: &str, sms: SmsPreference) -> Employee {
        Employee {
            id: EmployeeId::new(),
            client_id: client.id,
            draft: EmployeeDraft {
                name: "Piet".into(),
                role: String::new(),
                emails: emails.iter().map(|e| email(e)).collect(),
                mobile: Some(PhoneNumber::parse(mobile).unwrap()),
                landline: None,
                reachable: true,
                sms,
            },
        }
    }

    fn note(for_employees: &[&Employee], urgent: bool) -> NoteDraft {
        NoteDraft {
            message: "Please call back".into(),
            for_employees: for_employees.iter().map(|e| e.id).collect(),
            urgent,
            ..NoteDraft::default()
        }
    }

    /// Whom a note goes to under instructions without overrides or emergency steps.
    fn plain(note: &NoteDraft, client: &Client, employees: &[Employee]) -> Vec<Recipient> {
        recipients(note, client, employees, &InstructionContent::default())
    }

    fn phone(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).unwrap()
    }

    fn with(overrides: Vec<DeliveryOverride>, emergency: Vec<EmergencyStep>) -> InstructionContent {
        InstructionContent {
            delivery_overrides: overrides,
            emergency,
            ..InstructionContent::default()
        }
    }

    fn to(recipients: &[Recipient]) -> Vec<(Channel, &str)> {
        recipients
            .iter()
            .map(|r| (r.channel, r.to.as_str()))
            .collect()
    }

    #[test]
    fn employees_get_mail_and_sms_as_they_prefer() {
        let c = client(&["info@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl", "p@home.nl"],
            "0612345678",
            SmsPreference::UrgentOnly,
        );
        let anna = employee(
            &c,
            &["anna@bakkerij.nl"],
            "0687654321",
            SmsPreference::Always,
        );
        let kees = employee(
            &c,
            &["kees@bakkerij.nl"],
            "0611111111",
            SmsPreference::Never,
        );
        let staff = [piet.clone(), anna.clone(), kees.clone()];

        let calm = plain(&note(&[&piet, &anna, &kees], false), &c, &staff);
        assert_eq!(
            to(&calm),
            vec![
                (Channel::Email, "piet@bakkerij.nl"),
                (Channel::Email, "p@home.nl"),
                (Channel::Email, "anna@bakkerij.nl"),
                (Channel::Email, "kees@bakkerij.nl"),
                (Channel::Sms, "+31687654321"),
            ]
        );
        assert_eq!(calm[0].employee_id, Some(piet.id));
        assert_eq!(calm[4].employee_id, Some(anna.id));

        let urgent = plain(&note(&[&piet, &kees], true), &c, &staff);
        assert_eq!(
            to(&urgent),
            vec![
                (Channel::Email, "piet@bakkerij.nl"),
                (Channel::Email, "p@home.nl"),
                (Channel::Email, "kees@bakkerij.nl"),
                (Channel::Sms, "+31612345678"),
            ]
        );
    }

    #[test]
    fn general_addresses_when_asked_or_nobody_named() {
        let c = client(&["info@bakkerij.nl", "piet@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl"],
            "0612345678",
            SmsPreference::Never,
        );
        let staff = [piet.clone()];

        let nobody = plain(&note(&[], true), &c, &staff);
        assert_eq!(
            to(&nobody),
            vec![
                (Channel::Email, "info@bakkerij.nl"),
                (Channel::Email, "piet@bakkerij.nl"),
            ]
        );
        assert!(nobody.iter().all(|r| r.employee_id.is_none()));

        // Piet's address is also a general one: he gets it once, as himself.
        let both = NoteDraft {
            for_general: true,
            ..note(&[&piet], false)
        };
        let both = plain(&both, &c, &staff);
        assert_eq!(
            to(&both),
            vec![
                (Channel::Email, "piet@bakkerij.nl"),
                (Channel::Email, "info@bakkerij.nl"),
            ]
        );
        assert_eq!(both[0].employee_id, Some(piet.id));

        assert_eq!(to(&plain(&note(&[&piet], false), &c, &staff)).len(), 1);
    }

    #[test]
    fn an_employee_without_mail_falls_back_to_the_general_address() {
        let c = client(&["info@bakkerij.nl"]);
        let jan = employee(&c, &[], "0612345678", SmsPreference::Always);
        let got = plain(&note(&[&jan], false), &c, std::slice::from_ref(&jan));
        assert_eq!(
            to(&got),
            vec![
                (Channel::Email, "info@bakkerij.nl"),
                (Channel::Sms, "+31612345678"),
            ]
        );
        // Unknown ids are ignored; a client without addresses gets nothing by mail.
        let bare = client(&[]);
        assert!(plain(&note(&[&jan], false), &bare, &[]).is_empty());
    }

    #[test]
    fn also_email_adds_addresses_to_every_note() {
        let c = client(&["info@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl"],
            "0612345678",
            SmsPreference::Never,
        );
        let staff = [piet.clone()];
        let set = with(
            vec![
                DeliveryOverride::AlsoEmail {
                    to: email("boekhouder@example.nl"),
                },
                // Already Piet's: not twice.
                DeliveryOverride::AlsoEmail {
                    to: email("piet@bakkerij.nl"),
                },
            ],
            vec![],
        );
        let got = recipients(&note(&[&piet], false), &c, &staff, &set);
        assert_eq!(
            to(&got),
            vec![
                (Channel::Email, "piet@bakkerij.nl"),
                (Channel::Email, "boekhouder@example.nl"),
            ]
        );
        assert_eq!(got[0].employee_id, Some(piet.id));
        assert_eq!(got[1].employee_id, None);
        let general = recipients(&note(&[], false), &c, &staff, &set);
        assert_eq!(
            to(&general),
            vec![
                (Channel::Email, "info@bakkerij.nl"),
                (Channel::Email, "boekhouder@example.nl"),
                (Channel::Email, "piet@bakkerij.nl"),
            ]
        );
    }

    #[test]
    fn all_by_sms_replaces_the_employees_mail_and_sms() {
        let c = client(&["info@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl"],
            "0612345678",
            SmsPreference::Always,
        );
        let staff = [piet.clone()];
        let set = with(
            vec![
                DeliveryOverride::AllBySms {
                    to: phone("0655555555"),
                },
                DeliveryOverride::AlsoEmail {
                    to: email("archief@bakkerij.nl"),
                },
            ],
            vec![],
        );
        let got = recipients(&note(&[&piet], false), &c, &staff, &set);
        assert_eq!(
            to(&got),
            vec![
                (Channel::Email, "archief@bakkerij.nl"),
                (Channel::Sms, "+31655555555"),
            ]
        );
        assert_eq!(got[1].employee_id, None);
        // A note for the general address keeps its e-mail; the SMS goes as well.
        let general = NoteDraft {
            for_general: true,
            ..note(&[], false)
        };
        assert_eq!(
            to(&recipients(&general, &c, &staff, &set)),
            vec![
                (Channel::Email, "info@bakkerij.nl"),
                (Channel::Email, "archief@bakkerij.nl"),
                (Channel::Sms, "+31655555555"),
            ]
        );
    }

    #[test]
    fn all_to_employee_sends_notes_for_anyone_to_the_colleague() {
        let c = client(&["info@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl"],
            "0612345678",
            SmsPreference::Always,
        );
        let anna = employee(
            &c,
            &["anna@bakkerij.nl"],
            "0687654321",
            SmsPreference::UrgentOnly,
        );
        let staff = [piet.clone(), anna.clone()];
        let set = with(
            vec![
                // Not the client's employee: ignored, the next one counts.
                DeliveryOverride::AllToEmployee {
                    employee: EmployeeId::new(),
                },
                DeliveryOverride::AllToEmployee { employee: anna.id },
            ],
            vec![],
        );
        // Anna's mail, and her own SMS preference (urgent only): not Piet's "always".
        let calm = recipients(&note(&[&piet], false), &c, &staff, &set);
        assert_eq!(to(&calm), vec![(Channel::Email, "anna@bakkerij.nl")]);
        assert_eq!(calm[0].employee_id, Some(anna.id));
        let urgent = recipients(&note(&[&piet, &anna], true), &c, &staff, &set);
        assert_eq!(
            to(&urgent),
            vec![
                (Channel::Email, "anna@bakkerij.nl"),
                (Channel::Sms, "+31687654321"),
            ]
        );
        // A note for nobody in particular still goes to the general address.
        assert_eq!(
            to(&recipients(&note(&[], false), &c, &staff, &set)),
            vec![(Channel::Email, "info@bakkerij.nl")]
        );
        // With AllBySms as well, the SMS number replaces the colleague too.
        let both = with(
            vec![
                DeliveryOverride::AllToEmployee { employee: anna.id },
                DeliveryOverride::AllBySms {
                    to: phone("0655555555"),
                },
            ],
            vec![],
        );
        assert_eq!(
            to(&recipients(&note(&[&piet], true), &c, &staff, &both)),
            vec![(Channel::Sms, "+31655555555")]
        );
    }

    #[test]
    fn urgent_notes_follow_the_emergency_sms_steps() {
        let c = client(&["info@bakkerij.nl"]);
        let piet = employee(
            &c,
            &["piet@bakkerij.nl"],
            "0612345678",
            SmsPreference::UrgentOnly,
        );
        let staff = [piet.clone()];
        let set = with(
            vec![],
            vec![
                EmergencyStep::Call {
                    to: phone("0611111111"),
                    name: "Sara".into(),
                },
                EmergencyStep::Sms {
                    to: phone("0622222222"),
                },
                EmergencyStep::Voicemail {
                    to: phone("0633333333"),
                },
                // Piet's own mobile: once, as Piet's.
                EmergencyStep::Sms {
                    to: phone("0612345678"),
                },
            ],
        );
        let urgent = recipients(&note(&[&piet], true), &c, &staff, &set);
        assert_eq!(
            to(&urgent),
            vec![
                (Channel::Email, "piet@bakkerij.nl"),
                (Channel::Sms, "+31612345678"),
                (Channel::Sms, "+31622222222"),
            ]
        );
        assert_eq!(urgent[1].employee_id, Some(piet.id));
        assert_eq!(urgent[2].employee_id, None);
        assert_eq!(
            to(&recipients(&note(&[&piet], false), &c, &staff, &set)),
            vec![(Channel::Email, "piet@bakkerij.nl")]
        );
    }

    #[test]
    fn the_clients_default_applies_to_general_notes_only() {
        let mut c = client(&["info@bakkerij.nl"]);
        c.draft.sms_default = SmsPreference::Always;
        let kees = employee(
            &c,
            &["kees@bakkerij.nl"],
            "0611111111",
            SmsPreference::Never,
        );
        let staff = [kees.clone()];
        let set = with(
            vec![],
            vec![EmergencyStep::Sms {
                to: phone("0622222222"),
            }],
        );
        // Kees said never: the client's "always" does not override him.
        assert_eq!(
            to(&recipients(&note(&[&kees], false), &c, &staff, &set)),
            vec![(Channel::Email, "kees@bakkerij.nl")]
        );
        // A general note (or one for nobody) goes by SMS as the client's default says.
        let general = NoteDraft {
            for_general: true,
            ..note(&[&kees], false)
        };
        assert_eq!(
            to(&recipients(&general, &c, &staff, &set)),
            vec![
                (Channel::Email, "kees@bakkerij.nl"),
                (Channel::Email, "info@bakkerij.nl"),
                (Channel::Sms, "+31622222222"),
            ]
        );
        c.draft.sms_default = SmsPreference::UrgentOnly;
        assert_eq!(
            to(&recipients(&note(&[], false), &c, &staff, &set)),
            vec![(Channel::Email, "info@bakkerij.nl")]
        );
        // Without SMS steps there is no number for the default to use.
        c.draft.sms_default = SmsPreference::Always;
        assert_eq!(
            to(&plain(&note(&[], false), &c, &staff)),
            vec![(Channel::Email, "info@bakkerij.nl")]
        );
    }

    #[test]
    fn validation() {
        let ok = NoteDraft {
            caller_name: "  Marie <b>de Vries</b> ".into(),
            callback_wish: Some("   ".into()),
            actions: vec!["transferred".into(), " ".into()],
            ..NoteDraft::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.caller_name, "Marie <b>de Vries</b>");
        assert_eq!(ok.callback_wish, None);
        assert_eq!(ok.actions, vec!["transferred".to_owned()]);

        let field = |draft: NoteDraft| match draft.validate() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(field(NoteDraft::default()), "message");
        assert_eq!(
            field(NoteDraft {
                message: " \n ".into(),
                ..NoteDraft::default()
            }),
            "message"
        );
        assert_eq!(
            field(NoteDraft {
                message: "x".repeat(MAX_MESSAGE_LEN + 1),
                ..NoteDraft::default()
            }),
            "message"
        );
        assert!(
            NoteDraft {
                message: "é".repeat(MAX_MESSAGE_LEN),
                ..NoteDraft::default()
            }
            .validate()
            .is_ok()
        );
        assert_eq!(
            field(NoteDraft {
                caller_name: "x".repeat(MAX_NAME_LEN + 1),
                ..NoteDraft::default()
            }),
            "caller_name"
        );
        assert_eq!(
            field(NoteDraft {
                message: "m".into(),
                caller_company: "x".repeat(MAX_NAME_LEN + 1),
                ..NoteDraft::default()
            }),
            "caller_company"
        );
        assert_eq!(
            field(NoteDraft {
                message: "m".into(),
                callback_wish: Some("x".repeat(MAX_CALLBACK_LEN + 1)),
                ..NoteDraft::default()
            }),
            "callback_wish"
        );
        assert_eq!(
            field(NoteDraft {
                message: "m".into(),
                actions: vec!["ok".into(), "x".repeat(MAX_ACTION_LEN + 1)],
                ..NoteDraft::default()
            }),
            "actions[1]"
        );
    }

    #[test]
    fn employees_must_be_the_clients() {
        let c = client(&[]);
        let piet = employee(&c, &[], "0612345678", SmsPreference::Never);
        let stranger = EmployeeId::new();
        let draft = NoteDraft {
            message: "m".into(),
            for_employees: vec![piet.id, piet.id, stranger],
            ..NoteDraft::default()
        }
        .validate()
        .unwrap();
        assert_eq!(draft.for_employees, vec![piet.id, stranger]);
        assert!(matches!(
            draft.check_employees(std::slice::from_ref(&piet)),
            Err(Error::Invalid { field, .. }) if field == "for_employees[1]"
        ));
    }
}
