//! Telephony metrics, registered in the process's Prometheus registry.

use centrale_core::calls::CallOutcome;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

/// What the telephony counts.
pub struct SipMetrics {
    requests: Family<MethodLabel, Counter>,
    responses: Family<CodeLabel, Counter>,
    calls: Family<OutcomeLabel, Counter>,
    queue_length: Gauge,
    active_calls: Gauge,
    waiting_seconds: Histogram,
    rtp_packets: Counter,
    rtp_dropped: Counter,
    journal_backlog: Gauge,
}

impl SipMetrics {
    /// Creates the metrics and registers them under `registry`.
    pub fn register(registry: &mut Registry) -> Arc<Self> {
        let waits = [1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0].into_iter();
        let metrics = Self {
            requests: Family::default(),
            responses: Family::default(),
            calls: Family::default(),
            queue_length: Gauge::default(),
            active_calls: Gauge::default(),
            waiting_seconds: Histogram::new(waits),
            rtp_packets: Counter::default(),
            rtp_dropped: Counter::default(),
            journal_backlog: Gauge::default(),
        };
        registry.register(
            "sip_requests",
            "SIP requests received, by method",
            metrics.requests.clone(),
        );
        registry.register(
            "sip_responses",
            "SIP responses sent to requests we answered, by code",
            metrics.responses.clone(),
        );
        registry.register("calls", "Calls ended, by outcome", metrics.calls.clone());
        registry.register(
            "queue_length",
            "Calls waiting for an operator",
            metrics.queue_length.clone(),
        );
        registry.register(
            "active_calls",
            "Calls in progress (queued, ringing or talking)",
            metrics.active_calls.clone(),
        );
        registry.register(
            "call_waiting_seconds",
            "Time from arrival to answer or abandon",
            metrics.waiting_seconds.clone(),
        );
        registry.register(
            "rtp_packets",
            "RTP packets relayed or sent",
            metrics.rtp_packets.clone(),
        );
        registry.register(
            "rtp_dropped",
            "RTP packets dropped: from a source that is not the leg's peer",
            metrics.rtp_dropped.clone(),
        );
        registry.register(
            "journal_backlog",
            "Steps of calls recorded but not yet written to the database",
            metrics.journal_backlog.clone(),
        );
        Arc::new(metrics)
    }

    /// The counter the media relay counts dropped packets on (it shares its value).
    pub fn rtp_dropped(&self) -> Counter {
        self.rtp_dropped.clone()
    }

    /// Counts a request by its method: the methods SIP defines by name, anything else as
    /// `other`, so a peer inventing methods cannot grow the label space.
    pub fn request(&self, method: &str) {
        const KNOWN: [&str; 14] = [
            "INVITE",
            "ACK",
            "BYE",
            "CANCEL",
            "OPTIONS",
            "REGISTER",
            "PRACK",
            "SUBSCRIBE",
            "NOTIFY",
            "PUBLISH",
            "INFO",
            "REFER",
            "MESSAGE",
            "UPDATE",
        ];
        let method = KNOWN
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(method))
            .unwrap_or("other");
        self.requests
            .get_or_create(&MethodLabel {
                method: method.to_owned(),
            })
            .inc();
    }

    pub fn response(&self, code: u16) {
        self.responses.get_or_create(&CodeLabel { code }).inc();
    }

    pub fn call_started(&self) {
        self.active_calls.inc();
    }

    pub fn call_ended(&self, outcome: CallOutcome, wait_ms: i64, rtp_packets: u64) {
        self.active_calls.dec();
        let outcome = serde_plain(outcome);
        self.calls.get_or_create(&OutcomeLabel { outcome }).inc();
        self.waiting_seconds.observe(wait_ms.max(0) as f64 / 1000.0);
        self.rtp_packets.inc_by(rtp_packets);
    }

    pub fn set_journal_backlog(&self, steps: usize) {
        self.journal_backlog
            .set(i64::try_from(steps).unwrap_or(i64::MAX));
    }

    pub fn set_queue_length(&self, length: usize) {
        self.queue_length
            .set(i64::try_from(length).unwrap_or(i64::MAX));
    }
}

fn serde_plain(outcome: CallOutcome) -> String {
    match outcome {
        CallOutcome::Answered => "answered",
        CallOutcome::AbandonedQueued => "abandoned_queued",
        CallOutcome::AbandonedRinging => "abandoned_ringing",
        CallOutcome::Rejected => "rejected",
        CallOutcome::Failed => "failed",
    }
    .to_owned()
}
