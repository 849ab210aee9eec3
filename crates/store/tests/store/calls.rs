//! Call records: arrival, offers, answer, end; the history; a caller's earlier notes.

use crate::*;
use centrale_core::calls::{
    CallFact, CallOutcome, CallRecord, CallerId, NewCall, NewTransfer, Offer, OfferResult, Party,
    TransferResult,
};
use centrale_core::notes::NoteSummary;
use centrale_core::ports::{CallStore, StaffStore};
use centrale_core::transfer::{Destination, LineKind, TransferMode};
use centrale_core::{CallId, Error, NoteId, PasswordHash, StaffId};
use centrale_store::testing::{fresh_db, insert_note};
use chrono::{DateTime, Utc};

/// A fixed instant plus `ms` milliseconds.
fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_784_000_000_000 + ms).unwrap()
}

async fn operator(db: &Db, address: &str) -> StaffId {
    let password = PasswordHash::from_stored("$argon2id$v=19$stub".into());
    db.create_staff(&staff_draft(address, None), &password, None)
        .await
        .unwrap()
        .id
}

fn new_call(client: ClientId, caller: &str, arrived_ms: i64) -> NewCall {
    NewCall {
        id: CallId::new(),
        client_id: client,
        caller: CallerId {
            number: Some(phone(caller)),
            name: Some("Marie de Vries".into()),
        },
        dialled: phone("020 1234567"),
        original: Some("+31101234567".into()),
        arrived_at: at(arrived_ms),
    }
}

/// The record of a call that only arrived.
fn arrived(call: &NewCall) -> CallRecord {
    CallRecord {
        call: call.clone(),
        answered_at: None,
        ended_at: None,
        operator_id: None,
        ended_by: None,
        outcome: None,
        wait_ms: None,
        holds: 0,
        held_ms: 0,
        offers: vec![],
        transfers: vec![],
    }
}

#[tokio::test]
async fn a_call_from_arrival_to_end() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let anna = operator(&db, "anna@bureau.nl").await;
    let bob = operator(&db, "bob@bureau.nl").await;
    let call = new_call(bakery, "06 12345678", 0);

    db.record_arrival(&call).await.unwrap();
    assert_eq!(
        db.call_record(bakery, call.id).await.unwrap(),
        arrived(&call)
    );

    // Anna's phone refuses; Bob's rings and he answers.
    db.record_offer(bakery, call.id, anna, at(5_000))
        .await
        .unwrap();
    db.record_offer_end(bakery, call.id, anna, at(8_000), OfferResult::Rejected)
        .await
        .unwrap();
    db.record_offer(bakery, call.id, bob, at(9_000))
        .await
        .unwrap();
    let ringing = db.call_record(bakery, call.id).await.unwrap();
    assert_eq!(ringing.offers.len(), 2);
    assert_eq!(ringing.offers[1].ended_at, None);
    assert_eq!(
        ringing.operator_id, None,
        "the call's operator is who answered; nobody yet"
    );
    db.record_offer_end(bakery, call.id, bob, at(12_000), OfferResult::Answered)
        .await
        .unwrap();
    db.record_answer(bakery, call.id, bob, at(12_000))
        .await
        .unwrap();
    // Answered again later (a recall Bob missed, taken by Anna): the wait ended at the first
    // answer; the call is Anna's now.
    db.record_answer(bakery, call.id, anna, at(30_000))
        .await
        .unwrap();
    let again = db.call_record(bakery, call.id).await.unwrap();
    assert_eq!(
        (again.answered_at, again.wait_ms, again.operator_id),
        (Some(at(12_000)), Some(12_000), Some(anna))
    );
    db.record_answer(bakery, call.id, bob, at(31_000))
        .await
        .unwrap();
    db.record_end(
        bakery,
        call.id,
        at(70_000),
        Party::Caller,
        CallOutcome::Answered,
    )
    .await
    .unwrap();

    let expected = CallRecord {
        answered_at: Some(at(12_000)),
        ended_at: Some(at(70_000)),
        operator_id: Some(bob),
        ended_by: Some(Party::Caller),
        outcome: Some(CallOutcome::Answered),
        wait_ms: Some(12_000),
        holds: 0,
        held_ms: 0,
        offers: vec![
            Offer {
                operator_id: anna,
                offered_at: at(5_000),
                ended_at: Some(at(8_000)),
                result: Some(OfferResult::Rejected),
            },
            Offer {
                operator_id: bob,
                offered_at: at(9_000),
                ended_at: Some(at(12_000)),
                result: Some(OfferResult::Answered),
            },
        ],
        ..arrived(&call)
    };
    assert_eq!(db.call_record(bakery, call.id).await.unwrap(), expected);
    assert_eq!(db.list_calls(bakery, 10).await.unwrap(), vec![expected]);

    // Bob has no open offer left; an unknown operator is refused.
    assert!(matches!(
        db.record_offer_end(bakery, call.id, bob, at(13_000), OfferResult::Timeout)
            .await,
        Err(Error::NotFound("open offer"))
    ));
    assert!(matches!(
        db.record_offer(bakery, call.id, StaffId::new(), at(13_000))
            .await,
        Err(Error::NotFound("staff member"))
    ));
    assert!(matches!(
        db.record_answer(bakery, call.id, StaffId::new(), at(13_000))
            .await,
        Err(Error::NotFound("staff member"))
    ));
    assert_eq!(
        db.call_record(bakery, call.id).await.unwrap().offers.len(),
        2
    );

    // A deleted operator's offers drop out of the record (an offer always names its operator).
    db.delete_staff(anna).await.unwrap();
    let after = db.call_record(bakery, call.id).await.unwrap();
    assert_eq!(after.offers.len(), 1);
    assert_eq!(after.offers[0].operator_id, bob);
    assert_eq!(after.operator_id, Some(bob));
}

