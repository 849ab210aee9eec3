//! The store against a real database: SQLite by default, PostgreSQL with
//! `CENTRALE_TEST_DB=postgres`. Every test gets a brand-new database.
//! One test binary; a module per group of ports. Shared drafts and helpers live here.

mod calls;
mod directory;
mod instructions;
mod notes;
mod outbox;
mod privacy;
mod staff;

use centrale_core::instructions::{DeliveryOverride, EmergencyStep};
use centrale_core::ports::{ClientStore, Store};
use centrale_core::{
    Actor, ClientDraft, ClientId, ClientStatus, ContactDraft, EmailAddress, EmployeeDraft,
    InstructionContent, InstructionSetDraft, Language, Period, PhoneNumber, Role, SmsPreference,
    StaffDraft, TimeZone,
};
use centrale_store::Db;
use centrale_store::testing::fresh_database_url;
use chrono::NaiveDateTime;

pub fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap()
}

pub fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

pub fn client_draft(name: &str) -> ClientDraft {
    ClientDraft {
        name: name.into(),
        greeting: format!("Goedemorgen, {name}"),
        emails: vec![email("info@bakkerij.nl"), email("jan@bakkerij.nl")],
        time_zone: TimeZone::parse("Europe/Brussels").unwrap(),
        language: Language::En,
        status: ClientStatus::Suspended,
        sms_default: SmsPreference::UrgentOnly,
        transfers: Default::default(),
    }
}

pub fn employee_draft(name: &str) -> EmployeeDraft {
    EmployeeDraft {
        name: name.into(),
        role: "sales".into(),
        emails: vec![email("piet@bakkerij.nl")],
        mobile: Some(phone("06 12345678")),
        landline: None,
        reachable: false,
        sms: SmsPreference::UrgentOnly,
    }
}

pub fn contact_draft(number: &str, vip: bool) -> ContactDraft {
    ContactDraft {
        number: phone(number),
        name: "Marie".into(),
        company: "Molen BV".into(),
        remarks: "Always in a hurry".into(),
        vip,
    }
}

pub fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").unwrap()
}

pub fn temporary(title: &str, start: &str, end: &str) -> InstructionSetDraft {
    InstructionSetDraft {
        period: Some(Period {
            start: local(start),
            end: local(end),
        }),
        title: title.into(),
        content: InstructionContent {
            text: "Closed for the holidays".into(),
            greeting_override: Some("Happy holidays".into()),
            put_through: vec![],
            delivery_overrides: vec![DeliveryOverride::AllBySms {
                to: phone("06 12345678"),
            }],
            emergency: vec![EmergencyStep::Call {
                to: phone("020 1234567"),
                name: "Jan".into(),
            }],
        },
    }
}

pub fn staff_draft(address: &str, sip_username: Option<&str>) -> StaffDraft {
    StaffDraft {
        email: email(address),
        name: "Anna Operator".into(),
        role: Role::Operator,
        sip_username: sip_username.map(str::to_owned),
    }
}

pub fn actor(name: &str) -> Actor {
    Actor::from_stored(format!("staff:{name}@bureau.nl"))
}

pub async fn client(db: &Db, name: &str) -> ClientId {
    db.create_client(&client_draft(name), &Actor::system())
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn migrations_apply_twice() {
    let db = Db::connect(&fresh_database_url().await).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert!(db.list_clients().await.unwrap().is_empty());
    db.ping().await.unwrap();
    let expected = if std::env::var("CENTRALE_TEST_DB").as_deref() == Ok("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(db.backend(), expected);
}

#[tokio::test]
async fn bad_urls_are_errors() {
    assert!(matches!(
        Db::connect("mysql://localhost/x").await,
        Err(centrale_store::Error::UnsupportedUrl)
    ));
    let missing = Db::connect("sqlite:///nonexistent-dir/x/centrale.db").await;
    assert!(matches!(
        missing,
        Err(centrale_store::Error::Connect {
            backend: "sqlite",
            ..
        })
    ));
    // Nothing listens on port 1: refused at once, an error and no panic.
    let unreachable = Db::connect("postgres://centrale:secret@127.0.0.1:1/centrale").await;
    assert!(matches!(
        unreachable,
        Err(centrale_store::Error::Connect {
            backend: "postgres",
            ..
        })
    ));
}
