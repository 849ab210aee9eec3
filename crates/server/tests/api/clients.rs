use centrale_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_client_is_created_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Bakkerij Brood").await;
    let read = app.api.get(&format!("/api/v1/clients/{id}")).await;
    assert_eq!(read.body["name"], "Bakkerij Brood");
    assert_eq!(read.body["time_zone"], "Europe/Amsterdam");
    assert_eq!(read.body["language"], "nl");
    assert_eq!(read.body["status"], "active");

    let updated = app
        .api.put(
            &format!("/api/v1/clients/{id}"),
            json!({"name": "Bakkerij Brood BV", "greeting": "Goedendag", "emails": ["info@brood.nl"],
                   "time_zone": "Europe/London", "language": "en", "status": "suspended"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let read = app.api.get(&format!("/api/v1/clients/{id}")).await;
    assert_eq!(read.body["name"], "Bakkerij Brood BV");
    assert_eq!(read.body["emails"], json!(["info@brood.nl"]));
    assert_eq!(read.body["status"], "suspended");

    assert_eq!(
        app.api
            .get("/api/v1/clients")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.api
            .delete(&format!("/api/v1/clients/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api.get(&format!("/api/v1/clients/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api
            .delete(&format!("/api/v1/clients/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn employees_and_contacts_are_kept_per_client() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Van Dijk").await;
    let employee = app
        .api.create(
            &format!("/api/v1/clients/{id}/employees"),
            json!({"name": "Henk", "role": "directeur", "emails": ["henk@vandijk.nl"], "mobile": "06 1234 5678", "sms": "urgent_only"}),
        )
        .await;
    let read = app
        .api
        .get(&format!("/api/v1/clients/{id}/employees/{employee}"))
        .await;
    assert_eq!(read.body["mobile"], "+31612345678");
    assert_eq!(read.body["reachable"], true);
    assert_eq!(read.body["sms"], "urgent_only");
    let put = app
        .api
        .put(
            &format!("/api/v1/clients/{id}/employees/{employee}"),
            json!({"name": "Henk", "reachable": false}),
        )
        .await;
    assert_eq!(put.body["reachable"], false);
    assert_eq!(put.body["mobile"], json!(null));

    let contact = app
        .api
        .create(
            &format!("/api/v1/clients/{id}/contacts"),
            json!({"number": "0201234567", "name": "Hotel", "vip": true}),
        )
        .await;
    let list = app.api.get(&format!("/api/v1/clients/{id}/contacts")).await;
    assert_eq!(list.body[0]["id"], contact.as_str());
    assert_eq!(list.body[0]["number"], "+31201234567");
    assert_eq!(list.body[0]["vip"], true);
    let twice = app
        .api
        .post(
            &format!("/api/v1/clients/{id}/contacts"),
            json!({"number": "+31201234567", "name": "Again"}),
        )
        .await;
    assert_eq!(
        (twice.status, twice.field()),
        (StatusCode::CONFLICT, "number")
    );

    assert_eq!(
        app.api
            .delete(&format!("/api/v1/clients/{id}/contacts/{contact}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api
            .get(&format!("/api/v1/clients/{id}/contacts"))
            .await
            .body,
        json!([])
    );
}

#[tokio::test]
async fn clients_are_found_by_name_or_forwarding_number() {
    let app = TestApp::spawn().await;
    let bakery = app.api.create_client("Bakkerij Brood").await;
    app.api.create_client("Van Dijk Installatie").await;
    app.api
        .create(
            "/api/v1/numbers",
            json!({"number": "+31852001001", "client_id": bakery}),
        )
        .await;
    let names = |reply: centrale_testkit::Reply| {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(app.api.get("/api/v1/clients?q=brood").await),
        ["Bakkerij Brood"]
    );
    assert_eq!(
        names(app.api.get("/api/v1/clients?q=085%20200%201001").await),
        ["Bakkerij Brood"]
    );
    assert_eq!(
        names(app.api.get("/api/v1/clients?q=DIJK").await),
        ["Van Dijk Installatie"]
    );
    assert!(names(app.api.get("/api/v1/clients?q=nobody").await).is_empty());
    assert_eq!(names(app.api.get("/api/v1/clients").await).len(), 2);
}
