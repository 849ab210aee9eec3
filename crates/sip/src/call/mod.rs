//! One inbound call, top to bottom: admitted → queued with early media → offered to an
//! operator (ringing) → answered and bridged → ended by either side or by dead media.
//!
//! Each call is one task that owns its caller leg, its media and at most one operator leg.

mod admission;
mod caps;
mod lifecycle;
mod ring;
mod screen_pop;

pub(crate) use caps::Caps;

use crate::peer::Peer;
use crate::telephony::Telephony;
use rsipstack::sip::Uri;
use rsipstack::transaction::transaction::Transaction;
use std::sync::Arc;

/// Handles a new INVITE: refuses it, or runs the call until it ends.
pub async fn inbound(telephony: Arc<Telephony>, mut tx: Transaction) {
    // The call's arrival is when its INVITE reached us, before any lookup.
    let arrived = chrono::Utc::now();
    let Some(peer) = Peer::of(&tx) else {
        // Every transaction the transport hands over knows its peer; without one, refuse.
        crate::telephony::reply(
            &telephony,
            &mut tx,
            rsipstack::sip::StatusCode::ServerInternalError,
        )
        .await;
        return;
    };
    let admitted = match admission::admit(&telephony, &tx.original, peer).await {
        Ok(admitted) => admitted,
        Err(refused) => {
            crate::telephony::reply_with(&telephony, &mut tx, refused.status, refused.headers)
                .await;
            return;
        }
    };
    let (states, state_receiver) = telephony.dialogs.new_dialog_state_channel();
    let dialog = match telephony.dialogs.get_or_create_server_invite(
        &tx,
        states,
        None,
        Some(our_contact(&telephony)),
    ) {
        Ok(dialog) => dialog,
        Err(e) => {
            tracing::warn!(error = %e, "cannot create the caller's dialog");
            crate::telephony::reply(
                &telephony,
                &mut tx,
                rsipstack::sip::StatusCode::ServerInternalError,
            )
            .await;
            return;
        }
    };
    let mut transaction_owner = dialog.clone();
    tokio::spawn(async move {
        if let Err(e) = transaction_owner.handle(&mut tx).await {
            tracing::debug!(error = %e, "caller INVITE transaction ended with an error");
        }
    });
    lifecycle::run(telephony, admitted, arrived, dialog, state_receiver).await;
}

/// Our Contact URI.
pub(crate) fn our_contact(telephony: &Telephony) -> Uri {
    let text = format!("sip:centrale@{}", telephony.local);
    // Built from a socket address, so it always parses; fall back to the default URI anyway.
    Uri::try_from(text.as_str()).unwrap_or_default()
}
