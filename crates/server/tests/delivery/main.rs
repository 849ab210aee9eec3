//! Delivery of call notes against real peers: aiosmtpd as the mail server, the real
//! `centrale` binary killed with SIGKILL mid-batch, and the Maildir fallback. Runs on SQLite
//! and PostgreSQL (`CENTRALE_TEST_DB`).

mod crash;
mod digest;
mod sms;

use centrale_testkit::{SmtpPeer, TestApp, distinct_ids, read_maildir};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_note_arrives_by_smtp_in_dutch_with_both_parts() {
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .settings(|s| s.smtp_url = smtp.url())
        .start()
        .await;
    let (client, piet) = app.api.client_with_employee().await;
    let note = app
        .api
        .post_note(
            &client,
            "k1",
            json!({
                "caller_name": "Jan Jansen", "caller_company": "Jansen Bouw",
                "caller_phone": "06 12345678", "urgent": true, "for_employees": [piet],
                "for_general": true,
                "message": "Offerte van € 1.250 klopt niet <b>echt</b>; Zoë belt terug.",
            }),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{note:?}");

    assert_eq!(smtp.wait_for(2, Duration::from_secs(30)).await, 2);
    let mut mails = smtp.messages();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["info@jansenbouw.example", "piet@jansenbouw.example"]);
    for mail in &mails {
        assert_eq!(
            mail.subject,
            "SPOED: gespreksnotitie van Jan Jansen (Jansen Bouw)"
        );
        assert_eq!(mail.from, "notes@bureau.example");
        assert_eq!(mail.content_type, "multipart/alternative");
        assert!(
            mail.text.contains("€ 1.250") && mail.text.contains("Zoë"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("Voor: Piet Jansen"), "{}", mail.text);
        assert!(mail.html.contains("€ 1.250") && mail.html.contains("Zoë"));
        assert!(
            mail.html.contains("&lt;b&gt;echt&lt;/b&gt;"),
            "{}",
            mail.html
        );
    }
    assert_eq!(distinct_ids(&mails), 2);
    let ids: Vec<String> = note["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("<{}@centrale>", d["id"].as_str().unwrap()))
        .collect();
    assert!(mails.iter().all(|m| ids.contains(&m.message_id)));

    // The note shows its deliveries as sent.
    let path = format!(
        "/api/v1/clients/{client}/notes/{}",
        note["id"].as_str().unwrap()
    );
    let mut shown = app.api.get(&path).await;
    for _ in 0..100 {
        if shown["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "sent")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        shown = app.api.get(&path).await;
    }
    for d in shown["deliveries"].as_array().unwrap() {
        assert_eq!(d["status"], "sent", "{d}");
        assert_eq!(d["attempts"], 1);
        assert!(d["sent_at"].is_string());
    }
    assert_eq!(
        app.api.get("/api/v1/deliveries/failed").await.body,
        json!([])
    );
}

#[tokio::test]
async fn notes_saved_during_an_outage_all_arrive_once() {
    const NOTES: usize = 200;
    let mut smtp = SmtpPeer::down();
    let app = TestApp::builder()
        .settings(|s| {
            s.smtp_url = smtp.url();
            // The test drives the worker itself, with its own clock.
            s.delivery_worker = false;
        })
        .start()
        .await;
    let (client, _) = app.api.client_with_employee().await;
    for i in 0..NOTES {
        app.api.general_note(&client, i).await;
    }

    // The mail server is down: every delivery is tried and put back for later.
    let now = Utc::now();
    let mut retried = 0;
    loop {
        let step = app.worker.run_once(now).await.unwrap();
        if step.claimed == 0 {
            break;
        }
        assert_eq!(step.sent + step.failed, 0, "{step:?}");
        retried += step.retried;
    }
    assert_eq!(retried, NOTES);
    let notes = app
        .api
        .get(&format!("/api/v1/clients/{client}/notes?limit=500"))
        .await;
    for note in notes.as_array().unwrap() {
        let d = &note["deliveries"][0];
        assert_eq!(d["status"], "queued");
        assert_eq!(d["attempts"], 1);
        assert!(
            d["last_error"].as_str().is_some_and(|e| !e.is_empty()),
            "{d}"
        );
    }

    // It comes back; the retries are due after the backoff.
    smtp.up();
    let later = now + chrono::Duration::seconds(11);
    let mut sent = 0;
    loop {
        let step = app.worker.run_once(later).await.unwrap();
        if step.claimed == 0 {
            break;
        }
        sent += step.sent;
    }
    assert_eq!(sent, NOTES);
    assert_eq!(smtp.wait_for(NOTES, Duration::from_secs(10)).await, NOTES);
    let mails = smtp.messages();
    assert_eq!(mails.len(), NOTES);
    assert_eq!(distinct_ids(&mails), NOTES);
    // Nothing is due any more, now or much later.
    let step = app
        .worker
        .run_once(later + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(step.claimed, 0);
}

#[tokio::test]
async fn without_a_mail_server_notes_go_to_the_maildir() {
    let app = TestApp::spawn().await;
    let (client, _) = app.api.client_with_employee().await;
    app.api.general_note(&client, 1).await;
    let maildir = app.dir().join("maildir");
    let mut mails = Vec::new();
    for _ in 0..200 {
        mails = read_maildir(&maildir);
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "info@jansenbouw.example");
    assert_eq!(mails[0].subject, "Gespreksnotitie van Beller 1");
    assert!(
        std::fs::read_dir(maildir.join("tmp"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn only_supervisors_see_failed_deliveries() {
    let app = TestApp::spawn().await;
    let operator = centrale_core::StaffDraft {
        email: centrale_core::EmailAddress::parse("op@bureau.test").unwrap(),
        name: "Op".into(),
        role: centrale_core::Role::Operator,
        sip_username: None,
    };
    app.store
        .create_staff(
            &operator,
            &centrale_core::PasswordHash::create(centrale_testkit::PASSWORD).unwrap(),
            None,
        )
        .await
        .unwrap();
    let token: serde_json::Value = app
        .api
        .http
        .post(format!("{}/api/v1/auth/token", app.api.base))
        .json(&json!({"email": "op@bureau.test", "password": centrale_testkit::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status = app
        .api
        .http
        .get(format!("{}/api/v1/deliveries/failed", app.api.base))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api.get("/api/v1/deliveries/failed").await.body,
        json!([])
    );
}
