//! Benchmark: INVITE arriving at Centrale → screen pop painted in the operator's browser.
//!
//! Runs 100 calls (`POP_CALLS` to change) from SIPp as the carrier to a registered SIPp phone of
//! a logged-in operator whose console is open in headless Chromium, and prints p50/p99 of
//! (pop painted, from the page's clock) − (INVITE arrival, from the call record). Both clocks are
//! this machine's. Run: `cargo bench -p centrale-server --bench screen_pop`.

use centrale_testkit::{Chrome, TestApp, VAN_DIJK_NUMBER};
use std::time::Duration;

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` (which passes
    // --bench) should place a hundred calls.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let calls: usize = std::env::var("POP_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let env = TestApp::builder()
        .demo()
        .settings(|s| s.wrap_up_secs = 0)
        .start()
        .await;
    let anna = env.operator(1).await;
    let chrome = Chrome::start().await;
    chrome
        .login(env.base(), "anna@demo.centrale.test", "demo-anna-2026")
        .await;
    chrome.text_when("my-state", |t| !t.is_empty()).await;
    let phone = env.phone(
        &anna,
        "operator_answer.xml",
        u32::try_from(calls).unwrap_or(u32::MAX),
        &["-d", "100"],
    );
    env.wait_registered(&anna, true).await;

    let mut latencies = Vec::with_capacity(calls);
    for _ in 0..calls {
        env.set_state(&anna, "available").await;
        env.carrier("carrier_call.xml", VAN_DIJK_NUMBER, &["-d", "100"])
            .finish()
            .await
            .assert_ok("carrier call");
        let call = env.ended_call(VAN_DIJK_NUMBER).await;
        let call_id = call["id"].as_str().unwrap_or_default().to_owned();
        let arrived =
            chrono::DateTime::parse_from_rfc3339(call["arrived_at"].as_str().unwrap_or_default())
                .expect("arrival time")
                .timestamp_millis();
        let shown = pop_shown_at(&chrome, &call_id).await;
        latencies.push(shown - arrived);
        // Let wrap-up (0 s) and the state event settle before the next call.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    phone.finish().await.assert_ok("operator phone");
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "screen pop: INVITE arrival → pop painted over {} calls: p50 {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// The page's own record of when it painted the pop for `call_id`.
async fn pop_shown_at(chrome: &Chrome, call_id: &str) -> i64 {
    for _ in 0..100 {
        let value = chrome
            .client
            .execute(
                "return [document.body.dataset.popCall, document.body.dataset.popShownAt];",
                vec![],
            )
            .await
            .expect("script runs");
        if value[0] == call_id
            && let Some(at) = value[1].as_str().and_then(|v| v.parse().ok())
        {
            return at;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pop for {call_id} was never painted");
}
