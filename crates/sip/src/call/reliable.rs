//! RFC 3262 on the caller leg: a caller whose INVITE names `100rel` (in `Supported` or
//! `Require`) gets our 183 reliably — with `Require: 100rel` and an `RSeq` — sent again after
//! T1, 2·T1, … (at most T2 apart) until its PRACK arrives. Without a PRACK for 64·T1 the INVITE
//! is answered 500 (§3). The 183 carries our answer to the INVITE's offer, or, to an INVITE
//! without one, our offer, whose answer comes in the PRACK (§5; [`Awaited::answer`]). Our 200
//! waits for the PRACK either way.
//!
//! PRACKs reach the dispatcher, not the call: [`Reliable`] (one for all calls) matches each to
//! the 183 it acknowledges by Call-ID and `RAck`. One naming a response we did not send gets
//! 481 (§3); a repeated PRACK for an acknowledged one gets 200 again.

use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::headers::make_header;
use rsipstack::sip::{Header, HeadersExt, Method, Request, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// RFC 3261's T1 and T2: the first retransmission interval and the longest.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);

/// How long a reliable 183 waits for its PRACK (RFC 3262 §3: 64·T1).
const GIVE_UP: Duration = T1.saturating_mul(64);

/// The reliable 183s awaiting or having had their PRACK, by the caller's Call-ID.
#[derive(Default)]
pub struct Reliable {
    sent: Mutex<HashMap<String, Sent>>,
}

/// One reliable 183: what its PRACK must say, and whether one did.
struct Sent {
    rseq: u32,
    cseq: u32,
    acknowledged: watch::Sender<Option<Vec<u8>>>,
}

/// How a PRACK was taken.
pub enum Prack {
    /// It acknowledges our reliable 183: answer 200, then tell the call.
    Acknowledges(Acknowledgement),
    /// It names a response we never sent reliably: answer 481.
    Unknown,
}

/// A PRACK that acknowledges our 183, to be passed on to its call once answered (so that our
/// 200 to the INVITE never overtakes the 200 to the PRACK).
pub struct Acknowledgement(watch::Sender<Option<Vec<u8>>>);

impl Acknowledgement {
    /// The call may answer now; `body` is the PRACK's (the caller's answer to an offer in
    /// our 183, or empty). A repeated PRACK changes nothing.
    pub fn pass_on(self, body: Vec<u8>) {
        self.0.send_if_modified(|acknowledged| {
            let first = acknowledged.is_none();
            if first {
                *acknowledged = Some(body);
            }
            first
        });
    }
}

impl Reliable {
    /// Judges a PRACK that arrived in a dialog of ours.
    pub fn prack(&self, request: &Request) -> Prack {
        let sent = self
            .sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let matching = request
            .call_id_header()
            .ok()
            .and_then(|call_id| sent.get(call_id.value()))
            .zip(request.rack_value())
            .filter(|(sent, (rseq, cseq, method))| {
                (*rseq, *cseq, method) == (sent.rseq, sent.cseq, &Method::Invite)
            });
        match matching {
            Some((sent, _)) => Prack::Acknowledges(Acknowledgement(sent.acknowledged.clone())),
            None => Prack::Unknown,
        }
    }

    /// Forgets the call with `call_id` once it ended.
    pub fn forget(&self, call_id: &str) {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(call_id);
    }

    /// Sends the caller's 183 with `headers` and `body` (our answer): reliably when the INVITE
    /// names `100rel`, retransmitted by a task of its own until acknowledged; else once.
    pub fn send_183(
        &self,
        caller: &InviteDialog,
        mut headers: Vec<Header>,
        body: Vec<u8>,
    ) -> Option<Awaited> {
        let invite = caller.initial_request();
        let ids = invite.call_id_header().ok().zip(invite.cseq_header().ok());
        let Some((call_id, cseq)) = ids.filter(|_| crate::extensions::named(&invite, "100rel"))
        else {
            send(caller, Some(headers), Some(body));
            return None;
        };
        let cseq = cseq.seq().unwrap_or_default();
        let (rseq, acknowledged) = self.expect(call_id.value().to_owned(), cseq);
        headers.push(make_header("Require", "100rel".into()));
        headers.push(make_header("RSeq", rseq.to_string()));
        send(caller, Some(headers.clone()), Some(body.clone()));
        let given_up = Arc::new(AtomicBool::new(false));
        let awaited = Awaited {
            acknowledged,
            given_up: given_up.clone(),
            answer_taken: false,
        };
        let acknowledged = awaited.acknowledged.clone();
        tokio::spawn(retransmit(
            caller.clone(),
            headers,
            body,
            acknowledged,
            given_up,
        ));
        Some(awaited)
    }

    /// Records a reliable 183 about to go out; returns the RSeq it carries and what turns true
    /// once it is acknowledged.
    fn expect(&self, call_id: String, cseq: u32) -> (u32, watch::Receiver<Option<Vec<u8>>>) {
        // RFC 3262 §3: the first RSeq lies between 1 and 2^31 - 1, best chosen at random.
        let rseq = rand::random_range(1..=0x7fff_ffff);
        let (acknowledged, receiver) = watch::channel(None);
        let sent = Sent {
            rseq,
            cseq,
            acknowledged,
        };
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(call_id, sent);
        (rseq, receiver)
    }
}

/// A reliable 183 sent; the call waits for its PRACK before it answers 200.
pub struct Awaited {
    acknowledged: watch::Receiver<Option<Vec<u8>>>,
    given_up: Arc<AtomicBool>,
    /// The caller's answer in the PRACK was taken.
    answer_taken: bool,
}

impl Awaited {
    /// Waits until the PRACK came (at once if it did), or until the 183 is given up on.
    pub async fn acknowledged(&mut self) {
        let wait = self.acknowledged.wait_for(Option::is_some);
        let _ = tokio::time::timeout(GIVE_UP, wait).await;
    }

    /// The caller's answer to the offer in our 183, once its PRACK came with one; `None` if
    /// it has not (yet), and after it was taken once.
    pub fn take_answer(&mut self) -> Option<Vec<u8>> {
        let body = self.acknowledged.borrow().clone()?;
        if self.answer_taken || body.is_empty() {
            return None;
        }
        self.answer_taken = true;
        Some(body)
    }

    /// Whether the caller's answer in the PRACK was taken.
    pub fn answered(&self) -> bool {
        self.answer_taken
    }

    /// Waits for [`Self::take_answer`]'s answer; never resolves after it was taken, or
    /// without a call waiting for one.
    pub async fn answer(awaited: &mut Option<Self>) -> Vec<u8> {
        let Some(awaited) = awaited else {
            return std::future::pending().await;
        };
        if awaited.acknowledged.wait_for(Option::is_some).await.is_ok()
            && let Some(answer) = awaited.take_answer()
        {
            return answer;
        }
        std::future::pending().await
    }

    /// Whether Centrale gave up on the PRACK and refused the INVITE (so the caller's leg
    /// ended by our doing, not the caller's).
    pub fn given_up(&self) -> bool {
        self.given_up.load(Ordering::Relaxed)
    }
}

/// Sends the 183 again until it is acknowledged or the INVITE has its final response; after
/// [`GIVE_UP`] without a PRACK the INVITE gets 500.
async fn retransmit(
    caller: InviteDialog,
    headers: Vec<Header>,
    body: Vec<u8>,
    mut acknowledged: watch::Receiver<Option<Vec<u8>>>,
    given_up: Arc<AtomicBool>,
) {
    let give_up = tokio::time::Instant::now() + GIVE_UP;
    let mut interval = T1;
    loop {
        if tokio::time::timeout(interval, acknowledged.wait_for(Option::is_some))
            .await
            .is_ok()
        {
            return;
        }
        if !matches!(caller.state(), DialogState::Early(..)) {
            return;
        }
        if tokio::time::Instant::now() >= give_up {
            tracing::info!(id = %caller.id(), "no PRACK for our reliable 183: INVITE refused");
            // Known before the caller's leg ends, so the call counts the end as ours.
            given_up.store(true, Ordering::Relaxed);
            if let Err(e) = caller.reject(Some(StatusCode::ServerInternalError), None) {
                tracing::debug!(error = %e, "500 to an unacknowledged INVITE not sent");
            }
            return;
        }
        send(&caller, Some(headers.clone()), Some(body.clone()));
        interval = (interval * 2).min(T2);
    }
}

fn send(caller: &InviteDialog, headers: Option<Vec<Header>>, body: Option<Vec<u8>>) {
    if caller.ringing(headers, body).is_err() {
        tracing::debug!(id = %caller.id(), "caller left before its 183");
    }
}
