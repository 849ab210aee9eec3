//! Personal data kept only as long as allowed, taken along on request, erased on request —
//! with a controlled clock for the daily purge.

use centrale_core::calls::{CallerId, NewCall};
use centrale_core::{CallId, ClientId, PhoneNumber, Role};
use centrale_testkit::TestApp;
use chrono::{DateTime, Duration, Months, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Read as _;

/// The app with its worker driven by the test (its own clock).
async fn spawn() -> TestApp {
    TestApp::builder()
        .settings(|s| s.delivery_worker = false)
        .start()
        .await
}

/// A call from `caller` to `client` that arrived at `at`, recorded as the telephony would.
async fn call_at(app: &TestApp, client: &str, caller: &str, at: DateTime<Utc>) -> String {
    let call = NewCall {
        id: CallId::new(),
        client_id: client.parse::<ClientId>().unwrap(),
        caller: CallerId {
            number: Some(PhoneNumber::parse(caller).unwrap()),
            name: Some("Marie de Vries".into()),
        },
        dialled: PhoneNumber::parse("085 2001001").unwrap(),
        original: None,
        arrived_at: at,
    };
    app.store.record_arrival(&call).await.unwrap();
    call.id.to_string()
}

/// A client with a general address and a note about `caller` taken on a call now.
async fn client_with_note(app: &TestApp, name: &str, caller: &str) -> (String, String) {
    let client = app
        .api
        .create(
            "/api/v1/clients",
            json!({"name": name, "greeting": "Goedemorgen", "emails": ["info@klant.example"]}),
        )
        .await;
    let call = call_at(app, &client, caller, Utc::now()).await;
    let note = app
        .api
        .put(
            &format!("/api/v1/calls/{call}/note"),
            json!({"caller_name": "Marie de Vries", "caller_company": "Molen BV",
                   "caller_phone": caller, "message": "Belt over de offerte van de molen"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{note:?}");
    (client, note["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_daily_purge_removes_what_is_past_retention_once_per_day() {
    let app = spawn().await;
    let (a, note_a) = client_with_note(&app, "Bakkerij", "06 11112222").await;
    let (b, note_b) = client_with_note(&app, "Loodgieter", "06 33334444").await;
    // Client B keeps its data for 1 month only; the bureau for the default 24.
    let own = app
        .api
        .put(
            &format!("/api/v1/clients/{b}/retention"),
            json!({"months": 1}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    let exists = |client: &str, note: &str| {
        let path = format!("/api/v1/clients/{client}/notes/{note}");
        let api = app.api.clone();
        async move { api.get(&path).await.status == StatusCode::OK }
    };

    // Two months on: B's note and call are gone, A's stay.
    let later = Utc::now().checked_add_months(Months::new(2)).unwrap();
    let step = app.worker.run_purge(later).await.unwrap();
    assert!(step.ran);
    assert_eq!((step.purged.notes, step.purged.calls), (1, 1), "{step:?}");
    assert_eq!(step.purged.deliveries, 1, "{step:?}");
    assert!(!exists(&b, &note_b).await && exists(&a, &note_a).await);
    let calls = app.api.get(&format!("/api/v1/clients/{b}/calls")).await;
    assert_eq!(calls.as_array().map(Vec::len), Some(0));

    // The same day again, here or after a restart: nothing more is done.
    assert!(!app.worker.run_purge(later).await.unwrap().ran);
    let restarted = TestApp::builder()
        .database(app.settings.database_url.clone())
        .settings(|s| s.delivery_worker = false)
        .start()
        .await;
    assert!(!restarted.worker.run_purge(later).await.unwrap().ran);

    // Past the bureau's 24 months, A's go too.
    let much_later = Utc::now().checked_add_months(Months::new(25)).unwrap();
    let step = app.worker.run_purge(much_later).await.unwrap();
    assert_eq!(step.purged.notes, 1, "{step:?}");
    assert!(!exists(&a, &note_a).await);
}

#[tokio::test]
async fn the_maildir_fallback_is_purged_too() {
    let app = spawn().await;
    client_with_note(&app, "Bakkerij", "06 11112222").await;
    // Delivered into the local Maildir (no smtp_url), with its file's time set two years back.
    app.worker.run_once(Utc::now()).await.unwrap();
    let new = app.dir().join("maildir/new");
    let files: Vec<_> = std::fs::read_dir(&new).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(800 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(files[0].path())
        .unwrap()
        .set_modified(old)
        .unwrap();
    let step = app.worker.run_purge(Utc::now()).await.unwrap();
    assert_eq!(step.files, 1, "{step:?}");
    assert_eq!(std::fs::read_dir(&new).unwrap().count(), 0);
}

#[tokio::test]
async fn retention_is_checked_and_for_supervisors_only() {
    let app = spawn().await;
    let (client, _) = client_with_note(&app, "Bakkerij", "06 11112222").await;
    let path = format!("/api/v1/clients/{client}/retention");
    assert_eq!(app.api.get(&path).await.body, json!({"months": null}));
    for months in [0, 121] {
        let reply = app.api.put(&path, json!({"months": months})).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{months}");
        assert_eq!(reply.field(), "months");
    }
    let operator = app.staff("op@bureau.test", Role::Operator).await;
    assert_eq!(
        operator.put(&path, json!({"months": 6})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator
            .get(&format!("/api/v1/clients/{client}/export"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let unknown = format!("/api/v1/clients/{}/retention", ClientId::new());
    assert_eq!(
        app.api.put(&unknown, json!({"months": 6})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api.get(&path).await.body, json!({"months": null}));
}

/// The files of a ZIP, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().unwrap().to_string(), text)
        })
        .collect()
}

#[tokio::test]
async fn a_clients_data_is_exported_as_one_zip_of_json_and_csv() {
    let app = spawn().await;
    let (client, note) = client_with_note(&app, "Bakkerij", "06 11112222").await;
    client_with_note(&app, "Ander bedrijf", "06 23456789").await;
    let reply = app
        .api
        .http
        .get(format!("{}/api/v1/clients/{client}/export", app.base()))
        .bearer_auth(&app.api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["content-type"], "application/zip");
    let files = unzip(&reply.bytes().await.unwrap());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "calls.csv",
            "calls.json",
            "client.json",
            "contacts.json",
            "employees.json",
            "forwarding_numbers.json",
            "instructions.json",
            "notes.csv",
            "notes.json",
        ]
    );
    let client_json: Value = serde_json::from_str(&files["client.json"]).unwrap();
    assert_eq!(client_json["name"], "Bakkerij");
    let notes: Value = serde_json::from_str(&files["notes.json"]).unwrap();
    assert_eq!(
        notes.as_array().unwrap().len(),
        1,
        "only this client's notes"
    );
    assert_eq!(notes[0]["id"], note.as_str());
    let csv_lines: Vec<&str> = files["notes.csv"].lines().collect();
    assert!(
        csv_lines[0].starts_with("id,call_id,created_at"),
        "{}",
        csv_lines[0]
    );
    assert!(csv_lines[1].contains("Belt over de offerte van de molen"));
    assert!(csv_lines[1].contains("+31611112222"));
    assert!(
        !files.values().any(|f| f.contains("+31623456789")),
        "another client's caller"
    );
    assert_eq!(files["calls.csv"].lines().count(), 2);
}

#[tokio::test]
async fn an_erased_caller_is_gone_from_notes_contacts_and_call_records() {
    let app = spawn().await;
    let (client, note) = client_with_note(&app, "Bakkerij", "06 11112222").await;
    let (other_client, other_note) = client_with_note(&app, "Ander", "06 11112222").await;
    // A second caller of the same client stays as they were.
    let kept_call = call_at(
        &app,
        &client,
        "06 55556666",
        Utc::now() - Duration::minutes(5),
    )
    .await;
    app.api
        .create(
            &format!("/api/v1/clients/{client}/contacts"),
            json!({"name": "Marie de Vries", "number": "06 11112222", "vip": true}),
        )
        .await;

    let erased = app
        .api
        .post(
            &format!("/api/v1/clients/{client}/callers/erase"),
            json!({"number": "+31 6 11112222"}),
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{erased:?}");
    assert_eq!(erased.body, json!({"notes": 1, "contacts": 1, "calls": 1}));

    let shown = app
        .api
        .get(&format!("/api/v1/clients/{client}/notes/{note}"))
        .await;
    let text = shown.body.to_string();
    assert!(
        !text.contains("11112222") && !text.contains("Marie") && !text.contains("Molen"),
        "{text}"
    );
    assert!(!text.contains("offerte"), "{text}");
    let contacts = app
        .api
        .get(&format!("/api/v1/clients/{client}/contacts"))
        .await;
    assert_eq!(contacts.as_array().map(Vec::len), Some(0));
    let calls = app
        .api
        .get(&format!("/api/v1/clients/{client}/calls"))
        .await;
    for call in calls.as_array().unwrap() {
        let expected = if call["id"] == kept_call.as_str() {
            json!({"number": "+31655556666", "name": "Marie de Vries"})
        } else {
            json!({"number": null, "name": null})
        };
        assert_eq!(call["caller"], expected, "{call}");
    }
    let searched = app
        .api
        .get(&format!("/api/v1/clients/{client}/notes?q=0611112222"))
        .await;
    assert_eq!(searched.as_array().map(Vec::len), Some(0));
    // Another client's notes about the same number are that client's business.
    let other = app
        .api
        .get(&format!(
            "/api/v1/clients/{other_client}/notes/{other_note}"
        ))
        .await;
    assert_eq!(other["caller_phone"], "+31611112222");

    // Written down for supervisors, without the number.
    let audit = app
        .api
        .get(&format!("/api/v1/audit?client_id={client}"))
        .await;
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "caller_erased")
        .expect("the erasure in the audit log");
    assert!(!entry.to_string().contains("11112222"), "{entry}");

    let bad = app
        .api
        .post(
            &format!("/api/v1/clients/{client}/callers/erase"),
            json!({"number": "nonsense"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field(), "number");
}
