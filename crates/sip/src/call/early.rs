//! Requests in the caller's early dialog — after our 18x, before our 200. rsipstack answers
//! only BYE and PRACK there and leaves anything else unanswered, so a carrier's UPDATE
//! (RFC 3311 §5.1: a session refresh or a new offer before the answer), INFO or OPTIONS would
//! time out at the carrier. The dispatcher hands such a request to its call through
//! [`EarlyDialogs`], as the dialog state rsipstack gives for one in a confirmed dialog; the
//! call answers it from its media ([`super::in_dialog`]) and the answer goes back on the
//! request's transaction here.

use super::reliable::Awaited;
use crate::media::{MediaSession, Side};
use rsipstack::dialog::dialog::{
    DialogState, DialogStateSender, TransactionCommand, TransactionHandle,
};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::headers::make_header;
use rsipstack::sip::{Method, StatusCode, Uri};
use rsipstack::transaction::transaction::Transaction;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long the dispatcher waits for the call's answer (RFC 3261's 64·T1, the transaction's
/// own lifetime).
const PATIENCE: Duration = Duration::from_secs(32);

/// The calls whose caller leg is in its early dialog, by the caller's Call-ID: where their
/// dialog states go.
#[derive(Default)]
pub struct EarlyDialogs {
    calls: Mutex<HashMap<String, DialogStateSender>>,
}

impl EarlyDialogs {
    /// The call with `call_id` takes requests of its early dialog on `states`.
    pub fn open(&self, call_id: String, states: DialogStateSender) {
        self.lock().insert(call_id, states);
    }

    /// The call's early dialog is over (answered or ended): the stack takes its requests.
    pub fn close(&self, call_id: &str) {
        self.lock().remove(call_id);
    }

    /// Has the call answer `tx` if it is an UPDATE, INFO or OPTIONS in a caller's early
    /// dialog, and sends that answer (with our `contact`, as a target refresh's 2xx needs);
    /// false, untouched, for any other request.
    pub async fn answer(
        &self,
        dialog: &InviteDialog,
        tx: &mut Transaction,
        contact: impl FnOnce() -> Uri,
    ) -> bool {
        let as_state = match tx.original.method {
            Method::Update => DialogState::Updated,
            Method::Info => DialogState::Info,
            Method::Options => DialogState::Options,
            _ => return false,
        };
        if !matches!(dialog.state(), DialogState::Early(..)) {
            return false;
        }
        let Some(states) = self.lock().get(&dialog.id().call_id).cloned() else {
            return false;
        };
        let (handle, mut answers) = TransactionHandle::new();
        let state = as_state(dialog.id(), tx.original.clone(), handle);
        if states.send(state).is_err() {
            return false;
        }
        let answer = tokio::time::timeout(PATIENCE, answers.recv()).await;
        let (status, mut headers, body) = match answer {
            Ok(Some(TransactionCommand::Respond {
                status,
                headers,
                body,
            })) => (status, headers.unwrap_or_default(), body),
            // The call ended without answering.
            _ => (StatusCode::CallTransactionDoesNotExist, vec![], None),
        };
        if status == StatusCode::OK && tx.original.method == Method::Update {
            headers.push(make_header("Contact", format!("<{}>", contact())));
        }
        if let Err(e) = tx.reply_with(status, headers, body).await {
            tracing::debug!(error = %e, "answer in the early dialog not sent");
        }
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DialogStateSender>> {
        self.calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The caller's answer to our offer in a reliable 183, from its PRACK (RFC 3262 §5): the
/// media session takes it; an unusable one leaves the call without early media.
pub(super) fn take_caller_answer(media: &MediaSession, answer: &[u8]) -> bool {
    match media.caller_answer(answer) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "caller's answer in its PRACK unusable");
            false
        }
    }
}

impl super::Call {
    /// The caller answered our early offer in its PRACK, while it waits: it hears the
    /// announcement from now on.
    pub(super) fn answered_early(&self, answer: Vec<u8>) {
        let media = &self.admitted.media;
        if take_caller_answer(media, &answer) {
            media.start_announcement();
        }
    }

    /// Whether the caller's session is negotiated: its INVITE's offer answered, or our early
    /// offer answered in its PRACK.
    fn negotiated(&self) -> bool {
        self.admitted.answer.is_some() || self.prack.as_ref().is_some_and(Awaited::answered)
    }

    /// Whether our 183 carried our offer (a late-offer INVITE naming `100rel`), so the
    /// caller's answer is awaited in its PRACK.
    pub(super) fn offered_early(&self) -> bool {
        self.admitted.answer.is_none() && self.prack.is_some()
    }

    /// Answers a request passed from the caller's early dialog (any other state is left
    /// alone). Before the first offer and answer are done (a late offer: ours goes in the 200,
    /// or in a reliable 183 not yet answered in its PRACK) there is no session to change, so
    /// an UPDATE carrying an offer gets 500 with `Retry-After` (RFC 3311 §5.2).
    pub(super) async fn answer_early(&self, state: DialogState) {
        let media = &self.admitted.media;
        match state {
            DialogState::Updated(_, request, handle)
                if !self.negotiated() && !request.body.is_empty() =>
            {
                let retry = vec![make_header("Retry-After", "1".into())];
                let status = StatusCode::ServerInternalError;
                if handle.respond(status, Some(retry), None).await.is_err() {
                    tracing::debug!("early UPDATE ended before its answer");
                }
            }
            state => {
                // A timer asked for here starts with our 200 (`talking`), not before.
                super::in_dialog::answer(media, Side::Caller, &mut None, state).await;
            }
        }
    }
}
