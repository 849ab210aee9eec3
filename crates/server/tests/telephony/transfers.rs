//! Putting callers through (blind transfers) against SIPp as the carrier, Anna's phone and
//! the outbound gateway: what leaves Centrale (and what never does), what the caller and
//! Anna get, and what the call record and the usage say.
//!
//! The gateway SIPp takes exactly one INVITE and checks its Request-URI and From: every
//! refused order comes before the allowed one, so an INVITE caused by a refused order would
//! fail the gateway's run (wrong Request-URI) or leave the allowed one unanswered.

use centrale_testkit::{BAKERY_NUMBER, Events, Operator, Reply, Sipp, TestApp, free_port};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Centrale with the demo data and its outbound gateway on 127.0.0.1:`port`.
async fn bureau_with_gateway(
    port: u16,
    adjust: impl FnOnce(&mut centrale_server::Settings),
) -> TestApp {
    TestApp::builder()
        .demo()
        .settings(|settings| {
            settings.sip_outbound_uri = format!("sip:127.0.0.1:{port}");
            adjust(settings);
        })
        .start()
        .await
}

/// The gateway on `port`, with Piet Bakker's mobile behind it answering the bakery's call.
fn piet_answers(env: &TestApp, port: u16) -> Sipp {
    env.gateway(
        "gateway_answer.xml",
        port,
        &["-set", "to", "+31612345001", "-set", "from", BAKERY_NUMBER],
    )
}

/// `operator`'s order to put `call` through to `to`.
async fn transfer(env: &TestApp, operator: &str, call: &str, to: &str) -> Reply {
    env.api
        .call(
            Method::POST,
            &format!("/api/v1/calls/{call}/transfer"),
            Some(operator),
            Some(json!({"to": to, "mode": "blind"})),
        )
        .await
}

/// Anna's phone answers the carrier's call to the bakery, which talks for `talk_ms` after the
/// answer; returns the running SIPp runs and the answered call's id.
struct Talking {
    anna: Operator,
    events: Events,
    call_id: String,
    carrier: Sipp,
    phone: Sipp,
}

async fn anna_talks(env: &TestApp, phone_calls: u32, talk_ms: u32) -> Talking {
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", phone_calls, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    let carrier = env.carrier(
        "carrier_call.xml",
        BAKERY_NUMBER,
        &["-d", &talk_ms.to_string()],
    );
    let answered = events.wait_for("call.answered", |_| true).await;
    let call_id = answered["call_id"].as_str().unwrap().to_owned();
    Talking {
        anna,
        events,
        call_id,
        carrier,
        phone,
    }
}

