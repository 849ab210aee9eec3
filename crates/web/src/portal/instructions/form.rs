//! The instruction set's form: what was typed, read back into a draft with every wrong
//! field named, and those errors as the page asks for them.

use super::super::session::Fields;
use crate::i18n::Lang;
use centrale_core::instructions::{DeliveryOverride, EmergencyStep, Period};
use centrale_core::{
    EmailAddress, Employee, EmployeeId, InstructionContent, InstructionSet, InstructionSetDraft,
    PhoneNumber,
};
use chrono::NaiveDateTime;

/// Emergency steps the form offers.
const STEPS: usize = 3;
/// A set's form as typed: kept as text, so an error shows it back.
#[derive(Clone, Debug, Default)]
pub(super) struct SetForm {
    pub(super) title: String,
    pub(super) start: String,
    pub(super) end: String,
    pub(super) text: String,
    pub(super) greeting: String,
    pub(super) put_through: Vec<String>,
    pub(super) sms_to: String,
    pub(super) colleague: String,
    pub(super) also_email: String,
    pub(super) steps: Vec<(String, String, String)>,
    pub(super) version: String,
    pub(super) confirm_overlap: bool,
}

impl SetForm {
    pub(super) fn of(set: &InstructionSet) -> Self {
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

    pub(super) fn read(fields: &Fields) -> Self {
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
    pub(super) fn padded(mut self) -> Self {
        self.steps
            .resize(STEPS.max(self.steps.len()), Default::default());
        self
    }

    pub(super) fn chosen(&self, employee: &EmployeeId) -> bool {
        self.put_through
            .iter()
            .any(|id| *id == employee.to_string())
    }

    /// The draft, or every field that is wrong (name, message key or text). `temporary`:
    /// the set has a period; `employees`: the client's, the only ones a form may name.
    pub(super) fn draft(
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

/// What is wrong with a submitted form, by field.
#[derive(Debug, Default)]
pub(super) struct FormErrors(pub(super) Vec<(String, String)>);

impl FormErrors {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field` (a core field path such as `content.text` counts as `text`).
    pub(super) fn get(&self, field: &str) -> Option<&str> {
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
    pub(super) fn step(&self, i: &usize) -> Option<&str> {
        self.get(&format!("step_{i}"))
            .or_else(|| self.get(&format!("emergency[{i}]")))
    }
}
