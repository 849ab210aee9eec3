//! Least privilege for operators: a client's data only when its call was offered to her or she
//! found it by search, notes in pages of at most 200, every read of notes in the audit log, a
//! call's note written only by whoever may, idempotency keys per member.

use centrale_core::calls::{CallOutcome, CallerId, NewCall, Party};
use centrale_core::notes::NoteDraft;
use centrale_core::{Actor, CallId, ClientId, PhoneNumber, Role, StaffId};
use centrale_testkit::{Api, TestApp};
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn id_of(api: &Api) -> StaffId {
    api.get("/api/v1/staff/me").await["id"]
        .as_str()
        .expect("an id")
        .parse()
        .unwrap()
}

/// A call of `client` that `operator` answered and that ended `ended_ago` ago.
async fn taken_call(
    app: &TestApp,
    client: ClientId,
    operator: StaffId,
    ended_ago: Duration,
) -> CallId {
    let ended = Utc::now() - ended_ago;
    let call = NewCall {
        id: CallId::new(),
        client_id: client,
        caller: CallerId {
            number: Some(PhoneNumber::parse("06 11112222").unwrap()),
            name: None,
        },
        dialled: PhoneNumber::parse("020 1234567").unwrap(),
        original: None,
        arrived_at: ended - Duration::minutes(2),
    };
    app.store.record_arrival(&call).await.unwrap();
    app.store
        .record_offer(client, call.id, operator, call.arrived_at)
        .await
        .unwrap();
    let answered = ended - Duration::minutes(1);
    app.store
        .record_answer(client, call.id, operator, answered)
        .await
        .unwrap();
    app.store
        .record_end(client, call.id, ended, Party::Caller, CallOutcome::Answered)
        .await
        .unwrap();
    call.id
}

/// `operator` searches for `name` and finds that one client.
async fn finds(operator: &Api, name: &str) {
    let found = operator.get(&format!("/api/v1/clients?q={name}")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [name]);
}

