//! Calls from the carrier answered by an operator's phone.

use crate::harness::{BAKERY_NUMBER, Env};

#[tokio::test]
async fn a_call_reaches_the_available_operator_and_is_recorded() {
    let env = Env::start().await;
    let anna = env.operator(1).await;
    let events = env.events(&env.admin).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    env.carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "1000"])
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
    assert!(call["answered_at"].is_string() && call["wait_ms"].as_i64().unwrap() >= 0);

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
}
