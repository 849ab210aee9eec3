//! The OpenAPI document lists every route, and every route it lists is served.

use centrale_testkit::TestApp;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;
use std::path::Path;

/// (method, path) of every `#[utoipa::path(…)]` handler in the web crate's source.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            // Pages (console, wallboard) are plain routes; API routes only ever come through
            // the OpenAPI router.
            assert!(
                !source.contains(".route(\"/api"),
                "{} adds an API route outside the OpenAPI router",
                path.display()
            );
            for attribute in source.split("#[utoipa::path(").skip(1) {
                let method = attribute.split(',').next().unwrap().trim().to_owned();
                let route = attribute
                    .split("path = \"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned();
                routes.insert((method, route));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_route_is_in_the_document_and_served() {
    let app = TestApp::spawn().await;
    let reply = app
        .api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let in_source = routes_in_source();
    assert!(
        in_source.len() >= 30,
        "found only {} routes in source",
        in_source.len()
    );
    assert_eq!(
        documented, in_source,
        "the document and the handlers differ"
    );

    // Every documented operation is routed: no fallback "no such route" and no 405.
    let some_id = "0190a000-0000-7000-8000-000000000000";
    for (method, path) in &documented {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    some_id
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let reply = app
            .api
            .call(
                method.clone(),
                &concrete,
                Some(&app.api.token.clone()),
                None,
            )
            .await;
        assert_ne!(reply.body["error"], "no such route", "{method} {concrete}");
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {concrete}"
        );
    }
}
