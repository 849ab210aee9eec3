//! Call notes: idempotent saving, one note per call, deliveries written with the note,
//! tenancy and search.

use crate::*;
use centrale_core::calls::{CallerId, NewCall};
use centrale_core::instructions::EmergencyStep;
use centrale_core::notes::{
    CallNote, Callback, CallbackTime, Channel, DeliveryStatus, EmergencyAction, NoteDraft,
    Recipient,
};
use centrale_core::ports::{CallStore, EmployeeStore, NoteStore};
use centrale_core::{CallId, EmployeeId, Error, NoteId};
use centrale_store::testing::{fresh_db, set_delivery_status};
use chrono::Utc;

async fn call(db: &Db, client: ClientId) -> CallId {
    let call = NewCall {
        id: CallId::new(),
        client_id: client,
        caller: CallerId {
            number: Some(phone("06 12345678")),
            name: None,
        },
        dialled: phone("020 1234567"),
        original: None,
        arrived_at: Utc::now(),
    };
    db.record_arrival(&call).await.unwrap();
    call.id
}

fn draft(caller: &str, message: &str) -> NoteDraft {
    NoteDraft {
        caller_name: caller.into(),
        caller_company: "Molen BV".into(),
        caller_phone: Some(phone("06 12345678")),
        message: message.into(),
        for_employees: vec![],
        for_general: false,
        urgent: false,
        callback_wish: Some("after 14:00".into()),
        // Kept as it was given, through every save and read of the note.
        callback: Some(Callback {
            with: None,
            when: CallbackTime::Between {
                from: chrono::DateTime::from_timestamp(1_784_000_000, 0).unwrap(),
                to: chrono::DateTime::from_timestamp(1_784_003_600, 0).unwrap(),
            },
            number: Some(phone("06 12345678")),
        }),
        actions: vec!["callback agreed".into()],
        emergency: vec![EmergencyAction {
            step: EmergencyStep::Sms {
                to: phone("06 12345002"),
            },
            at: chrono::DateTime::from_timestamp(1_784_000_100, 0).unwrap(),
            outcome: "sms sent".into(),
            by: Some("staff:anna@bureau.nl".into()),
        }],
    }
}

fn mail(to: &str, employee: Option<EmployeeId>) -> Recipient {
    Recipient {
        channel: Channel::Email,
        to: to.into(),
        employee_id: employee,
    }
}

fn sms(to: &str, employee: Option<EmployeeId>) -> Recipient {
    Recipient {
        channel: Channel::Sms,
        to: to.into(),
        employee_id: employee,
    }
}

/// A note's deliveries as (channel, recipient, employee, status).
fn deliveries(note: &CallNote) -> Vec<(Channel, &str, Option<EmployeeId>, DeliveryStatus)> {
    note.deliveries
        .iter()
        .map(|d| (d.channel, d.recipient.as_str(), d.employee_id, d.status))
        .collect()
}

