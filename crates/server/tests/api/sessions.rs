//! Sessions end when they should (issue 9, item 7): the event stream re-checks its token,
//! and a new password or role ends the member's logins at once.

use centrale_core::Role;
use centrale_testkit::{Api, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// "Within seconds": the stream re-checks its token every few seconds.
const WITHIN: Duration = Duration::from_secs(8);

/// The staff id behind an API user.
async fn id_of(api: &Api) -> String {
    api.get("/api/v1/staff/me").await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[tokio::test]
async fn the_event_stream_ends_when_its_token_is_revoked() {
    let app = TestApp::spawn().await;
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let events = app.api.events(&anna.token).await;
    assert!(!events.ends_within(Duration::from_millis(500)).await);

    let revoked = anna.delete("/api/v1/auth/token").await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    assert!(
        events.ends_within(WITHIN).await,
        "a revoked token's stream goes on"
    );
}

#[tokio::test]
async fn the_event_stream_ends_when_its_member_is_demoted_or_removed() {
    let app = TestApp::spawn().await;
    let sue = app.staff("sue@bureau.test", Role::Supervisor).await;
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let (sue_id, anna_id) = (id_of(&sue).await, id_of(&anna).await);
    let sues = app.api.events(&sue.token).await;
    let annas = app.api.events(&anna.token).await;

    let demoted = app
        .api
        .put(
            &format!("/api/v1/staff/{sue_id}"),
            json!({"email": "sue@bureau.test", "name": "Sue", "role": "operator"}),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    assert!(
        sues.ends_within(WITHIN).await,
        "a demoted supervisor still sees everyone's screen pops"
    );

    let removed = app.api.delete(&format!("/api/v1/staff/{anna_id}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert!(
        annas.ends_within(WITHIN).await,
        "a removed operator's stream goes on"
    );
}

#[tokio::test]
async fn a_new_password_or_role_revokes_the_members_tokens() {
    let app = TestApp::spawn().await;
    let anna = app.staff("anna@bureau.test", Role::Operator).await;
    let path = format!("/api/v1/staff/{}", id_of(&anna).await);
    let me = |token: String| {
        let api = Api {
            token,
            ..app.api.clone()
        };
        async move { api.get("/api/v1/staff/me").await.status }
    };

    // Her name alone is no reason to log her out.
    let renamed = app
        .api
        .put(
            &path,
            json!({"email": "anna@bureau.test", "name": "Anna B.", "role": "operator"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(me(anna.token.clone()).await, StatusCode::OK);

    let new_password = "a-new-password-2026";
    let changed = app
        .api
        .put(
            &path,
            json!({"email": "anna@bureau.test", "name": "Anna B.", "role": "operator",
                   "password": new_password}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        me(anna.token.clone()).await,
        StatusCode::UNAUTHORIZED,
        "the old password's token still works"
    );
    let again = app.api.token_for("anna@bureau.test", new_password).await;
    assert_eq!(me(again.clone()).await, StatusCode::OK);

    let promoted = app
        .api
        .put(
            &path,
            json!({"email": "anna@bureau.test", "name": "Anna B.", "role": "supervisor"}),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    assert_eq!(
        me(again).await,
        StatusCode::UNAUTHORIZED,
        "a token outlives a change of role"
    );
}
