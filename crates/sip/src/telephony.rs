//! The telephony as a value: [`Telephony::start`] binds the SIP listeners and runs the
//! dispatch loop; everything a request handler needs hangs off [`Telephony`].

use crate::board::{Board, CallCommand};
use crate::call::HoldOrder;
use crate::call::context::{CallContext, CallLimits};
use crate::call::reliable::{Prack, Reliable};
use crate::call::{ConsultOrder, EarlyDialogs, Gateway, LiveCalls, TransferOrder, TransferRequest};
use crate::config::SipConfig;
use crate::credentials::KnownCredentials;
use crate::directory::{LiveDirectory, refresh_in_full};
use crate::journal::{CallJournal, write_behind};
use crate::media::{MediaConfig, MediaEngine};
use crate::metrics::SipMetrics;
use crate::nonce::Nonces;
use crate::peer::{Peer, StampVia};
use crate::unknown_method::ScreenedSocket;
use crate::{auth, call, headers, registrar, screened_tcp};
use centrale_core::acd::OperatorState;
use centrale_core::ports::{EventSink, Store, Switchboard};
use centrale_core::throttle::Throttle;
use centrale_core::transfer::{ConsultStep, Destination, TransferError, TransferMode};
use centrale_core::{CallId, Staff, StaffId};
use chrono::{DateTime, Utc};
use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::{Dialog, DialogState};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Method, StatusCode, headers::make_header};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What went wrong starting the telephony.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen for SIP on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: rsipstack::Error,
    },
    #[error("cannot read the directory of clients and numbers")]
    Directory(#[source] centrale_core::Error),
}

/// Shared state of the running telephony.
pub struct Telephony {
    pub(crate) config: SipConfig,
    /// For the digest check of REGISTER and of operators' own INVITEs.
    pub(crate) store: Arc<dyn Store>,
    pub(crate) throttle: Throttle,
    pub(crate) nonces: Nonces,
    /// Operators' SIP credentials as last read, for when the store cannot answer.
    pub(crate) credentials: KnownCredentials,
    /// What calls may use, all they get; the board, journal, dialogs, location, metrics and
    /// our address live there, and the edge uses them through it.
    pub(crate) calls: Arc<CallContext>,
}

/// A running telephony; dropping it does not stop it, [`SipHandle::shutdown`] does.
pub struct SipHandle {
    pub telephony: Arc<Telephony>,
    cancel: CancellationToken,
}

impl SipHandle {
    /// The UDP/TCP address SIP really listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.telephony.calls.local
    }

    /// The switchboard, for the web's operator-state API and account changes.
    pub fn switchboard(&self) -> Arc<dyn Switchboard> {
        self.telephony.clone()
    }

    /// Stops listening and ends the endpoint's tasks.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

