//! SMS through the whole app against the npm `smpp` SMSC of the delivery crate's tests
//! (`crates/delivery/tests/peers/smpp_server.js`): the note's SMS delivery is sent, and the
//! SMSC's delivery receipt turns it `delivered` (or `failed`).

use centrale_testkit::SmppPeer;
use centrale_testkit::TestApp;
use centrale_testkit::smpp::{PASSWORD, SYSTEM_ID};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The SMSC's URL for Centrale's `sms_url`.
fn smpp_url(peer: &SmppPeer) -> String {
    format!(
        "smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{}?sender=Centrale&enquire_link_secs=1",
        peer.port
    )
}

/// Polls the note until its SMS delivery has left `queued` and `sent`, or 30 s passed.
async fn final_sms(app: &TestApp, path: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let note = app.api.get(path).await;
        let sms = note["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["channel"] == "sms")
            .cloned()
            .expect("an SMS delivery");
        if sms["status"] != "queued" && sms["status"] != "sent" {
            return sms;
        }
        last = sms;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMS delivery stayed {last}");
}

#[tokio::test]
async fn an_sms_receipt_marks_the_delivery_delivered_or_failed() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("submits.jsonl");
    let smsc = SmppPeer::start(0, &record).await.expect("the SMSC starts");
    let app = TestApp::builder()
        .settings(|s| s.sms_url = smpp_url(&smsc))
        .start()
        .await;
    let (client, _) = app.api.client_with_employee().await;
    // Mobiles ending in 0002 get an UNDELIV receipt from the peer, others DELIVRD.
    let mut notes = Vec::new();
    for (name, mobile) in [("Kees", "+31612345678"), ("Anna", "+31612340002")] {
        let employee = app
            .api
            .create(
                &format!("/api/v1/clients/{client}/employees"),
                json!({"name": name, "mobile": mobile, "sms": "always"}),
            )
            .await;
        let note = app
            .api
            .post_note(
                &client,
                &format!("sms-{name}"),
                json!({"caller_name": "Jan", "message": "Bel terug",
                       "for_employees": [employee]}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED, "{note:?}");
        let path = format!(
            "/api/v1/clients/{client}/notes/{}",
            note["id"].as_str().unwrap()
        );
        notes.push((mobile, path));
    }

    let delivered = final_sms(&app, &notes[0].1).await;
    assert_eq!(delivered["status"], "delivered", "{delivered}");
    assert_eq!(delivered["recipient"], notes[0].0);
    assert_eq!(delivered["attempts"], 1);
    let failed = final_sms(&app, &notes[1].1).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not delivered")),
        "{failed}"
    );
    // Both reached the SMSC once.
    let submits = std::fs::read_to_string(&record).unwrap();
    assert_eq!(submits.lines().count(), 2, "{submits}");
    // The undelivered one is among the failures supervisors see.
    let failures = app.api.get("/api/v1/deliveries/failed").await;
    assert_eq!(failures.as_array().unwrap().len(), 1, "{failures:?}");
}
