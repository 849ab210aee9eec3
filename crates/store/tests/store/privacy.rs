//! Least privilege in storage (issue 9, items 7 and 8): a member's tokens revoked at once,
//! notes read in pages, edits kept as versions, reads of notes in the audit log.

use crate::*;
use centrale_core::audit::{AuditAction, AuditEntry, AuditQuery};
use centrale_core::calls::{CallerId, NewCall};
use centrale_core::notes::NoteDraft;
use centrale_core::ports::{AuditStore, CallStore, NoteStore, StaffStore, TokenStore};
use centrale_core::{AuditId, CallId, NoteId, PasswordHash, StaffId};
use centrale_store::testing::fresh_db;
use chrono::{Duration, Utc};

fn note(caller: &str, message: &str) -> NoteDraft {
    NoteDraft {
        caller_name: caller.into(),
        message: message.into(),
        for_general: true,
        ..NoteDraft::default()
    }
}

#[tokio::test]
async fn revoking_a_members_tokens_ends_all_of_them_and_no_one_elses() {
    let db = fresh_db().await;
    let password = PasswordHash::from_stored("$argon2id$v=19$stub".into());
    let anna = db
        .create_staff(&staff_draft("anna@bureau.nl", None), &password, None)
        .await
        .unwrap();
    let bob = db
        .create_staff(&staff_draft("bob@bureau.nl", None), &password, None)
        .await
        .unwrap();
    let now = Utc::now();
    for hash in ["anna-1", "anna-2"] {
        db.create_token(hash, anna.id, now + Duration::hours(1))
            .await
            .unwrap();
    }
    db.create_token("bob-1", bob.id, now + Duration::hours(1))
        .await
        .unwrap();

    assert_eq!(db.revoke_staff_tokens(anna.id).await.unwrap(), 2);
    for hash in ["anna-1", "anna-2"] {
        assert!(db.staff_by_token(hash, now).await.is_err(), "{hash}");
    }
    assert_eq!(db.staff_by_token("bob-1", now).await.unwrap(), bob);
    assert_eq!(db.revoke_staff_tokens(anna.id).await.unwrap(), 0);
}

#[tokio::test]
async fn notes_are_read_in_pages_before_a_note() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let other = client(&db, "Slagerij").await;
    let mut made: Vec<NoteId> = Vec::new();
    for i in 0..5 {
        let draft = note(&format!("Beller {i}"), "Graag terugbellen");
        let saved = db
            .create_note(bakery, &format!("k{i}"), &draft, &actor("anna"), &[])
            .await
            .unwrap();
        made.push(saved.id);
    }
    let newest_first: Vec<NoteId> = made.iter().rev().copied().collect();
    let ids = |notes: Vec<centrale_core::notes::CallNote>| -> Vec<NoteId> {
        notes.into_iter().map(|n| n.id).collect()
    };

    let first = ids(db.list_notes(bakery, 2, None).await.unwrap());
    assert_eq!(first, newest_first[..2]);
    let second = ids(db.list_notes(bakery, 2, Some(first[1])).await.unwrap());
    assert_eq!(second, newest_first[2..4]);
    let last = ids(db.list_notes(bakery, 2, Some(second[1])).await.unwrap());
    assert_eq!(last, newest_first[4..]);

    let searched = ids(db
        .search_notes(bakery, "beller", 3, Some(first[0]))
        .await
        .unwrap());
    assert_eq!(searched, newest_first[1..4]);
    // Another client's cursor finds nothing of this one, and this one's nothing of it.
    assert!(
        db.list_notes(other, 10, Some(first[0]))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_edit_of_a_calls_note_keeps_the_text_it_replaced() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let call = NewCall {
        id: CallId::new(),
        client_id: bakery,
        caller: CallerId {
            number: Some(phone("06 12345678")),
            name: None,
        },
        dialled: phone("020 1234567"),
        original: None,
        arrived_at: Utc::now(),
    };
    db.record_arrival(&call).await.unwrap();
    let first = note("Marie", "Bel terug");
    let second = note("Marie", "Bel terug na 14:00");
    let third = note("Marie de Vries", "Bel terug na 15:00");
    let saved = db
        .save_call_note(bakery, call.id, "call", &first, &actor("anna"), &[])
        .await
        .unwrap();
    assert!(db.note_versions(bakery, saved.id).await.unwrap().is_empty());

    for (draft, by) in [(&second, "anna"), (&second, "anna"), (&third, "sup")] {
        db.save_call_note(bakery, call.id, "call", draft, &actor(by), &[])
            .await
            .unwrap();
    }
    let versions = db.note_versions(bakery, saved.id).await.unwrap();
    let kept: Vec<(i64, &str, &NoteDraft)> = versions
        .iter()
        .map(|v| (v.seq, v.edited_by.as_str(), &v.previous))
        .collect();
    // The unchanged save in the middle is no edit.
    assert_eq!(
        kept,
        vec![
            (1, "staff:anna@bureau.nl", &first),
            (2, "staff:sup@bureau.nl", &second)
        ]
    );
    let other = client(&db, "Slagerij").await;
    assert!(db.note_versions(other, saved.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_audit_log_answers_by_client_and_period() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let butcher = client(&db, "Slagerij").await;
    let anna = StaffId::new();
    // Stored to the millisecond.
    let start = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
        - Duration::hours(3);
    let entry = |client, hours: i64, action| AuditEntry {
        id: AuditId::new(),
        at: start + Duration::hours(hours),
        staff_id: anna,
        actor: actor("anna"),
        client_id: client,
        action,
        detail: format!("read {hours}"),
    };
    let entries = [
        entry(bakery, 0, AuditAction::NotesList),
        entry(butcher, 1, AuditAction::NoteRead),
        entry(bakery, 2, AuditAction::NotesSearch),
    ];
    for e in &entries {
        db.record_audit(e).await.unwrap();
    }
    let query = |client_id, from, to| AuditQuery {
        client_id,
        from,
        to,
        limit: 10,
    };

    let all = db.audit_log(&query(None, None, None)).await.unwrap();
    assert_eq!(
        all,
        vec![entries[2].clone(), entries[1].clone(), entries[0].clone()]
    );
    let of_bakery = db
        .audit_log(&query(Some(bakery), None, None))
        .await
        .unwrap();
    assert_eq!(of_bakery, vec![entries[2].clone(), entries[0].clone()]);
    // `from` inclusive, `to` exclusive.
    let window = db
        .audit_log(&query(None, Some(entries[1].at), Some(entries[2].at)))
        .await
        .unwrap();
    assert_eq!(window, vec![entries[1].clone()]);
    let capped = db
        .audit_log(&AuditQuery {
            limit: 1,
            ..query(None, None, None)
        })
        .await
        .unwrap();
    assert_eq!(capped, vec![entries[2].clone()]);
}