impl Telephony {
    /// Binds UDP and TCP on `config.listen` (port 0 picks one) and starts serving.
    pub async fn start(
        config: SipConfig,
        store: Arc<dyn Store>,
        events: Arc<dyn EventSink>,
        metrics: Arc<SipMetrics>,
    ) -> Result<SipHandle, Error> {
        let directory = LiveDirectory::load(store.clone())
            .await
            .map_err(Error::Directory)?;
        let cancel = CancellationToken::new();
        tokio::spawn(refresh_in_full(Arc::downgrade(&directory), cancel.clone()));
        let transport = TransportLayer::new(cancel.child_token());
        let listen_error = |source| Error::Listen {
            addr: config.listen,
            source,
        };
        let (socket, tcp) = bind_udp_and_tcp(config.listen)
            .await
            .map_err(|e| listen_error(rsipstack::Error::from(e)))?;
        let bound = socket
            .local_addr()
            .map_err(|e| listen_error(rsipstack::Error::from(e)))?;
        // Peers must see the advertised address with the port really bound (port 0 in tests).
        let local = SocketAddr::new(config.advertise, bound.port());
        let udp = UdpConnection::from_socket(
            Arc::new(ScreenedSocket(socket)),
            Some(local),
            Some(cancel.child_token()),
        )
        .await
        .map_err(listen_error)?;
        transport.add_transport(udp.into());

        let endpoint = EndpointBuilder::new()
            .with_user_agent("Centrale")
            .with_transport_layer(transport)
            // Responses follow the Via: it must name the socket, not what the sender wrote.
            .with_transport_inspector(Box::new(StampVia))
            .with_cancel_token(cancel.clone())
            .build();
        let incoming = endpoint.incoming_transactions().map_err(listen_error)?;
        let tcp_endpoint = endpoint.inner.clone();
        let tcp_cancel = cancel.clone();
        tokio::spawn(async move {
            if let Err(e) = screened_tcp::serve(tcp, local, tcp_endpoint, tcp_cancel).await {
                tracing::error!(error = %e, "SIP over TCP stopped");
            }
        });
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let media = MediaEngine::new(
            MediaConfig {
                bind_ip: config.listen.ip(),
                advertise_ip: config.advertise,
                port_min: config.rtp_ports.0,
                port_max: config.rtp_ports.1,
                silence_timeout: config.silence_timeout,
                networks: config.media_networks.clone(),
            },
            metrics.rtp_dropped(),
        );
        let board = Board::new(events.clone(), config.wrap_up);
        let journal = CallJournal::new(config.journal_bound, events.clone(), metrics.clone());
        tokio::spawn(write_behind(journal.clone(), store.clone()));
        let calls = Arc::new(CallContext {
            directory,
            journal,
            board,
            media,
            caps: Arc::default(),
            dialogs,
            location: Arc::default(),
            history: store.clone(),
            metrics,
            limits: CallLimits {
                ring_timeout: config.ring_timeout,
                max_calls_per_trunk: config.max_calls_per_trunk,
                max_queue_length: config.max_queue_length,
            },
            local,
            reliable: Reliable::default(),
            early: EarlyDialogs::default(),
            live: LiveCalls::default(),
            gateway: config.outbound.clone().map(Gateway::new),
        });
        let telephony = Arc::new(Telephony {
            config,
            store,
            throttle: Throttle::default(),
            nonces: Nonces::new(),
            credentials: KnownCredentials::default(),
            calls,
        });
        tokio::spawn(async move { endpoint.serve().await });
        tokio::spawn(dispatch(telephony.clone(), incoming, cancel.clone()));
        tokio::spawn(expire_bindings(telephony.clone(), cancel.clone()));
        tracing::info!(%local, "SIP listening on UDP and TCP");
        Ok(SipHandle { telephony, cancel })
    }
}

