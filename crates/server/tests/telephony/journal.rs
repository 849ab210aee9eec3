//! The call journal writes behind the calls and the directory is in memory: with the database
//! down (PostgreSQL refusing and cutting connections, so reads fail too; SQLite, which has no
//! server to stop, with its write lock held while reads go on) calls are still offered
//! with their screen pop and answered, and their records follow when it is back; a note saved
//! before its call is written lands; past the journal's bound new calls get 503 until it drains.

use centrale_testkit::{BAKERY_NUMBER, TestApp};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

/// The calls to `number` once `count` of them have ended, waiting up to a minute.
async fn ended_calls(env: &TestApp, number: &str, count: usize) -> Vec<serde_json::Value> {
    for _ in 0..600 {
        let calls = env.calls_of_number(number).await;
        if calls.iter().filter(|c| !c["outcome"].is_null()).count() >= count {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} ended calls to {number}");
}

#[tokio::test]
async fn with_the_database_down_calls_are_offered_and_answered_and_recorded_when_it_is_back() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    // Twenty calls while the database is down, one after it is back; then the phone
    // unregisters, which needs the database for its digest.
    let phone = env.phone(&anna, "operator_answer.xml", 21, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    // Bert's phone is registered too (he is not available: no calls for him).
    let bert = env.operator(2).await;
    env.register_phone(&bert).await;

    assert_eq!(env.metric("centrale_journal_backlog").await, 0.0);
    let down = env.take_database_down().await;
    // A phone that was registered refreshes its registration (with the credentials Centrale
    // read last; on PostgreSQL the store cannot answer now). SIPp requires the 200.
    env.register(
        "operator_register.xml",
        &bert.user,
        &bert.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("a registration refreshed while the database is down");
    // Twenty calls, one after the other.
    env.carrier(
        "carrier_call.xml",
        BAKERY_NUMBER,
        &["-d", "100", "-m", "20", "-l", "1"],
    )
    .finish()
    .await
    .assert_ok("twenty carrier calls");
    let ended = || -> Vec<String> {
        let all = events.all().into_iter();
        all.filter(|e| e["type"] == "call.ended")
            .map(|e| e["call_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // The stream may lag a little behind the calls (bounded wait).
    for _ in 0..300 {
        if ended().len() >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = ended();
    for call in &seen {
        let offered = events
            .wait_for("call.offered", |e| e["call_id"] == *call)
            .await;
        assert_eq!(offered["pop"]["client_name"], "Bakkerij De Gouden Korst");
        assert_eq!(
            events.types_for_call(call),
            ["call.queued", "call.offered", "call.answered", "call.ended"]
        );
    }
    assert_eq!(seen.len(), 20, "every call ended");
    // Queued, offered, offer ended, answered, ended: five steps a call, none written yet.
    assert_eq!(
        env.metric("centrale_journal_backlog").await,
        100.0,
        "the records wait"
    );

    down.restore().await;
    let calls = ended_calls(&env, BAKERY_NUMBER, 20).await;
    assert_eq!(calls.len(), 20, "none twice: {calls:?}");
    let ids: HashSet<&str> = calls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        seen.iter().map(String::as_str).collect(),
        "the calls the events told of"
    );
    let anna_id = env.staff_id(&anna).await;
    for call in &calls {
        assert_eq!(call["outcome"], "answered", "{call}");
        assert_eq!(call["operator_id"], anna_id.as_str(), "{call}");
        let offers = call["offers"].as_array().unwrap();
        assert_eq!(offers.len(), 1, "{call}");
        assert_eq!(offers[0]["result"], "answered", "{call}");
        // In order: offered after arrival, answered after the offer, ended after the answer.
        let instant = |value: &serde_json::Value| {
            chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap()
        };
        let steps = [
            instant(&call["arrived_at"]),
            instant(&offers[0]["offered_at"]),
            instant(&call["answered_at"]),
            instant(&call["ended_at"]),
        ];
        assert!(steps.is_sorted(), "{call}");
    }
    assert_eq!(env.metric("centrale_journal_backlog").await, 0.0);

    // The node serves as before.
    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "100"])
        .finish()
        .await
        .assert_ok("a call after the database is back");
    phone
        .finish()
        .await
        .assert_ok("operator phone, twenty-one calls");
    let calls = ended_calls(&env, BAKERY_NUMBER, 21).await;
    assert_eq!(calls.len(), 21);
}

#[tokio::test]
async fn a_note_saved_before_its_call_is_written_lands_with_its_deliveries() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&anna.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let held = env.hold_call_writes().await;
    let carrier = env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "3000"]);
    let answered = events.wait_for("call.answered", |_| true).await;
    let call = answered["call_id"].as_str().unwrap().to_owned();
    // She saves from the screen while the call's record is still in the journal.
    let api = env.api.clone();
    let token = anna.token.clone();
    let save = tokio::spawn(async move {
        api.call(
            reqwest::Method::PUT,
            &format!("/api/v1/calls/{call}/note"),
            Some(&token),
            Some(json!({"caller_name": "Marie", "message": "Bel terug", "for_general": true})),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    held.release().await;

    let saved = save.await.unwrap();
    assert_eq!(saved.status, reqwest::StatusCode::OK, "{}", saved.body);
    assert_eq!(saved["call_id"], answered["call_id"]);
    let deliveries = saved["deliveries"].as_array().unwrap();
    assert!(
        !deliveries.is_empty(),
        "queued with its deliveries: {}",
        saved.body
    );
    carrier.finish().await.assert_ok("carrier call");
    phone.finish().await.assert_ok("operator phone");
}

#[tokio::test]
async fn past_the_journals_bound_new_calls_get_503_until_the_database_is_back() {
    // A queued call that its caller gives up is two steps (queued, ended).
    let env = TestApp::builder()
        .demo()
        .settings(|s| s.journal_bound = 4)
        .start()
        .await;
    let abandoned =
        |env: &TestApp| env.carrier("carrier_cancel_queued.xml", BAKERY_NUMBER, &["-d", "300"]);

    let down = env.take_database_down().await;
    abandoned(&env)
        .finish()
        .await
        .assert_ok("first call, queued and given up");
    abandoned(&env)
        .finish()
        .await
        .assert_ok("second call, queued and given up");
    let refused = env.carrier(
        "carrier_expect_status.xml",
        BAKERY_NUMBER,
        &["-set", "expected", "503"],
    );
    refused
        .finish()
        .await
        .assert_ok("third call refused: the journal is full");
    assert_eq!(env.metric("centrale_journal_backlog").await, 4.0);

    down.restore().await;
    ended_calls(&env, BAKERY_NUMBER, 2).await;
    abandoned(&env)
        .finish()
        .await
        .assert_ok("a call is taken again");
    let calls = ended_calls(&env, BAKERY_NUMBER, 3).await;
    assert_eq!(calls.len(), 3, "the refused call left no record: {calls:?}");
}
