//! The portal's second factor over HTTP: switched on with a first code, then asked after the
//! password; each code works once, a recovery code once; a pending session opens nothing.

use crate::portal_kit::HENK;
use centrale_core::totp::TotpSecret;
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::TestApp;
use centrale_testkit::portal::{Page, PortalVisit};
use reqwest::StatusCode;

fn between<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    html.split(start)
        .skip(1)
        .filter_map(|part| part.split(end).next())
        .collect()
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// Logs Henk in with his password; the reply and the visit waiting for the code.
async fn password_step(app: &TestApp) -> (PortalVisit, Page) {
    let login = &PORTAL_LOGINS[HENK];
    let mut visit = PortalVisit::new(&app.api.base);
    let page = visit.try_login(login.email, login.password).await;
    (visit, page)
}

async fn give_code(visit: &mut PortalVisit, code: &str) -> Page {
    let form = visit.get("/portal/login/code").await;
    visit
        .post_with("/portal/login/code", &form.csrf(), &[("code", code)])
        .await
}

#[tokio::test]
async fn a_second_factor_is_asked_after_the_password_and_each_code_works_once() {
    let app = TestApp::demo().await;
    let login = &PORTAL_LOGINS[HENK];
    let mut henk = PortalVisit::login(&app.api.base, login.email, login.password).await;
    let page = henk.get("/portal/security").await.html;
    let secret_text = between(&page, "<code id=\"totp-secret\">", "</code>")[0].to_owned();
    let secret = TotpSecret::parse(&secret_text).expect("a base32 secret");
    assert!(page.contains("otpauth://totp/Centrale:henk%40vandijk-installatie.example?secret="));
    let wrong = henk
        .post(
            "/portal/security/enable",
            &[
                ("secret", &secret_text),
                ("code", "000000"),
                ("current", login.password),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A session alone cannot switch it: the password is asked.
    let no_password = henk
        .post(
            "/portal/security/enable",
            &[
                ("secret", &secret_text),
                ("code", &secret.code_at(now())),
                ("current", "not his password"),
            ],
        )
        .await;
    assert!(
        no_password
            .html
            .contains("Het huidige wachtwoord klopt niet.")
    );
    assert!(no_password.html.contains("data-on=\"false\""));
    let on = henk
        .post(
            "/portal/security/enable",
            &[
                ("secret", &secret_text),
                ("code", &secret.code_at(now())),
                ("current", login.password),
            ],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    let recovery: Vec<String> = between(&on.html, "<li><code>", "</code>")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(recovery.len(), 10);
    assert!(on.html.contains("data-on=\"true\""));
    // Shown once: the page no longer lists them.
    assert!(
        !henk
            .get("/portal/security")
            .await
            .html
            .contains(&recovery[0])
    );

    // The password alone opens only the code form.
    let (mut visit, page) = password_step(&app).await;
    assert_eq!(page.location.as_deref(), Some("/portal/login/code"));
    assert_eq!(
        visit.get("/portal/now").await.location.as_deref(),
        Some("/portal/login")
    );
    let refused = give_code(&mut visit, "123456").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.html.contains("Die code klopt niet"));
    let code = secret.code_at(now());
    let passed = give_code(&mut visit, &code).await;
    assert_eq!(passed.location.as_deref(), Some("/portal/now"));
    assert_eq!(visit.get("/portal/now").await.status, StatusCode::OK);

    // The same code again, for another login: taken already.
    let (mut again, _) = password_step(&app).await;
    assert_eq!(
        give_code(&mut again, &code).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A recovery code works, once.
    let used = give_code(&mut again, &recovery[3].to_uppercase()).await;
    assert_eq!(used.location.as_deref(), Some("/portal/now"));
    let (mut third, _) = password_step(&app).await;
    assert_eq!(
        give_code(&mut third, &recovery[3]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        third.get("/portal/now").await.location.as_deref(),
        Some("/portal/login")
    );

    // Off again, with a current code; then the password is enough.
    let off = visit
        .post(
            "/portal/security/disable",
            &[("code", "999999"), ("current", login.password)],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = visit
        .post(
            "/portal/security/disable",
            &[
                ("code", &secret.code_at(now())),
                ("current", login.password),
            ],
        )
        .await;
    assert_eq!(off.location.as_deref(), Some("/portal/security"));
    PortalVisit::login(&app.api.base, login.email, login.password).await;
}
