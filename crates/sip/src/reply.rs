//! Final responses sent outside a dialog, counted by status.

use crate::metrics::SipMetrics;
use crate::peer::Peer;
use rsipstack::sip::{Header, StatusCode};
use rsipstack::transaction::transaction::Transaction;

/// Sends a final response with extra headers and without a body, and counts it.
pub(crate) async fn reply_with(
    metrics: &SipMetrics,
    tx: &mut Transaction,
    status: StatusCode,
    extra: Vec<Header>,
) {
    metrics.response(status.code());
    if let Err(e) = tx.reply_with(status, extra, None).await {
        tracing::debug!(error = %e, peer = ?Peer::of(tx), "reply not sent");
    }
}