#[tokio::test]
async fn holds_are_counted_and_their_time_summed_up_to_the_end() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let anna = operator(&db, "anna@bureau.nl").await;
    let call = new_call(bakery, "06 12345678", 0);
    let hold = |ms, held| CallFact::Hold {
        client: bakery,
        call: call.id,
        at: at(ms),
        held,
    };
    db.record_arrival(&call).await.unwrap();
    db.record_answer(bakery, call.id, anna, at(5_000))
        .await
        .unwrap();
    // Held 10 s, resumed; held again (said twice) until the caller hangs up 30 s later.
    db.record_facts(&[hold(20_000, true), hold(30_000, false)])
        .await
        .unwrap();
    db.record_facts(&[hold(40_000, true), hold(45_000, true)])
        .await
        .unwrap();
    let held_now = db.call_record(bakery, call.id).await.unwrap();
    assert_eq!(held_now.holds, 2);
    // The hold going on counts up to now (the fixed instants lie in the past).
    assert!(held_now.held_ms > 10_000, "{held_now:?}");
    db.record_end(
        bakery,
        call.id,
        at(70_000),
        Party::Caller,
        CallOutcome::Answered,
    )
    .await
    .unwrap();
    let record = db.call_record(bakery, call.id).await.unwrap();
    assert_eq!((record.holds, record.held_ms), (2, 40_000));
    // A hold of a call that does not exist is refused with the rest of its batch.
    let stranger = CallFact::Hold {
        client: bakery,
        call: CallId::new(),
        at: at(1),
        held: true,
    };
    assert!(matches!(
        db.record_facts(&[stranger]).await,
        Err(Error::NotFound("call"))
    ));
}

#[tokio::test]
async fn unanswered_calls_wait_until_their_end() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let anna = operator(&db, "anna@bureau.nl").await;

    // Anonymous, straight into the queue, the caller gives up.
    let queued = NewCall {
        caller: CallerId::default(),
        original: None,
        ..new_call(bakery, "06 12345678", 0)
    };
    db.record_arrival(&queued).await.unwrap();
    db.record_end(
        bakery,
        queued.id,
        at(42_500),
        Party::Caller,
        CallOutcome::AbandonedQueued,
    )
    .await
    .unwrap();
    assert_eq!(
        db.call_record(bakery, queued.id).await.unwrap(),
        CallRecord {
            ended_at: Some(at(42_500)),
            ended_by: Some(Party::Caller),
            outcome: Some(CallOutcome::AbandonedQueued),
            wait_ms: Some(42_500),
            holds: 0,
            held_ms: 0,
            ..arrived(&queued)
        }
    );

    // Rings at Anna, the caller gives up while it rings.
    let ringing = new_call(bakery, "06 87654321", 100_000);
    db.record_arrival(&ringing).await.unwrap();
    db.record_offer(bakery, ringing.id, anna, at(103_000))
        .await
        .unwrap();
    db.record_offer_end(
        bakery,
        ringing.id,
        anna,
        at(110_000),
        OfferResult::Cancelled,
    )
    .await
    .unwrap();
    db.record_end(
        bakery,
        ringing.id,
        at(110_000),
        Party::Caller,
        CallOutcome::AbandonedRinging,
    )
    .await
    .unwrap();
    let record = db.call_record(bakery, ringing.id).await.unwrap();
    assert_eq!(record.wait_ms, Some(10_000));
    assert_eq!(record.answered_at, None);
    assert_eq!(record.outcome, Some(CallOutcome::AbandonedRinging));
    assert_eq!(
        record.offers,
        vec![Offer {
            operator_id: anna,
            offered_at: at(103_000),
            ended_at: Some(at(110_000)),
            result: Some(OfferResult::Cancelled),
        }]
    );
}

