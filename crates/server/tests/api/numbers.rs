use centrale_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn numbers_are_pooled_assigned_and_returned() {
    let app = TestApp::spawn().await;
    let client = app.api.create_client("Bakkerij").await;
    let number = app
        .api
        .create("/api/v1/numbers", json!({"number": "085 200 1001"}))
        .await;
    let read = app.api.get(&format!("/api/v1/numbers/{number}")).await;
    assert_eq!(read.body["number"], "+31852001001");
    assert_eq!(read.body["client_id"], json!(null));

    let dup = app
        .api
        .post("/api/v1/numbers", json!({"number": "+31852001001"}))
        .await;
    assert_eq!((dup.status, dup.field()), (StatusCode::CONFLICT, "number"));

    let assigned = app
        .api
        .put(
            &format!("/api/v1/numbers/{number}"),
            json!({"number": "+31852001001", "label": "Sales line", "client_id": client}),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    let mine = app
        .api
        .get(&format!("/api/v1/clients/{client}/numbers"))
        .await
        .body;
    assert_eq!(mine[0]["label"], "Sales line");

    let nobody = app
        .api
        .put(
            &format!("/api/v1/numbers/{number}"),
            json!({"number": "+31852001001", "client_id": "0190a000-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(
        (nobody.status, nobody.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "client_id")
    );

    // Deleting the client returns the number to the pool.
    app.api.delete(&format!("/api/v1/clients/{client}")).await;
    assert_eq!(
        app.api.get(&format!("/api/v1/numbers/{number}")).await.body["client_id"],
        json!(null)
    );
    assert_eq!(
        app.api
            .delete(&format!("/api/v1/numbers/{number}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.api.get("/api/v1/numbers").await.body, json!([]));
}
