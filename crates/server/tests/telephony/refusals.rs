//! INVITEs that must not become calls: each is refused with the right status and leaves no
//! call record behind.

use centrale_testkit::{BAKERY_NUMBER, TestApp};

/// The carrier places one call that Centrale must refuse with `status`.
async fn refused(env: &TestApp, number: &str, status: u16, extra: &[&str]) {
    let code = status.to_string();
    let mut args = vec!["-set", "expected", code.as_str()];
    args.extend_from_slice(extra);
    env.carrier("carrier_expect_status.xml", number, &args)
        .finish()
        .await
        .assert_ok(&format!("carrier expects {status}"));
}

/// No call record anywhere: not in any client's call log, not in the bureau's statistics.
async fn assert_no_calls(env: &TestApp) {
    let calls = env.all_calls().await;
    assert!(
        calls.is_empty(),
        "refused INVITEs left call records: {calls:?}"
    );
    let stats = env
        .store
        .call_stats(chrono::DateTime::UNIX_EPOCH, 20_000)
        .await
        .expect("call statistics");
    assert_eq!(stats.offered, 0, "{stats:?}");
}

#[tokio::test]
async fn an_unknown_number_is_refused_with_404() {
    let env = TestApp::demo().await;
    refused(&env, "+31850000000", 404, &[]).await;
    assert_no_calls(&env).await;
}

#[tokio::test]
async fn a_suspended_clients_number_is_refused_with_480() {
    let env = TestApp::demo().await;
    let client = env.client_of_number(BAKERY_NUMBER).await;
    let id = client["id"].as_str().unwrap().to_owned();
    let mut draft = client.clone();
    let fields = draft.as_object_mut().unwrap();
    fields.remove("id");
    fields.remove("created_at");
    fields.insert("status".into(), "suspended".into());
    let updated = env.api.put(&format!("/api/v1/clients/{id}"), draft).await;
    assert_eq!(updated["status"], "suspended", "{updated:?}");

    refused(&env, BAKERY_NUMBER, 480, &[]).await;
    assert_no_calls(&env).await;
}

#[tokio::test]
async fn an_invite_from_outside_the_trunk_is_challenged_with_407() {
    let env = TestApp::demo().await;
    // 127.0.0.2 is loopback but not a trunk peer (trunks: 127.0.0.1/32 and ::1).
    refused(&env, BAKERY_NUMBER, 407, &["-i", "127.0.0.2"]).await;
    assert_no_calls(&env).await;
}

#[tokio::test]
async fn an_offer_without_a_common_codec_is_refused_with_488() {
    let env = TestApp::demo().await;
    env.carrier("carrier_no_common_codec.xml", BAKERY_NUMBER, &[])
        .finish()
        .await
        .assert_ok("carrier expects 488");
    assert_no_calls(&env).await;
}
