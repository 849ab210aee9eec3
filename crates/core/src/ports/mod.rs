//! The ports: what the rest of Centrale asks of storage, grouped by capability.
//!
//! Every method on a client's data takes that client's [`ClientId`] and matches it in the
//! query, so an id of client B is simply not found through client A.

mod portal;
mod signup;
pub use portal::{
    Agenda, AgendaStore, PortalAccessStore, PortalMailStore, PortalUserStore, SecondFactor,
};
pub use signup::{ComposeMails, Imported, MailStore, PlanStore, SignupStore};

use crate::acd::OperatorState;
use crate::audit::{AuditEntry, AuditQuery};
use crate::calls::{CallFact, CallOutcome, CallRecord, CallStats, NewCall, OfferResult, Party};
use crate::digest::{DigestItem, DigestSchedule, DigestSettings};
use crate::events::Event;
use crate::instructions::InstructionVersion;
use crate::notes::{
    CallNote, FailedDelivery, NoteDraft, NoteSummary, NoteVersion, OutboxItem, Recipient,
};
use crate::portal::CallFilter;
use crate::privacy::{Erased, Purged, Retention};
use crate::sip_credentials::SipCredentials;
use crate::{
    Actor, Client, ClientDraft, ClientId, Contact, ContactDraft, ContactId, Employee,
    EmployeeDraft, EmployeeId, ForwardingNumber, InstructionSet, InstructionSetDraft,
    InstructionSetId, NoteId, NumberDraft, NumberId, PasswordHash, PhoneNumber, Result, Staff,
    StaffDraft, StaffId,
};
use crate::{CallId, DeliveryId, EmailAddress};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// Clients (tenants).
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Creates the client together with its (empty) standard instruction set.
    async fn create_client(&self, draft: &ClientDraft, actor: &Actor) -> Result<Client>;
    async fn list_clients(&self) -> Result<Vec<Client>>;
    async fn client(&self, id: ClientId) -> Result<Client>;
    async fn update_client(&self, id: ClientId, draft: &ClientDraft) -> Result<Client>;
    /// Sets only the general addresses (the rest of the client as the bureau keeps it).
    async fn set_client_emails(&self, id: ClientId, emails: &[EmailAddress]) -> Result<()>;
    /// Deletes the client and all its data; its numbers return to the pool.
    async fn delete_client(&self, id: ClientId) -> Result<()>;
}

/// The forwarding-number pool.
#[async_trait]
pub trait NumberStore: Send + Sync {
    async fn create_number(&self, draft: &NumberDraft) -> Result<ForwardingNumber>;
    async fn list_numbers(&self) -> Result<Vec<ForwardingNumber>>;
    async fn number(&self, id: NumberId) -> Result<ForwardingNumber>;
    /// Looks a number up as dialled; used to find the client of an incoming call.
    async fn number_by_e164(&self, number: &PhoneNumber) -> Result<ForwardingNumber>;
    async fn update_number(&self, id: NumberId, draft: &NumberDraft) -> Result<ForwardingNumber>;
    async fn delete_number(&self, id: NumberId) -> Result<()>;
    async fn client_numbers(&self, client: ClientId) -> Result<Vec<ForwardingNumber>>;
    /// Adds the numbers not in the pool yet (free), in one transaction; says which were.
    async fn import_numbers(
        &self,
        numbers: &[PhoneNumber],
    ) -> Result<(Vec<PhoneNumber>, Vec<PhoneNumber>)>;
}

/// A client's employees.
#[async_trait]
pub trait EmployeeStore: Send + Sync {
    async fn create_employee(&self, client: ClientId, draft: &EmployeeDraft) -> Result<Employee>;
    async fn list_employees(&self, client: ClientId) -> Result<Vec<Employee>>;
    async fn employee(&self, client: ClientId, id: EmployeeId) -> Result<Employee>;
    async fn update_employee(
        &self,
        client: ClientId,
        id: EmployeeId,
        draft: &EmployeeDraft,
    ) -> Result<Employee>;
    async fn delete_employee(&self, client: ClientId, id: EmployeeId) -> Result<()>;
}