async fn usage_of_bakery(env: &TestApp) -> Vec<Value> {
    let bakery = env.client_of_number(BAKERY_NUMBER).await;
    let id = bakery["id"].as_str().unwrap();
    let usage = env
        .api
        .get(&format!(
            "/api/v1/clients/{id}/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    usage.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn refused_destinations_send_nothing_and_a_mobile_is_put_through_and_billed() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = piet_answers(&env, port);
    let talking = anna_talks(&env, 1, 8000).await;
    let (anna, call) = (&talking.anna.token, talking.call_id.as_str());

    let refused = [
        ("0900 1234567", "premium-rate"),
        ("+32 2 555 12 12", "abroad"),
        ("112", "short codes"),
        // Els Meel's landline: she is not reachable for transfers.
        ("020 1234001", "not one of the client's numbers"),
        ("020 7654321", "not one of the client's numbers"),
        ("hello", "not a phone number"),
    ];
    for (to, why) in refused {
        let reply = transfer(&env, anna, call, to).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{to}: {}",
            reply.body
        );
        assert_eq!(reply.field(), "to");
        let message = reply["error"].as_str().unwrap();
        assert!(message.contains(why), "{to}: {message}");
    }
    // Only the operator on the call may; an unknown call is not found; a mode Centrale does
    // not offer is refused before anything else.
    let bert = env.operator(2).await;
    let not_hers = transfer(&env, &bert.token, call, "06 12345001").await;
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN, "{}", not_hers.body);
    let unknown = "00000000-0000-0000-0000-000000000000";
    let nowhere = transfer(&env, anna, unknown, "06 12345001").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND, "{}", nowhere.body);
    let consult = env
        .api
        .call(
            Method::POST,
            &format!("/api/v1/calls/{call}/transfer"),
            Some(anna),
            Some(json!({"to": "06 12345001", "mode": "telepathy"})),
        )
        .await;
    assert_eq!(consult.status, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = env
        .api
        .call(
            Method::POST,
            &format!("/api/v1/calls/{call}/transfer"),
            None,
            Some(json!({"to": "06 12345001", "mode": "blind"})),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Piet Bakker's mobile, as Anna types it.
    let started = transfer(&env, anna, call, "06 12345001").await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    assert_eq!(started["to"]["number"], "+31612345001");
    assert_eq!(started["to"]["line"], "mobile");
    assert_eq!(started["to"]["name"], "Piet Bakker");
    let connected = talking
        .events
        .wait_for("call.transfer", |e| {
            e["call_id"] == call && !e["result"].is_null()
        })
        .await;
    assert_eq!(connected["result"], "connected", "{connected}");
    assert_eq!(connected["to"]["number"], "+31612345001");
    // Anna is free once Piet answered, while the caller still talks to him.
    let anna_id = env.staff_id(&talking.anna).await;
    talking
        .events
        .wait_for("operator.state", |e| {
            e["operator_id"] == anna_id.as_str() && e["state"] == "wrap_up"
        })
        .await;
    assert!(talking.events.types_for_call(call).ends_with(&[
        "call.answered".to_owned(),
        "call.transfer".to_owned(),
        "call.transfer".to_owned()
    ]));

    // The caller hangs up on Piet: Centrale's BYE reaches the gateway.
    talking.carrier.finish().await.assert_ok("the caller");
    gateway
        .finish()
        .await
        .assert_ok("the gateway, Piet answering");
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone, let go");

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["operator_id"], anna_id.as_str());
    let transfers = record["transfers"].as_array().unwrap();
    assert_eq!(
        transfers.len(),
        1,
        "only the allowed order left Centrale: {record}"
    );
    assert_eq!(transfers[0]["number"], "+31612345001");
    assert_eq!(transfers[0]["result"], "connected");
    assert_eq!(transfers[0]["price_cents"], 150);
    assert_eq!(transfers[0]["operator_id"], anna_id.as_str());

    let usage = usage_of_bakery(&env).await;
    assert_eq!(usage.len(), 1, "{usage:?}");
    assert_eq!(usage[0]["call_id"], call);
    assert_eq!(usage[0]["line"], "mobile");
    assert_eq!(usage[0]["price_cents"], 150);

    // The call is over: nothing more can be sent for it.
    let after = transfer(&env, anna, call, "06 12345001").await;
    assert_eq!(after.status, StatusCode::NOT_FOUND, "{}", after.body);
}

#[tokio::test]
async fn a_busy_destination_rings_the_same_operator_again() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = env.gateway("operator_reject_486.xml", port, &["-s", "+31612345001"]);
    // Anna's phone takes the call, and the caller back when Piet is busy.
    let talking = anna_talks(&env, 2, 6000).await;
    let call = talking.call_id.as_str();
    let started = transfer(&env, &talking.anna.token, call, "+31612345001").await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let busy = talking
        .events
        .wait_for("call.transfer", |e| {
            e["call_id"] == call && e["result"] == "busy"
        })
        .await;
    assert_eq!(busy["to"]["name"], "Piet Bakker");
    gateway.finish().await.assert_ok("the gateway, Piet busy");
    talking.carrier.finish().await.assert_ok("the caller");
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone, rung twice");

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    // Never back in the queue: one offer, Anna's, and she had the caller back.
    assert_eq!(record["offers"].as_array().unwrap().len(), 1, "{record}");
    assert_eq!(record["transfers"][0]["result"], "busy");
    assert!(record["transfers"][0]["price_cents"].is_null());
    assert!(usage_of_bakery(&env).await.is_empty());
}

