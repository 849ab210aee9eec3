//! The ports of the customer portal and of what it shares: portal users, their sessions,
//! links and mails, and employees' agendas.

use crate::portal::{PortalMail, PortalUser, PortalUserDraft};
use crate::{ClientId, DeliveryId, EmailAddress, EmployeeId, PasswordHash, PortalUserId, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Logins of clients' own staff to the customer portal (never to the console), per client.
#[async_trait]
pub trait PortalUserStore: Send + Sync {
    /// A portal login for a client, with a password or (invited) without one yet; the e-mail
    /// address is unique across all portal users.
    async fn create_portal_user(
        &self,
        client: ClientId,
        draft: &PortalUserDraft,
        password: Option<&PasswordHash>,
    ) -> Result<PortalUser>;
    async fn list_portal_users(&self, client: ClientId) -> Result<Vec<PortalUser>>;
    /// Deletes the user; their sessions and links go with them.
    async fn delete_portal_user(&self, client: ClientId, user: PortalUserId) -> Result<()>;
    /// A one-time link that sets the user's password (only `token_hash` is kept), and the
    /// e-mail that carries `link` to them, queued in the same transaction.
    async fn create_password_link(
        &self,
        client: ClientId,
        user: PortalUserId,
        token_hash: &str,
        link: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Sets the user's password; every session opened before ends.
    async fn set_portal_password(
        &self,
        client: ClientId,
        user: PortalUserId,
        password: &PasswordHash,
    ) -> Result<()>;
    /// Switches the second factor on with `secret` (base32) and these recovery codes' hashes
    /// (replacing any earlier ones).
    async fn enable_totp(
        &self,
        client: ClientId,
        user: PortalUserId,
        secret: &str,
        recovery_hashes: &[String],
    ) -> Result<()>;
    /// Switches it off; the recovery codes go too.
    async fn disable_totp(&self, client: ClientId, user: PortalUserId) -> Result<()>;
    /// The user's TOTP secret (base32), if the second factor is on.
    async fn totp_secret(&self, client: ClientId, user: PortalUserId) -> Result<Option<String>>;
    /// Queues a test message to each of `to`, asked by `user`.
    async fn queue_test_mails(
        &self,
        client: ClientId,
        user: PortalUserId,
        to: &[EmailAddress],
    ) -> Result<()>;
}

/// What logging into the portal needs before any scope exists: a user found by e-mail
/// address, session token or password link.
#[async_trait]
pub trait PortalAccessStore: Send + Sync {
    /// The user and password hash for a login attempt (`NotFound` also for an invited user
    /// without a password).
    async fn portal_login(&self, email: &str) -> Result<(PortalUser, PasswordHash)>;
    /// A session; `verified` false while the second factor is still to come.
    async fn create_portal_session(
        &self,
        token_hash: &str,
        user: PortalUserId,
        expires_at: DateTime<Utc>,
        verified: bool,
    ) -> Result<()>;
    /// The user of a live, verified session: not expired at `now`, not revoked, opened after
    /// the password last changed.
    async fn portal_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<PortalUser>;
    async fn revoke_portal_session(&self, token_hash: &str) -> Result<()>;
    /// The user of a live session still waiting for its second factor, and their TOTP
    /// secret (base32).
    async fn pending_portal_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(PortalUser, String)>;
    /// Verifies that session with a code: the TOTP code's `step` (taken only when later than
    /// the last one taken) or a recovery code's hash (taken only when unused); the session then
    /// lasts until `expires_at`. `NotFound("code")` when the code was taken already.
    async fn complete_second_factor(
        &self,
        token_hash: &str,
        code: SecondFactor<'_>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<PortalUser>;
    /// A link that sets the password of the portal user with this e-mail address (invited or
    /// not), and its e-mail, as [`PortalUserStore::create_password_link`]; `NotFound` when
    /// there is no such user.
    async fn reset_link(
        &self,
        email: &str,
        token_hash: &str,
        link: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The user a link is for, while it is unused and unexpired at `now`.
    async fn password_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<PortalUser>;
    /// Uses the link: sets the password and ends the user's sessions, in one step that only
    /// one request can win (`NotFound("link")` when used, expired or unknown).
    async fn use_password_link(
        &self,
        token_hash: &str,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<PortalUser>;
}

/// An employee's shared agenda, as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Agenda {
    pub employee_id: EmployeeId,
    /// Fetched on a schedule; None for an uploaded file.
    pub url: Option<String>,
    pub busy: Vec<crate::agenda::Busy>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Employees' agendas (busy times only).
#[async_trait]
pub trait AgendaStore: Send + Sync {
    /// The client's agendas.
    async fn agendas(&self, client: ClientId) -> Result<Vec<Agenda>>;
    /// Shares an employee's agenda by URL (read on the next fetch).
    async fn set_agenda_url(&self, client: ClientId, employee: EmployeeId, url: &str)
    -> Result<()>;
    /// An uploaded file's busy times (replacing any URL).
    async fn upload_agenda(
        &self,
        client: ClientId,
        employee: EmployeeId,
        busy: &[crate::agenda::Busy],
        at: DateTime<Utc>,
    ) -> Result<()>;
    async fn remove_agenda(&self, client: ClientId, employee: EmployeeId) -> Result<()>;
    /// Every agenda with a URL, bureau-wide: what the fetcher reads, with the client's zone.
    async fn agendas_to_fetch(
        &self,
    ) -> Result<Vec<(ClientId, EmployeeId, String, crate::TimeZone)>>;
    /// A fetch's outcome for `url`: new busy times, or why it failed (the old ones kept);
    /// nothing when the agenda's URL changed meanwhile.
    async fn agenda_fetched(
        &self,
        client: ClientId,
        employee: EmployeeId,
        url: &str,
        outcome: std::result::Result<Vec<crate::agenda::Busy>, String>,
        at: DateTime<Utc>,
    ) -> Result<()>;
}

/// The code that completes a login with a second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor<'a> {
    /// A TOTP code, by the time step it matched.
    Step(i64),
    /// A recovery code, by its hash.
    Recovery(&'a str),
}

/// The e-mails carrying password links: the delivery worker's second small outbox.
#[async_trait]
pub trait PortalMailStore: Send + Sync {
    /// Claims up to `limit` queued mails due at `now`, for `lease`.
    async fn claim_portal_mails(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<PortalMail>>;
    /// Sent: the link is blanked.
    async fn portal_mail_sent(&self, id: DeliveryId, at: DateTime<Utc>) -> Result<()>;
    async fn portal_mail_retry(
        &self,
        id: DeliveryId,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;
    /// Failed for good: the link is blanked.
    async fn portal_mail_failed(
        &self,
        id: DeliveryId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