/// A client's instruction sets, with every change kept.
#[async_trait]
pub trait InstructionStore: Send + Sync {
    /// Creates a temporary set (the standard set exists from the client's creation).
    async fn create_instruction_set(
        &self,
        client: ClientId,
        draft: &InstructionSetDraft,
        actor: &Actor,
    ) -> Result<InstructionSet>;
    /// The live sets: the standard one first, then temporary ones by start.
    async fn list_instruction_sets(&self, client: ClientId) -> Result<Vec<InstructionSet>>;
    async fn instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
    ) -> Result<InstructionSet>;
    /// Replaces a set's content; a standard set stays standard, a temporary one temporary.
    /// With `expected_version`, only while the set is still at that version (else
    /// `Conflict("version")`: someone changed it meanwhile).
    async fn update_instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
        draft: &InstructionSetDraft,
        actor: &Actor,
        expected_version: Option<i64>,
    ) -> Result<InstructionSet>;
    /// Deletes a temporary set; its history stays.
    async fn delete_instruction_set(
        &self,
        client: ClientId,
        id: InstructionSetId,
        actor: &Actor,
    ) -> Result<()>;
    /// Every kept version of a set, oldest first.
    async fn instruction_history(
        &self,
        client: ClientId,
        id: InstructionSetId,
    ) -> Result<Vec<InstructionVersion>>;
}

/// A client's known callers.
#[async_trait]
pub trait ContactStore: Send + Sync {
    async fn create_contact(&self, client: ClientId, draft: &ContactDraft) -> Result<Contact>;
    async fn list_contacts(&self, client: ClientId) -> Result<Vec<Contact>>;
    async fn contact(&self, client: ClientId, id: ContactId) -> Result<Contact>;
    async fn update_contact(
        &self,
        client: ClientId,
        id: ContactId,
        draft: &ContactDraft,
    ) -> Result<Contact>;
    async fn delete_contact(&self, client: ClientId, id: ContactId) -> Result<()>;
}

/// The bureau's staff, their logins and SIP accounts.
#[async_trait]
pub trait StaffStore: Send + Sync {
    async fn create_staff(
        &self,
        draft: &StaffDraft,
        password: &PasswordHash,
        sip: Option<&SipCredentials>,
    ) -> Result<Staff>;
    async fn list_staff(&self) -> Result<Vec<Staff>>;
    async fn staff(&self, id: StaffId) -> Result<Staff>;
    /// Updates the data, and the password or SIP secret when given.
    async fn update_staff(
        &self,
        id: StaffId,
        draft: &StaffDraft,
        password: Option<&PasswordHash>,
        sip: Option<&SipCredentials>,
    ) -> Result<Staff>;
    /// Deletes the member and revokes their tokens.
    async fn delete_staff(&self, id: StaffId) -> Result<()>;
    /// The member and password hash for a login attempt.
    async fn staff_login(&self, email: &str) -> Result<(Staff, PasswordHash)>;
    /// The SIP secrets of the account with this user part.
    async fn sip_credentials(&self, username: &str) -> Result<(Staff, SipCredentials)>;
}

/// API bearer tokens, kept only as hashes.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn create_token(
        &self,
        token_hash: &str,
        staff: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The staff member of a live token: not expired at `now`, not revoked.
    async fn staff_by_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Staff>;
    async fn revoke_token(&self, token_hash: &str) -> Result<()>;
    /// Revokes every live token of a staff member (their password, role or SIP secret
    /// changed); returns how many.
    async fn revoke_staff_tokens(&self, staff: StaffId) -> Result<u64>;
}

