//! The customer portal: its users, and the scope every portal request acts in.
//!
//! A portal request is authenticated to a [`ClientScope`]: the client of the portal user whose
//! session it carries, as the store found it — never a client named in the URL. The portal's
//! pages reach data only through [`ClientData`], whose every method takes the scope, so a page
//! has no client id to pass (after lldap's "a permission check returns a handle"). What only a
//! client's portal admin may do takes an [`AdminScope`], which only an admin's scope gives.

use crate::calls::CallRecord;
use crate::digest::DigestSettings;
use crate::directory::ClientCard;
use crate::instructions::InstructionVersion;
use crate::notes::CallNote;
use crate::ports::Agenda;
use crate::ports::Store;
use crate::totp::{TotpSecret, recovery_hash};
use crate::{
    Actor, Client, ClientId, Contact, ContactDraft, ContactId, EmailAddress, Employee,
    EmployeeDraft, EmployeeId, Error, ForwardingNumber, InstructionSet, InstructionSetDraft,
    InstructionSetId, PortalUserId, Result,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long a link that sets a password stays valid.
pub const PASSWORD_LINK_HOURS: i64 = 24;
/// Calls per page of the portal's call list.
pub const CALLS_PER_PAGE: u32 = 25;

/// A portal user as invited or created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalUserDraft {
    pub email: EmailAddress,
    pub name: String,
    /// May invite and remove colleagues.
    pub admin: bool,
}

impl PortalUserDraft {
    /// Checks the name: at most 200 characters, one line (it may be empty).
    pub fn validate(self) -> Result<Self> {
        let name = crate::client::optional_text("name", &self.name, crate::client::MAX_NAME_LEN)?;
        if name.chars().any(char::is_control) {
            return Err(Error::invalid("name", "name must be one line"));
        }
        Ok(Self { name, ..self })
    }
}

/// A client's staff member with a portal login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortalUser {
    pub id: PortalUserId,
    pub client_id: ClientId,
    #[serde(flatten)]
    pub draft: PortalUserDraft,
    /// False until a password was set (an invited user has only a link).
    pub has_password: bool,
    /// Logs in with a one-time code after the password ([`crate::totp`]).
    pub has_totp: bool,
    pub created_at: DateTime<Utc>,
}

/// The client a portal request acts for, and who acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientScope {
    client: ClientId,
    user: PortalUserId,
    admin: bool,
    /// Who the changes made in this scope are recorded as.
    actor: Actor,
}

impl ClientScope {
    /// The scope of a portal user the store found for a live session.
    pub fn of(user: &PortalUser) -> Self {
        Self {
            client: user.client_id,
            user: user.id,
            admin: user.draft.admin,
            actor: Actor::portal(&user.draft.email),
        }
    }

    pub fn client(&self) -> ClientId {
        self.client
    }

    pub fn user(&self) -> PortalUserId {
        self.user
    }

    /// The admin's scope, when this user is the client's portal admin.
    pub fn admin(&self) -> Option<AdminScope> {
        self.admin.then(|| AdminScope(self.clone()))
    }
}

/// A client scope whose user is the client's portal admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminScope(ClientScope);

/// What the portal's call list asks for; instants already in UTC (the page reads dates in
/// the client's zone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Calls that arrived at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Calls that arrived before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Calls whose note is for this employee.
    pub employee: Option<EmployeeId>,
    /// Only calls with an urgent note.
    pub urgent: bool,
    /// The caller's number or name, or the note's caller name, company or phone, contains it.
    pub caller: String,
    /// The note's message, caller name, company or phone contains it.
    pub text: String,
}

/// One call of the portal's list, with its note when it has one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallEntry {
    pub call: CallRecord,
    pub note: Option<CallNote>,
}

/// The store as the portal may use it: every method takes the request's scope.
#[derive(Clone)]
pub struct ClientData {
    store: Arc<dyn Store>,
}

impl ClientData {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn client(&self, scope: &ClientScope) -> Result<Client> {
        self.store.client(scope.client).await
    }

