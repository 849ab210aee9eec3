//! Bad input gets a clear 4xx JSON error naming the problem, and nothing is half written.

use centrale_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn invalid_values_name_their_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"greeting": "Hallo"}), "name"),
        (json!({"name": " ", "greeting": "Hallo"}), "name"),
        (
            json!({"name": "X", "greeting": "Hallo", "emails": ["ok@x.nl", "not-an-address"]}),
            "emails[1]",
        ),
        (
            json!({"name": "X", "greeting": "Hallo", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"name": "X", "greeting": "Hallo", "language": "fr"}),
            "language",
        ),
        (json!({"name": 42, "greeting": "Hallo"}), "name"),
        (
            json!({"name": "X", "greeting": "Hallo", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let reply = app.api.post("/api/v1/clients", body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.field(), field, "{body} → {}", reply.body);
        assert!(!reply.body["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        app.api.get("/api/v1/clients").await.body,
        json!([]),
        "nothing written"
    );
}

#[tokio::test]
async fn invalid_phone_numbers_are_refused_everywhere() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("X").await;
    let employee = app
        .api
        .post(
            &format!("/api/v1/clients/{id}/employees"),
            json!({"name": "P", "mobile": "12"}),
        )
        .await;
    assert_eq!(
        (employee.status, employee.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "mobile")
    );
    assert!(employee.body["error"].as_str().unwrap().contains("'12'"));
    let contact = app
        .api
        .post(
            &format!("/api/v1/clients/{id}/contacts"),
            json!({"name": "P", "number": "hello"}),
        )
        .await;
    assert_eq!(
        (contact.status, contact.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "number")
    );
    let number = app
        .api
        .post("/api/v1/numbers", json!({"number": "+31 85"}))
        .await;
    assert_eq!(
        (number.status, number.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "number")
    );
    let step = app
        .api.post(
            &format!("/api/v1/clients/{id}/instructions"),
            json!({"period": {"start": "2026-01-01T00:00:00", "end": "2026-01-02T00:00:00"}, "content": {"emergency": [{"kind": "sms", "to": "x"}]}}),
        )
        .await;
    assert_eq!(
        (step.status, step.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "content.emergency[0]")
    );
}

#[tokio::test]
async fn an_inverted_period_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("X").await;
    let reply = app
        .api.post(
            &format!("/api/v1/clients/{id}/instructions"),
            json!({"title": "Omgekeerd", "period": {"start": "2026-08-10T00:00:00", "end": "2026-08-01T00:00:00"}}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "period.end")
    );
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{id}/instructions"))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/v1/clients", app.api.base);
    let send = |body: &'static str, content_type: &'static str| {
        app.api
            .http
            .post(&url)
            .bearer_auth(&app.api.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let broken = send("{\"name\": ", "application/json").await.unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON"),
        "{body}"
    );

    let trailing = send(
        "{\"name\": \"a\", \"greeting\": \"b\"} x",
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(trailing.status(), StatusCode::BAD_REQUEST);
    let form = send("name=a", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = app
        .api
        .http
        .post(&url)
        .bearer_auth(&app.api.token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let bad_id = app.api.get("/api/v1/clients/not-a-uuid").await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_id.body["error"]
            .as_str()
            .unwrap()
            .contains("malformed path")
    );
    let no_route = app.api.get("/api/v1/nothing-here").await;
    assert_eq!(
        (no_route.status, no_route.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no such route"))
    );
    assert_eq!(
        app.api.get("/api/v1/clients").await.body,
        json!([]),
        "nothing written"
    );
}