#[tokio::test]
async fn a_calls_note_is_saved_once_and_edited_in_place() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let piet = db
        .create_employee(bakery, &employee_draft("Piet"))
        .await
        .unwrap()
        .id;
    let call = call(&db, bakery).await;
    let first = NoteDraft {
        for_employees: vec![piet],
        urgent: true,
        ..draft(
            "Marie <b>de Vries</b>",
            "Bel terug <script>alert(1)</script>",
        )
    };
    let to_piet = [
        sms("+31612345678", Some(piet)),
        mail("piet@bakkerij.nl", Some(piet)),
    ];

    let saved = db
        .save_call_note(bakery, call, "k1", &first, &actor("anna"), &to_piet)
        .await
        .unwrap();
    assert_eq!(saved.client_id, bakery);
    assert_eq!(saved.call_id, Some(call));
    assert_eq!(saved.draft, first, "text is stored as typed");
    assert_eq!(saved.created_by, actor("anna"));
    assert_eq!(saved.created_at, saved.updated_at);
    assert_eq!(
        deliveries(&saved),
        vec![
            (
                Channel::Email,
                "piet@bakkerij.nl",
                Some(piet),
                DeliveryStatus::Queued
            ),
            (
                Channel::Sms,
                "+31612345678",
                Some(piet),
                DeliveryStatus::Queued
            ),
        ]
    );
    assert_eq!(db.note(bakery, saved.id).await.unwrap(), saved);
    assert_eq!(db.call_note(bakery, call).await.unwrap(), saved);

    // The same request again (or any key, the call is the note's key): the same note.
    let again = db
        .save_call_note(bakery, call, "k1", &first, &actor("anna"), &to_piet)
        .await
        .unwrap();
    assert_eq!(again, saved);

    // The e-mail went out; then the operator edits the note: no longer urgent, also for
    // the general address. The sent e-mail is not sent again, the SMS is no longer wanted.
    set_delivery_status(&db, saved.deliveries[0].id, "sent").await;
    let edited = NoteDraft {
        urgent: false,
        for_general: true,
        message: "Bel terug na 14:00".into(),
        ..first.clone()
    };
    let to_all = [
        mail("piet@bakkerij.nl", Some(piet)),
        mail("info@bakkerij.nl", None),
    ];
    let updated = db
        .save_call_note(bakery, call, "k2", &edited, &actor("bob"), &to_all)
        .await
        .unwrap();
    assert_eq!(updated.id, saved.id);
    assert_eq!(updated.draft, edited);
    assert_eq!(updated.created_by, actor("anna"));
    assert_eq!(updated.created_at, saved.created_at);
    assert!(updated.updated_at >= saved.updated_at);
    assert_eq!(
        deliveries(&updated),
        vec![
            (
                Channel::Email,
                "info@bakkerij.nl",
                None,
                DeliveryStatus::Queued
            ),
            (
                Channel::Email,
                "piet@bakkerij.nl",
                Some(piet),
                DeliveryStatus::Sent
            ),
        ]
    );
    assert_eq!(updated.deliveries[1].id, saved.deliveries[0].id);

    // A queued delivery that is still wanted stays as it is.
    let once_more = NoteDraft {
        message: "Bel terug na 15:00".into(),
        ..edited
    };
    let latest = db
        .save_call_note(bakery, call, "k3", &once_more, &actor("bob"), &to_all)
        .await
        .unwrap();
    assert_eq!(latest.deliveries, updated.deliveries);
    assert_eq!(db.list_notes(bakery, 10, None).await.unwrap(), vec![latest]);
}

#[tokio::test]
async fn a_retried_request_makes_one_note() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let note = draft("Marie", "Asks for the price list");
    let to = [mail("info@bakkerij.nl", None)];

    let made = db
        .create_note(a, "key-1", &note, &actor("anna"), &to)
        .await
        .unwrap();
    assert_eq!(made.call_id, None);
    assert_eq!(made.deliveries.len(), 1);
    let retried = db
        .create_note(a, "key-1", &note, &actor("anna"), &to)
        .await
        .unwrap();
    assert_eq!(retried, made);

    // The key with another note is refused; another client has keys of its own.
    let other = draft("Marie", "Something else");
    assert!(matches!(
        db.create_note(a, "key-1", &other, &actor("anna"), &to).await,
        Err(Error::Invalid { field, .. }) if field == "idempotency_key"
    ));
    let at_b = db
        .create_note(b, "key-1", &note, &actor("anna"), &to)
        .await
        .unwrap();
    assert_ne!(at_b.id, made.id);
    assert_eq!(
        db.list_notes(a, 10, None).await.unwrap(),
        vec![made.clone()]
    );

    // Many copies of one request at the same time still make one note.
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (db, note, to) = (db.clone(), draft("Kees", "Concurrent"), to.clone());
            tokio::spawn(async move {
                db.create_note(a, "key-2", &note, &actor("anna"), &to)
                    .await
                    .map(|n| n.id)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(db.list_notes(a, 10, None).await.unwrap().len(), 2);
    let concurrent = db.note(a, ids[0]).await.unwrap();
    assert_eq!(concurrent.deliveries.len(), 1);

    // Saving a call's note with a key another note was made with is refused.
    let c = call(&db, a).await;
    assert!(matches!(
        db.save_call_note(a, c, "key-1", &other, &actor("anna"), &to).await,
        Err(Error::Invalid { field, .. }) if field == "idempotency_key"
    ));
    assert!(matches!(
        db.call_note(a, c).await,
        Err(Error::NotFound("note"))
    ));
}

#[tokio::test]
async fn concurrent_saves_of_a_call_make_one_note() {
    let db = fresh_db().await;
    let a = client(&db, "A").await;
    let c = call(&db, a).await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let note = draft("Marie", &format!("version {i}"));
                let to = [mail("info@bakkerij.nl", None)];
                db.save_call_note(a, c, &format!("k{i}"), &note, &actor("anna"), &to)
                    .await
                    .map(|n| n.id)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let notes = db.list_notes(a, 10, None).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].deliveries.len(), 1);
}

