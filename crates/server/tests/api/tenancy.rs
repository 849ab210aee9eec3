//! An id of client B is not reachable through client A's paths, for every nested resource.

use centrale_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A nested resource: its collection name and a valid body.
fn resources() -> Vec<(&'static str, Value)> {
    vec![
        ("employees", json!({"name": "Piet"})),
        (
            "contacts",
            json!({"number": "+31612345678", "name": "Klant"}),
        ),
        (
            "instructions",
            json!({"title": "Beurs", "period": {"start": "2026-07-01T00:00:00", "end": "2026-07-05T00:00:00"}, "content": {"text": "Beurs"}}),
        ),
    ]
}

async fn assert_unreachable(
    app: &TestApp,
    a: &str,
    b: &str,
    collection: &str,
    b_id: &str,
    body: &Value,
) {
    let through_a = format!("/api/v1/clients/{a}/{collection}/{b_id}");
    assert_eq!(
        app.api.get(&through_a).await.status,
        StatusCode::NOT_FOUND,
        "GET {through_a}"
    );
    assert_eq!(
        app.api.put(&through_a, body.clone()).await.status,
        StatusCode::NOT_FOUND,
        "PUT {through_a}"
    );
    assert_eq!(
        app.api.delete(&through_a).await.status,
        StatusCode::NOT_FOUND,
        "DELETE {through_a}"
    );
    let listed = app
        .api
        .get(&format!("/api/v1/clients/{a}/{collection}"))
        .await
        .body;
    assert!(
        !listed.to_string().contains(b_id),
        "{collection} of A lists B's {b_id}"
    );
    // B's own path still has it, unchanged.
    let through_b = app
        .api
        .get(&format!("/api/v1/clients/{b}/{collection}/{b_id}"))
        .await;
    assert_eq!(through_b.status, StatusCode::OK);
    assert_eq!(through_b.body["client_id"], b);
}

#[tokio::test]
async fn nested_resources_of_b_are_404_through_a() {
    let app = TestApp::spawn().await;
    let a = app.api.create_client("A").await;
    let b = app.api.create_client("B").await;
    for (collection, body) in resources() {
        let b_id = app
            .api
            .create(&format!("/api/v1/clients/{b}/{collection}"), body.clone())
            .await;
        assert_unreachable(&app, &a, &b, collection, &b_id, &body).await;
    }
    // B's standard set and its history, too.
    let b_standard = app
        .api
        .get(&format!("/api/v1/clients/{b}/instructions"))
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_unreachable(
        &app,
        &a,
        &b,
        "instructions",
        &b_standard,
        &json!({"content": {"text": "x"}}),
    )
    .await;
    let history = app
        .api
        .get(&format!(
            "/api/v1/clients/{a}/instructions/{b_standard}/history"
        ))
        .await;
    assert_eq!(history.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nested_paths_of_an_unknown_client_are_404() {
    let app = TestApp::spawn().await;
    let nobody = "0190a000-0000-7000-8000-000000000000";
    for (collection, body) in resources() {
        let path = format!("/api/v1/clients/{nobody}/{collection}");
        assert_eq!(
            app.api.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
        assert_eq!(
            app.api.post(&path, body).await.status,
            StatusCode::NOT_FOUND,
            "POST {path}"
        );
    }
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{nobody}/numbers"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{nobody}/instructions/in-force"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_number_of_b_is_not_listed_for_a() {
    let app = TestApp::spawn().await;
    let a = app.api.create_client("A").await;
    let b = app.api.create_client("B").await;
    app.api
        .create(
            "/api/v1/numbers",
            json!({"number": "+31852001001", "client_id": b}),
        )
        .await;
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{a}/numbers"))
            .await
            .body,
        json!([])
    );
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{b}/numbers"))
            .await
            .body[0]["number"],
        "+31852001001"
    );
}
