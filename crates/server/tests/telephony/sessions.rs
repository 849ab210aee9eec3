//! Account changes reach the phones (issue 9, item 7): a new SIP password drops the
//! operator's registration at once, and so does removing the operator.

use centrale_server::demo;
use centrale_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_new_sip_password_drops_the_phones_registration() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    env.register_phone(&anna).await;
    let id = env.staff_id(&anna).await;
    let login = &demo::LOGINS[1];

    let changed = env
        .api
        .put(
            &format!("/api/v1/staff/{id}"),
            json!({"email": login.email, "name": "Anna", "role": "operator",
                   "sip_username": anna.user, "sip_password": "a-new-sip-secret-2026"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    // Her tokens went with it: she logs in again to look.
    let anna = env.operator(1).await;
    env.wait_registered(&anna, false).await;
}

#[tokio::test]
async fn removing_an_operator_drops_her_registration_at_once() {
    let env = TestApp::demo().await;
    let bram = env.operator(2).await;
    env.register_phone(&bram).await;
    let id = env.staff_id(&bram).await;
    let events = env.api.events(&env.api.token).await;

    let removed = env.api.delete(&format!("/api/v1/staff/{id}")).await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    events
        .wait_for("operator.state", |e| {
            e["operator_id"] == id.as_str() && e["registered"] == false
        })
        .await;
}
