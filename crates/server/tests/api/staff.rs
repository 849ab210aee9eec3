use centrale_testkit::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_admin_adds_an_operator_with_a_sip_account() {
    let app = TestApp::spawn().await;
    let body = json!({"email": "Anna@Bureau.test", "name": "Anna", "role": "operator", "password": PASSWORD,
                      "sip_username": "1001", "sip_password": "sip-secret-1"});
    let created = app.api.post("/api/v1/staff", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["sip_username"], "1001");
    assert!(created.body.get("sip_password").is_none() && created.body.get("password").is_none());

    let (staff, creds) = app.store.sip_credentials("1001").await.unwrap();
    assert_eq!(staff.draft.name, "Anna");
    assert_eq!(creds.realm, "centrale");
    assert_eq!(creds.ha1_md5.len(), 32);

    // The new operator can log in.
    app.api.token_for("anna@bureau.test", PASSWORD).await;

    let again = app.api.post("/api/v1/staff", json!({"email": "anna@bureau.test", "name": "A2", "role": "operator", "password": PASSWORD})).await;
    assert_eq!(
        (again.status, again.field()),
        (StatusCode::CONFLICT, "email")
    );
}

#[tokio::test]
async fn staff_input_is_checked() {
    let app = TestApp::spawn().await;
    let short = app
        .api
        .post(
            "/api/v1/staff",
            json!({"email": "b@bureau.test", "name": "B", "role": "operator", "password": "short"}),
        )
        .await;
    assert_eq!(
        (short.status, short.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "password")
    );
    let no_sip_secret = app
        .api.post("/api/v1/staff", json!({"email": "b@bureau.test", "name": "B", "role": "operator", "password": PASSWORD, "sip_username": "1009"}))
        .await;
    assert_eq!(
        (no_sip_secret.status, no_sip_secret.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "sip_password")
    );
    let role = app
        .api
        .post(
            "/api/v1/staff",
            json!({"email": "b@bureau.test", "name": "B", "role": "boss", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (role.status, role.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "role")
    );
}

#[tokio::test]
async fn an_admin_cannot_remove_themselves() {
    let app = TestApp::spawn().await;
    let me = app.api.get("/api/v1/staff/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.api.delete(&format!("/api/v1/staff/{me}")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.api.get("/api/v1/staff/me").await.status, StatusCode::OK);
}
