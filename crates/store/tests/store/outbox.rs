//! The outbox: claims are leases (disjoint between workers, back after the lease), marks
//! apply to queued deliveries only, receipts, and the supervisors' list of failures.

use crate::*;
use centrale_core::Language;
use centrale_core::notes::{Channel, DeliveryStatus, NoteDraft, Recipient};
use centrale_core::ports::{EmployeeStore, NoteStore, OutboxStore};
use centrale_store::testing::fresh_db;
use chrono::{Duration, Utc};
use std::collections::HashSet;

fn mail(to: &str) -> Recipient {
    Recipient {
        channel: Channel::Email,
        to: to.into(),
        employee_id: None,
    }
}

/// A client with one employee and `notes` notes, each to two addresses.
async fn outbox(db: &Db, notes: usize) -> ClientId {
    let bakery = client(db, "Bakkerij").await;
    let piet = db
        .create_employee(bakery, &employee_draft("Piet"))
        .await
        .unwrap();
    for i in 0..notes {
        let draft = NoteDraft {
            caller_name: format!("Beller {i}"),
            message: "Graag terugbellen, € 5".into(),
            for_employees: vec![piet.id],
            ..NoteDraft::default()
        };
        db.create_note(
            bakery,
            &format!("key-{i}"),
            &draft,
            &actor("anna"),
            &[mail("piet@bakkerij.nl"), mail("info@bakkerij.nl")],
        )
        .await
        .unwrap();
    }
    bakery
}

#[tokio::test]
async fn a_claim_is_a_lease() {
    let db = fresh_db().await;
    let bakery = outbox(&db, 2).await;
    let now = Utc::now();
    let lease = Duration::seconds(60);

    let items = db.claim_deliveries(now, 10, lease).await.unwrap();
    assert_eq!(items.len(), 4);
    let item = &items[0];
    assert_eq!(item.client_name, "Bakkerij");
    assert_eq!(item.language, Language::En);
    assert_eq!(item.time_zone.to_string(), "Europe/Brussels");
    assert_eq!(item.employee_names, vec!["Piet".to_owned()]);
    assert_eq!(item.note.client_id, bakery);
    assert!(item.note.draft.message.contains('€'));
    assert!(items.iter().all(|i| i.delivery.attempts == 1));

    // Claimed: not due again until the lease runs out (a worker that died mid-send).
    assert!(
        db.claim_deliveries(now, 10, lease)
            .await
            .unwrap()
            .is_empty()
    );
    let again = db.claim_deliveries(now + lease, 10, lease).await.unwrap();
    assert_eq!(again.len(), 4);
    assert!(again.iter().all(|i| i.delivery.attempts == 2));
}

#[tokio::test]
async fn marks_and_receipts() {
    let db = fresh_db().await;
    let bakery = outbox(&db, 2).await;
    let now = Utc::now();
    let lease = Duration::seconds(60);
    let items = db.claim_deliveries(now, 10, lease).await.unwrap();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| items[i].delivery.id);

    db.delivery_sent(a, Some("smsc-1"), now).await.unwrap();
    db.delivery_retry(b, 1, now + Duration::seconds(10), "421 try later")
        .await
        .unwrap();
    db.delivery_failed(c, "550 no such user", now)
        .await
        .unwrap();
    db.delivery_sent(d, None, now).await.unwrap();
    // A late mark of a stale claim changes nothing once the delivery left the queue.
    db.delivery_retry(a, 9, now, "stale").await.unwrap();

    // Only the retried one comes back, at its time, with its error kept.
    assert!(
        db.claim_deliveries(now, 10, lease)
            .await
            .unwrap()
            .is_empty()
    );
    let back = db
        .claim_deliveries(now + Duration::seconds(10), 10, lease)
        .await
        .unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].delivery.id, b);
    assert_eq!(
        back[0].delivery.last_error.as_deref(),
        Some("421 try later")
    );
    assert_eq!(back[0].delivery.attempts, 2);

    assert!(db.delivery_receipt("smsc-1", true, now).await.unwrap());
    assert!(!db.delivery_receipt("smsc-1", true, now).await.unwrap());
    assert!(!db.delivery_receipt("unknown", false, now).await.unwrap());

    let notes = db.list_notes(bakery, 10, None).await.unwrap();
    let all: Vec<_> = notes.iter().flat_map(|n| n.deliveries.iter()).collect();
    let by_id = |id| all.iter().find(|d| d.id == id).unwrap();
    assert_eq!(by_id(a).status, DeliveryStatus::Delivered);
    assert_eq!(
        by_id(a).sent_at,
        Some(now.with_timezone(&Utc))
            .map(|t| { chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap() })
    );
    assert_eq!(by_id(c).status, DeliveryStatus::Failed);
    assert_eq!(by_id(c).last_error.as_deref(), Some("550 no such user"));
    assert_eq!(by_id(d).status, DeliveryStatus::Sent);

    let failed = db.failed_deliveries(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].delivery.id, c);
    assert_eq!(failed[0].client_id, bakery);
    assert_eq!(failed[0].client_name, "Bakkerij");
}

#[tokio::test]
async fn concurrent_workers_claim_disjoint_sets() {
    let db = fresh_db().await;
    outbox(&db, 50).await;
    let now = Utc::now();
    let claims = (0..4).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let items = db
                    .claim_deliveries(now, 7, Duration::seconds(60))
                    .await
                    .unwrap();
                if items.is_empty() {
                    return mine;
                }
                mine.extend(items.into_iter().map(|i| i.delivery.id));
            }
        })
    });
    let mut all = Vec::new();
    for claim in claims {
        all.extend(claim.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 100);
    assert_eq!(distinct.len(), 100);
}
