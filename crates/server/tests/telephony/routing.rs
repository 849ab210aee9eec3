//! Where a call goes when nobody, or not the first operator, answers: callers giving up in
//! the queue or while a phone rings, phones refusing or ringing out.

use centrale_testkit::{BAKERY_NUMBER, Events, Operator, TestApp, scenario as scenario_path};

#[tokio::test]
async fn a_caller_who_hangs_up_in_the_queue_is_recorded_as_abandoned() {
    let env = TestApp::demo().await;
    let events = env.api.events(&env.api.token).await;
    // Nobody is available: the call waits with early media until the caller gives up.
    env.carrier("carrier_cancel_queued.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await
        .assert_ok("carrier cancels and gets 487");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "abandoned_queued", "{call}");
    assert_eq!(call["ended_by"], "caller");
    // The caller gave up after half a second in the queue.
    let waited = call["wait_ms"].as_i64().unwrap();
    assert!((500..5000).contains(&waited), "wait_ms {waited}: {call}");
    assert!(call["answered_at"].is_null() && call["operator_id"].is_null());
    assert_eq!(call["offers"].as_array().map(Vec::len), Some(0));

    let call_id = call["id"].as_str().unwrap();
    let ended = events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(ended["outcome"], "abandoned_queued");
    assert_eq!(ended["queue_length"], 0);
    let ended_wait = ended["wait_ms"].as_i64().unwrap();
    assert!((500..5000).contains(&ended_wait), "{ended}");
    assert_eq!(
        events.types_for_call(call_id),
        ["call.queued", "call.ended"]
    );
    // Nothing is left waiting.
    assert_eq!(
        env.api.get("/api/v1/queue").await.body,
        serde_json::json!([])
    );
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_the_phone_rings_cancels_the_ringing() {
    // operator_never_answer.xml only passes when Centrale CANCELs its INVITE.
    let cancelled = caller_cancels_while_anna_rings(
        "operator_never_answer.xml",
        "operator phone receives the CANCEL",
    )
    .await;
    let (env, anna, call) = (&cancelled.env, &cancelled.anna, &cancelled.call);
    let offers = call["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 1, "{call}");
    assert_eq!(offers[0]["operator_id"], env.staff_id(anna).await);
    assert!(offers[0]["ended_at"].is_string());

    let call_id = call["id"].as_str().unwrap();
    cancelled
        .events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(
        cancelled.events.types_for_call(call_id),
        ["call.queued", "call.offered", "call.ended"]
    );
    // A caller leaving is not Anna's fault: she is not paused.
    assert_eq!(env.operator_state(anna).await["state"], "available");
}

/// The caller gives up just as the phone answers: the phone's 200 crosses Centrale's CANCEL.
/// Centrale ACKs it and hangs up (operator_answer_crossing_cancel.xml passes only then); the
/// call is the caller's abandoned one, Anna is free, and nothing is left on the board.
#[tokio::test]
async fn a_cancel_crossing_the_phones_answer_ends_with_ack_and_bye_to_the_phone() {
    let cancelled = caller_cancels_while_anna_rings(
        "operator_answer_crossing_cancel.xml",
        "the phone's 200 is ACKed and BYEd",
    )
    .await;
    let env = &cancelled.env;
    assert_eq!(
        env.operator_state(&cancelled.anna).await["state"],
        "available"
    );
    assert_eq!(
        env.api.get("/api/v1/queue").await.body,
        serde_json::json!([])
    );
    assert_eq!(env.metric("centrale_active_calls").await, 0.0);
}

/// A call the caller gave up on while Anna's phone rang.
struct Cancelled {
    env: TestApp,
    anna: Operator,
    events: Events,
    call: serde_json::Value,
}

/// Anna's phone runs `phone_scenario` (which must pass: `phone_ok` says what that proves); the
/// carrier hangs up after 1.5 s, while it rings (the ring timeout is 30 s: the caller, not the
/// timer, ends the ringing). The record is the caller's call abandoned while ringing, its one
/// offer cancelled.
async fn caller_cancels_while_anna_rings(phone_scenario: &str, phone_ok: &str) -> Cancelled {
    let env = TestApp::builder()
        .demo()
        .settings(|s| s.ring_timeout_secs = 30)
        .start()
        .await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, phone_scenario, 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    env.carrier("carrier_cancel_queued.xml", BAKERY_NUMBER, &["-d", "1500"])
        .finish()
        .await
        .assert_ok("carrier cancels and gets 487");
    phone.finish().await.assert_ok(phone_ok);

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "abandoned_ringing", "{call}");
    assert_eq!(call["ended_by"], "caller", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
    assert_eq!(call["offers"][0]["result"], "cancelled", "{call}");
    Cancelled {
        env,
        anna,
        events,
        call,
    }
}

#[tokio::test]
async fn a_busy_phone_passes_the_call_to_the_next_operator() {
    let env = TestApp::demo().await;
    let anna = anna_refuses_and_bram_answers(&env, "operator_reject_486.xml", "rejected").await;
    // A busy phone is a refusal, not an absence: Anna stays available.
    assert_eq!(env.operator_state(&anna).await["state"], "available");
}

/// A phone that takes no media we offer (488, although it is offered both G.711 laws) passes
/// the call on at once, and its operator is paused as for a missed call: the phone needs a look.
#[tokio::test]
async fn a_phone_refusing_the_media_passes_the_call_on_and_pauses_its_operator() {
    let env = TestApp::demo().await;
    // Derived from the busy phone, as crates/sip/tests/scenarios/selftest.sh derives it.
    let scenario = env.dir().join("operator_reject_488.xml");
    let busy = std::fs::read_to_string(scenario_path("operator_reject_486.xml")).expect("scenario");
    std::fs::write(
        &scenario,
        busy.replace("486 Busy Here", "488 Not Acceptable Here"),
    )
    .expect("derived scenario");
    let scenario = scenario.to_str().expect("utf-8 path");
    let anna = anna_refuses_and_bram_answers(&env, scenario, "incompatible").await;
    assert_eq!(env.operator_state(&anna).await["state"], "pause");
}

/// Anna's phone (rung first) refuses with `scenario`, Bram's answers: the call is recorded as
/// answered by Bram, after an offer to Anna that ended `anna_result`.
async fn anna_refuses_and_bram_answers(
    env: &TestApp,
    scenario: &str,
    anna_result: &str,
) -> Operator {
    let anna = env.operator(1).await;
    let bram = env.operator(2).await;
    let refuses = env.phone(&anna, scenario, 1, &[]);
    let answers = env.phone(&bram, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.wait_registered(&bram, true).await;
    // Anna becomes available first, so she has been idle longest and is rung first.
    env.set_state(&anna, "available").await;
    env.set_state(&bram, "available").await;

    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await
        .assert_ok("carrier call");
    refuses.finish().await.assert_ok("Anna's phone refuses");
    answers.finish().await.assert_ok("Bram's phone answers");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    let (anna_id, bram_id) = (env.staff_id(&anna).await, env.staff_id(&bram).await);
    assert_eq!(call["operator_id"], bram_id);
    let offers = call["offers"].as_array().unwrap();
    let results: Vec<_> = offers.iter().map(|o| o["result"].clone()).collect();
    assert_eq!(results, [anna_result, "answered"], "{call}");
    assert_eq!(offers[0]["operator_id"], anna_id);
    assert_eq!(offers[1]["operator_id"], bram_id);
    anna
}

#[tokio::test]
async fn a_phone_that_rings_out_passes_the_call_on_and_pauses_its_operator() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let bram = env.operator(2).await;
    let events = env.api.events(&env.api.token).await;
    let rings_out = env.phone(&anna, "operator_never_answer.xml", 1, &[]);
    let answers = env.phone(&bram, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.wait_registered(&bram, true).await;
    env.set_state(&anna, "available").await;
    env.set_state(&bram, "available").await;

    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await
        .assert_ok("carrier call");
    rings_out
        .finish()
        .await
        .assert_ok("Anna's phone rings until cancelled");
    answers.finish().await.assert_ok("Bram's phone answers");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    let (anna_id, bram_id) = (env.staff_id(&anna).await, env.staff_id(&bram).await);
    assert_eq!(call["operator_id"], bram_id);
    let offers = call["offers"].as_array().unwrap();
    let results: Vec<_> = offers.iter().map(|o| o["result"].clone()).collect();
    assert_eq!(results, ["timeout", "answered"], "{call}");
    assert_eq!(offers[0]["operator_id"], anna_id);
    assert_eq!(offers[1]["operator_id"], bram_id);

    // A missed call pauses the operator; the console hears of it.
    assert_eq!(env.operator_state(&anna).await["state"], "pause");
    events
        .wait_for("operator.state", |e| {
            e["operator_id"] == anna_id.as_str() && e["state"] == "pause"
        })
        .await;
    let call_id = call["id"].as_str().unwrap();
    assert_eq!(
        events.types_for_call(call_id),
        [
            "call.queued",
            "call.offered",
            "call.offered",
            "call.answered",
            "call.ended"
        ]
    );
}

#[tokio::test]
async fn a_lone_operator_whose_phone_refuses_is_not_rung_again_at_once() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let busy = env.phone(&anna, "operator_reject_486.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    // Nobody else is available; the caller gives up after a while.
    env.carrier("carrier_cancel_queued.xml", BAKERY_NUMBER, &["-d", "1000"])
        .finish()
        .await
        .assert_ok("carrier cancels and gets 487");
    busy.finish().await.assert_ok("Anna's phone rejects once");

    let call = env.ended_call(BAKERY_NUMBER).await;
    let results: Vec<_> = call["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["result"].clone())
        .collect();
    assert_eq!(results, ["rejected"], "{call}");
    assert_eq!(call["outcome"], "abandoned_queued", "{call}");
}