#[tokio::test]
async fn notes_belong_to_their_client() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let theirs = call(&db, b).await;
    let note = draft("Marie", "For B");
    let to = [mail("info@bakkerij.nl", None)];
    let at_b = db
        .save_call_note(b, theirs, "k", &note, &actor("anna"), &to)
        .await
        .unwrap();

    assert!(matches!(
        db.save_call_note(a, theirs, "k", &note, &actor("anna"), &to)
            .await,
        Err(Error::NotFound("call"))
    ));
    assert!(matches!(
        db.save_call_note(a, CallId::new(), "k", &note, &actor("anna"), &to)
            .await,
        Err(Error::NotFound("call"))
    ));
    assert!(matches!(
        db.note(a, at_b.id).await,
        Err(Error::NotFound("note"))
    ));
    assert!(matches!(
        db.note(b, NoteId::new()).await,
        Err(Error::NotFound("note"))
    ));
    assert!(matches!(
        db.call_note(a, theirs).await,
        Err(Error::NotFound("note"))
    ));
    assert!(db.list_notes(a, 10, None).await.unwrap().is_empty());
    assert!(
        db.search_notes(a, "marie", 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        db.create_note(ClientId::new(), "k", &note, &actor("anna"), &to)
            .await,
        Err(Error::NotFound("client"))
    ));
    assert_eq!(db.note(b, at_b.id).await.unwrap(), at_b);

    // Who a call is for, found from the call alone.
    assert_eq!(db.call_client(theirs).await.unwrap(), b);
    assert!(matches!(
        db.call_client(CallId::new()).await,
        Err(Error::NotFound("call"))
    ));
}

#[tokio::test]
async fn search_by_caller_company_or_phone() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let save = |client: ClientId, key: &'static str, note: NoteDraft| {
        let db = db.clone();
        async move {
            db.create_note(client, key, &note, &actor("anna"), &[])
                .await
                .unwrap()
        }
    };
    let emile = save(
        a,
        "1",
        NoteDraft {
            caller_phone: Some(phone("020 7654321")),
            ..draft("Émile Öztürk", "first")
        },
    )
    .await;
    let marie = save(
        a,
        "2",
        NoteDraft {
            caller_company: "Bakkerij 100% Vers".into(),
            ..draft("Marie de Vries", "second")
        },
    )
    .await;
    let anonymous = save(
        a,
        "3",
        NoteDraft {
            caller_name: String::new(),
            caller_company: String::new(),
            caller_phone: None,
            ..draft("", "third")
        },
    )
    .await;
    save(b, "1", draft("Marie de Vries", "at B")).await;

    let ids = |notes: Vec<CallNote>| notes.into_iter().map(|n| n.id).collect::<Vec<_>>();
    let search = |q: &'static str| {
        let db = db.clone();
        async move { ids(db.search_notes(a, q, 10, None).await.unwrap()) }
    };
    assert_eq!(search("MARIE").await, vec![marie.id]);
    assert_eq!(search("émile öz").await, vec![emile.id]);
    assert_eq!(search("ÉMILE").await, vec![emile.id]);
    assert_eq!(search("molen").await, vec![emile.id]);
    assert_eq!(search("de vries bakkerij").await, vec![marie.id]);
    assert_eq!(search("100%").await, vec![marie.id]);
    assert_eq!(search("%").await, vec![marie.id]);
    assert!(search("_").await.is_empty());
    // Phone numbers as stored or as people write them.
    assert_eq!(search("+3120765").await, vec![emile.id]);
    assert_eq!(search("020 765 4321").await, vec![emile.id]);
    assert_eq!(search("0612345678").await, vec![marie.id]);
    assert!(search("0698765432").await.is_empty());
    // No query: the latest notes.
    assert_eq!(search("  ").await, vec![anonymous.id, marie.id, emile.id]);
    assert_eq!(
        ids(db.list_notes(a, 2, None).await.unwrap()),
        vec![anonymous.id, marie.id]
    );
    assert_eq!(
        ids(db.search_notes(a, "e", 1, None).await.unwrap()),
        vec![marie.id]
    );
}