#[tokio::test]
async fn calls_belong_to_their_client() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let anna = operator(&db, "anna@bureau.nl").await;
    let theirs = new_call(b, "06 12345678", 0);
    db.record_arrival(&theirs).await.unwrap();
    db.record_offer(b, theirs.id, anna, at(1_000))
        .await
        .unwrap();
    let before = db.call_record(b, theirs.id).await.unwrap();

    // B's call through A is not found, for reading and for every step.
    let not_found = |r: Result<_, Error>| matches!(r, Err(Error::NotFound("call")));
    assert!(not_found(db.call_record(a, theirs.id).await.map(|_| ())));
    assert!(not_found(
        db.record_offer(a, theirs.id, anna, at(2_000)).await
    ));
    assert!(not_found(
        db.record_offer_end(a, theirs.id, anna, at(2_000), OfferResult::Timeout)
            .await
    ));
    assert!(not_found(
        db.record_answer(a, theirs.id, anna, at(2_000)).await
    ));
    assert!(not_found(
        db.record_end(a, theirs.id, at(2_000), Party::System, CallOutcome::Failed)
            .await
    ));
    assert!(db.list_calls(a, 10).await.unwrap().is_empty());
    assert_eq!(db.call_record(b, theirs.id).await.unwrap(), before);

    // A call for a client that does not exist, or recorded twice, is refused.
    assert!(matches!(
        db.record_arrival(&new_call(ClientId::new(), "06 12345678", 0))
            .await,
        Err(Error::NotFound("client"))
    ));
    let twice = db.record_arrival(&theirs).await;
    assert!(
        matches!(&twice, Err(Error::Conflict { field, .. }) if field == "id"),
        "{twice:?}"
    );
}

