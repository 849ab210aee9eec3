use centrale_core::Role;
use centrale_testkit::{ADMIN_EMAIL, PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_token_from_the_right_password_opens_the_api() {
    let app = TestApp::spawn().await;
    let me = app.api.get("/api/v1/staff/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
    assert!(
        me.body.get("password_hash").is_none(),
        "no secret leaves the server"
    );
}

#[tokio::test]
async fn wrong_password_or_unknown_address_is_refused_alike() {
    let app = TestApp::spawn().await;
    for (email, password) in [
        (ADMIN_EMAIL, "not the password"),
        ("nobody@bureau.test", PASSWORD),
    ] {
        let reply = app
            .api
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body["error"], "wrong e-mail address or password");
    }
}

#[tokio::test]
async fn the_login_address_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let token = app
        .api
        .token_for(&ADMIN_EMAIL.to_uppercase(), PASSWORD)
        .await;
    assert_eq!(
        app.api
            .call(Method::GET, "/api/v1/clients", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn missing_malformed_revoked_and_expired_tokens_are_401() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.api
            .call(Method::GET, "/api/v1/clients", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bogus = app
        .api
        .call(Method::GET, "/api/v1/clients", Some("ctr_bogus"), None)
        .await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
    assert!(
        bogus.body["error"]
            .as_str()
            .unwrap()
            .contains("invalid, expired or revoked")
    );

    let token = app.api.token_for(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(
        app.api
            .call(Method::DELETE, "/api/v1/auth/token", Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api
            .call(Method::GET, "/api/v1/clients", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let staff = app.store.staff_login(ADMIN_EMAIL).await.unwrap().0;
    let expired = "ctr_expired_token_for_test";
    let hash = centrale_web::auth::token_hash(expired);
    app.store
        .create_token(
            &hash,
            staff.id,
            chrono::Utc::now() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(
        app.api
            .call(Method::GET, "/api/v1/clients", Some(expired), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let token = app.api.token_for(ADMIN_EMAIL, PASSWORD).await;
    // The plain token is not a key the store knows; its hash is.
    assert!(
        app.store
            .staff_by_token(&token, chrono::Utc::now())
            .await
            .is_err()
    );
    let hash = centrale_web::auth::token_hash(&token);
    assert_eq!(
        app.store
            .staff_by_token(&hash, chrono::Utc::now())
            .await
            .unwrap()
            .draft
            .email
            .as_str(),
        ADMIN_EMAIL
    );
}

#[tokio::test]
async fn an_operator_cannot_create_clients_or_staff() {
    let app = TestApp::spawn().await;
    let operator = app.staff("op@bureau.test", Role::Operator).await.token;
    let client = app
        .api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(&operator),
            Some(json!({"name": "X", "greeting": "Hallo"})),
        )
        .await;
    assert_eq!(client.status, StatusCode::FORBIDDEN);
    assert!(
        client.body["error"]
            .as_str()
            .unwrap()
            .contains("supervisor")
    );
    let staff = app
        .api.call(
            Method::POST,
            "/api/v1/staff",
            Some(&operator),
            Some(json!({"email": "new@bureau.test", "name": "New", "role": "admin", "password": PASSWORD})),
        )
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
    // Nothing was written.
    assert_eq!(
        app.api
            .get("/api/v1/clients")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.api
            .get("/api/v1/staff")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // But the operator finds a client to handle a call by hand.
    assert_eq!(
        app.api
            .call(
                Method::GET,
                "/api/v1/clients?q=bakkerij",
                Some(&operator),
                None
            )
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_supervisor_keeps_clients_but_not_staff() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff("sup@bureau.test", Role::Supervisor).await.token;
    let client = app
        .api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(&supervisor),
            Some(json!({"name": "X", "greeting": "Hallo"})),
        )
        .await;
    assert_eq!(client.status, StatusCode::CREATED);
    let staff = app
        .api.call(
            Method::POST,
            "/api/v1/staff",
            Some(&supervisor),
            Some(json!({"email": "n@bureau.test", "name": "N", "role": "operator", "password": PASSWORD})),
        )
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
}
