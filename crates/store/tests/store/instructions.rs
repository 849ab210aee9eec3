//! Instruction sets and their history.

use crate::*;
use centrale_core::Error;
use centrale_core::ports::InstructionStore;
use centrale_store::testing::fresh_db;
use chrono::Duration;

#[tokio::test]
async fn instruction_sets_keep_every_version() {
    let db = fresh_db().await;
    let (a, b) = (client(&db, "A").await, client(&db, "B").await);
    let summer = temporary("Summer", "2026-07-20T00:00:00", "2026-08-10T00:00:00");
    let set = db
        .create_instruction_set(a, &summer, &actor("jan"))
        .await
        .unwrap();
    assert_eq!(set.version, 1);
    assert_eq!(db.instruction_set(a, set.id).await.unwrap(), set);
    let fair = db
        .create_instruction_set(
            a,
            &temporary("Fair", "2026-03-01T09:00:00", "2026-03-02T17:00:00"),
            &actor("jan"),
        )
        .await
        .unwrap();
    let titles: Vec<_> = db
        .list_instruction_sets(a)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.draft.title)
        .collect();
    assert_eq!(titles, ["", "Fair", "Summer"]);

    let mut changed = temporary(
        "Summer holiday",
        "2026-07-21T00:00:00",
        "2026-08-11T00:00:00",
    );
    changed.content.text = "Back on 11 August".into();
    let updated = db
        .update_instruction_set(a, set.id, &changed, &actor("piet"), None)
        .await
        .unwrap();
    assert_eq!(
        (updated.version, &updated.draft, &updated.updated_by),
        (2, &changed, &actor("piet"))
    );
    assert_eq!(updated.created_at, set.created_at);
    assert_eq!(db.instruction_set(a, set.id).await.unwrap(), updated);

    // The standard set stays standard and a temporary one temporary.
    let standard = db.list_instruction_sets(a).await.unwrap().remove(0);
    let refused = db
        .update_instruction_set(a, standard.id, &changed, &actor("piet"), None)
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "period"),
        "{refused:?}"
    );
    let unperiod = InstructionSetDraft {
        period: None,
        ..changed.clone()
    };
    let refused = db
        .update_instruction_set(a, set.id, &unperiod, &actor("piet"), None)
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "period"),
        "{refused:?}"
    );
    let refused = db
        .create_instruction_set(a, &unperiod, &actor("piet"))
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "period"),
        "{refused:?}"
    );
    let std_update = db
        .update_instruction_set(a, standard.id, &unperiod, &actor("piet"), None)
        .await
        .unwrap();
    assert_eq!(
        (std_update.version, std_update.draft.content.text.as_str()),
        (2, "Back on 11 August")
    );
    let refused = db
        .delete_instruction_set(a, standard.id, &actor("piet"))
        .await;
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if field == "id"),
        "{refused:?}"
    );

    // Through another client nothing is found.
    assert!(matches!(
        db.instruction_set(b, set.id).await,
        Err(Error::NotFound("instruction set"))
    ));
    let through_b = db
        .update_instruction_set(b, set.id, &changed, &actor("x"), None)
        .await;
    assert!(matches!(through_b, Err(Error::NotFound("instruction set"))));
    let through_b = db.delete_instruction_set(b, set.id, &actor("x")).await;
    assert!(matches!(through_b, Err(Error::NotFound("instruction set"))));
    assert!(matches!(
        db.instruction_history(b, set.id).await,
        Err(Error::NotFound("instruction set"))
    ));
    assert!(matches!(
        db.create_instruction_set(ClientId::new(), &summer, &actor("x"))
            .await,
        Err(Error::NotFound("client"))
    ));

    db.delete_instruction_set(a, set.id, &actor("kees"))
        .await
        .unwrap();
    assert!(matches!(
        db.instruction_set(a, set.id).await,
        Err(Error::NotFound("instruction set"))
    ));
    assert!(matches!(
        db.delete_instruction_set(a, set.id, &actor("kees")).await,
        Err(Error::NotFound(_))
    ));
    let live: Vec<_> = db
        .list_instruction_sets(a)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![standard.id, fair.id]);

    let history = db.instruction_history(a, set.id).await.unwrap();
    let versions: Vec<_> = history
        .iter()
        .map(|v| (v.version, v.changed_by.as_str()))
        .collect();
    assert_eq!(
        versions,
        [
            (1, "staff:jan@bureau.nl"),
            (2, "staff:piet@bureau.nl"),
            (3, "staff:kees@bureau.nl")
        ]
    );
    assert_eq!(history[0].set.as_ref(), Some(&set));
    assert_eq!(history[1].set.as_ref(), Some(&updated));
    assert!(history[2].set.is_none());
    assert!(
        history
            .windows(2)
            .all(|w| w[0].changed_at <= w[1].changed_at)
    );
    assert_eq!(history[0].changed_at, set.created_at);
    assert_eq!(history[1].changed_at, updated.updated_at);
}

#[tokio::test]
async fn periods_keep_whole_seconds() {
    let db = fresh_db().await;
    let a = client(&db, "A").await;
    let mut draft = temporary("Fair", "2026-03-01T09:00:00", "2026-03-02T17:00:00");
    if let Some(period) = draft.period.as_mut() {
        period.start += Duration::milliseconds(250);
    }
    let set = db
        .create_instruction_set(a, &draft, &actor("jan"))
        .await
        .unwrap();
    assert_eq!(
        set.draft.period.unwrap().start,
        local("2026-03-01T09:00:00")
    );
    assert_eq!(db.instruction_set(a, set.id).await.unwrap(), set);
}

#[tokio::test]
async fn an_edit_made_on_an_older_version_is_refused() {
    let db = fresh_db().await;
    let a = client(&db, "A").await;
    let fair = temporary("Fair", "2026-03-01T09:00:00", "2026-03-02T17:00:00");
    let set = db
        .create_instruction_set(a, &fair, &actor("jan"))
        .await
        .unwrap();
    let first = temporary("Fair, hall 5", "2026-03-01T09:00:00", "2026-03-02T17:00:00");
    let saved = db
        .update_instruction_set(a, set.id, &first, &actor("jan"), Some(1))
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    // Piet edited version 1 too, and saves after Jan.
    let second = temporary("Fair, hall 7", "2026-03-01T09:00:00", "2026-03-02T17:00:00");
    let lost = db
        .update_instruction_set(a, set.id, &second, &actor("piet"), Some(1))
        .await;
    assert!(
        matches!(&lost, Err(Error::Conflict { field, .. }) if field == "version"),
        "{lost:?}"
    );
    assert_eq!(
        db.instruction_set(a, set.id).await.unwrap().draft.title,
        "Fair, hall 5"
    );
    // On the version he now sees, his edit goes in.
    let taken = db
        .update_instruction_set(a, set.id, &second, &actor("piet"), Some(2))
        .await
        .unwrap();
    assert_eq!(taken.version, 3);
}
