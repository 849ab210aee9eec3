//! Call notes over HTTP: idempotent saving, one note per call, bad input, markup kept as
//! typed, tenancy, and the deliveries queued with a note.

use centrale_core::calls::{CallerId, NewCall};
use centrale_core::{CallId, ClientId, PhoneNumber, Role};
use centrale_testkit::{Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A request with an optional `Idempotency-Key`.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Value,
) -> Reply {
    let mut request = app
        .api
        .http
        .request(method, format!("{}{path}", app.api.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// A call that reached Centrale for `client`, recorded as the telephony would.
async fn record_call(app: &TestApp, client: &str) -> String {
    record_call_at(app, client, chrono::Utc::now()).await
}

/// A call that arrived at `arrived_at`.
async fn record_call_at(
    app: &TestApp,
    client: &str,
    arrived_at: chrono::DateTime<chrono::Utc>,
) -> String {
    let call = NewCall {
        id: CallId::new(),
        client_id: client.parse::<ClientId>().unwrap(),
        caller: CallerId {
            number: Some(PhoneNumber::parse("06 11112222").unwrap()),
            name: Some("Marie".into()),
        },
        dialled: PhoneNumber::parse("020 1234567").unwrap(),
        original: None,
        arrived_at,
    };
    app.store.record_arrival(&call).await.unwrap();
    call.id.to_string()
}

/// The operator with `token` answered `call` just now (only she may write its note).
async fn answered_by(app: &TestApp, client: &str, call: &str, token: &str) {
    let me = app
        .api
        .call(Method::GET, "/api/v1/staff/me", Some(token), None)
        .await;
    let operator = me["id"].as_str().unwrap().parse().unwrap();
    app.store
        .record_offer(
            client.parse().unwrap(),
            call.parse().unwrap(),
            operator,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    app.store
        .record_answer(
            client.parse().unwrap(),
            call.parse().unwrap(),
            operator,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
}

/// A client with a general address and two employees: Piet wants urgent notes by SMS as
/// well, Anna never.
async fn bakery(app: &TestApp) -> (String, String, String) {
    let client = app
        .api.create(
            "/api/v1/clients",
            json!({"name": "Bakkerij", "greeting": "Bakkerij, goedemorgen", "emails": ["info@bakkerij.nl"]}),
        )
        .await;
    let employees = format!("/api/v1/clients/{client}/employees");
    let piet = app
        .api
        .create(
            &employees,
            json!({"name": "Piet", "emails": ["piet@bakkerij.nl", "piet@thuis.nl"],
                   "mobile": "06 12345678", "sms": "urgent_only"}),
        )
        .await;
    let anna = app
        .api.create(
            &employees,
            json!({"name": "Anna", "emails": ["anna@bakkerij.nl"], "mobile": "06 87654321", "sms": "never"}),
        )
        .await;
    (client, piet, anna)
}

/// A note's deliveries as "channel recipient" lines, sorted.
fn deliveries(note: &Value) -> Vec<String> {
    let mut lines: Vec<String> = note["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["status"], "queued");
            format!(
                "{} {}",
                d["channel"].as_str().unwrap(),
                d["recipient"].as_str().unwrap()
            )
        })
        .collect();
    lines.sort();
    lines
}

/// The app with its delivery worker off: these tests read delivery rows as saved (queued),
/// which a running worker would move on meanwhile.
async fn spawn() -> TestApp {
    TestApp::builder()
        .settings(|s| s.delivery_worker = false)
        .start()
        .await
}

#[tokio::test]
async fn an_operator_saves_a_calls_note_once_and_edits_it() {
    let app = spawn().await;
    let (client, piet, anna) = bakery(&app).await;
    let call = record_call(&app, &client).await;
    let operator = app.staff("anna@bureau.test", Role::Operator).await.token;
    answered_by(&app, &client, &call, &operator).await;
    let note = json!({
        "caller_name": "Marie de Vries", "caller_company": "Molen BV",
        "caller_phone": "06 11112222", "message": "Wil teruggebeld worden",
        "for_employees": [piet], "urgent": true, "callback_wish": "after 14:00",
        "actions": ["callback agreed"],
    });

    let path = format!("/api/v1/calls/{call}/note");
    let saved = send(&app, Method::PUT, &path, &operator, None, note.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let id = saved.body["id"].as_str().unwrap().to_owned();
    assert_eq!(saved.body["client_id"], client);
    assert_eq!(saved.body["call_id"], call);
    assert_eq!(saved.body["caller_phone"], "+31611112222");
    assert_eq!(saved.body["created_by"], "staff:anna@bureau.test");
    assert_eq!(saved.body["deliveries"][0]["employee_id"], piet);
    // Piet's addresses, and his mobile because the note is urgent.
    assert_eq!(
        deliveries(&saved.body),
        vec![
            "email piet@bakkerij.nl",
            "email piet@thuis.nl",
            "sms +31612345678"
        ]
    );

    // Saving again (a retry) keeps the one note.
    let again = send(&app, Method::PUT, &path, &operator, None, note.clone()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, saved.body);

    // Edited during wrap-up, through the client's path: not urgent, for Anna and the
    // general address too. Same note; the SMS is no longer queued.
    let mut edited = note.clone();
    edited["urgent"] = json!(false);
    edited["for_employees"] = json!([piet, anna]);
    edited["for_general"] = json!(true);
    edited["message"] = json!("Wil teruggebeld worden, na 14:00");
    let on_client = format!("/api/v1/clients/{client}/calls/{call}/note");
    let updated = send(
        &app,
        Method::PUT,
        &on_client,
        &operator,
        Some("retry-1"),
        edited,
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["id"], id);
    assert_eq!(updated.body["urgent"], false);
    assert_eq!(updated.body["message"], "Wil teruggebeld worden, na 14:00");
    assert_eq!(
        deliveries(&updated.body),
        vec![
            "email anna@bakkerij.nl",
            "email info@bakkerij.nl",
            "email piet@bakkerij.nl",
            "email piet@thuis.nl",
        ]
    );

    let listed = app
        .api
        .get(&format!("/api/v1/clients/{client}/notes"))
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0], updated.body);
    assert_eq!(app.api.get(&on_client).await.body, updated.body);
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{client}/notes/{id}"))
            .await
            .body,
        updated.body
    );

    // Not logged in: no notes.
    let anonymous = app.api.call(Method::PUT, &path, None, Some(note)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_note_outside_a_call_is_made_once_per_key() {
    let app = spawn().await;
    let (client, _, _) = bakery(&app).await;
    let operator = app.staff("anna@bureau.test", Role::Operator).await.token;
    // A call taken outside Centrale: she finds the client first.
    let found = app
        .api
        .call(
            Method::GET,
            "/api/v1/clients?q=bakkerij",
            Some(&operator),
            None,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{}", found.body);
    let path = format!("/api/v1/clients/{client}/notes");
    let note = json!({"caller_name": "Kees", "message": "Belde op de mobiel van de baas"});

    let made = send(
        &app,
        Method::POST,
        &path,
        &operator,
        Some("k-1"),
        note.clone(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["call_id"], Value::Null);
    // Nobody named: the client's general address.
    assert_eq!(deliveries(&made.body), vec!["email info@bakkerij.nl"]);
    let retried = send(
        &app,
        Method::POST,
        &path,
        &operator,
        Some("k-1"),
        note.clone(),
    )
    .await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(retried.body, made.body);
    assert_eq!(app.api.get(&path).await.body.as_array().unwrap().len(), 1);

    // The key with another note, or no key at all, is refused.
    let other = json!({"caller_name": "Kees", "message": "Iets anders"});
    let reused = send(
        &app,
        Method::POST,
        &path,
        &operator,
        Some("k-1"),
        other.clone(),
    )
    .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.field(), "Idempotency-Key");
    let keyless = send(&app, Method::POST, &path, &operator, None, other.clone()).await;
    assert_eq!(keyless.status, StatusCode::BAD_REQUEST);
    assert_eq!(keyless.field(), "Idempotency-Key");
    let long = "k".repeat(256);
    let too_long = send(
        &app,
        Method::POST,
        &path,
        &operator,
        Some(&long),
        other.clone(),
    )
    .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.api.get(&path).await.body.as_array().unwrap().len(), 1);

    // A new key is a new note; search finds notes by caller.
    let second = send(&app, Method::POST, &path, &operator, Some("k-2"), other).await;
    assert_eq!(second.status, StatusCode::CREATED);
    let all = app.api.get(&path).await.body;
    assert_eq!(all[0]["id"], second.body["id"], "newest first");
    assert_eq!(all.as_array().unwrap().len(), 2);
    let found = app.api.get(&format!("{path}?q=KEES&limit=1")).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body.as_array().unwrap().len(), 1);
    assert!(
        app.api
            .get(&format!("{path}?q=marie"))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_notes_are_refused() {
    let app = spawn().await;
    let (client, _, _) = bakery(&app).await;
    let (other, _, stranger) = bakery(&app).await;
    assert_ne!(other, client);
    let call = record_call(&app, &client).await;
    let path = format!("/api/v1/calls/{call}/note");
    let admin = app.api.token.clone();

    let cases = [
        (json!({}), "message"),
        (json!({"caller_company": "Molen BV"}), "message"),
        (json!({"message": "  \n "}), "message"),
        (json!({"message": "x".repeat(5_001)}), "message"),
        (
            json!({"message": "m", "caller_name": "x".repeat(201)}),
            "caller_name",
        ),
        (
            json!({"message": "m", "callback_wish": "x".repeat(201)}),
            "callback_wish",
        ),
        (
            json!({"message": "m", "caller_phone": "not a number"}),
            "caller_phone",
        ),
        (json!({"message": "m", "urgent": "yes"}), "urgent"),
        (
            json!({"message": "m", "for_employees": [stranger]}),
            "for_employees[0]",
        ),
    ];
    for (body, field) in cases {
        let reply = send(&app, Method::PUT, &path, &admin, None, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.field(), field, "{body}");
    }
    let unknown = send(
        &app,
        Method::PUT,
        &path,
        &admin,
        None,
        json!({"message": "m", "colour": "red"}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Long but within the limit, in characters rather than bytes.
    let longest = json!({"message": "é".repeat(5_000)});
    let ok = send(&app, Method::PUT, &path, &admin, None, longest).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn markup_is_stored_and_returned_as_typed() {
    let app = spawn().await;
    let (client, _, _) = bakery(&app).await;
    let call = record_call(&app, &client).await;
    let message = "<script>alert('x')</script> & <b>bold</b> \"quoted\"";
    let name = "Marie <img src=x onerror=alert(1)>";
    let reply = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calls/{call}/note"),
        &app.api.token.clone(),
        None,
        json!({"caller_name": name, "message": message}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["message"], message);
    let read = app
        .api
        .get(&format!("/api/v1/clients/{client}/calls/{call}/note"))
        .await;
    assert_eq!(read.body["message"], message);
    assert_eq!(read.body["caller_name"], name);
}

#[tokio::test]
async fn another_clients_calls_and_notes_are_not_found() {
    let app = spawn().await;
    let (a, _, _) = bakery(&app).await;
    let (b, _, _) = bakery(&app).await;
    let theirs = record_call(&app, &b).await;
    // A supervisor: any call's note is hers to write, so what is refused is tenancy alone.
    let operator = app.staff("anna@bureau.test", Role::Supervisor).await.token;
    let note = json!({"caller_name": "Marie", "message": "Voor B"});
    let at_b = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calls/{theirs}/note"),
        &operator,
        None,
        note.clone(),
    )
    .await;
    assert_eq!(at_b.status, StatusCode::OK);
    assert_eq!(at_b.body["client_id"], b);
    let b_note = at_b.body["id"].as_str().unwrap();

    let not_found = |reply: Reply, what: &str| {
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{what}: {}",
            reply.body
        );
    };
    not_found(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/clients/{a}/calls/{theirs}/note"),
            &operator,
            None,
            note.clone(),
        )
        .await,
        "PUT B's call through A",
    );
    not_found(
        app.api
            .get(&format!("/api/v1/clients/{a}/calls/{theirs}/note"))
            .await,
        "GET B's call note through A",
    );
    not_found(
        app.api
            .get(&format!("/api/v1/clients/{a}/notes/{b_note}"))
            .await,
        "GET B's note through A",
    );
    not_found(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/calls/{}/note", CallId::new()),
            &operator,
            None,
            note.clone(),
        )
        .await,
        "PUT an unknown call",
    );
    not_found(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/clients/{}/notes", ClientId::new()),
            &operator,
            Some("k"),
            note,
        )
        .await,
        "POST for an unknown client",
    );
    let listed = app
        .api
        .get(&format!("/api/v1/clients/{a}/notes?q=marie"))
        .await;
    assert_eq!(listed.body, json!([]));
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{b}/notes/{b_note}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_temporary_all_by_sms_in_force_when_the_call_arrived_redirects_its_note() {
    let app = spawn().await;
    let (client, piet, _) = bakery(&app).await;
    // On holiday from 1 to 15 July 2026 (Amsterdam time): everything by SMS to one number.
    app.api
        .create(
            &format!("/api/v1/clients/{client}/instructions"),
            json!({"title": "Vakantie",
               "period": {"start": "2026-07-01T00:00:00", "end": "2026-07-15T00:00:00"},
               "content": {"delivery_overrides": [{"kind": "all_by_sms", "to": "06 55555555"}]}}),
        )
        .await;
    // A supervisor writes these notes: calls long over are not an operator's to write.
    let operator = app.staff("anna@bureau.test", Role::Supervisor).await.token;
    let note = json!({"caller_name": "Marie", "message": "Bel terug", "for_employees": [piet]});
    let at = |text: &str| text.parse::<chrono::DateTime<chrono::Utc>>().unwrap();

    // A call that arrived during the holiday: the note goes by SMS instead of Piet's mail,
    // even when it is saved (or edited) later.
    let during = record_call_at(&app, &client, at("2026-07-10T09:00:00Z")).await;
    let saved = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calls/{during}/note"),
        &operator,
        None,
        note.clone(),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(deliveries(&saved.body), vec!["sms +31655555555"]);
    assert_eq!(saved.body["deliveries"][0]["employee_id"], Value::Null);

    // Its last minute still counts (the period ends at 22:00 UTC, midnight in Amsterdam, exclusive)…
    let last = record_call_at(&app, &client, at("2026-07-14T21:59:59Z")).await;
    let saved = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calls/{last}/note"),
        &operator,
        None,
        note.clone(),
    )
    .await;
    assert_eq!(deliveries(&saved.body), vec!["sms +31655555555"]);

    // …but after the period the normal rule applies: Piet's addresses, no SMS (not urgent).
    let after = record_call_at(&app, &client, at("2026-07-14T22:00:00Z")).await;
    let saved = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calls/{after}/note"),
        &operator,
        None,
        note.clone(),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        deliveries(&saved.body),
        vec!["email piet@bakkerij.nl", "email piet@thuis.nl"]
    );
}