#[tokio::test]
async fn a_gateway_that_challenges_gets_the_credentials_and_a_fixed_line_is_billed_as_fixed() {
    let port = free_port();
    let env = bureau_with_gateway(port, |settings| {
        settings.sip_outbound_username = "centrale".into();
        settings.sip_outbound_password = "gateway-secret".into();
        // Anna takes the second call soon after the first was put through.
        settings.wrap_up_secs = 1;
    })
    .await;
    // Els Meel becomes reachable on her landline: the next call's screen shows her so.
    let bakery = env.client_of_number(BAKERY_NUMBER).await;
    let bakery_id = bakery["id"].as_str().unwrap();
    let employees = env
        .api
        .get(&format!("/api/v1/clients/{bakery_id}/employees"))
        .await;
    let els = employees
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Els Meel")
        .expect("Els in the demo")
        .clone();
    let mut draft = els.clone();
    for read_only in ["id", "client_id"] {
        draft.as_object_mut().unwrap().remove(read_only);
    }
    draft["reachable"] = json!(true);
    let updated = env
        .api
        .put(
            &format!(
                "/api/v1/clients/{bakery_id}/employees/{}",
                els["id"].as_str().unwrap()
            ),
            draft,
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);

    // One call answered each way: a 407 (a proxy's challenge) and a 401.
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", 2, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    for challenge in ["407", "401"] {
        let gateway = env.gateway(
            "gateway_answer.xml",
            port,
            &[
                "-set",
                "to",
                "+31201234001",
                "-set",
                "from",
                BAKERY_NUMBER,
                "-set",
                "challenge",
                challenge,
            ],
        );
        let carrier = env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "4000"]);
        let answered = events
            .wait_for("call.answered", |e| {
                events.types_for_call(e["call_id"].as_str().unwrap()).len() == 3
            })
            .await;
        let call = answered["call_id"].as_str().unwrap();
        let started = transfer(&env, &anna.token, call, "020 123 4001").await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
        assert_eq!(started["to"]["line"], "fixed");
        let ended = events
            .wait_for("call.transfer", |e| {
                e["call_id"] == call && !e["result"].is_null()
            })
            .await;
        assert_eq!(ended["result"], "connected", "after a {challenge}: {ended}");
        carrier.finish().await.assert_ok("the caller");
        gateway.finish().await.assert_ok(challenge);
    }
    phone.finish().await.assert_ok("Anna's phone");

    let usage = usage_of_bakery(&env).await;
    assert_eq!(usage.len(), 2, "{usage:?}");
    for event in usage {
        assert_eq!(event["number"], "+31201234001");
        assert_eq!(event["line"], "fixed");
        assert_eq!(event["price_cents"], 100);
    }
}

/// `operator`'s ruggespraak order on `call`: `complete` or `return`.
async fn consult_step(env: &TestApp, operator: &str, call: &str, step: &str) -> Reply {
    env.api
        .call(
            Method::POST,
            &format!("/api/v1/calls/{call}/transfer/{step}"),
            Some(operator),
            None,
        )
        .await
}