    /// What the operator's screen pop is made of: the client, its instruction sets,
    /// employees and known callers.
    pub async fn card(&self, scope: &ClientScope) -> Result<ClientCard> {
        ClientCard::load(self.store.as_ref(), self.store.client(scope.client).await?).await
    }

    pub async fn numbers(&self, scope: &ClientScope) -> Result<Vec<ForwardingNumber>> {
        self.store.client_numbers(scope.client).await
    }

    /// A page of the client's calls (newest first), each with its note; `page` counts from 0.
    pub async fn calls(
        &self,
        scope: &ClientScope,
        filter: &CallFilter,
        limit: u32,
        page: u32,
    ) -> Result<Vec<CallEntry>> {
        let client = scope.client;
        let calls = self
            .store
            .find_calls(client, filter, limit, page.saturating_mul(limit))
            .await?;
        let ids: Vec<crate::CallId> = calls.iter().map(|c| c.call.id).collect();
        let mut notes: std::collections::HashMap<crate::CallId, CallNote> = self
            .store
            .notes_of_calls(client, &ids)
            .await?
            .into_iter()
            .filter_map(|note| note.call_id.map(|call| (call, note)))
            .collect();
        let entries = calls
            .into_iter()
            .map(|call| {
                let note = notes.remove(&call.call.id);
                CallEntry { call, note }
            })
            .collect();
        Ok(entries)
    }

    /// The live instruction sets: the standard one first, then temporary ones by start.
    pub async fn instruction_sets(&self, scope: &ClientScope) -> Result<Vec<InstructionSet>> {
        self.store.list_instruction_sets(scope.client).await
    }

    pub async fn instruction_set(
        &self,
        scope: &ClientScope,
        id: InstructionSetId,
    ) -> Result<InstructionSet> {
        self.store.instruction_set(scope.client, id).await
    }

    /// Every kept version of a set, oldest first.
    pub async fn instruction_history(
        &self,
        scope: &ClientScope,
        id: InstructionSetId,
    ) -> Result<Vec<InstructionVersion>> {
        self.store.instruction_history(scope.client, id).await
    }

    /// A new temporary set, recorded as the scope's user's change.
    pub async fn create_instruction_set(
        &self,
        scope: &ClientScope,
        draft: &InstructionSetDraft,
    ) -> Result<InstructionSet> {
        let draft = draft.clone().validate()?;
        if draft.period.is_none() {
            return Err(Error::invalid("period", "a new set needs a period"));
        }
        self.store
            .create_instruction_set(scope.client, &draft, &scope.actor)
            .await
    }

    /// Replaces a set, only while it is at `expected_version` (`Conflict("version")` else).
    pub async fn update_instruction_set(
        &self,
        scope: &ClientScope,
        id: InstructionSetId,
        draft: &InstructionSetDraft,
        expected_version: i64,
    ) -> Result<InstructionSet> {
        let draft = draft.clone().validate()?;
        self.store
            .update_instruction_set(
                scope.client,
                id,
                &draft,
                &scope.actor,
                Some(expected_version),
            )
            .await
    }

    /// Deletes a temporary set (its history stays).
    pub async fn delete_instruction_set(
        &self,
        scope: &ClientScope,
        id: InstructionSetId,
    ) -> Result<()> {
        self.store
            .delete_instruction_set(scope.client, id, &scope.actor)
            .await
    }

    pub async fn employees(&self, scope: &ClientScope) -> Result<Vec<Employee>> {
        self.store.list_employees(scope.client).await
    }

    pub async fn employee(&self, scope: &ClientScope, id: EmployeeId) -> Result<Employee> {
        self.store.employee(scope.client, id).await
    }

    pub async fn create_employee(
        &self,
        scope: &ClientScope,
        draft: &EmployeeDraft,
    ) -> Result<Employee> {
        let draft = draft.clone().validate()?;
        self.store.create_employee(scope.client, &draft).await
    }

    pub async fn update_employee(
        &self,
        scope: &ClientScope,
        id: EmployeeId,
        draft: &EmployeeDraft,
    ) -> Result<Employee> {
        let draft = draft.clone().validate()?;
        self.store.update_employee(scope.client, id, &draft).await
    }

