use centrale_testkit::{ADMIN_EMAIL, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_new_client_has_an_empty_standard_set_in_force() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Kapper Knip").await;
    let in_force = app
        .api
        .get(&format!("/api/v1/clients/{id}/instructions/in-force"))
        .await;
    assert_eq!(in_force.status, StatusCode::OK);
    assert_eq!(in_force.body["kind"], "standard");
    assert_eq!(in_force.body["greeting"], "Kapper Knip, goedemorgen");
}

#[tokio::test]
async fn a_temporary_set_is_in_force_inside_its_period_only() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Van Dijk").await;
    let local_now = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .naive_local();
    let start = (local_now - Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let end = (local_now + Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let set = app
        .api.create(
            &format!("/api/v1/clients/{id}/instructions"),
            json!({"title": "Vakantie", "period": {"start": start, "end": end},
                   "content": {"text": "Alles per SMS", "greeting_override": "Vakantiedienst Van Dijk",
                               "delivery_overrides": [{"kind": "all_by_sms", "to": "0612345678"}],
                               "emergency": [{"kind": "call", "to": "0612345679", "name": "Sara"}]}}),
        )
        .await;
    let now = app
        .api
        .get(&format!("/api/v1/clients/{id}/instructions/in-force"))
        .await;
    assert_eq!(now.body["kind"], "temporary");
    assert_eq!(now.body["set"]["id"], set.as_str());
    assert_eq!(now.body["greeting"], "Vakantiedienst Van Dijk");
    assert_eq!(
        now.body["set"]["content"]["delivery_overrides"][0]["to"],
        "+31612345678"
    );

    let later = (Utc::now() + Duration::days(3)).to_rfc3339();
    let after = app
        .api
        .get(&format!(
            "/api/v1/clients/{id}/instructions/in-force?at={}",
            later.replace('+', "%2B")
        ))
        .await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(after.body["kind"], "standard");
    assert_eq!(after.body["greeting"], "Van Dijk, goedemorgen");

    let bad = app
        .api
        .get(&format!(
            "/api/v1/clients/{id}/instructions/in-force?at=yesterday"
        ))
        .await;
    assert_eq!(
        (bad.status, bad.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "at")
    );
}

#[tokio::test]
async fn every_change_is_kept_with_who_and_when() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Kapper Knip").await;
    let standard = app
        .api
        .get(&format!("/api/v1/clients/{id}/instructions"))
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/clients/{id}/instructions/{standard}");
    assert_eq!(
        app.api
            .put(&path, json!({"content": {"text": "Eerste versie"}}))
            .await
            .body["version"],
        2
    );
    assert_eq!(
        app.api
            .put(&path, json!({"content": {"text": "Tweede versie"}}))
            .await
            .body["version"],
        3
    );

    let history = app.api.get(&format!("{path}/history")).await.body;
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["set"]["content"]["text"], "Eerste versie");
    assert_eq!(versions[2]["set"]["content"]["text"], "Tweede versie");
    assert_eq!(versions[2]["changed_by"], format!("staff:{ADMIN_EMAIL}"));
    assert!(versions[2]["changed_at"].as_str().is_some());
}

#[tokio::test]
async fn the_standard_set_stays_standard_and_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Kapper Knip").await;
    let standard = app
        .api
        .get(&format!("/api/v1/clients/{id}/instructions"))
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/clients/{id}/instructions/{standard}");
    assert_eq!(
        app.api.delete(&path).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let with_period = app
        .api
        .put(
            &path,
            json!({"period": {"start": "2026-01-01T00:00:00", "end": "2026-01-02T00:00:00"}}),
        )
        .await;
    assert_eq!(
        (with_period.status, with_period.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "period")
    );
    let no_period = app
        .api
        .post(
            &format!("/api/v1/clients/{id}/instructions"),
            json!({"content": {"text": "x"}}),
        )
        .await;
    assert_eq!(
        (no_period.status, no_period.field()),
        (StatusCode::UNPROCESSABLE_ENTITY, "period")
    );
}

#[tokio::test]
async fn a_deleted_temporary_set_keeps_its_history() {
    let app = TestApp::spawn().await;
    let id = app.api.create_client("Kapper Knip").await;
    let set = app
        .api.create(
            &format!("/api/v1/clients/{id}/instructions"),
            json!({"period": {"start": "2026-12-24T00:00:00", "end": "2026-12-27T00:00:00"}, "content": {"text": "Kerst"}}),
        )
        .await;
    let path = format!("/api/v1/clients/{id}/instructions/{set}");
    assert_eq!(app.api.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api.get(&path).await.status, StatusCode::NOT_FOUND);
    let history = app.api.get(&format!("{path}/history")).await.body;
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["set"]["content"]["text"], "Kerst");
    assert_eq!(history[1]["set"], json!(null));
}