/// Starts Anna's ruggespraak with Piet's mobile and waits until Piet talks with her.
async fn consulting_piet(env: &TestApp, talking: &Talking) {
    let call = talking.call_id.as_str();
    let started = env
        .api
        .call(
            Method::POST,
            &format!("/api/v1/calls/{call}/transfer"),
            Some(&talking.anna.token),
            Some(json!({"to": "06 12345001", "mode": "consult"})),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let consulting = talking
        .events
        .wait_for("call.transfer", |e| {
            e["call_id"] == call && e["consulting"] == true
        })
        .await;
    assert_eq!(consulting["mode"], "consult");
    assert_eq!(consulting["to"]["name"], "Piet Bakker");
}

/// The transfer's last event, once it has a result.
async fn transfer_result(talking: &Talking) -> Value {
    let call = talking.call_id.as_str();
    talking
        .events
        .wait_for("call.transfer", |e| {
            e["call_id"] == call && !e["result"].is_null()
        })
        .await
}

#[tokio::test]
async fn a_ruggespraak_completed_puts_the_caller_through_and_frees_the_operator() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = piet_answers(&env, port);
    let talking = anna_talks(&env, 1, 6000).await;
    let call = talking.call_id.as_str();
    consulting_piet(&env, &talking).await;
    // Not hers to complete; then hers.
    let bert = env.operator(2).await;
    let refused = consult_step(&env, &bert.token, call, "complete").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let done = consult_step(&env, &talking.anna.token, call, "complete").await;
    assert_eq!(done.status, StatusCode::ACCEPTED, "{}", done.body);
    assert_eq!(transfer_result(&talking).await["result"], "connected");
    // Her phone is let go at once; the caller talks with Piet until hanging up.
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone, let go");
    talking.carrier.finish().await.assert_ok("the caller");
    gateway.finish().await.assert_ok("the gateway, Piet");

    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["transfers"][0]["mode"], "consult");
    assert_eq!(record["transfers"][0]["result"], "connected");
    assert_eq!(record["transfers"][0]["price_cents"], 150);
    // The caller's wait during the ruggespraak is a hold.
    assert_eq!(record["holds"], 1, "{record}");
    assert_eq!(usage_of_bakery(&env).await.len(), 1);
    // Nothing left to complete.
    let again = consult_step(&env, &talking.anna.token, call, "complete").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ruggespraak_returned_from_gives_the_operator_the_caller_back_unbilled() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = piet_answers(&env, port);
    let talking = anna_talks(&env, 1, 6000).await;
    let call = talking.call_id.as_str();
    // Completing or returning before a ruggespraak is a conflict.
    let early = consult_step(&env, &talking.anna.token, call, "return").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    consulting_piet(&env, &talking).await;
    let back = consult_step(&env, &talking.anna.token, call, "return").await;
    assert_eq!(back.status, StatusCode::ACCEPTED, "{}", back.body);
    assert_eq!(transfer_result(&talking).await["result"], "returned");
    // Piet's leg is hung up; Anna talks with the caller until the caller hangs up.
    gateway
        .finish()
        .await
        .assert_ok("the gateway, Piet hung up on");
    talking.carrier.finish().await.assert_ok("the caller");
    talking.phone.finish().await.assert_ok("Anna's phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["transfers"][0]["result"], "returned");
    assert!(record["transfers"][0]["price_cents"].is_null());
    assert!(usage_of_bakery(&env).await.is_empty());
}

#[tokio::test]
async fn the_consulted_hanging_up_gives_the_operator_the_caller_back() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = env.gateway(
        "gateway_answer_hang_up.xml",
        port,
        &["-set", "to", "+31612345001", "-d", "1000"],
    );
    let talking = anna_talks(&env, 1, 6000).await;
    consulting_piet(&env, &talking).await;
    assert_eq!(
        transfer_result(&talking).await["result"],
        "destination_hung_up"
    );
    gateway
        .finish()
        .await
        .assert_ok("the gateway, Piet hanging up");
    talking.carrier.finish().await.assert_ok("the caller");
    talking.phone.finish().await.assert_ok("Anna's phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert!(usage_of_bakery(&env).await.is_empty());
}

#[tokio::test]
async fn the_operator_hanging_up_during_a_ruggespraak_completes_it() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = piet_answers(&env, port);
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    // Her phone answers and hangs up after 2 s: during the ruggespraak.
    let phone = env.phone(&anna, "operator_hangup.xml", 1, &["-d", "2000"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    let carrier = env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "6000"]);
    let answered = events.wait_for("call.answered", |_| true).await;
    let talking = Talking {
        anna,
        events,
        call_id: answered["call_id"].as_str().unwrap().to_owned(),
        carrier,
        phone,
    };
    consulting_piet(&env, &talking).await;
    assert_eq!(transfer_result(&talking).await["result"], "connected");
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone, hanging up");
    talking
        .carrier
        .finish()
        .await
        .assert_ok("the caller, talking with Piet");
    gateway.finish().await.assert_ok("the gateway, Piet");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["transfers"][0]["price_cents"], 150);
}

