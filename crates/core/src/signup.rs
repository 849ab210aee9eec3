//! Sign-up: a business fills in the public form and, within a minute and without staff,
//! becomes an active client with a forwarding number from the pool, a portal login, standard
//! instructions and a welcome e-mail with the codes for its own line (`../shared/PRODUCT.md`
//! flow 1). When the bureau asks for it, the e-mail address is confirmed by a link first;
//! when the pool has no free number, the sign-up waits for staff.

use crate::client::{name_text, required_text};
use crate::forwarding::LineType;
use crate::{ClientId, EmailAddress, Error, InstructionContent, Language, PhoneNumber, Result};
use crate::{PortalUserId, SignupId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest address accepted.
pub const MAX_ADDRESS_LEN: usize = 300;
/// How long the e-mail confirmation link works.
pub const CONFIRM_HOURS: i64 = 24;

/// The form as posted: text, checked by [`SignupForm::validate`].
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub kvk: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub plan: String,
    /// The terms' checkbox: present ("on") when ticked.
    #[serde(default)]
    pub terms: Option<String>,
}

impl SignupForm {
    /// What the form says, checked; the error names the first field that is wrong.
    /// `plans` are the codes on offer now.
    pub fn validate(&self, language: Language, plans: &[String]) -> Result<SignupDraft> {
        let company = name_text("company", &self.company, crate::client::MAX_NAME_LEN)?;
        let contact = name_text("contact", &self.contact, crate::client::MAX_NAME_LEN)?;
        let email =
            EmailAddress::parse(self.email.trim()).map_err(|m| Error::invalid("email", m))?;
        let phone = PhoneNumber::parse(&self.phone).map_err(|m| Error::invalid("phone", m))?;
        let address = required_text("address", &self.address, MAX_ADDRESS_LEN)?;
        let kvk = self.kvk.trim();
        let kvk = if kvk.is_empty() {
            None
        } else if kvk.len() == 8 && kvk.chars().all(|c| c.is_ascii_digit()) {
            Some(kvk.to_owned())
        } else {
            return Err(Error::invalid("kvk", "a KvK number has 8 digits"));
        };
        let line = LineType::parse(self.line.trim())
            .ok_or_else(|| Error::invalid("line", "choose the kind of line"))?;
        let plan = self.plan.trim();
        if !plans.iter().any(|p| p == plan) {
            return Err(Error::invalid("plan", "choose a plan"));
        }
        if self.terms.is_none() {
            return Err(Error::invalid("terms", "accept the terms"));
        }
        Ok(SignupDraft {
            company,
            contact,
            email,
            phone,
            address,
            kvk,
            line,
            plan: plan.to_owned(),
            language,
        })
    }
}

/// What a sign-up says, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SignupDraft {
    pub company: String,
    /// The contact person: the client's first employee and its portal admin.
    pub contact: String,
    pub email: EmailAddress,
    pub phone: PhoneNumber,
    pub address: String,
    /// Chamber of Commerce number (8 digits), when given.
    pub kvk: Option<String>,
    #[schema(value_type = String, example = "analog")]
    pub line: LineType,
    pub plan: String,
    pub language: Language,
}

impl SignupDraft {
    /// The greeting the operators answer with: "COMPANY, goedendag!".
    pub fn greeting(&self) -> String {
        format!("{}, goedendag!", self.company)
    }

    /// The standard instructions a new client starts with, until it writes its own.
    pub fn standard_instructions(&self) -> InstructionContent {
        InstructionContent {
            text: format!(
                "Neem een bericht aan voor {}. Vraag naam, bedrijf, telefoonnummer en waar het \
                 over gaat.",
                self.contact
            ),
            ..InstructionContent::default()
        }
    }
}

/// Where a sign-up stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// Waiting for its e-mail address to be confirmed.
    Unconfirmed,
    /// Confirmed, but the pool had no free number: staff complete it.
    Pending,
    /// A client with a forwarding number.
    Active,
}

/// A sign-up as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Signup {
    pub id: SignupId,
    #[serde(flatten)]
    pub draft: SignupDraft,
    pub status: SignupStatus,
    pub client_id: Option<ClientId>,
    pub created_at: DateTime<Utc>,
}

/// What activating a sign-up needs besides the sign-up: the set-password link of its portal
/// admin (only the token's hash is kept), when it is made, and how long a released number
/// stays out of the pool.
#[derive(Clone, Debug)]
pub struct Activation {
    pub link_token_hash: String,
    pub link_expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub quarantine: chrono::Duration,
}

/// A sign-up made a client: with which number, and its portal admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activated {
    pub signup: Signup,
    pub client_id: ClientId,
    pub number: PhoneNumber,
    pub admin: PortalUserId,
}

/// How an activation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivationOutcome {
    Active(Activated),
    /// The pool had no free number; the sign-up is kept as pending.
    NoFreeNumber(Signup),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SignupForm {
        SignupForm {
            company: " Bloemenhuis Flora ".into(),
            contact: "Fleur de Vries".into(),
            email: "fleur@flora.example".into(),
            phone: "010 412 34 56".into(),
            address: "Markt 1, Rotterdam".into(),
            kvk: String::new(),
            line: "isdn".into(),
            plan: "basis".into(),
            terms: Some("on".into()),
        }
    }

    fn field_of(form: SignupForm) -> String {
        match form.validate(Language::Nl, &["basis".into()]) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_complete_form_becomes_a_draft_greeting_in_the_companys_name() {
        let draft = form().validate(Language::Nl, &["basis".into()]).unwrap();
        assert_eq!(draft.company, "Bloemenhuis Flora");
        assert_eq!(draft.phone.as_str(), "+31104123456");
        assert_eq!(draft.line, LineType::Isdn);
        assert_eq!(draft.kvk, None);
        assert_eq!(draft.greeting(), "Bloemenhuis Flora, goedendag!");
        assert!(
            draft
                .standard_instructions()
                .text
                .contains("Fleur de Vries")
        );
    }

    #[test]
    fn each_wrong_part_is_named() {
        let with = |change: fn(&mut SignupForm)| {
            let mut f = form();
            change(&mut f);
            field_of(f)
        };
        assert_eq!(with(|f| f.company = "Flora\r\nBcc: x".into()), "company");
        assert_eq!(with(|f| f.email = "fleur".into()), "email");
        assert_eq!(with(|f| f.phone = "12".into()), "phone");
        assert_eq!(with(|f| f.address = " ".into()), "address");
        assert_eq!(with(|f| f.kvk = "1234567X".into()), "kvk");
        assert_eq!(with(|f| f.line = "fax".into()), "line");
        assert_eq!(with(|f| f.plan = "gold".into()), "plan");
        assert_eq!(with(|f| f.terms = None), "terms");
    }
}
