//! The web side's defences as an attacker meets them: guessing passwords, framing the pages,
//! open redirects, inventing methods, reading metrics, names that carry line breaks, and a
//! session that must end when its owner logs out.

use centrale_testkit::{ADMIN_EMAIL, PASSWORD, TestApp};
use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::net::IpAddr;

/// A client of the app that connects from `source` (any loopback address).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<IpAddr>().unwrap())
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn token_attempt(
    app: &TestApp,
    http: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    http.post(format!("{}/api/v1/auth/token", app.base()))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn guessing_passwords_at_the_token_endpoint_is_throttled_per_source_and_account() {
    let app = TestApp::spawn().await;
    let guesser = client_from("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(token_attempt(&app, &guesser, ADMIN_EMAIL, "wrong").await);
    }
    let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(&codes[..5], [401; 5]);
    assert!(codes[5..].iter().all(|c| *c == 429), "{codes:?}");
    let retry_after: u64 = statuses[29].headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // The right password from the blocked source is refused too.
    let right = token_attempt(&app, &guesser, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    // So is the guessed account from anywhere else, while other accounts still log in there.
    let elsewhere = client_from("127.0.0.3");
    let admin = token_attempt(&app, &elsewhere, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(admin.status(), StatusCode::TOO_MANY_REQUESTS);
    app.add_staff("bram@bureau.test", centrale_core::Role::Operator)
        .await;
    let bram = token_attempt(&app, &elsewhere, "bram@bureau.test", PASSWORD).await;
    assert_eq!(bram.status(), StatusCode::OK);
}

#[tokio::test]
async fn concurrent_guesses_get_five_verdicts_and_the_rest_429() {
    let app = TestApp::spawn().await;
    let guesser = client_from("127.0.0.4");
    let guesses = (0..50).map(|i| {
        let guesser = guesser.clone();
        let url = format!("{}/api/v1/auth/token", app.base());
        async move {
            guesser
                .post(url)
                .json(&json!({"email": ADMIN_EMAIL, "password": format!("guess {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, throttled), (5, 45), "{statuses:?}");
}

#[tokio::test]
async fn pages_forbid_inline_script_framing_and_sniffing() {
    let app = TestApp::spawn().await;
    for path in ["/console/login", "/api/v1/clients", "/healthz"] {
        let reply = app
            .api
            .http
            .get(format!("{}{path}", app.base()))
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            reply
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header("referrer-policy").as_deref(), Some("same-origin"));
        // Served over plain HTTP on loopback: no HSTS.
        assert_eq!(header("strict-transport-security"), None, "{path}");
    }
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let app = TestApp::builder()
        .settings(|s| s.secure_cookies = Some(true))
        .start()
        .await;
    let reply = app
        .api
        .http
        .get(format!("{}/console/login", app.base()))
        .send()
        .await
        .unwrap();
    assert!(reply.headers().contains_key("strict-transport-security"));
    let cookie = reply.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn the_language_switch_returns_only_to_paths_of_this_site() {
    let app = TestApp::spawn().await;
    let http = client_from("127.0.0.1");
    let location = |back: &'static str| {
        let http = http.clone();
        let url = format!("{}/lang/en", app.base());
        async move {
            let reply = http.get(url).query(&[("back", back)]).send().await.unwrap();
            assert_eq!(reply.status(), StatusCode::SEE_OTHER, "{back:?}");
            reply.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    assert_eq!(location("/wallboard").await, "/wallboard");
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "https://evil.example",
    ] {
        assert_eq!(location(evil).await, "/console", "{evil:?}");
    }
}

#[tokio::test]
async fn metrics_label_unknown_methods_as_other_and_can_be_closed() {
    let app = TestApp::spawn().await;
    let method = Method::from_bytes(b"BREW").unwrap();
    app.api.call(method, "/healthz", None, None).await;
    let metrics = app
        .api
        .http
        .get(format!("{}/metrics", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(!text.contains("BREW"), "{text}");

    // Open to one network (not this one) and a token.
    let closed = TestApp::builder()
        .settings(|s| {
            s.metrics_networks = vec!["192.0.2.0/24".into()];
            s.metrics_token = "scrape-secret".into();
        })
        .start()
        .await;
    let url = format!("{}/metrics", closed.base());
    let anonymous = closed.api.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    let wrong = closed
        .api
        .http
        .get(&url)
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let scraper = closed
        .api
        .http
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(scraper.status(), StatusCode::OK);
}

#[tokio::test]
async fn names_with_line_breaks_or_control_characters_are_refused() {
    let app = TestApp::spawn().await;
    for name in [
        "Bakkerij\r\nX-Injected: 1",
        "Bakkerij\u{0}",
        "Bak\u{1b}[31m",
    ] {
        let reply = app
            .api
            .post(
                "/api/v1/clients",
                json!({"name": name, "greeting": "Goedemorgen"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert_eq!(reply.field(), "name");
    }
    let client = app.api.create_client("Bakkerij").await;
    let employee = app
        .api
        .post(
            &format!("/api/v1/clients/{client}/employees"),
            json!({"name": "Piet\nJansen"}),
        )
        .await;
    assert_eq!(employee.status, StatusCode::UNPROCESSABLE_ENTITY);
    let contact = app
        .api
        .post(
            &format!("/api/v1/clients/{client}/contacts"),
            json!({"name": "Jan\rde Vries", "phone": "+31612345678"}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.api
            .get("/api/v1/clients")
            .await
            .as_array()
            .unwrap()
            .len()
            == 1
    );
}

#[tokio::test]
async fn deleting_the_token_ends_a_cookie_session_too() {
    let app = TestApp::spawn().await;
    let session = app.api.token_for(ADMIN_EMAIL, PASSWORD).await;
    let http = client_from("127.0.0.1");
    let cookie = format!("centrale_session={session}");
    let url = format!("{}/api/v1/auth/token", app.base());
    // Without its CSRF token the cookie cannot end (or do) anything.
    let forged = http
        .delete(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = centrale_web::auth::csrf_token(&session);
    let ended = http
        .delete(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let cleared = ended.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = http
        .get(format!("{}/api/v1/clients", app.base()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}