    pub async fn delete_employee(&self, scope: &ClientScope, id: EmployeeId) -> Result<()> {
        self.store.delete_employee(scope.client, id).await
    }

    /// The client's known callers.
    pub async fn contacts(&self, scope: &ClientScope) -> Result<Vec<Contact>> {
        self.store.list_contacts(scope.client).await
    }

    pub async fn contact(&self, scope: &ClientScope, id: ContactId) -> Result<Contact> {
        self.store.contact(scope.client, id).await
    }

    pub async fn create_contact(
        &self,
        scope: &ClientScope,
        draft: &ContactDraft,
    ) -> Result<Contact> {
        let draft = draft.clone().validate()?;
        self.store.create_contact(scope.client, &draft).await
    }

    pub async fn update_contact(
        &self,
        scope: &ClientScope,
        id: ContactId,
        draft: &ContactDraft,
    ) -> Result<Contact> {
        let draft = draft.clone().validate()?;
        self.store.update_contact(scope.client, id, &draft).await
    }

    pub async fn delete_contact(&self, scope: &ClientScope, id: ContactId) -> Result<()> {
        self.store.delete_contact(scope.client, id).await
    }

    /// Sets the client's general addresses (where the daily list and general notes go); the
    /// rest of the client stays as the bureau keeps it.
    pub async fn set_general_emails(
        &self,
        scope: &ClientScope,
        emails: Vec<EmailAddress>,
    ) -> Result<()> {
        self.store.set_client_emails(scope.client, &emails).await
    }

    pub async fn digest_settings(&self, scope: &ClientScope) -> Result<DigestSettings> {
        self.store.digest_settings(scope.client).await
    }

    pub async fn set_digest_settings(
        &self,
        scope: &ClientScope,
        settings: &DigestSettings,
    ) -> Result<DigestSettings> {
        self.store.set_digest_settings(scope.client, settings).await
    }

    /// Queues a test message to each of `to`, through the outbox, asked by the scope's user.
    pub async fn send_test_mail(&self, scope: &ClientScope, to: &[EmailAddress]) -> Result<()> {
        if to.is_empty() {
            return Err(Error::invalid(
                "to",
                "there is no address to send a test to",
            ));
        }
        self.store
            .queue_test_mails(scope.client, scope.user, to)
            .await
    }

    /// The client's shared agendas (busy times only).
    pub async fn agendas(&self, scope: &ClientScope) -> Result<Vec<Agenda>> {
        self.store.agendas(scope.client).await
    }

    /// Shares an employee's agenda by URL: `http(s)://…`, read on the next round.
    pub async fn set_agenda_url(
        &self,
        scope: &ClientScope,
        employee: EmployeeId,
        url: &str,
    ) -> Result<()> {
        let url = url.trim();
        let ok = url.len() <= 2000
            && (url.starts_with("https://") || url.starts_with("http://"))
            && !url.chars().any(char::is_whitespace);
        if !ok {
            return Err(Error::invalid(
                "url",
                "an agenda's address starts with https:// (or http://)",
            ));
        }
        self.store.set_agenda_url(scope.client, employee, url).await
    }

    /// An uploaded .ics file: its busy times of the coming days are kept, not the file.
    pub async fn upload_agenda(
        &self,
        scope: &ClientScope,
        employee: EmployeeId,
        ics: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let client = self.store.client(scope.client).await?;
        let until = now + chrono::Duration::days(crate::agenda::HORIZON_DAYS);
        let busy = crate::agenda::busy_periods(ics, client.draft.time_zone.tz(), now, until)
            .map_err(|e| Error::invalid("ics", e))?;
        self.store
            .upload_agenda(scope.client, employee, &busy, now)
            .await?;
        Ok(busy.len())
    }

    pub async fn remove_agenda(&self, scope: &ClientScope, employee: EmployeeId) -> Result<()> {
        self.store.remove_agenda(scope.client, employee).await
    }

    /// Sets the scope's user's password (every session of theirs ends, this one too).
    pub async fn set_password(
        &self,
        scope: &ClientScope,
        password: &crate::PasswordHash,
    ) -> Result<()> {
        self.store
            .set_portal_password(scope.client, scope.user, password)
            .await
    }