/// Calls as they happen, and their history. Every method takes the call's client.
#[async_trait]
pub trait CallStore: Send + Sync {
    /// Writes these steps of calls in one transaction, in order: all or none.
    async fn record_facts(&self, facts: &[CallFact]) -> Result<()>;
    /// A call arrived for a client (it is queued from now on).
    async fn record_arrival(&self, call: &NewCall) -> Result<()> {
        self.record_facts(&[CallFact::Arrived(call.clone())]).await
    }
    /// The call rings at an operator.
    async fn record_offer(
        &self,
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let fact = CallFact::Offered {
            client,
            call,
            operator,
            at,
        };
        self.record_facts(&[fact]).await
    }
    /// That offer ended without or with an answer.
    async fn record_offer_end(
        &self,
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
        result: OfferResult,
    ) -> Result<()> {
        let fact = CallFact::OfferEnded {
            client,
            call,
            operator,
            at,
            result,
        };
        self.record_facts(&[fact]).await
    }
    /// The operator answered.
    async fn record_answer(
        &self,
        client: ClientId,
        call: CallId,
        operator: StaffId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let fact = CallFact::Answered {
            client,
            call,
            operator,
            at,
        };
        self.record_facts(&[fact]).await
    }
    /// The call is over; the waiting time is derived from arrival and answer (or end).
    async fn record_end(
        &self,
        client: ClientId,
        call: CallId,
        at: DateTime<Utc>,
        ended_by: Party,
        outcome: CallOutcome,
    ) -> Result<()> {
        let fact = CallFact::Ended {
            client,
            call,
            at,
            ended_by,
            outcome,
        };
        self.record_facts(&[fact]).await
    }
    /// The client a call came in for; for staff who know only the call.
    async fn call_client(&self, call: CallId) -> Result<ClientId>;
    /// One call with its offers.
    async fn call_record(&self, client: ClientId, call: CallId) -> Result<CallRecord>;
    /// A client's latest calls, newest first.
    async fn list_calls(&self, client: ClientId, limit: u32) -> Result<Vec<CallRecord>>;
    /// The client's calls that `filter` lets through, newest first, `limit` of them after
    /// skipping `offset`, with their offers and transfers.
    async fn find_calls(
        &self,
        client: ClientId,
        filter: &CallFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CallRecord>>;
    /// The client's usage events (connected transfers, priced) from `from` until before
    /// `to`, oldest first.
    async fn usage(
        &self,
        client: ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::calls::UsageEvent>>;
    /// The transfer prices in force at `at`, one per line kind.
    async fn transfer_prices(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Vec<crate::transfer::TransferPrice>>;
    /// Calls that arrived since `since`, counted bureau-wide: the wallboard's figures are the
    /// bureau's own, not any client's data. `target_ms` is the answer-time target.
    async fn call_stats(&self, since: DateTime<Utc>, target_ms: i64) -> Result<CallStats>;
    /// The latest notes about a caller of a client, newest first.
    async fn last_notes(
        &self,
        client: ClientId,
        caller: &PhoneNumber,
        limit: u32,
    ) -> Result<Vec<NoteSummary>>;
}

/// Call notes and their deliveries (the outbox).
///
/// Saving is idempotent: a retried request with the same idempotency key never makes a
/// second note, and a call has at most one note. A new note's delivery rows are written in
/// the same transaction as the note.
#[async_trait]
pub trait NoteStore: Send + Sync {
    /// Creates the note of a call, or replaces it when the call has one (the operator edits
    /// it during wrap-up); the still-queued deliveries are replaced by `recipients`, minus
    /// those already delivered. An edit keeps the text it replaces as a [`NoteVersion`] by
    /// `actor`. A call of another client is `NotFound("call")`.
    async fn save_call_note(
        &self,
        client: ClientId,
        call: CallId,
        idempotency_key: &str,
        draft: &NoteDraft,
        actor: &Actor,
        recipients: &[Recipient],
    ) -> Result<CallNote>;
    /// Creates a note about a call taken outside Centrale. The same key again returns the
    /// note made the first time; with a different note it is `Invalid("idempotency_key")`.
    async fn create_note(
        &self,
        client: ClientId,
        idempotency_key: &str,
        draft: &NoteDraft,
        actor: &Actor,
        recipients: &[Recipient],
    ) -> Result<CallNote>;
    async fn note(&self, client: ClientId, id: NoteId) -> Result<CallNote>;
    /// The note of a call (`NotFound("note")` while it has none).
    async fn call_note(&self, client: ClientId, call: CallId) -> Result<CallNote>;
    /// A client's latest notes, newest first; with `before`, those older than that note
    /// (the next page).
    async fn list_notes(
        &self,
        client: ClientId,
        limit: u32,
        before: Option<NoteId>,
    ) -> Result<Vec<CallNote>>;
    /// Notes whose caller name, company or phone contains `query` (any case), newest first,
    /// paged as [`NoteStore::list_notes`].
    async fn search_notes(
        &self,
        client: ClientId,
        query: &str,
        limit: u32,
        before: Option<NoteId>,
    ) -> Result<Vec<CallNote>>;
    /// The notes of these calls of the client (a call without a note has none here).
    async fn notes_of_calls(&self, client: ClientId, calls: &[CallId]) -> Result<Vec<CallNote>>;
    /// The texts a note had before each edit, oldest first.
    async fn note_versions(&self, client: ClientId, note: NoteId) -> Result<Vec<NoteVersion>>;
}

/// The audit log of reads of personal data (notes) by staff; bureau-wide, for supervisors.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()>;
    /// Entries matching `query`, newest first.
    async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
}

/// The outbox as the delivery worker sees it: bureau-wide, not per client (the worker
/// delivers every client's notes; supervisors see every failure).
///
/// A claim is a lease: claiming moves the delivery's next attempt to `now + lease` and
/// counts the attempt, so a worker that dies mid-send leaves a delivery that comes back by
/// itself. Marks apply only to a delivery still queued (an edited note may have dropped it).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` queued deliveries due at `now`, oldest due first; concurrent
    /// claimers get disjoint sets.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<OutboxItem>>;
    /// The next hop accepted it; `reference` is its id for the message, if it gave one.
    async fn delivery_sent(
        &self,
        id: DeliveryId,
        reference: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Not now: try again at `next_at`.
    async fn delivery_retry(
        &self,
        id: DeliveryId,
        attempts: u32,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;
    /// Never: failed with the reason.
    async fn delivery_failed(&self, id: DeliveryId, error: &str, at: DateTime<Utc>) -> Result<()>;
    /// A delivery receipt for the sent delivery with this reference; false when none matches.
    async fn delivery_receipt(
        &self,
        reference: &str,
        delivered: bool,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Failed deliveries, newest first.
    async fn failed_deliveries(&self, limit: u32) -> Result<Vec<FailedDelivery>>;
    /// Queues a failed delivery again, due at `now`, its attempts counted afresh (a
    /// supervisor mended the address or the server). NotFound unless it had failed.
    async fn retry_delivery(&self, id: DeliveryId, now: DateTime<Utc>) -> Result<()>;
}

/// A client's daily digest: its settings, and a small outbox of its own (one row per client
/// and day, whose key makes the digest of a day decided once, across restarts and
/// concurrent workers). Claims are leases, as in [`OutboxStore`].
#[async_trait]
pub trait DigestStore: Send + Sync {
    /// The client's settings; disabled defaults when it chose none.
    async fn digest_settings(&self, client: ClientId) -> Result<DigestSettings>;
    async fn set_digest_settings(
        &self,
        client: ClientId,
        settings: &DigestSettings,
    ) -> Result<DigestSettings>;
    /// Every client with the digest enabled: settings, zone and the last day decided.
    async fn digest_schedules(&self) -> Result<Vec<DigestSchedule>>;
    /// Decides the digest of `day`, listing the notes made in `window`: queued (due at `now`)
    /// when there are notes or `include_empty`, else recorded as empty. False when that day
    /// was already decided (by this or another worker).
    async fn decide_digest(
        &self,
        client: ClientId,
        day: NaiveDate,
        window: (DateTime<Utc>, DateTime<Utc>),
        include_empty: bool,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Claims up to `limit` queued digests due at `now`, with what composing them needs.
    async fn claim_digests(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<DigestItem>>;
    async fn digest_sent(&self, client: ClientId, day: NaiveDate, at: DateTime<Utc>) -> Result<()>;
    async fn digest_retry(
        &self,
        client: ClientId,
        day: NaiveDate,
        next_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()>;
    async fn digest_failed(
        &self,
        client: ClientId,
        day: NaiveDate,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
}

/// A calendar feed of a client's callbacks: all of them, or one employee's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CallbackFeed {
    pub id: crate::CallbackFeedId,
    pub client_id: ClientId,
    pub employee_id: Option<crate::EmployeeId>,
    pub created_at: DateTime<Utc>,
}

/// Calendar feeds of callbacks, opened by a token only its SHA-256 of which is kept.
#[async_trait]
pub trait CallbackFeedStore: Send + Sync {
    /// A new feed of `client`'s callbacks (with `employee`, when given: that employee's).
    async fn create_callback_feed(
        &self,
        client: ClientId,
        employee: Option<crate::EmployeeId>,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<CallbackFeed>;
    /// Ends a feed: its token opens nothing from now on.
    async fn revoke_callback_feed(
        &self,
        client: ClientId,
        feed: crate::CallbackFeedId,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// The live feed of `client` the token hashing to `token_hash` opens; NotFound otherwise.
    async fn callback_feed(&self, client: ClientId, token_hash: &str) -> Result<CallbackFeed>;
    /// The client's latest notes with a callback (at most `limit`), newest first; with
    /// `employee`, those whose callback is that employee's.
    async fn callback_notes(
        &self,
        client: ClientId,
        employee: Option<crate::EmployeeId>,
        limit: u32,
    ) -> Result<Vec<CallNote>>;
}

/// Where live events go; the telephony publishes, consoles subscribe elsewhere.
pub trait EventSink: Send + Sync {
    fn publish(&self, event: Event);
}

/// What the web may ask of the telephony: operators' states and the queue.
#[async_trait]
pub trait Switchboard: Send + Sync {
    /// Waits (a few seconds at most) until every step of `call` recorded so far is in the
    /// database: the call journal writes behind the call. False when it did not get there.
    async fn call_recorded(&self, call: CallId) -> bool;
    /// Sets an operator's own state (available, pause, offline; ends wrap-up early).
    fn set_operator_state(&self, operator: StaffId, state: OperatorState) -> Result<()>;
    /// The operator's state and whether their phone is registered.
    fn operator_status(&self, operator: StaffId) -> (OperatorState, bool);
    /// The calls waiting now with when each arrived, oldest first.
    fn queue(&self) -> Vec<(CallId, DateTime<Utc>)>;
    /// Carries out `by`'s order to put the caller of `call` through to `to` (as typed or
    /// picked): only the operator talking with the caller may, and only to a destination
    /// the transfer rules allow (`core::transfer`). Returns where the call now goes.
    async fn transfer(
        &self,
        call: CallId,
        by: &crate::Staff,
        to: &str,
        mode: crate::transfer::TransferMode,
    ) -> std::result::Result<crate::transfer::Destination, crate::transfer::TransferError>;
    /// Holds the caller of `by`'s call from her console (the caller hears the hold music), or
    /// resumes.
    async fn hold(
        &self,
        call: CallId,
        by: &crate::Staff,
        held: bool,
    ) -> std::result::Result<(), crate::transfer::TransferError>;
    /// Carries out `by`'s order on her ruggespraak on `call`: complete it or go back to the
    /// caller.
    async fn consult_step(
        &self,
        call: CallId,
        by: &crate::Staff,
        step: crate::transfer::ConsultStep,
    ) -> std::result::Result<(), crate::transfer::TransferError>;
    /// Forgets the operator's registration and the SIP credentials last read for her at once
    /// (her account changed or went), so no call rings a phone that logged in with old
    /// credentials and no outage brings them back.
    fn drop_registration(&self, operator: StaffId);
}

/// Retention, export and erasure of a client's personal data (`core::privacy`).
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// A client's own retention, when it has one (else the bureau's applies).
    async fn client_retention(&self, client: ClientId) -> Result<Option<Retention>>;
    /// Sets (or, with `None`, clears) a client's own retention.
    async fn set_client_retention(
        &self,
        client: ClientId,
        retention: Option<Retention>,
    ) -> Result<()>;
    /// Every client with its own retention, if any: what the daily purge walks.
    async fn retentions(&self) -> Result<Vec<(ClientId, Option<Retention>)>>;
    /// Claims the purge of bureau-local `day`: true for exactly one caller (a claim left
    /// unfinished for `lease` by a crashed worker can be taken again).
    async fn claim_purge(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool>;
    /// Marks the purge of `day` done.
    async fn purge_done(&self, day: NaiveDate, now: DateTime<Utc>) -> Result<()>;
    /// Deletes the client's calls (with their offers), notes (with their deliveries) and
    /// digests from before `before`.
    async fn purge_client(&self, client: ClientId, before: DateTime<Utc>) -> Result<Purged>;
    /// Removes `number` and what identifies its caller from every note, known caller and call
    /// record of `client`, and records that it was done (by whom, when; not the number).
    async fn erase_caller(
        &self,
        client: ClientId,
        number: &PhoneNumber,
        actor: &Actor,
    ) -> Result<Erased>;
    /// Every call record of the client, newest first (for its export).
    async fn all_calls(&self, client: ClientId) -> Result<Vec<CallRecord>>;
    /// Every note of the client, newest first (for its export).
    async fn all_notes(&self, client: ClientId) -> Result<Vec<CallNote>>;
}

/// Which clients an operator's work lets her read: one whose call was offered to her, or one
/// she found by search, within a recent window.
#[async_trait]
pub trait ClientAccessStore: Send + Sync {
    /// Records that `staff` found these clients by search at `at` (renewing earlier finds).
    async fn grant_client_access(
        &self,
        staff: StaffId,
        clients: &[ClientId],
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Whether since `since` a call of `client` was offered to `staff`, or she found it.
    async fn has_client_access(
        &self,
        staff: StaffId,
        client: ClientId,
        since: DateTime<Utc>,
    ) -> Result<bool>;
}

/// What changed in the data calls are routed and popped by ([`crate::directory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The client, or one of its instruction sets, employees or known callers.
    Client(ClientId),
    /// A forwarding number (added, assigned, relabelled, removed).
    Numbers,
}

/// Told of every committed [`Change`]; the store awaits it before the write returns, so
/// whoever wrote sees a directory that has it — unless its refresh failed (the database went
/// away right after the commit), when the directory's periodic re-read is the backstop.
/// (A second node would be told by PostgreSQL `LISTEN/NOTIFY`, later.)
#[async_trait]
pub trait ChangeListener: Send + Sync {
    async fn changed(&self, change: Change);
}

/// Everything storage offers; what the web and the binary hold.
#[async_trait]
pub trait Store:
    ClientStore
    + NumberStore
    + EmployeeStore
    + InstructionStore
    + ContactStore
    + StaffStore
    + TokenStore
    + PortalUserStore
    + PortalAccessStore
    + PortalMailStore
    + CallStore
    + NoteStore
    + OutboxStore
    + DigestStore
    + PrivacyStore
    + AuditStore
    + ClientAccessStore
    + CallbackFeedStore
    + AgendaStore
    + SignupStore
    + PlanStore
    + MailStore
{
    /// Succeeds when the database answers a trivial query.
    async fn ping(&self) -> Result<()>;

    /// The database behind it: "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Tells `listener` of every change from now on, for as long as it lives (the store
    /// holds it weakly).
    fn notify_changes_to(&self, listener: std::sync::Weak<dyn ChangeListener>);
}
