//! The console's login form: CSRF-protected, throttled, staff only.

use centrale_testkit::{ADMIN_EMAIL, PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

/// The login form's double-submit token, as a browser would get it (cookie and hidden field).
async fn login_form(app: &TestApp, http: &reqwest::Client) -> String {
    let page = http
        .get(format!("{}/console/login", app.api.base))
        .send()
        .await
        .unwrap();
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("centrale_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("a csrf cookie")
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("value=\"{cookie}\"")),
        "the form carries the token"
    );
    cookie
}

async fn attempt(
    app: &TestApp,
    http: &reqwest::Client,
    csrf: &str,
    password: &str,
) -> reqwest::Response {
    http.post(format!("{}/console/login", app.api.base))
        .header("cookie", format!("centrale_csrf={csrf}"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", password),
            ("_csrf", csrf),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_right_password_opens_a_session_cookie() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let csrf = login_form(&app, &http).await;
    let reply = attempt(&app, &http, &csrf, PASSWORD).await;
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    let cookie = reply
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("centrale_session=ctr_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // Without the form's token the same post is refused.
    let forged = http
        .post(format!("{}/console/login", app.api.base))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("_csrf", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let csrf = login_form(&app, &http).await;
    for _ in 0..centrale_core::throttle::MAX_FAILURES {
        let reply = attempt(&app, &http, &csrf, "not the password").await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
        assert!(
            reply
                .text()
                .await
                .unwrap()
                .contains("Onjuist e-mailadres of wachtwoord")
        );
    }
    let blocked = attempt(&app, &http, &csrf, PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.text().await.unwrap().contains("Te veel pogingen"));
}

#[tokio::test]
async fn pages_need_a_session_and_the_wallboard_a_supervisor() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let console = http
        .get(format!("{}/console", app.api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), StatusCode::SEE_OTHER);
    assert_eq!(console.headers()["location"], "/console/login");
    let operator = app
        .staff("op@bureau.test", centrale_core::Role::Operator)
        .await
        .token;
    let wallboard = http
        .get(format!("{}/wallboard", app.api.base))
        .header("cookie", format!("centrale_session={operator}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wallboard.status(), StatusCode::FORBIDDEN);
    let page = http
        .get(format!("{}/console", app.api.base))
        .header("cookie", format!("centrale_session={operator}"))
        .header("accept-language", "en-GB,en")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Call note"));
}
