//! No portal route, and no API route with a portal session, reaches another client: swept
//! from the portal's own route table and the OpenAPI document, so a new route is swept too.

use crate::portal_kit::{PIET, client_named, henk};
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::TestApp;
use centrale_testkit::portal::PortalVisit;
use reqwest::StatusCode;

/// Every portal route, tried by Van Dijk's admin with the bakery's ids in path, query and
/// body: nothing of the bakery is shown and nothing of it changes. The routes come from
/// the portal's own table, so a new route is swept too.
#[tokio::test]
async fn no_portal_route_reaches_another_client() {
    let app = TestApp::demo().await;
    let bakery = client_named(&app, "Bakkerij De Gouden Korst").await;
    let van_dijk = client_named(&app, "Van Dijk Installatietechniek").await;
    let piet = app.store.list_portal_users(bakery).await.unwrap()[0].clone();
    let employee = app.store.list_employees(bakery).await.unwrap()[0]
        .id
        .to_string();
    let bakery_set = app.store.list_instruction_sets(bakery).await.unwrap()[0].clone();
    let (piet_id, bakery_id, set_id) = (
        piet.id.to_string(),
        bakery.to_string(),
        bakery_set.id.to_string(),
    );
    let query = format!(
        "client_id={bakery_id}&client={bakery_id}&employee={employee}&id={piet_id}&user={piet_id}"
    );
    let marks = [
        "Gouden Korst",
        "goudenkorst",
        "Piet Bakker",
        &piet_id,
        &employee,
    ];
    let body: Vec<(&str, &str)> = vec![
        ("client_id", &bakery_id),
        ("client", &bakery_id),
        ("id", &piet_id),
        ("user", &piet_id),
        ("employee", &employee),
        ("put_through", &employee),
        ("colleague", &employee),
        ("version", "1"),
        ("title", "Swept"),
        ("start", "2027-03-01T08:00"),
        ("end", "2027-03-02T08:00"),
        ("text", "swept"),
        ("name", "Swept Name"),
        ("number", "+31301112233"),
        ("general", "swept@vandijk-installatie.example"),
        ("to", "info@goudenkorst.example"),
        ("url", "https://agenda.example/swept.ics"),
        ("ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        ("email", "swept@vandijk-installatie.example"),
        ("password", "a swept password"),
        ("repeat", "a swept password"),
    ];
    assert!(centrale_web::portal::ROUTES.len() >= 14);
    for (method, route) in centrale_web::portal::ROUTES {
        // Each route's ids are the bakery's: its instruction set, its portal user.
        let id = if route.starts_with("/portal/instructions") {
            &set_id
        } else {
            &piet_id
        };
        let path = route.replace("{id}", id).replace("{token}", &piet_id);
        let mut henk = henk(&app).await;
        let page = match *method {
            "get" => henk.get(&format!("{path}?{query}")).await,
            "post" => henk.post(&format!("{path}?{query}"), &body).await,
            other => panic!("a {other} route: sweep it too"),
        };
        for mark in marks {
            assert!(
                !page.html.contains(mark),
                "{method} {route} shows {mark}: {}",
                page.html
            );
        }
        if let Some(location) = &page.location {
            assert!(
                !location.contains(&bakery_id) && !location.contains(&piet_id),
                "{method} {route} → {location}"
            );
        }
        assert!(
            [
                StatusCode::OK,
                StatusCode::SEE_OTHER,
                StatusCode::NOT_FOUND,
                StatusCode::FORBIDDEN,
                StatusCode::GONE,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&page.status),
            "{method} {route}: {}",
            page.status
        );
    }
    // The bakery is as it was: its instructions, Piet still there, his password unchanged,
    // nobody added.
    assert_eq!(
        app.store.list_instruction_sets(bakery).await.unwrap(),
        vec![bakery_set]
    );
    let users = app.store.list_portal_users(bakery).await.unwrap();
    assert_eq!(users, vec![piet]);
    PortalVisit::login(
        &app.api.base,
        PORTAL_LOGINS[PIET].email,
        PORTAL_LOGINS[PIET].password,
    )
    .await;
    // What the sweep's invite made landed with Van Dijk.
    let own = app.store.list_portal_users(van_dijk).await.unwrap();
    assert!(
        own.iter()
            .any(|u| u.draft.email.as_str() == "swept@vandijk-installatie.example")
    );
}

/// A portal session opens no API route, whatever ids it names.
#[tokio::test]
async fn a_portal_session_opens_no_api_route() {
    let app = TestApp::demo().await;
    let bakery = client_named(&app, "Bakkerij De Gouden Korst")
        .await
        .to_string();
    let henk = henk(&app).await;
    let token = henk.cookie("centrale_portal").unwrap().to_owned();
    let doc = app.api.get("/api/v1/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    let mut tried = 0;
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let concrete = path
                .split('/')
                .map(|part| {
                    if part.starts_with('{') {
                        bakery.as_str()
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{}{concrete}", app.api.base);
            let http = reqwest::Client::new();
            let request = http
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header(
                    "Cookie",
                    format!("centrale_session={token}; centrale_portal={token}"),
                )
                .header(
                    "X-CSRF-Token",
                    henk.cookie("centrale_portal_csrf").unwrap_or_default(),
                )
                .json(&serde_json::json!({"client_id": bakery}));
            let status = request.send().await.unwrap().status();
            if status.is_success() {
                // Only what anyone may read (the OpenAPI document, health).
                let anonymous = http
                    .request(method.to_uppercase().parse().unwrap(), &url)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert!(
                    anonymous.is_success(),
                    "{method} {path} answered {status} to a portal session"
                );
            }
            tried += 1;
        }
    }
    assert!(tried > 40, "only {tried} operations");
}
