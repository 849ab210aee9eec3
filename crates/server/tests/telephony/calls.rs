//! Calls from the carrier answered by an operator's phone: who called, which number they
//! dialled, what the operator's screen shows, and who hung up.

use centrale_testkit::{BAKERY_NUMBER, Events, TestApp, VAN_DIJK_NUMBER};
use serde_json::Value;

#[tokio::test]
async fn a_call_reaches_the_available_operator_and_is_recorded() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    // The phone rings for a second before it answers; the caller then talks for four.
    let phone = env.phone(&anna, "operator_answer.xml", 1, &["-d", "1000"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "4000"])
        .finish()
        .await
        .assert_ok("carrier call");
    phone.finish().await.assert_ok("operator phone");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["ended_by"], "caller");
    assert_eq!(call["dialled"], BAKERY_NUMBER);
    assert_eq!(call["caller"]["number"], "+31612345678");
    assert_eq!(call["offers"].as_array().unwrap().len(), 1);
    assert_eq!(call["offers"][0]["result"], "answered");
    assert!(call["answered_at"].is_string(), "{call}");
    // The caller waited for the ring, not for the conversation.
    let waited = call["wait_ms"].as_i64().unwrap();
    assert!((1000..4000).contains(&waited), "wait_ms {waited}: {call}");

    let call_id = call["id"].as_str().unwrap();
    events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(
        events.types_for_call(call_id),
        ["call.queued", "call.offered", "call.answered", "call.ended"]
    );
    let offered = events
        .wait_for("call.offered", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(offered["pop"]["client_name"], "Bakkerij De Gouden Korst");
    assert_eq!(offered["pop"]["dialled_label"], "Hoofdnummer");
    assert_eq!(offered["pop"]["instructions_kind"], "standard");
    // Waiting is arrival → answer, in the answered and the ended event alike.
    let answered = events
        .wait_for("call.answered", |e| e["call_id"] == call_id)
        .await;
    let ended = events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    let answered_wait = answered["wait_ms"].as_i64().unwrap();
    assert!((1000..4000).contains(&answered_wait), "{answered}");
    assert_eq!(ended["wait_ms"], answered["wait_ms"], "{ended}");

    // The metrics count it.
    let metrics = env.metrics().await;
    assert!(
        metrics.contains(r#"centrale_calls_total{outcome="answered"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"centrale_sip_requests_total{method="INVITE"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("centrale_call_waiting_seconds_count 1"),
        "{metrics}"
    );
    let waiting_sum: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("centrale_call_waiting_seconds_sum "))
        .expect("the waiting histogram's sum")
        .parse()
        .unwrap();
    assert!((1.0..4.0).contains(&waiting_sum), "{metrics}");
}

#[tokio::test]
async fn a_call_without_media_either_way_is_ended_as_dead() {
    // Neither SIPp side sends RTP: after the silence timeout Centrale ends both legs itself.
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.rtp_silence_secs = 2)
        .start()
        .await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    // The caller waits for Centrale's BYE (and answers it); so does the operator's phone.
    env.carrier("carrier_call_operator_hangs_up.xml", BAKERY_NUMBER, &[])
        .finish()
        .await
        .assert_ok("carrier gets a BYE");
    phone.finish().await.assert_ok("operator phone gets a BYE");
    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["ended_by"], "system");
}

/// What one call answered by Anna left behind.
struct Answered {
    call: Value,
    offered: Value,
    events: Events,
}

/// Anna's SIPp phone answers one call the carrier places with `scenario` to `number`; both
/// SIPp runs must pass. Returns the ended call record and its `call.offered` event.
async fn answered_by_anna(env: &TestApp, scenario: &str, number: &str, extra: &[&str]) -> Answered {
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let mut args = vec!["-d", "500"];
    args.extend_from_slice(extra);
    env.carrier(scenario, number, &args)
        .finish()
        .await
        .assert_ok(scenario);
    phone.finish().await.assert_ok("operator phone");

    let call = env.ended_call(number).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["ended_by"], "caller", "{call}");
    assert_eq!(call["operator_id"], env.staff_id(&anna).await);
    let call_id = call["id"].as_str().unwrap().to_owned();
    events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(
        events.types_for_call(&call_id),
        ["call.queued", "call.offered", "call.answered", "call.ended"]
    );
    let offered = events
        .wait_for("call.offered", |e| e["call_id"] == call_id)
        .await;
    Answered {
        call,
        offered,
        events,
    }
}