    /// Whether the scope's user logs in with a second factor.
    pub async fn has_totp(&self, scope: &ClientScope) -> Result<bool> {
        Ok(self
            .store
            .totp_secret(scope.client, scope.user)
            .await?
            .is_some())
    }

    /// Switches the second factor on, once `code` shows the user's app has `secret`; the
    /// recovery codes (shown to the user once) are kept as hashes.
    pub async fn enable_totp(
        &self,
        scope: &ClientScope,
        secret: &TotpSecret,
        code: &str,
        unix_seconds: u64,
        recovery_codes: &[String],
    ) -> Result<()> {
        if secret.matching_step(code, unix_seconds).is_none() {
            return Err(Error::invalid("code", "that code does not match"));
        }
        let hashes: Vec<String> = recovery_codes.iter().map(|c| recovery_hash(c)).collect();
        self.store
            .enable_totp(scope.client, scope.user, &secret.base32(), &hashes)
            .await
    }

    /// Switches the second factor off, given a current code.
    pub async fn disable_totp(
        &self,
        scope: &ClientScope,
        code: &str,
        unix_seconds: u64,
    ) -> Result<()> {
        let secret = self.store.totp_secret(scope.client, scope.user).await?;
        let matches = secret
            .as_deref()
            .and_then(TotpSecret::parse)
            .and_then(|secret| secret.matching_step(code, unix_seconds))
            .is_some();
        if !matches {
            return Err(Error::invalid("code", "that code does not match"));
        }
        self.store.disable_totp(scope.client, scope.user).await
    }

    /// The bureau's operators by id, with their names only: who answered a call.
    pub async fn operator_names(
        &self,
        _scope: &ClientScope,
    ) -> Result<std::collections::HashMap<crate::StaffId, String>> {
        let staff = self.store.list_staff().await?;
        Ok(staff.into_iter().map(|s| (s.id, s.draft.name)).collect())
    }

    /// The client's portal users.
    pub async fn colleagues(&self, scope: &ClientScope) -> Result<Vec<PortalUser>> {
        self.store.list_portal_users(scope.client).await
    }

    /// Invites a colleague: a portal user without a password, and a link that sets one,
    /// e-mailed to them (`link` is the URL; only `token_hash` is kept).
    pub async fn invite(
        &self,
        admin: &AdminScope,
        draft: &PortalUserDraft,
        token_hash: &str,
        link: &str,
        now: DateTime<Utc>,
    ) -> Result<PortalUser> {
        let client = admin.0.client();
        let draft = draft.clone().validate()?;
        let user = self.store.create_portal_user(client, &draft, None).await?;
        self.store
            .create_password_link(client, user.id, token_hash, link, link_expiry(now))
            .await?;
        Ok(user)
    }

    /// Removes a colleague (not oneself: a client keeps an admin who can invite).
    pub async fn remove_colleague(&self, admin: &AdminScope, user: PortalUserId) -> Result<()> {
        if user == admin.0.user {
            return Err(Error::invalid("user", "you cannot remove yourself"));
        }
        self.store.delete_portal_user(admin.0.client, user).await
    }
}

/// When a password link made at `now` expires.
pub fn link_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::hours(PASSWORD_LINK_HOURS)
}

/// What a portal mail is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalMailKind {
    /// The link that sets a password (an invitation).
    SetPassword,
    /// A test message a portal user asked for, to see that mail arrives.
    Test,
}

/// A portal mail (a password link or a test message), claimed by the delivery worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalMail {
    pub id: crate::DeliveryId,
    pub kind: PortalMailKind,
    pub client_name: String,
    pub language: crate::Language,
    pub recipient: EmailAddress,
    /// The user's name (may be empty).
    pub name: String,
    /// The link that sets the password (empty for a test message).
    pub link: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

