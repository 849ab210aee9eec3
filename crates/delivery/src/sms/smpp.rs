//! SMS over SMPP: one bound transceiver session kept up by a background task
//! (bind_transceiver, enquire_link keepalive, reconnect with backoff), `submit_sm` per
//! part, and delivery receipts (`deliver_sm`) handed back as [`Receipt`]s.

use super::config::SmppConfig;
use super::encoding::{Coding, concat_udh, encode};
use super::receipts::{
    Lookup, PartTracker, Receipt, ReceiptSender, message_state_delivered, parse_receipt_text,
    stat_delivered,
};
use super::{SmsChannel, SmsMessage};
use crate::Outcome;
use async_trait::async_trait;
use futures_util::StreamExt;
use rusmpp::pdus::{BindTransceiver, DeliverSm, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{DataCoding, EsmClass, Npi, RegisteredDelivery, ServiceType, Ton};
use rusmpp::{CommandId, Pdu};
use rusmppc::{Client, ConnectionBuilder, Event};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long a send waits for a bound session before it answers Retry.
const WAIT_FOR_SESSION: Duration = Duration::from_secs(10);
/// How long the SMSC has to answer one request.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A receipt for an id not (yet) known is looked at again after this long: it may have
/// overtaken the submit response of a later part.
const UNKNOWN_RECEIPT_GRACE: Duration = Duration::from_secs(5);
/// Messages whose part receipts are awaited, at most.
const TRACKED_MESSAGES: usize = 20_000;

/// Sends SMS over one SMPP transceiver session.
pub struct SmppSms {
    session: watch::Receiver<Option<Client>>,
    state: Arc<Shared>,
    sender: String,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    tracker: Mutex<PartTracker>,
    /// Why there is no session, for the Retry message.
    last_error: Mutex<String>,
    receipts: Option<ReceiptSender>,
}

impl SmppSms {
    /// Starts the session task; needs a Tokio runtime. Receipts go to `receipts` (when
    /// `None`, they are logged and dropped).
    pub fn start(config: SmppConfig, receipts: Option<ReceiptSender>) -> Self {
        let (tx, session) = watch::channel(None);
        let state = Arc::new(Shared {
            tracker: Mutex::new(PartTracker::new(TRACKED_MESSAGES)),
            last_error: Mutex::new("not connected yet".into()),
            receipts,
        });
        let sender = config.sender.clone();
        let task = tokio::spawn(keep_session(config, tx, Arc::clone(&state)));
        Self {
            session,
            state,
            sender,
            task,
        }
    }
}

impl Drop for SmppSms {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[async_trait]
impl SmsChannel for SmppSms {
    async fn send(&self, message: &SmsMessage) -> Outcome {
        let mut session = self.session.clone();
        let client =
            match tokio::time::timeout(WAIT_FOR_SESSION, session.wait_for(Option::is_some)).await {
                Ok(Ok(client)) => client.clone(),
                _ => None,
            };
        let Some(client) = client else {
            let why = lock(&self.state.last_error).clone();
            return Outcome::Retry(format!("no SMPP session: {why}"));
        };
        let encoded = encode(&message.text);
        let total = encoded.parts.len();
        let Ok(total_u8) = u8::try_from(total) else {
            return Outcome::Permanent(format!(
                "text too long for SMS ({total} parts; at most 255)"
            ));
        };
        let concat_ref = concat_reference(&message.reference);
        let mut ids = Vec::with_capacity(total);
        for (index, payload) in encoded.parts.iter().enumerate() {
            let short_message = if total > 1 {
                let udh = concat_udh(concat_ref, total_u8, index as u8 + 1);
                [&udh[..], payload].concat()
            } else {
                payload.clone()
            };
            let submit = match submit_sm(
                &self.sender,
                message.to.as_str(),
                encoded.coding,
                total > 1,
                short_message,
            ) {
                Ok(submit) => submit,
                Err(e) => return Outcome::Permanent(e),
            };
            match client.submit_sm(submit).await {
                Ok(response) => ids.push(response.message_id().to_string()),
                Err(e) => return outcome_for_error(&e),
            }
        }
        let reference = ids.first().filter(|id| !id.is_empty()).cloned();
        if let Some(reference) = &reference {
            lock(&self.state.tracker).register(reference, &ids);
        }
        Outcome::Sent { reference }
    }
}

/// Locks, recovering from a poisoned lock: the data are plain maps and strings.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The 8-bit concatenation reference: derived from the message's reference so that a
/// retry of the same message carries the same one.
pub fn concat_reference(reference: &str) -> u8 {
    // FNV-1a, folded to a byte: stable across runs and Rust versions.
    let hash = reference.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash.to_be_bytes().iter().fold(0, |acc, b| acc ^ b)
}

fn submit_sm(
    sender: &str,
    to: &str,
    coding: Coding,
    udh: bool,
    short_message: Vec<u8>,
) -> Result<SubmitSm, String> {
    let (source_ton, source_npi, source) = originator(sender);
    let destination = to.strip_prefix('+').unwrap_or(to);
    let c_string = |s: &str| {
        s.parse::<COctetString<1, 21>>()
            .map_err(|e| format!("address '{s}': {e}"))
    };
    let short_message =
        OctetString::from_vec(short_message).map_err(|e| format!("short message: {e}"))?;
    Ok(SubmitSm::builder()
        .service_type(ServiceType::default())
        .source_addr_ton(source_ton)
        .source_addr_npi(source_npi)
        .source_addr(c_string(&source)?)
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(c_string(destination)?)
        .esm_class(EsmClass::from(if udh { 0x40 } else { 0x00 }))
        .registered_delivery(RegisteredDelivery::from(0x01))
        .data_coding(DataCoding::from(coding.smpp_data_coding()))
        .short_message(short_message)
        .build())
}

/// TON/NPI and digits of the sender: alphanumeric, international (`+…`) or national.
fn originator(sender: &str) -> (Ton, Npi, String) {
    if let Some(digits) = sender
        .strip_prefix('+')
        .filter(|d| d.chars().all(|c| c.is_ascii_digit()))
    {
        (Ton::International, Npi::Isdn, digits.to_string())
    } else if !sender.is_empty() && sender.chars().all(|c| c.is_ascii_digit()) {
        (Ton::Unknown, Npi::Isdn, sender.to_string())
    } else {
        (Ton::Alphanumeric, Npi::Unknown, sender.to_string())
    }
}

/// What an SMPP error means for the outbox.
fn outcome_for_error(error: &rusmppc::error::Error) -> Outcome {
    match error {
        rusmppc::error::Error::UnexpectedResponse { response } => {
            let status = u32::from(response.status());
            outcome_for_status(status)
        }
        other => Outcome::Retry(format!("SMPP: {other}")),
    }
}

/// Maps a `submit_sm_resp` command status: bad numbers and refused content are permanent;
/// throttling, full queues, system errors and anything unknown are tried again.
pub fn outcome_for_status(status: u32) -> Outcome {
    let permanent = match status {
        0x01 => Some("invalid message length"),
        0x0A => Some("invalid source address"),
        0x0B => Some("invalid destination address"),
        0x48..=0x49 => Some("invalid source address TON/NPI"),
        0x50..=0x51 => Some("invalid destination address TON/NPI"),
        0x61 | 0x62 => Some("invalid schedule or validity"),
        0x65 => Some("destination rejected the message (permanent application error)"),
        0x66 => Some("destination rejected the message"),
        _ => None,
    };
    match permanent {
        Some(why) => Outcome::Permanent(format!(
            "SMSC refused the SMS: {why} (status 0x{status:08X})"
        )),
        None => {
            let why = match status {
                0x58 => "throttled",
                0x14 => "message queue full",
                0x08 => "system error",
                0x64 => "temporary application error",
                _ => "error",
            };
            Outcome::Retry(format!("SMSC answered {why} (status 0x{status:08X})"))
        }
    }
}

/// Keeps one bound session up for as long as the channel lives.
async fn keep_session(config: SmppConfig, tx: watch::Sender<Option<Client>>, state: Arc<Shared>) {
    let target = format!("{}:{}", config.host, config.port);
    let mut backoff = BACKOFF_MIN;
    loop {
        match connect_and_bind(&config).await {
            Ok((client, events)) => {
                tracing::info!(smsc = %target, system_id = %config.system_id, "SMPP session bound");
                backoff = BACKOFF_MIN;
                tx.send_replace(Some(client.clone()));
                serve(&client, events, &state).await;
                tx.send_replace(None);
                let _ = client.close().await;
                *lock(&state.last_error) = format!("session with {target} closed");
                tracing::warn!(smsc = %target, "SMPP session closed; reconnecting");
            }
            Err(why) => {
                tracing::warn!(smsc = %target, retry_in = ?backoff, "SMPP: {why}");
                *lock(&state.last_error) = why;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

async fn connect_and_bind(
    config: &SmppConfig,
) -> Result<
    (
        Client,
        impl futures_util::Stream<Item = Event> + Unpin + 'static,
    ),
    String,
> {
    let target = (config.host.as_str(), config.port);
    let stream = match tokio::time::timeout(
        RESPONSE_TIMEOUT,
        tokio::net::TcpStream::connect(target),
    )
    .await
    {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            return Err(format!(
                "cannot connect to {}:{}: {e}",
                config.host, config.port
            ));
        }
        Err(_) => {
            return Err(format!(
                "connecting to {}:{} timed out",
                config.host, config.port
            ));
        }
    };
    let _ = stream.set_nodelay(true);
    let (client, events) = ConnectionBuilder::new()
        .enquire_link_interval(config.enquire_link)
        .response_timeout(RESPONSE_TIMEOUT)
        .disable_interface_version_check()
        .connected(stream);
    let invalid = |what: &str| format!("the SMPP {what} is too long or not ASCII");
    let bind = BindTransceiver::builder()
        .system_id(config.system_id.parse().map_err(|_| invalid("system id"))?)
        .password(config.password.parse().map_err(|_| invalid("password"))?)
        .system_type(
            config
                .system_type
                .parse()
                .map_err(|_| invalid("system type"))?,
        )
        .addr_ton(Ton::Unknown)
        .addr_npi(Npi::Unknown)
        .address_range(COctetString::empty())
        .build();
    match client.bind_transceiver(bind).await {
        Ok(_) => Ok((client, events)),
        Err(rusmppc::error::Error::UnexpectedResponse { response }) => {
            let _ = client.close().await;
            // The password stays out of the message.
            Err(format!(
                "SMSC refused the bind for system id '{}' (status 0x{:08X})",
                config.system_id,
                u32::from(response.status())
            ))
        }
        Err(e) => {
            let _ = client.close().await;
            Err(format!("bind failed: {e}"))
        }
    }
}

/// Answers the SMSC's requests until the session ends.
async fn serve(
    client: &Client,
    mut events: impl futures_util::Stream<Item = Event> + Unpin,
    state: &Arc<Shared>,
) {
    while let Some(event) = events.next().await {
        match event {
            Event::Incoming(command) => match command.pdu() {
                Some(Pdu::DeliverSm(deliver)) => {
                    let _ = client
                        .deliver_sm_resp(command.sequence_number(), DeliverSmResp::default())
                        .await;
                    on_deliver_sm(deliver, state);
                }
                _ if command.id() == CommandId::Unbind => {
                    let _ = client.unbind_resp(command.sequence_number()).await;
                    return;
                }
                _ => tracing::debug!(id = ?command.id(), "SMPP: ignored a command from the SMSC"),
            },
            Event::Error(e) => tracing::debug!("SMPP session: {e}"),
        }
    }
}

/// A receipt's SMSC message id and final verdict, from its TLVs or, failing those, its text.
pub fn receipt_of(deliver: &DeliverSm) -> Option<(String, Option<bool>)> {
    let mut id = None;
    let mut state = None;
    for tlv in deliver.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(value)) => id = Some(value.to_string()),
            Some(TlvValue::MessageState(value)) => state = Some(u8::from(*value)),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(deliver.short_message());
    let parsed = parse_receipt_text(&text);
    let is_receipt = u8::from(deliver.esm_class) & 0x3C == 0x04 || id.is_some();
    if !is_receipt && parsed.is_none() {
        return None;
    }
    let id = id
        .filter(|id| !id.is_empty())
        .or_else(|| parsed.as_ref().map(|(id, _)| id.clone()))?;
    let delivered = state
        .and_then(message_state_delivered)
        .or_else(|| parsed.and_then(|(_, stat)| stat_delivered(&stat)));
    Some((id, delivered))
}

fn on_deliver_sm(deliver: &DeliverSm, state: &Arc<Shared>) {
    let Some((id, verdict)) = receipt_of(deliver) else {
        tracing::info!("SMPP: ignored an incoming SMS (replies are not handled)");
        return;
    };
    let Some(delivered) = verdict else {
        tracing::debug!(id, "SMPP: intermediate receipt");
        return;
    };
    let lookup = lock(&state.tracker).part_done(&id, delivered);
    match lookup {
        Lookup::Done(receipt) => hand_back(state, receipt),
        Lookup::Pending => {}
        Lookup::Unknown => {
            let state = Arc::clone(state);
            tokio::spawn(async move {
                tokio::time::sleep(UNKNOWN_RECEIPT_GRACE).await;
                let lookup = lock(&state.tracker).part_done(&id, delivered);
                match lookup {
                    Lookup::Done(receipt) => hand_back(&state, receipt),
                    Lookup::Pending => {}
                    // Sent before a restart: its id is the reference the outbox holds.
                    Lookup::Unknown => hand_back(
                        &state,
                        Receipt {
                            reference: id,
                            delivered,
                        },
                    ),
                }
            });
        }
    }
}

fn hand_back(state: &Shared, receipt: Receipt) {
    tracing::debug!(reference = %receipt.reference, delivered = receipt.delivered, "SMS receipt");
    if let Some(receipts) = &state.receipts
        && receipts.send(receipt).is_err()
    {
        tracing::warn!("SMS receipt dropped: nobody listens for receipts");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert!(matches!(outcome_for_status(0x58), Outcome::Retry(_)));
        assert!(matches!(outcome_for_status(0x14), Outcome::Retry(_)));
        assert!(matches!(outcome_for_status(0x0B), Outcome::Permanent(_)));
        assert!(matches!(outcome_for_status(0x0400), Outcome::Retry(_)));
    }

    #[test]
    fn originators() {
        assert_eq!(
            originator("Centrale"),
            (Ton::Alphanumeric, Npi::Unknown, "Centrale".into())
        );
        assert_eq!(
            originator("+31201234567"),
            (Ton::International, Npi::Isdn, "31201234567".into())
        );
        assert_eq!(originator("1234"), (Ton::Unknown, Npi::Isdn, "1234".into()));
    }

    #[test]
    fn concat_reference_is_stable() {
        assert_eq!(
            concat_reference("delivery-1"),
            concat_reference("delivery-1")
        );
    }

    #[test]
    fn receipts_are_read_from_text() {
        let text = "id:abc sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:hi";
        let deliver = DeliverSm::builder()
            .esm_class(EsmClass::from(0x04))
            .short_message(OctetString::from_vec(text.as_bytes().to_vec()).unwrap())
            .build();
        assert_eq!(receipt_of(&deliver), Some(("abc".into(), Some(true))));
        let mo = DeliverSm::builder()
            .short_message(OctetString::from_vec(b"hallo".to_vec()).unwrap())
            .build();
        assert_eq!(receipt_of(&mo), None);
    }
}
