//! The demo seed as a newcomer meets it through the API.

use centrale_server::demo;
use centrale_testkit::TestApp;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn the_demo_seeds_once_and_its_documented_logins_work() {
    let app = TestApp::spawn().await;
    // TestApp::spawn() made an admin; the demo seeds only into an empty database.
    assert!(
        !demo::seed_if_empty(app.store.as_ref(), "centrale")
            .await
            .unwrap()
    );

    let empty = spawn_empty().await;
    assert!(
        demo::seed_if_empty(empty.store.as_ref(), "centrale")
            .await
            .unwrap()
    );
    assert!(
        !demo::seed_if_empty(empty.store.as_ref(), "centrale")
            .await
            .unwrap(),
        "seeds once"
    );

    let admin = &demo::LOGINS[0];
    let token = empty.api.token_for(admin.email, admin.password).await;
    let clients = empty
        .api
        .call(Method::GET, "/api/v1/clients", Some(&token), None)
        .await;
    assert_eq!(clients.status, StatusCode::OK);
    let clients = clients.body.as_array().unwrap().clone();
    assert!(clients.len() >= 3);

    // One client has a temporary set in force now.
    let mut temporary = 0;
    for client in &clients {
        let id = client["id"].as_str().unwrap();
        let in_force = empty
            .api
            .call(
                Method::GET,
                &format!("/api/v1/clients/{id}/instructions/in-force"),
                Some(&token),
                None,
            )
            .await;
        if in_force.body["kind"] == "temporary" {
            temporary += 1;
        }
        let numbers = empty
            .api
            .call(
                Method::GET,
                &format!("/api/v1/clients/{id}/numbers"),
                Some(&token),
                None,
            )
            .await;
        assert!(
            numbers.body[0]["number"]
                .as_str()
                .unwrap()
                .starts_with("+31")
        );
    }
    assert_eq!(temporary, 1);

    for operator in &demo::LOGINS[1..] {
        empty.api.token_for(operator.email, operator.password).await;
        let (staff, _) = empty
            .store
            .sip_credentials(operator.sip_username.unwrap())
            .await
            .unwrap();
        assert_eq!(staff.draft.email.as_str(), operator.email);
    }

    let summary = demo::summary(
        empty.store.as_ref(),
        "127.0.0.1:8080".parse().unwrap(),
        "127.0.0.1:5060".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(summary["clients"].as_array().unwrap().len(), clients.len());
    assert!(summary["test_call"].as_str().unwrap().starts_with("sipp "));
    // The gateway SIPp listens where the demo sends transfers.
    let gateway = summary["gateway"].as_str().unwrap();
    assert!(
        gateway.contains("gateway_answer.xml -i 127.0.0.1 -p 5090"),
        "{gateway}"
    );
    let settings = demo::with_gateway(centrale_server::Settings::default());
    assert_eq!(settings.sip_outbound_uri, demo::DEMO_GATEWAY);
    assert!(settings.sip().unwrap().outbound.is_some());
}

/// A server on a fresh database without the helper's admin.
async fn spawn_empty() -> centrale_testkit::TestApp {
    let app = TestApp::spawn().await;
    let staff = app.store.list_staff().await.unwrap();
    for member in staff {
        app.store.delete_staff(member.id).await.unwrap();
    }
    app
}