#[tokio::test]
async fn latest_calls_first() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let anna = operator(&db, "anna@bureau.nl").await;
    // Recorded out of order: the list follows arrival, not insertion.
    let middle = new_call(a, "06 12345678", 60_000);
    let first = new_call(a, "06 12345678", 0);
    let last = new_call(a, "06 12345678", 120_000);
    for call in [&middle, &first, &last] {
        db.record_arrival(call).await.unwrap();
    }
    db.record_arrival(&new_call(b, "06 12345678", 180_000))
        .await
        .unwrap();
    db.record_offer(a, middle.id, anna, at(61_000))
        .await
        .unwrap();

    let ids = |calls: Vec<CallRecord>| calls.into_iter().map(|c| c.call.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db.list_calls(a, 10).await.unwrap()),
        vec![last.id, middle.id, first.id]
    );
    let two = db.list_calls(a, 2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!((two[0].call.id, two[0].offers.len()), (last.id, 0));
    assert_eq!((two[1].call.id, two[1].offers.len()), (middle.id, 1));
    assert!(db.list_calls(a, 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_callers_latest_notes() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let marie = phone("06 12345678");
    let call = new_call(a, "06 12345678", 0);
    db.record_arrival(&call).await.unwrap();
    let note = |minute: i64, message: &str, urgent: bool| NoteSummary {
        id: NoteId::new(),
        call_id: None,
        created_at: at(minute * 60_000),
        caller_name: "Marie".into(),
        message: message.into(),
        urgent,
    };

    let oldest = note(1, "Call back about the order", false);
    let newest = NoteSummary {
        call_id: Some(call.id),
        ..note(3, "The delivery is late", true)
    };
    let between = note(2, "Asks for the price list", false);
    for n in [&oldest, &newest, &between] {
        insert_note(&db, a, Some(&marie), n).await;
    }
    // Another caller, an unknown number, and the same caller for another client.
    insert_note(
        &db,
        a,
        Some(&phone("020 7654321")),
        &note(4, "Other", false),
    )
    .await;
    insert_note(&db, a, None, &note(5, "Anonymous", false)).await;
    let at_b = note(6, "For B", false);
    insert_note(&db, b, Some(&marie), &at_b).await;

    assert_eq!(
        db.last_notes(a, &marie, 10).await.unwrap(),
        vec![newest.clone(), between.clone(), oldest]
    );
    assert_eq!(
        db.last_notes(a, &marie, 2).await.unwrap(),
        vec![newest, between]
    );
    assert_eq!(db.last_notes(b, &marie, 10).await.unwrap(), vec![at_b]);
    assert!(
        db.last_notes(a, &phone("06 87654321"), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn transfers_are_recorded_with_the_call_and_connected_ones_are_priced_usage() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let other = client(&db, "Ander").await;
    let anna = operator(&db, "anna@bureau.nl").await;
    let call = new_call(bakery, "06 12345678", 0);
    db.record_arrival(&call).await.unwrap();
    let destination = |number: &str, name: Option<&str>| {
        let number = phone(number);
        Destination {
            line: LineKind::of(&number),
            number,
            name: name.map(str::to_owned),
        }
    };
    let henk = destination("06 12345002", Some("Henk"));
    let office = destination("020 7654321", None);
    let facts = [
        CallFact::TransferStarted {
            client: bakery,
            call: call.id,
            transfer: NewTransfer {
                operator: anna,
                to: henk.clone(),
                mode: TransferMode::Blind,
                at: at(20_000),
            },
        },
        CallFact::TransferEnded {
            client: bakery,
            call: call.id,
            at: at(40_000),
            result: TransferResult::NoAnswer,
        },
        CallFact::TransferStarted {
            client: bakery,
            call: call.id,
            transfer: NewTransfer {
                operator: anna,
                to: henk.clone(),
                mode: TransferMode::Consult,
                at: at(50_000),
            },
        },
        CallFact::TransferEnded {
            client: bakery,
            call: call.id,
            at: at(55_000),
            result: TransferResult::Connected,
        },
    ];
    db.record_facts(&facts).await.unwrap();
    let second = new_call(bakery, "06 12345679", 60_000);
    db.record_arrival(&second).await.unwrap();
    db.record_facts(&[
        CallFact::TransferStarted {
            client: bakery,
            call: second.id,
            transfer: NewTransfer {
                operator: anna,
                to: office.clone(),
                mode: TransferMode::Blind,
                at: at(70_000),
            },
        },
        CallFact::TransferEnded {
            client: bakery,
            call: second.id,
            at: at(72_000),
            result: TransferResult::Connected,
        },
    ])
    .await
    .unwrap();

    let record = db.call_record(bakery, call.id).await.unwrap();
    let results: Vec<_> = record.transfers.iter().map(|t| t.result).collect();
    assert_eq!(
        results,
        [
            Some(TransferResult::NoAnswer),
            Some(TransferResult::Connected)
        ]
    );
    assert_eq!(record.transfers[0].price_cents, None, "not connected: free");
    assert_eq!(record.transfers[1].price_cents, Some(150));
    assert_eq!(record.transfers[1].operator_id, Some(anna));
    assert_eq!(record.transfers[1].name.as_deref(), Some("Henk"));
    assert_eq!(record.transfers[1].started_at, at(50_000));
    assert_eq!(record.transfers[1].mode, TransferMode::Consult);
    let listed = db.list_calls(bakery, 10).await.unwrap();
    assert_eq!(listed[1].transfers, record.transfers);
    assert_eq!(listed[0].transfers.len(), 1);

    let usage = db.usage(bakery, at(0), at(100_000)).await.unwrap();
    let priced: Vec<_> = usage
        .iter()
        .map(|u| (u.call_id, u.number.as_str(), u.line, u.price_cents, u.at))
        .collect();
    assert_eq!(
        priced,
        [
            (call.id, "+31612345002", LineKind::Mobile, 150, at(55_000)),
            (second.id, "+31207654321", LineKind::Fixed, 100, at(72_000)),
        ]
    );
    // The period is half-open, and another client's usage is its own.
    assert_eq!(db.usage(bakery, at(56_000), at(72_000)).await.unwrap(), []);
    assert_eq!(db.usage(other, at(0), at(100_000)).await.unwrap(), []);
    // A transfer ended twice, or of another client's call, is refused.
    let again = CallFact::TransferEnded {
        client: bakery,
        call: call.id,
        at: at(90_000),
        result: TransferResult::Failed,
    };
    assert!(matches!(
        db.record_facts(&[again]).await,
        Err(Error::NotFound(_))
    ));
    let foreign = CallFact::TransferStarted {
        client: other,
        call: call.id,
        transfer: NewTransfer {
            operator: anna,
            to: henk,
            mode: TransferMode::Blind,
            at: at(91_000),
        },
    };
    assert!(matches!(
        db.record_facts(&[foreign]).await,
        Err(Error::NotFound(_))
    ));
}
