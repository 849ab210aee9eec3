//! Clients, the number pool, employees and contacts.

use crate::*;
use centrale_core::Error;
use centrale_core::NumberDraft;
use centrale_core::ports::{
    ClientStore, ContactStore, EmployeeStore, InstructionStore, NumberStore,
};
use centrale_store::testing::fresh_db;

#[tokio::test]
async fn clients_round_trip_with_their_standard_set() {
    let db = fresh_db().await;
    let created = db
        .create_client(&client_draft("Bakkerij"), &actor("jan"))
        .await
        .unwrap();
    assert_eq!(db.client(created.id).await.unwrap(), created);
    assert_eq!(db.list_clients().await.unwrap(), vec![created.clone()]);

    let sets = db.list_instruction_sets(created.id).await.unwrap();
    assert_eq!(sets.len(), 1);
    assert!(sets[0].is_standard());
    assert_eq!(sets[0].version, 1);
    assert_eq!(sets[0].updated_by, actor("jan"));
    let history = db
        .instruction_history(created.id, sets[0].id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].set.as_ref(), Some(&sets[0]));

    let mut changed = client_draft("Bakkerij De Molen");
    changed.emails = vec![];
    changed.status = ClientStatus::Active;
    changed.sms_default = SmsPreference::Always;
    let updated = db.update_client(created.id, &changed).await.unwrap();
    assert_eq!(updated.draft, changed);
    assert_eq!(updated.created_at, created.created_at);
    assert_eq!(db.client(created.id).await.unwrap(), updated);

    db.delete_client(created.id).await.unwrap();
    assert!(matches!(
        db.client(created.id).await,
        Err(Error::NotFound("client"))
    ));
    assert!(matches!(
        db.delete_client(created.id).await,
        Err(Error::NotFound("client"))
    ));
    assert!(matches!(
        db.update_client(created.id, &changed).await,
        Err(Error::NotFound("client"))
    ));
    assert!(matches!(
        db.instruction_history(created.id, sets[0].id).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn the_number_pool() {
    let db = fresh_db().await;
    let bakery = client(&db, "Bakkerij").await;
    let draft = NumberDraft {
        number: phone("020 1234567"),
        label: Some("Sales line".into()),
        client_id: None,
    };
    let number = db.create_number(&draft).await.unwrap();
    assert_eq!(db.number(number.id).await.unwrap(), number);

    let duplicate = db
        .create_number(&NumberDraft {
            label: None,
            ..draft.clone()
        })
        .await;
    assert!(
        matches!(&duplicate, Err(Error::Conflict { field, message })
            if field == "number" && message == "+31201234567 is already in the pool"),
        "{duplicate:?}"
    );

    let assigned = NumberDraft {
        client_id: Some(bakery),
        ..draft.clone()
    };
    assert_eq!(
        db.update_number(number.id, &assigned).await.unwrap().draft,
        assigned
    );
    assert_eq!(
        db.number_by_e164(&phone("+31 20 123 4567"))
            .await
            .unwrap()
            .draft
            .client_id,
        Some(bakery)
    );
    assert_eq!(db.client_numbers(bakery).await.unwrap().len(), 1);
    assert!(matches!(
        db.number_by_e164(&phone("020 7654321")).await,
        Err(Error::NotFound("forwarding number"))
    ));

    let nobody = NumberDraft {
        client_id: Some(ClientId::new()),
        ..draft.clone()
    };
    let refused = db.update_number(number.id, &nobody).await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "client_id"),
        "{refused:?}"
    );
    let refused = db
        .create_number(&NumberDraft {
            number: phone("020 7654321"),
            ..nobody
        })
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "client_id"),
        "{refused:?}"
    );

    // Unassign, assign again, then deleting the client returns the number to the pool.
    assert_eq!(
        db.update_number(number.id, &draft)
            .await
            .unwrap()
            .draft
            .client_id,
        None
    );
    assert!(db.client_numbers(bakery).await.unwrap().is_empty());
    db.update_number(number.id, &assigned).await.unwrap();
    db.delete_client(bakery).await.unwrap();
    let back = db.number(number.id).await.unwrap();
    assert_eq!(back.draft.client_id, None);
    assert_eq!(back.draft.label.as_deref(), Some("Sales line"));

    let second = db
        .create_number(&NumberDraft {
            number: phone("020 7654321"),
            label: None,
            client_id: None,
        })
        .await;
    let second = second.unwrap();
    let all: Vec<_> = db
        .list_numbers()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(all, vec![number.id, second.id]);
    let clash = db.update_number(second.id, &draft).await;
    assert!(
        matches!(&clash, Err(Error::Conflict { field, .. }) if field == "number"),
        "{clash:?}"
    );
    db.delete_number(number.id).await.unwrap();
    assert!(matches!(
        db.number(number.id).await,
        Err(Error::NotFound("forwarding number"))
    ));
    assert!(matches!(
        db.delete_number(number.id).await,
        Err(Error::NotFound("forwarding number"))
    ));
}