fn ids(reply: &centrale_testkit::Reply) -> Vec<String> {
    reply
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_operator_reads_only_clients_offered_to_her_or_found_by_search() {
    let app = TestApp::spawn().await;
    let bakery = app.api.create_client("Bakkerij").await;
    let butcher = app.api.create_client("Slagerij").await;
    let florist = app.api.create_client("Bloemist").await;
    for i in 1..=12 {
        app.api.create_client(&format!("Kapper {i}")).await;
    }
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let sue = app.staff("sue@bureau.test", Role::Supervisor).await;
    let anna_id = id_of(&anna).await;
    let status = |api: &Api, path: String| {
        let api = api.clone();
        async move { api.get(&path).await.status }
    };
    let readable = |client: &str| {
        let client = client.to_owned();
        let anna = anna.clone();
        async move {
            let mut seen = Vec::new();
            for part in [
                "",
                "/notes",
                "/employees",
                "/contacts",
                "/instructions",
                "/calls",
                "/numbers",
            ] {
                let path = format!("/api/v1/clients/{client}{part}");
                seen.push(anna.get(&path).await.status == StatusCode::OK);
            }
            assert!(
                seen.iter().all(|s| *s == seen[0]),
                "all or nothing: {seen:?}"
            );
            seen[0]
        }
    };

    // No bulk listing: she searches, and finds one client, not a list of all.
    let listed = anna.get("/api/v1/clients").await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN, "{}", listed.body);
    assert_eq!(listed["field"], "q");
    assert_eq!(
        status(&anna, "/api/v1/clients?q=a".into()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(&anna, "/api/v1/numbers".into()).await,
        StatusCode::FORBIDDEN
    );
    let kappers = anna.get("/api/v1/clients?q=kapper").await;
    assert_eq!(
        kappers.as_array().unwrap().len(),
        10,
        "an operator's search gives at most 10"
    );
    assert_eq!(
        sue.get("/api/v1/clients").await.as_array().unwrap().len(),
        15
    );
    assert_eq!(
        sue.get("/api/v1/clients?q=kapper")
            .await
            .as_array()
            .unwrap()
            .len(),
        12
    );

    assert!(!readable(&bakery).await, "not offered, not searched");
    finds(&anna, "Bakkerij").await;
    assert!(readable(&bakery).await, "found by search");
    assert!(!readable(&butcher).await, "another client stays closed");

    // A call offered to her opens its client; one offered half a day ago no longer does.
    let offer = |client: &str, ago: Duration| {
        let client: ClientId = client.parse().unwrap();
        let store = app.store.clone();
        async move {
            let call = NewCall {
                id: CallId::new(),
                client_id: client,
                caller: CallerId {
                    number: None,
                    name: None,
                },
                dialled: PhoneNumber::parse("020 1234567").unwrap(),
                original: None,
                arrived_at: Utc::now() - ago,
            };
            store.record_arrival(&call).await.unwrap();
            store
                .record_offer(client, call.id, anna_id, call.arrived_at)
                .await
                .unwrap();
        }
    };
    offer(&butcher, Duration::seconds(1)).await;
    assert!(readable(&butcher).await, "offered to her");
    offer(&florist, Duration::hours(13)).await;
    assert!(!readable(&florist).await, "offered too long ago");
    assert_eq!(
        status(&sue, format!("/api/v1/clients/{florist}/notes")).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn notes_come_in_pages_of_at_most_200() {
    let app = TestApp::spawn().await;
    let client = app.api.create_client("Bakkerij").await;
    let client_id: ClientId = client.parse().unwrap();
    for i in 0..205 {
        let draft = NoteDraft {
            caller_name: format!("Beller {i}"),
            for_general: true,
            ..NoteDraft::default()
        };
        app.store
            .create_note(client_id, &format!("k{i}"), &draft, &Actor::system(), &[])
            .await
            .unwrap();
    }
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    finds(&anna, "Bakkerij").await;
    let path = format!("/api/v1/clients/{client}/notes");

    assert_eq!(ids(&anna.get(&path).await).len(), 50, "the default page");
    let all = ids(&anna.get(&format!("{path}?limit=100000")).await);
    assert_eq!(all.len(), 200, "the cap holds");
    let rest = ids(&anna
        .get(&format!("{path}?limit=200&before={}", all[199]))
        .await);
    assert_eq!(rest.len(), 5, "the next page has the rest");
    assert!(rest.iter().all(|id| !all.contains(id)));
    let searched = ids(&anna
        .get(&format!("{path}?q=beller&limit=3&before={}", all[0]))
        .await);
    assert_eq!(searched, all[1..4]);
}

#[tokio::test]
async fn every_read_of_notes_is_in_the_audit_log_for_supervisors() {
    let app = TestApp::spawn().await;
    let client = app.api.create_client("Bakkerij").await;
    let note = app.api.general_note(&client, 1).await;
    let note_id = note["id"].as_str().unwrap();
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let sue = app.staff("sue@bureau.test", Role::Supervisor).await;
    let anna_id = id_of(&anna).await.to_string();
    finds(&anna, "Bakkerij").await;
    let start = Utc::now();

    let notes = format!("/api/v1/clients/{client}/notes");
    for path in [
        notes.clone(),
        format!("{notes}?q=Beller"),
        format!("{notes}/{note_id}"),
    ] {
        assert_eq!(anna.get(&path).await.status, StatusCode::OK, "{path}");
    }

    assert_eq!(
        anna.get("/api/v1/audit").await.status,
        StatusCode::FORBIDDEN,
        "operators do not read the audit log"
    );
    let from = start
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        .replace('+', "%2B");
    let log = sue
        .get(&format!("/api/v1/audit?client_id={client}&from={from}"))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let seen: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["client_id"], client);
            assert!(e["at"].is_string());
            (
                e["staff_id"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let anna = |action: &str, detail: &str| (anna_id.clone(), action.to_owned(), detail.to_owned());
    assert_eq!(
        seen,
        vec![
            anna("note_read", note_id),
            anna("notes_search", "Beller"),
            anna("notes_list", ""),
        ]
    );
    let other = app.api.create_client("Slagerij").await;
    let none = sue.get(&format!("/api/v1/audit?client_id={other}")).await;
    assert_eq!(none.body, json!([]));
}

#[tokio::test]
async fn a_calls_note_is_written_by_the_operator_who_took_it_in_time_or_a_supervisor() {
    let app = TestApp::builder()
        .settings(|s| s.delivery_worker = false)
        .start()
        .await;
    let client = app.api.create_client("Bakkerij").await;
    let client_id: ClientId = client.parse().unwrap();
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let bram = app.staff("bram@bureau.test", Role::Operator).await;
    let sue = app.staff("sue@bureau.test", Role::Supervisor).await;
    let anna_id = id_of(&anna).await;
    let note =
        |message: &str| json!({"caller_name": "Marie", "message": message, "for_general": true});

    let fresh = taken_call(&app, client_id, anna_id, Duration::minutes(5)).await;
    let path = format!("/api/v1/calls/{fresh}/note");
    let saved = anna.put(&path, note("Bel terug")).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let refused = bram.put(&path, note("Niet van Bram")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        anna.put(&path, note("Bel terug na 14:00")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        sue.put(&path, note("Bel terug na 15:00")).await.status,
        StatusCode::OK
    );

    // Every edit kept: who, when, and the text it replaced.
    let note_id = saved["id"].as_str().unwrap();
    let versions_path = format!("/api/v1/clients/{client}/notes/{note_id}/versions");
    assert_eq!(anna.get(&versions_path).await.status, StatusCode::FORBIDDEN);
    let versions = sue.get(&versions_path).await;
    let kept: Vec<(&str, &str)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["edited_by"].as_str().unwrap(),
                v["previous"]["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            ("staff:anna@bureau.test", "Bel terug"),
            ("staff:sue@bureau.test", "Bel terug na 14:00"),
        ]
    );

    // Past her wrap-up and the 30 minutes after it, only a supervisor may.
    let old = taken_call(&app, client_id, anna_id, Duration::minutes(45)).await;
    let path = format!("/api/v1/calls/{old}/note");
    let late = anna.put(&path, note("Te laat")).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert_eq!(
        sue.put(&path, note("Door Sue")).await.status,
        StatusCode::OK
    );

    // While the call still rings at her phone she may save from the screen pop; Bram may not.
    let ringing = NewCall {
        id: CallId::new(),
        client_id,
        caller: CallerId {
            number: None,
            name: None,
        },
        dialled: PhoneNumber::parse("020 1234567").unwrap(),
        original: None,
        arrived_at: Utc::now(),
    };
    app.store.record_arrival(&ringing).await.unwrap();
    app.store
        .record_offer(client_id, ringing.id, anna_id, Utc::now())
        .await
        .unwrap();
    let path = format!("/api/v1/calls/{}/note", ringing.id);
    assert_eq!(
        bram.put(&path, note("Niet van Bram")).await.status,
        StatusCode::FORBIDDEN
    );
    let early = anna.put(&path, note("Alvast genoteerd")).await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
}

#[tokio::test]
async fn nobody_can_squat_the_key_of_another_operators_call() {
    let app = TestApp::spawn().await;
    let client = app.api.create_client("Bakkerij").await;
    let client_id: ClientId = client.parse().unwrap();
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let bram = app.staff("bram@bureau.test", Role::Operator).await;
    let call = taken_call(&app, client_id, id_of(&anna).await, Duration::zero()).await;
    let squat = json!({"caller_name": "Bram", "message": "Bezet", "for_general": true});
    finds(&bram, "Bakkerij").await;

    let squatted = bram
        .post_note(&client, &format!("call:{call}"), squat.clone())
        .await;
    assert_eq!(squatted.status, StatusCode::CREATED, "{}", squatted.body);
    // The same key from another member is another note, not a replay of Bram's.
    let own = anna
        .post_note(&client, &format!("call:{call}"), squat)
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    assert_ne!(own["id"], squatted["id"]);

    let saved = anna
        .send(
            Method::PUT,
            &format!("/api/v1/calls/{call}/note"),
            Some(json!({"caller_name": "Marie", "message": "Bel terug", "for_general": true})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved["call_id"], call.to_string());
}
