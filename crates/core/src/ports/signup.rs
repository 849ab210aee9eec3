//! The ports of sign-up and of what it shares with the bureau: sign-ups, plans, the general
//! mail outbox and the number pool's import.

use crate::mail::{MailDraft, QueuedMail};
use crate::number_pool::ImportPlan;
use crate::plan::Plan;
use crate::signup::{Activation, ActivationOutcome, Signup, SignupDraft, SignupStatus};
use crate::{MailId, PhoneNumber, Result, SignupId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The mails an activation queues in its own transaction, composed once the number is known
/// (the welcome with its codes, supervisors' alerts).
pub type ComposeMails<'a> = &'a (dyn Fn(&crate::signup::Activated) -> Vec<MailDraft> + Send + Sync);

/// Sign-ups from the public form.
#[async_trait]
pub trait SignupStore: Send + Sync {
    /// Keeps a sign-up whose address is still to be confirmed by the link whose token hashes
    /// to `token_hash`, and queues `mail` (carrying that link) in the same transaction.
    async fn create_unconfirmed_signup(
        &self,
        draft: &SignupDraft,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        mail: &MailDraft,
    ) -> Result<Signup>;
    /// Confirms the sign-up of that link (once, within its expiry): it becomes pending until
    /// activated. NotFound for an unknown, used or expired link.
    async fn confirm_signup(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Signup>;
    /// Keeps a new sign-up, confirmed or not needing it, as pending.
    async fn create_pending_signup(&self, draft: &SignupDraft) -> Result<Signup>;
    /// In one transaction: the client (active, greeting and standard instructions from the
    /// sign-up), the first free forwarding number of the pool (never one in quarantine, never
    /// one a concurrent activation took), the contact as first employee and as portal admin
    /// with a set-password link, and the `compose`d mails. With no free number the sign-up
    /// stays pending and nothing else is written.
    async fn activate_signup(
        &self,
        signup: SignupId,
        activation: &Activation,
        compose: ComposeMails<'_>,
    ) -> Result<ActivationOutcome>;
    /// Sign-ups in `status`, newest first (at most `limit`).
    async fn signups(&self, status: SignupStatus, limit: u32) -> Result<Vec<Signup>>;
}

/// The price list's plans.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Every version of every plan, oldest first.
    async fn plan_versions(&self) -> Result<Vec<Plan>>;
    /// Adds a version (a new plan, or a change from its `valid_from`).
    async fn add_plan_version(&self, plan: &Plan) -> Result<()>;
}

/// The general outbox ([`crate::mail`]). Claims are leases, as in [`super::OutboxStore`].
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Queues mails (due at once).
    async fn queue_mails(&self, mails: &[MailDraft]) -> Result<()>;
    async fn claim_mails(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<QueuedMail>>;
    async fn mail_sent(&self, id: MailId, at: DateTime<Utc>) -> Result<()>;
    async fn mail_retry(&self, id: MailId, next_at: DateTime<Utc>, error: &str) -> Result<()>;
    async fn mail_failed(&self, id: MailId, error: &str, at: DateTime<Utc>) -> Result<()>;
}

/// What an import added and what was in the pool already.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub added: Vec<PhoneNumber>,
    pub already_in_pool: Vec<PhoneNumber>,
    /// What the import's text held that is no number to add.
    #[serde(flatten)]
    pub plan: ImportPlan,
}