impl PortalMail {
    /// Subject and plain-text body, in the client's language.
    pub fn render(&self) -> (String, String) {
        let hours = PASSWORD_LINK_HOURS;
        let (nl_greeting, en_greeting) = if self.name.is_empty() {
            ("Goedendag".to_owned(), "Hello".to_owned())
        } else {
            (
                format!("Beste {}", self.name),
                format!("Dear {}", self.name),
            )
        };
        if self.kind == PortalMailKind::Test {
            return match self.language {
                crate::Language::Nl => (
                    format!("Testbericht voor {}", self.client_name),
                    format!(
                        "{nl_greeting},\n\nDit is een testbericht van de antwoordservice. Zo komen de \
                         gespreksnotities voor {} bij u binnen.\n",
                        self.client_name
                    ),
                ),
                crate::Language::En => (
                    format!("Test message for {}", self.client_name),
                    format!(
                        "{en_greeting},\n\nThis is a test message from the answering service. This is \
                         how the call notes for {} reach you.\n",
                        self.client_name
                    ),
                ),
            };
        }
        match self.language {
            crate::Language::Nl => (
                format!("Uw toegang tot het klantenportaal van {}", self.client_name),
                format!(
                    "{nl_greeting},\n\nU hebt toegang tot het klantenportaal voor {}.\n\
                     Kies hier uw wachtwoord (de link werkt één keer en {hours} uur lang):\n\n{}\n\n\
                     Hebt u dit niet aangevraagd? Dan kunt u dit bericht negeren.\n",
                    self.client_name, self.link
                ),
            ),
            crate::Language::En => (
                format!("Your access to the customer portal of {}", self.client_name),
                format!(
                    "{en_greeting},\n\nYou have access to the customer portal for {}.\n\
                     Choose your password here (the link works once, for {hours} hours):\n\n{}\n\n\
                     Did you not ask for this? Then you can ignore this message.\n",
                    self.client_name, self.link
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool) -> PortalUser {
        PortalUser {
            id: PortalUserId::new(),
            client_id: ClientId::new(),
            draft: PortalUserDraft {
                email: EmailAddress::parse("ans@vandijk.example").unwrap(),
                name: "Ans".into(),
                admin,
            },
            has_password: true,
            has_totp: false,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn only_an_admins_scope_gives_an_admin_scope() {
        let admin = user(true);
        let scope = ClientScope::of(&admin);
        assert_eq!(scope.client(), admin.client_id);
        assert_eq!(scope.user(), admin.id);
        assert!(scope.admin().is_some());
        assert!(ClientScope::of(&user(false)).admin().is_none());
    }

    #[test]
    fn names_are_one_line() {
        let mut draft = user(false).draft;
        draft.name = "Ans\r\nBcc: x".into();
        assert!(draft.clone().validate().is_err());
        draft.name = "  Ans de Vries ".into();
        assert_eq!(draft.validate().unwrap().name, "Ans de Vries");
    }

    #[test]
    fn the_link_mail_speaks_the_clients_language_and_carries_the_link() {
        let mut mail = PortalMail {
            id: crate::DeliveryId::new(),
            kind: PortalMailKind::SetPassword,
            client_name: "Van Dijk Installatietechniek".into(),
            language: crate::Language::Nl,
            recipient: EmailAddress::parse("ans@vandijk.example").unwrap(),
            name: "Ans".into(),
            link: "http://localhost/portal/password/ctp_abc".into(),
            attempts: 1,
            created_at: Utc::now(),
        };
        let (subject, body) = mail.render();
        assert!(subject.contains("klantenportaal van Van Dijk"));
        assert!(body.starts_with("Beste Ans,"));
        assert!(body.contains("http://localhost/portal/password/ctp_abc"));
        assert!(body.contains("24 uur"));
        mail.language = crate::Language::En;
        mail.name.clear();
        let (subject, body) = mail.render();
        assert!(subject.starts_with("Your access"));
        assert!(body.starts_with("Hello,"));
        mail.kind = PortalMailKind::Test;
        mail.language = crate::Language::Nl;
        let (subject, body) = mail.render();
        assert_eq!(subject, "Testbericht voor Van Dijk Installatietechniek");
        assert!(body.contains("testbericht") && !body.contains("http://"));
    }
}
