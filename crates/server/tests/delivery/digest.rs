//! The daily digest against aiosmtpd, with the worker driven by a controllable clock: one
//! digest per client and day at the client's own time in its own zone, none for a day
//! without calls unless asked, and none again from a second app on the same database.

use centrale_server::App;
use centrale_testkit::{SmtpPeer, TestApp};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

/// `HH:MM` of `at` in `zone`.
fn local_hm(at: DateTime<Utc>, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    at.with_timezone(&tz).format("%H:%M").to_string()
}

#[tokio::test]
async fn one_digest_per_client_and_day_in_its_zone_across_a_restart() {
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .settings(|s| {
            s.smtp_url = smtp.url();
            s.delivery_worker = false;
        })
        .start()
        .await;
    let api = &app.api;

    // The notes are made now; each client's digest time is two hours from now, read in its
    // own zone.
    let t = Utc::now();
    let send = t + Duration::hours(2);
    let mut clients = Vec::new();
    for (name, zone, language, mail, include_empty) in [
        (
            "Jansen Bouw",
            "Europe/Amsterdam",
            "nl",
            "info@jansen.example",
            false,
        ),
        (
            "Acme",
            "America/New_York",
            "en",
            "office@acme.example",
            false,
        ),
        ("Stil BV", "Asia/Tokyo", "nl", "post@stil.example", true),
    ] {
        let id = api
            .create(
                "/api/v1/clients",
                json!({"name": name, "greeting": name, "emails": [mail],
                       "language": language, "time_zone": zone}),
            )
            .await;
        let path = format!("/api/v1/clients/{id}/digest");
        assert_eq!(
            api.get(&path).await.body,
            json!({"enabled": false, "send_at": "18:00", "include_empty": false})
        );
        let body = json!({"enabled": true, "send_at": local_hm(send, zone),
                          "include_empty": include_empty});
        let reply = api.put(&path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body, body);
        assert_eq!(api.get(&path).await.body, body);
        clients.push((id, mail));
    }
    let refused = api
        .put(
            &format!("/api/v1/clients/{}/digest", clients[0].0),
            json!({"enabled": true, "send_at": "25:00"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for i in 0..2 {
        api.general_note(&clients[0].0, i).await;
    }
    let note = api
        .post_note(
            &clients[1].0,
            "acme-1",
            json!({"caller_name": "Bob <Smith>", "message": "Call me & soon"}),
        )
        .await;
    assert!(note.status.is_success(), "{note:?}");

    // An hour from now: yesterday's digests are due (never sent before). Yesterday had no
    // calls: only the client that asks for empty digests gets one.
    let step = app
        .worker
        .run_digests(t + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((step.decided, step.sent), (3, 1), "{step:?}");
    assert_eq!(
        smtp.wait_for(1, std::time::Duration::from_secs(10)).await,
        1
    );

    // After the send time: today's, with the day's calls, for everyone.
    let later = t + Duration::hours(3);
    let step = app.worker.run_digests(later).await.unwrap();
    assert_eq!((step.decided, step.sent), (3, 3), "{step:?}");
    assert_eq!(
        smtp.wait_for(4, std::time::Duration::from_secs(10)).await,
        4
    );
    // Again, by the same worker: nothing.
    let step = app.worker.run_digests(later).await.unwrap();
    assert_eq!((step.decided, step.claimed), (0, 0), "{step:?}");

    // A restart: a second app on the same database decides and sends nothing again.
    let mut again = app.settings.clone();
    again.data_dir = tempfile::tempdir().unwrap().keep();
    let restarted = App::build(&again).await.expect("second app builds");
    let worker = restarted.delivery_worker().clone();
    for at in [later, later + Duration::hours(5)] {
        let step = worker.run_digests(at).await.unwrap();
        assert_eq!((step.decided, step.claimed), (0, 0), "{step:?}");
    }

    // The next day has no calls: only the client asking for empty digests hears of it.
    let step = worker.run_digests(later + Duration::days(1)).await.unwrap();
    assert_eq!((step.decided, step.sent), (3, 1), "{step:?}");
    assert_eq!(
        smtp.wait_for(5, std::time::Duration::from_secs(10)).await,
        5
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let mails = smtp.messages();
    assert_eq!(mails.len(), 5, "{mails:#?}");
    let to = |address: &str| -> Vec<&centrale_testkit::Mail> {
        mails.iter().filter(|m| m.to == address).collect()
    };
    let jansen = to(clients[0].1);
    assert_eq!(jansen.len(), 1);
    assert!(
        jansen[0].subject.starts_with("Gesprekken van "),
        "{}",
        jansen[0].subject
    );
    assert!(
        jansen[0].subject.ends_with("Jansen Bouw (2 gesprekken)"),
        "{}",
        jansen[0].subject
    );
    assert!(jansen[0].text.contains("Beller 0") && jansen[0].text.contains("Beller 1"));
    let acme = to(clients[1].1);
    assert_eq!(acme.len(), 1);
    assert!(
        acme[0].subject.starts_with("Calls of "),
        "{}",
        acme[0].subject
    );
    assert!(
        acme[0].html.contains("Bob &lt;Smith&gt;"),
        "{}",
        acme[0].html
    );
    assert!(
        acme[0].html.contains("Call me &amp; soon"),
        "{}",
        acme[0].html
    );
    assert!(acme[0].text.contains("Bob <Smith>"));
    let quiet = to(clients[2].1);
    assert_eq!(quiet.len(), 3);
    assert!(
        quiet
            .iter()
            .all(|m| m.text.contains("Er waren geen gesprekken."))
    );
    // One Message-ID per client and day.
    assert_eq!(centrale_testkit::distinct_ids(&mails), 5);
}