#[tokio::test]
async fn a_diversion_header_names_the_number_the_caller_dialled() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(
        &env,
        "carrier_call_diversion.xml",
        BAKERY_NUMBER,
        &["-set", "diverted", "+31201234567"],
    )
    .await;
    assert_eq!(done.call["original"], "+31201234567");
    assert_eq!(done.call["dialled"], BAKERY_NUMBER);
    assert_eq!(done.offered["pop"]["original"], "+31201234567");
    assert_eq!(done.offered["pop"]["dialled"], BAKERY_NUMBER);
}

#[tokio::test]
async fn history_info_names_the_number_the_caller_dialled() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(
        &env,
        "carrier_call_history_info.xml",
        BAKERY_NUMBER,
        &["-set", "diverted", "+31201234567"],
    )
    .await;
    assert_eq!(done.call["original"], "+31201234567");
    assert_eq!(done.offered["pop"]["original"], "+31201234567");
}

#[tokio::test]
async fn a_plain_call_has_no_original_number() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(&env, "carrier_call.xml", BAKERY_NUMBER, &[]).await;
    assert!(done.call["original"].is_null(), "{}", done.call);
    assert!(done.offered["pop"]["original"].is_null());
}

#[tokio::test]
async fn p_asserted_identity_gives_the_callers_number_and_name() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(
        &env,
        "carrier_call_pai.xml",
        BAKERY_NUMBER,
        &["-set", "caller", "+31687654001"],
    )
    .await;
    assert_eq!(done.call["caller"]["number"], "+31687654001");
    assert_eq!(done.call["caller"]["name"], "Jan Jansen");
    let pop = &done.offered["pop"];
    assert_eq!(pop["caller"]["number"], "+31687654001");
    assert_eq!(pop["caller"]["name"], "Jan Jansen");
    // The bakery knows this number: the pop shows the contact.
    assert_eq!(pop["contact"]["name"], "Hotel Amstelzicht");
}

#[tokio::test]
async fn an_anonymous_caller_is_answered_without_a_number() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(&env, "carrier_call_anonymous.xml", BAKERY_NUMBER, &[]).await;
    assert!(done.call["caller"]["number"].is_null(), "{}", done.call);
    let pop = &done.offered["pop"];
    assert!(pop["caller"]["number"].is_null(), "{pop}");
    assert!(pop["contact"].is_null());
}

#[tokio::test]
async fn a_known_callers_earlier_notes_follow_the_pop() {
    let env = TestApp::demo().await;
    let bakery = env.client_of_number(BAKERY_NUMBER).await;
    let bakery = bakery["id"].as_str().unwrap();
    let earlier = serde_json::json!({
        "caller_name": "Jan Jansen",
        "caller_phone": "+31612345678",
        "message": "Bestelling van 40 krentenbollen gaat niet door",
    });
    let saved = env.api.post_note(bakery, "earlier", earlier).await;
    assert!(saved.status.is_success(), "{saved:?}");

    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await
        .assert_ok("carrier call");
    phone.finish().await.assert_ok("operator phone");

    let offered = events.wait_for("call.offered", |_| true).await;
    let call_id = offered["call_id"].clone();
    let history = events
        .wait_for("call.caller_history", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(history["operator_id"], offered["operator_id"]);
    let notes = history["last_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{history}");
    assert_eq!(
        notes[0]["message"],
        "Bestelling van 40 krentenbollen gaat niet door"
    );
}

#[tokio::test]
async fn a_late_offer_is_answered_end_to_end() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(&env, "carrier_call_late_offer.xml", BAKERY_NUMBER, &[]).await;
    assert_eq!(done.call["caller"]["number"], "+31612345678");
    assert_eq!(done.call["offers"][0]["result"], "answered");
}

/// RFC 3262: a carrier requiring 100rel PRACKs our reliable 183 and is answered.
#[tokio::test]
async fn a_carrier_requiring_reliable_provisionals_is_answered_end_to_end() {
    let env = TestApp::demo().await;
    answered_by_anna(&env, "carrier_call_100rel.xml", BAKERY_NUMBER, &[]).await;
}