#[tokio::test]
async fn employees_belong_to_their_client() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let piet = db
        .create_employee(a, &employee_draft("Piet"))
        .await
        .unwrap();
    let kees = db
        .create_employee(b, &employee_draft("Kees"))
        .await
        .unwrap();
    assert_eq!(db.employee(a, piet.id).await.unwrap(), piet);
    assert!(!piet.draft.reachable);
    assert_eq!(db.list_employees(a).await.unwrap(), vec![piet.clone()]);

    let mut changed = employee_draft("Piet Jansen");
    changed.reachable = true;
    changed.mobile = None;
    changed.landline = Some(phone("020 1234567"));
    changed.sms = SmsPreference::Always;
    db.update_employee(a, piet.id, &changed).await.unwrap();
    assert_eq!(db.employee(a, piet.id).await.unwrap().draft, changed);

    // B's employee through A is not found, and stays untouched.
    assert!(matches!(
        db.employee(a, kees.id).await,
        Err(Error::NotFound("employee"))
    ));
    assert!(matches!(
        db.update_employee(a, kees.id, &changed).await,
        Err(Error::NotFound("employee"))
    ));
    assert!(matches!(
        db.delete_employee(a, kees.id).await,
        Err(Error::NotFound("employee"))
    ));
    assert_eq!(db.employee(b, kees.id).await.unwrap(), kees);

    let nobody = db
        .create_employee(ClientId::new(), &employee_draft("Ghost"))
        .await;
    assert!(
        matches!(nobody, Err(Error::NotFound("client"))),
        "{nobody:?}"
    );

    db.delete_employee(a, piet.id).await.unwrap();
    assert!(db.list_employees(a).await.unwrap().is_empty());
    db.delete_client(b).await.unwrap();
    assert!(matches!(
        db.employee(b, kees.id).await,
        Err(Error::NotFound("employee"))
    ));
}

#[tokio::test]
async fn contacts_belong_to_their_client() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let marie = db
        .create_contact(a, &contact_draft("06 12345678", true))
        .await
        .unwrap();
    assert_eq!(db.contact(a, marie.id).await.unwrap(), marie);
    assert!(marie.draft.vip);

    let twice = db
        .create_contact(a, &contact_draft("+31612345678", false))
        .await;
    assert!(
        matches!(&twice, Err(Error::Conflict { field, .. }) if field == "number"),
        "{twice:?}"
    );
    // The same caller may be known to another client.
    let other = db
        .create_contact(b, &contact_draft("06 12345678", false))
        .await
        .unwrap();
    assert!(!db.contact(b, other.id).await.unwrap().draft.vip);

    let changed = contact_draft("020 1234567", false);
    assert_eq!(
        db.update_contact(a, marie.id, &changed)
            .await
            .unwrap()
            .draft,
        changed
    );
    assert_eq!(db.list_contacts(a).await.unwrap()[0].draft, changed);

    assert!(matches!(
        db.contact(a, other.id).await,
        Err(Error::NotFound("contact"))
    ));
    assert!(matches!(
        db.update_contact(a, other.id, &changed).await,
        Err(Error::NotFound("contact"))
    ));
    assert!(matches!(
        db.delete_contact(a, other.id).await,
        Err(Error::NotFound("contact"))
    ));
    assert_eq!(db.contact(b, other.id).await.unwrap(), other);
    let nobody = db.create_contact(ClientId::new(), &changed).await;
    assert!(
        matches!(nobody, Err(Error::NotFound("client"))),
        "{nobody:?}"
    );

    db.delete_contact(a, marie.id).await.unwrap();
    assert!(db.list_contacts(a).await.unwrap().is_empty());
}
