//! Staff, their logins and SIP accounts, and API tokens.

use crate::*;
use centrale_core::Error;
use centrale_core::PasswordHash;
use centrale_core::ports::{StaffStore, TokenStore};
use centrale_core::sip_credentials::SipCredentials;
use centrale_store::testing::fresh_db;
use chrono::{Duration, Utc};

fn sip(username: &str, password: &str) -> SipCredentials {
    SipCredentials::derive(username, "bureau.example", password).unwrap()
}

#[tokio::test]
async fn staff_logins_and_sip_accounts() {
    let db = fresh_db().await;
    let password = PasswordHash::from_stored("$argon2id$v=19$stub".into());
    let anna_sip = sip("anna", "sip-secret-1");
    let anna = db
        .create_staff(
            &staff_draft("Anna@Bureau.nl", Some("anna")),
            &password,
            Some(&anna_sip),
        )
        .await
        .unwrap();
    assert_eq!(db.staff(anna.id).await.unwrap(), anna);

    let (found, hash) = db.staff_login("anna@BUREAU.nl").await.unwrap();
    assert_eq!((found.id, hash), (anna.id, password.clone()));
    assert!(matches!(
        db.staff_login("bob@bureau.nl").await,
        Err(Error::NotFound("staff member"))
    ));

    let twice = db
        .create_staff(&staff_draft("anna@bureau.nl", None), &password, None)
        .await;
    assert!(
        matches!(&twice, Err(Error::Conflict { field, .. }) if field == "email"),
        "{twice:?}"
    );
    let same_sip = db
        .create_staff(&staff_draft("bob@bureau.nl", Some("anna")), &password, None)
        .await;
    assert!(
        matches!(&same_sip, Err(Error::Conflict { field, .. }) if field == "sip_username"),
        "{same_sip:?}"
    );
    let mismatch = db
        .create_staff(
            &staff_draft("bob@bureau.nl", Some("bob")),
            &password,
            Some(&anna_sip),
        )
        .await;
    assert!(
        matches!(&mismatch, Err(Error::Invalid { field, .. }) if field == "sip_username"),
        "{mismatch:?}"
    );

    assert_eq!(
        db.sip_credentials("anna").await.unwrap(),
        (anna.clone(), anna_sip.clone())
    );
    assert!(matches!(
        db.sip_credentials("bob").await,
        Err(Error::NotFound(_))
    ));

    // New data and password, SIP secret kept.
    let mut draft = staff_draft("anna.v@bureau.nl", Some("anna"));
    draft.role = Role::Supervisor;
    let new_password = PasswordHash::from_stored("$argon2id$v=19$other".into());
    let updated = db
        .update_staff(anna.id, &draft, Some(&new_password), None)
        .await
        .unwrap();
    assert_eq!(updated.draft, draft);
    assert_eq!(
        db.staff_login("ANNA.V@bureau.nl").await.unwrap(),
        (updated.clone(), new_password.clone())
    );
    assert_eq!(db.sip_credentials("anna").await.unwrap().1, anna_sip);

    // A new secret replaces the old; a new username without a secret leaves none.
    let renewed = sip("anna", "sip-secret-2");
    db.update_staff(anna.id, &draft, None, Some(&renewed))
        .await
        .unwrap();
    assert_eq!(db.sip_credentials("anna").await.unwrap().1, renewed);
    assert_eq!(
        db.staff_login("anna.v@bureau.nl").await.unwrap().1,
        new_password
    );
    let renamed = staff_draft("anna.v@bureau.nl", Some("anna2"));
    db.update_staff(anna.id, &renamed, None, None)
        .await
        .unwrap();
    assert!(matches!(
        db.sip_credentials("anna2").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        db.sip_credentials("anna").await,
        Err(Error::NotFound(_))
    ));

    // No username clears SIP entirely.
    db.update_staff(anna.id, &draft, None, Some(&renewed))
        .await
        .unwrap();
    let without = staff_draft("anna.v@bureau.nl", None);
    assert_eq!(
        db.update_staff(anna.id, &without, None, None)
            .await
            .unwrap()
            .draft
            .sip_username,
        None
    );
    assert!(matches!(
        db.sip_credentials("anna").await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(db.staff(anna.id).await.unwrap().draft.sip_username, None);

    let bob = db
        .create_staff(&staff_draft("bob@bureau.nl", None), &password, None)
        .await
        .unwrap();
    let clash = db
        .update_staff(bob.id, &staff_draft("Anna.V@bureau.nl", None), None, None)
        .await;
    assert!(
        matches!(&clash, Err(Error::Conflict { field, .. }) if field == "email"),
        "{clash:?}"
    );
    assert_eq!(db.list_staff().await.unwrap().len(), 2);

    db.delete_staff(bob.id).await.unwrap();
    assert!(matches!(
        db.staff(bob.id).await,
        Err(Error::NotFound("staff member"))
    ));
    assert!(matches!(
        db.delete_staff(bob.id).await,
        Err(Error::NotFound("staff member"))
    ));
    let ghost = db
        .update_staff(bob.id, &staff_draft("bob@bureau.nl", None), None, None)
        .await;
    assert!(matches!(ghost, Err(Error::NotFound("staff member"))));
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() {
    let db = fresh_db().await;
    let password = PasswordHash::from_stored("$argon2id$v=19$stub".into());
    let anna = db
        .create_staff(&staff_draft("anna@bureau.nl", None), &password, None)
        .await
        .unwrap();
    let now = Utc::now();
    db.create_token("hash-1", anna.id, now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(db.staff_by_token("hash-1", now).await.unwrap(), anna);
    let expired = db.staff_by_token("hash-1", now + Duration::hours(1)).await;
    assert!(matches!(expired, Err(Error::NotFound("token"))));
    assert!(matches!(
        db.staff_by_token("unknown", now).await,
        Err(Error::NotFound("token"))
    ));

    db.revoke_token("hash-1").await.unwrap();
    assert!(matches!(
        db.staff_by_token("hash-1", now).await,
        Err(Error::NotFound("token"))
    ));
    assert!(matches!(
        db.revoke_token("unknown").await,
        Err(Error::NotFound("token"))
    ));

    db.create_token("hash-2", anna.id, now + Duration::hours(1))
        .await
        .unwrap();
    assert!(matches!(
        db.create_token("hash-2", anna.id, now).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        db.create_token("hash-3", bob_id(), now).await,
        Err(Error::NotFound("staff member"))
    ));
    db.delete_staff(anna.id).await.unwrap();
    assert!(matches!(
        db.staff_by_token("hash-2", now).await,
        Err(Error::NotFound("token"))
    ));
    assert!(matches!(
        db.revoke_token("hash-2").await,
        Err(Error::NotFound("token"))
    ));
}

fn bob_id() -> centrale_core::StaffId {
    centrale_core::StaffId::new()
}