/// The carrier's leg over TCP (SIPp `-t t1`: one connection for the call).
#[tokio::test]
async fn a_carrier_call_over_tcp_is_answered_end_to_end() {
    let env = TestApp::demo().await;
    let done = answered_by_anna(&env, "carrier_call.xml", BAKERY_NUMBER, &["-t", "t1"]).await;
    assert_eq!(done.call["caller"]["number"], "+31612345678");
}

#[tokio::test]
async fn the_operator_hangs_up() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_hangup.xml", 1, &["-d", "500"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    // The carrier waits for Centrale's BYE and answers it.
    env.carrier("carrier_call_operator_hangs_up.xml", BAKERY_NUMBER, &[])
        .finish()
        .await
        .assert_ok("carrier receives the BYE");
    phone.finish().await.assert_ok("operator phone hangs up");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["ended_by"], "operator");
    assert_eq!(call["operator_id"], env.staff_id(&anna).await);
    let call_id = call["id"].as_str().unwrap();
    let ended = events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(ended["ended_by"], "operator");
    assert_eq!(ended["outcome"], "answered");
}

#[tokio::test]
async fn every_spelling_of_the_forwarding_number_reaches_the_client() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let spellings = ["+31852001001", "0031852001001", "31852001001", "0852001001"];
    let phone = env.phone(&anna, "operator_answer.xml", spellings.len() as u32, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    for (done, spelling) in spellings.iter().enumerate() {
        env.carrier("carrier_call.xml", spelling, &["-d", "200"])
            .finish()
            .await
            .assert_ok(&format!("carrier call to {spelling}"));
        // Each call ends before the next starts (and Anna's wrap-up ends by itself).
        for _ in 0..100 {
            let calls = env.calls_of_number(BAKERY_NUMBER).await;
            if calls.len() == done + 1 && calls.iter().all(|c| !c["outcome"].is_null()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    phone.finish().await.assert_ok("operator phone, four calls");

    let calls = env.calls_of_number(BAKERY_NUMBER).await;
    assert_eq!(calls.len(), spellings.len(), "{calls:?}");
    for call in &calls {
        assert_eq!(call["dialled"], BAKERY_NUMBER, "{call}");
        assert_eq!(call["outcome"], "answered", "{call}");
    }
}

#[tokio::test]
async fn the_screen_pop_shows_temporary_instructions_to_the_offered_operator_only() {
    let env = TestApp::demo().await;
    let bram = env.operator(2).await;
    let brams_events = env.api.events(&bram.token).await;
    let anna = env.operator(1).await;
    let annas_events = env.api.events(&anna.token).await;
    // Bram stays paused: the call can only go to Anna.
    let done = answered_by_anna(&env, "carrier_call.xml", VAN_DIJK_NUMBER, &[]).await;
    let call_id = done.call["id"].as_str().unwrap();

    let pop = &done.offered["pop"];
    assert_eq!(pop["client_name"], "Van Dijk Installatietechniek");
    assert_eq!(pop["instructions_kind"], "temporary");
    assert_eq!(
        pop["greeting"],
        "Van Dijk Installatietechniek, vakantiedienst, goedendag!"
    );
    assert_eq!(pop["dialled_label"], "Storingslijn");
    assert_eq!(done.offered["operator_id"], env.staff_id(&anna).await);

    // Anna sees her own pop.
    let own = annas_events
        .wait_for("call.offered", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(own["pop"]["instructions_kind"], "temporary");
    // Bram sees the call come and go, but not Anna's screen pop.
    brams_events
        .wait_for("call.ended", |e| e["call_id"] == call_id)
        .await;
    let seen = brams_events.types_for_call(call_id);
    assert_eq!(seen, ["call.queued", "call.answered", "call.ended"]);
    assert!(
        brams_events
            .all()
            .iter()
            .all(|e| e["type"] != "call.offered"),
        "Bram received a call.offered"
    );
    // The admin's stream (from answered_by_anna) had it.
    assert_eq!(
        done.events.types_for_call(call_id),
        ["call.queued", "call.offered", "call.answered", "call.ended"]
    );
}