/// The SIP sockets: UDP, and TCP on the same port (its connections are Centrale's to accept,
/// `screened_tcp`). With port 0 the system picks a UDP port whose TCP twin may be taken: then
/// another is tried; a port named in the settings must be free on both.
async fn bind_udp_and_tcp(
    listen: SocketAddr,
) -> std::io::Result<(tokio::net::UdpSocket, tokio::net::TcpListener)> {
    let mut tries = 0;
    loop {
        let udp = tokio::net::UdpSocket::bind(listen).await?;
        let tcp_addr = SocketAddr::new(listen.ip(), udp.local_addr()?.port());
        match listen_tcp(tcp_addr) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if listen.port() == 0 && tries < 20 => {
                tracing::debug!(error = %e, %tcp_addr, "TCP twin of the UDP port taken; trying another");
                tries += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A TCP listener on `addr`, taking the port despite connections lingering on it (as
/// rsipstack's own listener does).
fn listen_tcp(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

/// Hands each new server transaction to its handler, each in its own task.
async fn dispatch(
    telephony: Arc<Telephony>,
    mut incoming: rsipstack::transaction::TransactionReceiver,
    cancel: CancellationToken,
) {
    loop {
        let tx = tokio::select! {
            () = cancel.cancelled() => return,
            tx = incoming.recv() => match tx { Some(tx) => tx, None => return },
        };
        telephony
            .calls
            .metrics
            .request(tx.original.method.to_string().as_str());
        let telephony = telephony.clone();
        tokio::spawn(async move { handle(telephony, tx).await });
    }
}

async fn handle(telephony: Arc<Telephony>, mut tx: Transaction) {
    if let Err(problem) = framing(&tx.original) {
        // RFC 3261 §18.3: a request that ends before its body does is answered 400.
        tracing::debug!(problem, peer = ?Peer::of(&tx), "malformed request");
        if tx.original.method != Method::Ack {
            let warning = headers::warning(problem);
            reply_with(&telephony, &mut tx, StatusCode::BadRequest, vec![warning]).await;
        }
        return;
    }
    // In-dialog requests (BYE, re-INVITE, ACK, INFO…) belong to their dialog.
    if let Some(dialog) = telephony.calls.dialogs.match_dialog(&tx) {
        let result = match dialog {
            Dialog::Invite(mut d) => {
                let prack = (tx.original.method == Method::PRack)
                    .then(|| telephony.calls.reliable.prack(&tx.original));
                if let Some(Prack::Unknown) = prack {
                    // RFC 3262 §3: a PRACK for no reliable response of ours.
                    reply(&telephony, &mut tx, StatusCode::CallTransactionDoesNotExist).await;
                    return;
                }
                let calls = &telephony.calls;
                if calls.early.answer(&d, &mut tx, || calls.contact()).await {
                    return;
                }
                end_early_dialog(&d, &tx);
                let handled = d.handle(&mut tx).await;
                if let Some(Prack::Acknowledges(acknowledgement)) = prack {
                    acknowledgement.pass_on(tx.original.body.clone());
                }
                handled
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "in-dialog request failed");
        }
        return;
    }
    match tx.original.method {
        Method::Register => registrar::handle(&telephony, &mut tx).await,
        Method::Invite => invite(telephony, tx).await,
        Method::Options => reply(&telephony, &mut tx, StatusCode::OK).await,
        Method::Ack => {}
        Method::Bye | Method::Cancel | Method::PRack => {
            reply(&telephony, &mut tx, StatusCode::CallTransactionDoesNotExist).await
        }
        // RFC 3261 §8.2.1: a 405 lists the methods we do serve.
        _ => {
            let allow = make_header("Allow", ALLOWED_METHODS.to_owned());
            reply_with(
                &telephony,
                &mut tx,
                StatusCode::MethodNotAllowed,
                vec![allow],
            )
            .await
        }
    }
}

/// A caller's BYE before our 200 (RFC 3261 §15.1.2): its INVITE is answered 487 first, then
/// the dialog answers the BYE 200 and the call ends as the caller's, as for a CANCEL.
fn end_early_dialog(dialog: &InviteDialog, tx: &Transaction) {
    let early = matches!(
        dialog.state(),
        DialogState::Calling(_) | DialogState::Trying(_) | DialogState::Early(..)
    );
    if tx.original.method == Method::Bye && early {
        // A no-op for our own (client) legs: only the caller's INVITE is ours to answer.
        if let Err(e) = dialog.reject(Some(StatusCode::RequestTerminated), None) {
            tracing::debug!(error = %e, "487 to an INVITE ended by BYE not sent");
        }
    }
}

/// A new INVITE: its sender checked, then admitted and run as a call, or refused.
async fn invite(telephony: Arc<Telephony>, mut tx: Transaction) {
    // The call's arrival is when its INVITE reached us, before any check.
    let arrived = Utc::now();
    let Some(peer) = Peer::of(&tx) else {
        // Every transaction the transport hands over knows its peer; without one, refuse.
        reply(&telephony, &mut tx, StatusCode::ServerInternalError).await;
        return;
    };
    let trunk = match auth::authorize_invite(&telephony, &tx.original, peer).await {
        Ok(trunk) => trunk,
        Err(refusal) => {
            reply_with(&telephony, &mut tx, refusal.status, refusal.headers).await;
            return;
        }
    };
    match call::admit(&telephony.calls, &tx.original, peer, trunk).await {
        Ok(admitted) => call::run(telephony.calls.clone(), tx, admitted, arrived).await,
        Err(refused) => reply_with(&telephony, &mut tx, refused.status, refused.headers).await,
    }
}

/// The methods Centrale serves outside a dialog or within one.
pub(crate) const ALLOWED_METHODS: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO";

/// Whether the request's framing holds: a readable Content-Length (at most one value, and
/// present when a Content-Type announces a body) no larger than the body that arrived. The parser cuts the body to Content-Length and keeps a
/// short body as it is, so a datagram that ended early shows as a body shorter than announced.
fn framing(request: &rsipstack::sip::Request) -> Result<(), &'static str> {
    let lengths: Vec<&str> = headers::values(request, "Content-Length")
        .into_iter()
        .chain(headers::values(request, "l"))
        .collect();
    let mut announced = None;
    for length in lengths {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|_| "unreadable Content-Length")?;
        if announced.is_some_and(|a| a != length) {
            return Err("conflicting Content-Length headers");
        }
        announced = Some(length);
    }
    let typed = headers::value(request, "Content-Type")
        .or_else(|| headers::value(request, "c"))
        .is_some();
    match announced {
        Some(length) if length > request.body.len() => {
            Err("message shorter than its Content-Length")
        }
        // Without Content-Length the parser drops the body: an offer would pass for none.
        None if typed => Err("Content-Length required with a body"),
        _ => Ok(()),
    }
}

/// Sends a final response without a body.
async fn reply(telephony: &Telephony, tx: &mut Transaction, status: StatusCode) {
    reply_with(telephony, tx, status, vec![]).await;
}

/// Sends a final response with extra headers and without a body.
async fn reply_with(
    telephony: &Telephony,
    tx: &mut Transaction,
    status: StatusCode,
    extra: Vec<rsipstack::sip::Header>,
) {
    crate::reply::reply_with(&telephony.calls.metrics, tx, status, extra).await;
}

/// How long a note's save waits for its call's record.
const RECORD_PATIENCE: Duration = Duration::from_secs(5);

/// How long an operator's order waits for her call to take it up.
const ORDER_PATIENCE: Duration = Duration::from_secs(2);

impl Telephony {
    /// Hands an operator's order to its call and waits (briefly) for its answer.
    async fn order<T>(
        &self,
        call: CallId,
        command: CallCommand,
        answer: tokio::sync::oneshot::Receiver<Result<T, TransferError>>,
    ) -> Result<T, TransferError> {
        if !self.calls.live.send(call, command) {
            return Err(TransferError::NoSuchCall);
        }
        match tokio::time::timeout(ORDER_PATIENCE, answer).await {
            Ok(Ok(decided)) => decided,
            // The call ended before it read the order.
            Ok(Err(_)) => Err(TransferError::NoSuchCall),
            // Busy in a state that does not read orders (a re-INVITE being answered): the
            // order is dropped unread, never carried out later.
            Err(_) => Err(TransferError::NotTalking),
        }
    }
}

/// The board answers for the queue and states; dropping a registration also needs the
/// location service, which the board does not hold; the journal knows what is written.
#[async_trait::async_trait]
impl Switchboard for Telephony {
    async fn call_recorded(&self, call: CallId) -> bool {
        self.calls.journal.written(call, RECORD_PATIENCE).await
    }

    fn set_operator_state(
        &self,
        operator: StaffId,
        state: OperatorState,
    ) -> centrale_core::Result<()> {
        self.calls.board.set_operator_state(operator, state)
    }

    fn operator_status(&self, operator: StaffId) -> (OperatorState, bool) {
        self.calls.board.operator_status(operator)
    }

    fn queue(&self) -> Vec<(CallId, DateTime<Utc>)> {
        self.calls.board.queue()
    }

    async fn transfer(
        &self,
        call: CallId,
        by: &Staff,
        to: &str,
        mode: TransferMode,
    ) -> Result<Destination, TransferError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let order = TransferOrder {
            request: TransferRequest {
                to: to.to_owned(),
                mode,
                by: by.id,
                role: by.draft.role,
            },
            reply,
        };
        self.order(call, CallCommand::Transfer(order), answer).await
    }

    async fn hold(&self, call: CallId, by: &Staff, held: bool) -> Result<(), TransferError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let order = HoldOrder {
            held,
            by: by.id,
            reply,
        };
        self.order(call, CallCommand::Hold(order), answer).await
    }

    async fn consult_step(
        &self,
        call: CallId,
        by: &Staff,
        step: ConsultStep,
    ) -> Result<(), TransferError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let order = ConsultOrder {
            step,
            by: by.id,
            reply,
        };
        self.order(call, CallCommand::Consult(order), answer).await
    }

    fn drop_registration(&self, operator: StaffId) {
        self.credentials.forget(operator);
        if self.calls.location.unbind(operator) {
            self.calls.board.set_registered(operator, false);
        }
    }
}

/// Notices registrations that ran out.
async fn expire_bindings(telephony: Arc<Telephony>, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        for operator in telephony.calls.location.expire(Instant::now()) {
            telephony.calls.board.set_registered(operator, false);
        }
    }
}