#[tokio::test]
async fn the_caller_hanging_up_during_a_ruggespraak_leaves_the_operator_with_the_consulted() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    // Piet hangs up 4 s after answering: after the caller (2 s after the answer).
    let gateway = env.gateway(
        "gateway_answer_hang_up.xml",
        port,
        &["-set", "to", "+31612345001", "-d", "4000"],
    );
    let talking = anna_talks(&env, 1, 2000).await;
    consulting_piet(&env, &talking).await;
    assert_eq!(transfer_result(&talking).await["result"], "caller_left");
    talking
        .carrier
        .finish()
        .await
        .assert_ok("the caller, hanging up");
    // Anna and Piet talk on; when Piet hangs up, Centrale hangs up Anna's phone.
    gateway
        .finish()
        .await
        .assert_ok("the gateway, Piet hanging up");
    talking.phone.finish().await.assert_ok("Anna's phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "destination", "{record}");
    assert_eq!(record["transfers"][0]["result"], "caller_left");
    assert!(usage_of_bakery(&env).await.is_empty());
}

/// Anna's desk phone answers and, half a second later, REFERs the call to `refer_to`.
async fn anna_refers(env: &TestApp, refer_to: &str) -> Talking {
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(
        &anna,
        "operator_refer.xml",
        1,
        &["-set", "refer_to", refer_to, "-d", "500"],
    );
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    // The carrier's scenario fails on any request but its own BYE's answer: a REFER passed
    // on to it would fail the run.
    let carrier = env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "5000"]);
    let answered = events.wait_for("call.answered", |_| true).await;
    Talking {
        anna,
        events,
        call_id: answered["call_id"].as_str().unwrap().to_owned(),
        carrier,
        phone,
    }
}

#[tokio::test]
async fn a_desk_phones_refer_is_carried_out_by_centrale_as_a_blind_transfer() {
    let port = free_port();
    let env = bureau_with_gateway(port, |_| {}).await;
    let gateway = piet_answers(&env, port);
    let talking = anna_refers(&env, "0612345001").await;
    let ended = transfer_result(&talking).await;
    assert_eq!(ended["result"], "connected", "{ended}");
    assert_eq!(ended["mode"], "blind");
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone: 202, NOTIFY 100 and 200, BYE");
    talking
        .carrier
        .finish()
        .await
        .assert_ok("the caller, no REFER");
    gateway.finish().await.assert_ok("the gateway, Piet");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["transfers"][0]["number"], "+31612345001", "{record}");
    assert_eq!(record["transfers"][0]["price_cents"], 150);
}

#[tokio::test]
async fn a_desk_phones_refer_to_a_premium_number_is_refused_and_the_call_goes_on() {
    let port = free_port();
    // No gateway listens: an INVITE sent there would find nobody, and the record shows
    // every outbound leg.
    let env = bureau_with_gateway(port, |_| {}).await;
    let talking = anna_refers(&env, "09001234567").await;
    talking
        .phone
        .finish()
        .await
        .assert_ok("Anna's phone: 403, then the caller's end");
    talking.carrier.finish().await.assert_ok("the caller");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["transfers"].as_array().unwrap().len(), 0, "{record}");
    assert!(
        talking
            .events
            .types_for_call(&talking.call_id)
            .iter()
            .all(|t| t != "call.transfer")
    );
}

#[tokio::test]
async fn the_operator_holds_her_caller_from_the_console_and_resumes() {
    let env = TestApp::demo().await;
    let talking = anna_talks(&env, 1, 4000).await;
    let call = talking.call_id.as_str();
    let hold = |token: String, held: bool| {
        let env = &env;
        async move {
            env.api
                .call(
                    Method::PUT,
                    &format!("/api/v1/calls/{call}/hold"),
                    Some(&token),
                    Some(json!({"held": held})),
                )
                .await
        }
    };
    let bert = env.operator(2).await;
    assert_eq!(hold(bert.token, true).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        hold(talking.anna.token.clone(), true).await.status,
        StatusCode::NO_CONTENT
    );
    let held = talking
        .events
        .wait_for("call.held", |e| e["call_id"] == call)
        .await;
    assert_eq!(held["by"], "operator");
    assert_eq!(
        hold(talking.anna.token.clone(), false).await.status,
        StatusCode::NO_CONTENT
    );
    talking
        .events
        .wait_for("call.resumed", |e| e["call_id"] == call)
        .await;
    talking.carrier.finish().await.assert_ok("the caller");
    talking.phone.finish().await.assert_ok("Anna's phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["holds"], 1, "{record}");
    // The call is over: nothing to hold.
    let after = hold(talking.anna.token.clone(), true).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
}
