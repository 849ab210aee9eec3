//! Callbacks agreed on notes: kept with the note, checked, and listed in a calendar feed
//! that an employee's agenda subscribes to (parsed back with an iCalendar parser).

use centrale_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The events of an iCalendar text, each as (name, value) properties.
fn events(ics: &str) -> Vec<Vec<(String, String)>> {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("a valid iCalendar");
    assert!(calendars.next().is_none(), "one calendar only");
    calendar
        .events
        .into_iter()
        .map(|event| {
            event
                .properties
                .into_iter()
                .map(|p| (p.name, p.value.unwrap_or_default()))
                .collect()
        })
        .collect()
}

fn property<'a>(event: &'a [(String, String)], name: &str) -> &'a str {
    event
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

async fn feed_text(env: &TestApp, url: &str) -> (StatusCode, String) {
    let response = env
        .api
        .http
        .get(format!("{}{url}", env.api.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_callback_is_kept_with_the_note_and_shows_in_the_employees_calendar() {
    let env = TestApp::spawn().await;
    let (client, piet) = env.api.client_with_employee().await;
    let callback = json!({
        "with": piet,
        "when": {"kind": "between", "from": "2026-12-03T13:00:00Z", "to": "2026-12-03T14:00:00Z"}
    });
    let note = env
        .api
        .post_note(
            &client,
            "callback-1",
            json!({"caller_name": "Jan Jansen", "caller_phone": "06 12345678",
                   "message": "Lekkage in de kelder, graag terugbellen", "for_employees": [piet],
                   "callback": callback}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    // The number to call is the caller's when the operator named none.
    assert_eq!(note["callback"]["number"], "+31612345678");
    assert_eq!(note["callback"]["with"], piet.as_str());
    // One for nobody in particular, as soon as possible.
    let asap = env
        .api
        .post_note(
            &client,
            "callback-2",
            json!({"caller_name": "Karin", "caller_phone": "020 1234567",
                   "callback": {"when": {"kind": "asap"}}}),
        )
        .await;
    assert_eq!(asap.status, StatusCode::CREATED, "{}", asap.body);

    // Piet's feed lists his callback; the client's lists both.
    let created = env
        .api
        .post(
            &format!("/api/v1/clients/{client}/callback-feeds"),
            json!({"employee_id": piet}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = created["url"].as_str().unwrap().to_owned();
    let (status, ics) = feed_text(&env, &url).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    let piets = events(&ics);
    assert_eq!(piets.len(), 1, "{ics}");
    let event = &piets[0];
    assert_eq!(property(event, "DTSTART"), "20261203T130000Z");
    assert_eq!(property(event, "DTEND"), "20261203T140000Z");
    assert_eq!(
        property(event, "SUMMARY"),
        "Terugbellen: Jan Jansen +31612345678"
    );
    assert!(property(event, "DESCRIPTION").starts_with("Lekkage in de kelder"));
    assert_eq!(
        property(event, "UID"),
        format!("{}@centrale", note["id"].as_str().unwrap())
    );
    let all = env
        .api
        .post(
            &format!("/api/v1/clients/{client}/callback-feeds"),
            json!({}),
        )
        .await;
    let (_, ics) = feed_text(&env, all["url"].as_str().unwrap()).await;
    assert_eq!(events(&ics).len(), 2, "{ics}");

    // The token opens only its own client's feed, and nothing once revoked.
    let other = env.api.create_client("Ander").await;
    let elsewhere = url.replace(&client, &other);
    assert_eq!(feed_text(&env, &elsewhere).await.0, StatusCode::NOT_FOUND);
    let forged = format!("/api/v1/clients/{client}/callbacks.ics?token=ctr_guess");
    assert_eq!(feed_text(&env, &forged).await.0, StatusCode::NOT_FOUND);
    let feed_id = created["id"].as_str().unwrap();
    let revoked = env
        .api
        .delete(&format!(
            "/api/v1/clients/{client}/callback-feeds/{feed_id}"
        ))
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(feed_text(&env, &url).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_callback_must_name_the_clients_employee_a_number_and_a_window_in_order() {
    let env = TestApp::spawn().await;
    let (client, _) = env.api.client_with_employee().await;
    let (_, strangers_employee) = env.api.client_with_employee().await;
    let cases: [(Value, &str); 3] = [
        (
            json!({"caller_name": "Jan", "callback": {"when": {"kind": "asap"}}}),
            "callback.number",
        ),
        (
            json!({"caller_name": "Jan", "caller_phone": "0612345678", "callback": {
                "when": {"kind": "between", "from": "2026-12-03T14:00:00Z", "to": "2026-12-03T13:00:00Z"}}}),
            "callback.when.to",
        ),
        (
            json!({"caller_name": "Jan", "caller_phone": "0612345678", "callback": {
                "with": strangers_employee, "when": {"kind": "asap"}}}),
            "callback.with",
        ),
    ];
    for (i, (note, field)) in cases.into_iter().enumerate() {
        let reply = env.api.post_note(&client, &format!("bad-{i}"), note).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.field(), field, "{}", reply.body);
    }
    // Operators may not open feeds.
    let anna = env
        .staff("op@bureau.example", centrale_core::Role::Operator)
        .await;
    let refused = anna
        .call(
            Method::POST,
            &format!("/api/v1/clients/{client}/callback-feeds"),
            Some(&anna.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_emergency_sms_step_sends_the_note_there_and_is_signed_by_who_took_it() {
    let env = TestApp::spawn().await;
    let (client, _) = env.api.client_with_employee().await;
    let standard = env
        .api
        .get(&format!("/api/v1/clients/{client}/instructions"))
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let procedure = json!({"content": {"text": "Lekkage: spoed", "emergency": [
        {"kind": "sms", "to": "+31612345009"},
        {"kind": "call", "to": "+31612345008", "name": "Storingsdienst"}
    ]}});
    let set = env
        .api
        .put(
            &format!("/api/v1/clients/{client}/instructions/{standard}"),
            procedure,
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let took = |to: &str| {
        json!({"caller_name": "Jan", "message": "Water in de kelder", "urgent": true,
               "emergency": [{"step": {"kind": "sms", "to": to}, "at": "2026-12-03T10:00:00Z",
                              "outcome": "sms"}]})
    };
    let note = env
        .api
        .post_note(&client, "spoed-1", took("+31612345009"))
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    let sms: Vec<&Value> = note["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["channel"] == "sms")
        .collect();
    assert!(
        sms.iter().any(|d| d["recipient"] == "+31612345009"),
        "the SMS step's number gets the note: {}",
        note.body
    );
    assert_eq!(
        note["emergency"][0]["by"],
        format!("staff:{}", centrale_testkit::ADMIN_EMAIL)
    );
    // A step that is not in the procedure in force is refused.
    let stranger = env
        .api
        .post_note(&client, "spoed-2", took("+31699999999"))
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stranger.field(), "emergency[0].step");
}
