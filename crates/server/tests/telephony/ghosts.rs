//! Ghost calls: INVITEs from a trunk that are answered with early media but never send RTP
//! nor CANCEL. They must not hold the queue (or the media ports) in front of real callers:
//! while waiting, a caller that sends no RTP for the silence timeout is ended as failed by
//! the system, unless its offer has comfort noise (`CN`), which lets it fall silent; and caps
//! per trunk source and on the queue refuse the excess with 503 and Retry-After.

use super::raw_call::{RawCall, offer};
use centrale_testkit::{BAKERY_NUMBER, RawSip, TestApp, metric_in};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many ghosts the flood sends.
const GHOSTS: usize = 300;

/// The ghosts' trunk: a second carrier address, so the caps are counted apart from the real
/// caller's trunk (127.0.0.1).
const GHOST_TRUNK: &str = "127.0.0.2";

/// Waits (bounded by `limit`) until metric `name` is `value`; returns the last text read.
async fn wait_metric(env: &TestApp, name: &str, value: f64, limit: Duration) -> String {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let text = env.metrics().await;
        if metric_in(&text, name) == value || tokio::time::Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every response `sip` receives within `wait`, provisional ones included.
async fn responses(sip: &RawSip, wait: Duration) -> Vec<centrale_testkit::RawResponse> {
    let mut all = Vec::new();
    while let Some(response) = sip.response(wait, true).await {
        all.push(response);
    }
    all
}

#[tokio::test]
async fn ghost_calls_end_as_failed_and_do_not_keep_a_real_caller_from_being_answered() {
    let env = TestApp::builder()
        .demo()
        .settings(|s| {
            s.rtp_silence_secs = 3;
            s.sip_trunks.push(format!("{GHOST_TRUNK}/32"));
            // Room for every ghost: this test is about liveness, the caps have their own.
            s.max_calls_per_trunk = 1000;
            s.max_queue_length = 1000;
            // Enough ports for all of them, apart from other tests' default range.
            (s.rtp_port_min, s.rtp_port_max) = (30000, 31999);
        })
        .start()
        .await;
    let ghosts = Arc::new(RawSip::bind(GHOST_TRUNK, env.sip).await);
    // Read the ghosts' socket all along (hundreds of responses would overflow its buffer):
    // per Call-ID, the statuses heard.
    let heard: Arc<Mutex<HashMap<String, Vec<u16>>>> = Arc::default();
    let listener = tokio::spawn({
        let (ghosts, heard) = (ghosts.clone(), heard.clone());
        async move {
            while let Some(response) = ghosts.response(Duration::from_secs(60), true).await {
                if let Some(id) = response.headers("Call-ID").first() {
                    let mut heard = heard.lock().unwrap();
                    heard.entry(id.clone()).or_default().push(response.status);
                }
            }
        }
    });
    let mut calls = Vec::new();
    for _ in 0..GHOSTS {
        // Their SDP names a port nobody listens on; they never send a packet.
        calls.push(RawCall::invite(&ghosts, BAKERY_NUMBER, &offer(GHOST_TRUNK, 9, "")).await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Like any UA, a ghost retransmits its INVITE until it hears from us (UDP may drop some),
    // here until it is queued: its early media answer (183).
    for _ in 0..20 {
        let unheard: Vec<&RawCall> = {
            let heard = heard.lock().unwrap();
            calls
                .iter()
                .filter(|c| !heard.get(&c.call_id).is_some_and(|s| s.contains(&183)))
                .collect()
        };
        if unheard.is_empty() {
            break;
        }
        for call in unheard {
            call.retransmit(&ghosts).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let early =
        |heard: &HashMap<String, Vec<u16>>| heard.values().filter(|s| s.contains(&183)).count();
    assert_eq!(
        early(&heard.lock().unwrap()),
        GHOSTS,
        "every ghost is queued"
    );

    // A real caller behind them: its carrier suppresses silence (CN), so it sends no RTP
    // either while it waits, and must not be cut off for that.
    let carrier = RawSip::bind("127.0.0.1", env.sip).await;
    let media = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let media_port = media.local_addr().unwrap().port();
    let real = RawCall::invite(
        &carrier,
        BAKERY_NUMBER,
        &offer("127.0.0.1", media_port, "13"),
    )
    .await;

    // The ghosts end once the silence timeout has passed, all of them, as failed.
    let text = wait_metric(
        &env,
        r#"centrale_calls_total{outcome="failed"} "#,
        GHOSTS as f64,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(
        metric_in(&text, r#"centrale_calls_total{outcome="failed"} "#),
        GHOSTS as f64,
        "{text}"
    );
    assert_eq!(metric_in(&text, "centrale_queue_length "), 1.0, "{text}");
    let records = env.calls_of_number(BAKERY_NUMBER).await;
    let ghost_calls: Vec<_> = records
        .iter()
        .filter(|c| c["outcome"] == "failed")
        .collect();
    assert!(!ghost_calls.is_empty(), "{records:?}");
    for call in ghost_calls {
        assert_eq!(call["ended_by"], "system", "{call}");
    }
    // Each ghost was told: a final response to its INVITE (retransmitted until one arrives).
    let finals = |heard: &HashMap<String, Vec<u16>>| {
        heard
            .values()
            .filter(|s| s.iter().any(|&status| status >= 300))
            .count()
    };
    for _ in 0..100 {
        if finals(&heard.lock().unwrap()) == GHOSTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(finals(&heard.lock().unwrap()), GHOSTS);
    listener.abort();

    // The real caller, still waiting, is answered once an operator is free.
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    let ok = real
        .final_response(&carrier, Duration::from_secs(20))
        .await
        .expect("the real caller is answered");
    assert_eq!(ok.status, 200, "{}", ok.text);
    real.ack(&carrier, &ok).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    real.bye(&carrier, &ok).await;
    phone.finish().await.assert_ok("operator phone");
    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["ended_by"], "caller", "{call}");
}

#[tokio::test]
async fn beyond_the_trunk_and_queue_caps_an_invite_gets_503_with_retry_after() {
    let env = TestApp::builder()
        .demo()
        .settings(|s| {
            s.sip_trunks.push(format!("{GHOST_TRUNK}/32"));
            s.max_calls_per_trunk = 5;
            s.max_queue_length = 8;
        })
        .start()
        .await;
    // Ten calls from one trunk: five are taken, five refused for the trunk's cap.
    let ghosts = RawSip::bind(GHOST_TRUNK, env.sip).await;
    for _ in 0..10 {
        RawCall::invite(&ghosts, BAKERY_NUMBER, &offer(GHOST_TRUNK, 9, "")).await;
    }
    let by_call = statuses(&responses(&ghosts, Duration::from_secs(2)).await);
    assert_eq!(by_call.len(), 10, "{by_call:?}");
    assert_eq!(count(&by_call, 183), 5, "{by_call:?}");
    assert_eq!(count(&by_call, 503), 5, "{by_call:?}");
    // Five from the other trunk: three fill the queue to eight, two find it full.
    let carrier = RawSip::bind("127.0.0.1", env.sip).await;
    for _ in 0..5 {
        RawCall::invite(&carrier, BAKERY_NUMBER, &offer("127.0.0.1", 9, "")).await;
    }
    let responses = responses(&carrier, Duration::from_secs(2)).await;
    let by_call = statuses(&responses);
    assert_eq!(count(&by_call, 183), 3, "{by_call:?}");
    assert_eq!(count(&by_call, 503), 2, "{by_call:?}");
    for refusal in responses.iter().filter(|r| r.status == 503) {
        let retry = refusal.headers("Retry-After");
        assert!(
            retry.first().is_some_and(|v| v.parse::<u32>().is_ok()),
            "{}",
            refusal.text
        );
    }
}

/// Per Call-ID, the statuses received (in order).
fn statuses(responses: &[centrale_testkit::RawResponse]) -> HashMap<String, Vec<u16>> {
    let mut by_call: HashMap<String, Vec<u16>> = HashMap::new();
    for response in responses {
        if let Some(id) = response.headers("Call-ID").first() {
            by_call.entry(id.clone()).or_default().push(response.status);
        }
    }
    by_call
}

/// How many calls received `status`.
fn count(by_call: &HashMap<String, Vec<u16>>, status: u16) -> usize {
    by_call.values().filter(|s| s.contains(&status)).count()
}
