//! Portal passwords over HTTP: the invitation's one-time link (used once, expired, another
//! user's), colleagues' rights, a forgotten password and a changed one.

use crate::portal_kit::{HENK, client_named, henk, link_in};
use centrale_core::portal::PortalUserDraft;
use centrale_core::{ClientId, EmailAddress};
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::portal::PortalVisit;
use centrale_testkit::{SmtpPeer, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::time::Duration as StdDuration;

#[tokio::test]
async fn an_invitation_mails_a_link_that_sets_the_password_once() {
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.smtp_url = smtp.url())
        .start()
        .await;
    let van_dijk = client_named(&app, "Van Dijk Installatietechniek").await;
    let mut henk = henk(&app).await;
    let invited = henk
        .post(
            "/portal/colleagues",
            &[
                ("email", "sara@vandijk-installatie.example"),
                ("name", "Sara Koster"),
            ],
        )
        .await;
    assert_eq!(
        invited.location.as_deref(),
        Some("/portal/colleagues?invited=1")
    );
    let listed = henk.get("/portal/colleagues").await.html;
    assert!(listed.contains("sara@vandijk-installatie.example"));
    assert!(listed.contains("nog geen wachtwoord"));
    app.worker.run_portal_mails(Utc::now()).await.unwrap();
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(10)).await, 1);
    let mail = &smtp.messages()[0];
    assert_eq!(
        mail.subject,
        "Uw toegang tot het klantenportaal van Van Dijk Installatietechniek"
    );
    assert!(mail.text.starts_with("Beste Sara Koster,"));
    let link = link_in(&smtp, "sara@");
    // The mail is sent: the link is no longer kept in the outbox.
    assert_eq!(app.worker.run_portal_mails(Utc::now()).await.unwrap(), 0);

    let mut sara = PortalVisit::new(&app.api.base);
    let form = sara.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("sara@vandijk-installatie.example"));
    // Not yet a login: she has no password.
    let mut early = PortalVisit::new(&app.api.base);
    assert_eq!(
        early
            .try_login("sara@vandijk-installatie.example", "")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let csrf = form.csrf();
    let differ = sara
        .post_with(
            &link,
            &csrf,
            &[
                ("password", "a long password 1"),
                ("repeat", "a long password 2"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        differ
            .html
            .contains("De twee wachtwoorden zijn niet gelijk.")
    );
    let short = sara
        .post_with(&link, &csrf, &[("password", "short"), ("repeat", "short")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let set = sara
        .post_with(
            &link,
            &csrf,
            &[
                ("password", "saras own password"),
                ("repeat", "saras own password"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/portal/now"));
    assert_eq!(sara.get("/portal/now").await.status, StatusCode::OK);

    // Used once: the link is dead, for her and for anyone.
    let again = PortalVisit::new(&app.api.base).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.html.contains("al gebruikt of verlopen"));
    let mut other = PortalVisit::new(&app.api.base);
    other.get(&link).await;
    let csrf = other.cookie("centrale_portal_csrf").unwrap().to_owned();
    let reuse = other
        .post_with(
            &link,
            &csrf,
            &[
                ("password", "someone elses pass"),
                ("repeat", "someone elses pass"),
            ],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::GONE);
    PortalVisit::login(
        &app.api.base,
        "sara@vandijk-installatie.example",
        "saras own password",
    )
    .await;

    // Sara is no portal admin: she can neither invite nor remove.
    let users = app.store.list_portal_users(van_dijk).await.unwrap();
    let henk_id = users.iter().find(|u| u.draft.admin).unwrap().id.to_string();
    let invite = sara
        .post(
            "/portal/colleagues",
            &[("email", "x@vandijk-installatie.example")],
        )
        .await;
    assert_eq!(invite.status, StatusCode::FORBIDDEN);
    let remove = sara
        .post(&format!("/portal/colleagues/{henk_id}/remove"), &[])
        .await;
    assert_eq!(remove.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.list_portal_users(van_dijk).await.unwrap().len(),
        2
    );
    // Henk removes her; her session ends with her.
    let sara_id = users
        .iter()
        .find(|u| !u.draft.admin)
        .unwrap()
        .id
        .to_string();
    let removed = henk
        .post(&format!("/portal/colleagues/{sara_id}/remove"), &[])
        .await;
    assert_eq!(removed.location.as_deref(), Some("/portal/colleagues"));
    assert_eq!(
        sara.get("/portal/now").await.location.as_deref(),
        Some("/portal/login")
    );
    // Nobody removes themselves.
    let herself = henk
        .post(&format!("/portal/colleagues/{henk_id}/remove"), &[])
        .await;
    assert_eq!(herself.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A user of `client` without a password, and a link for them made at `made`.
async fn invited_user(
    app: &TestApp,
    client: ClientId,
    email: &str,
    made: chrono::DateTime<Utc>,
) -> String {
    let draft = PortalUserDraft {
        email: EmailAddress::parse(email).unwrap(),
        name: String::new(),
        admin: false,
    };
    let user = app
        .store
        .create_portal_user(client, &draft, None)
        .await
        .unwrap();
    let token = format!("ctr_{}", uuid::Uuid::new_v4().simple());
    let hash = centrale_web::auth::token_hash(&token);
    app.store
        .create_password_link(
            client,
            user.id,
            &hash,
            "http://unused",
            centrale_core::portal::link_expiry(made),
        )
        .await
        .unwrap();
    format!("/portal/password/{token}")
}

#[tokio::test]
async fn expired_and_other_users_links_set_no_password_but_their_own() {
    let app = TestApp::demo().await;
    let van_dijk = client_named(&app, "Van Dijk Installatietechniek").await;
    let expired = invited_user(
        &app,
        van_dijk,
        "late@vandijk-installatie.example",
        Utc::now() - Duration::hours(25),
    )
    .await;
    let mut late = PortalVisit::new(&app.api.base);
    let form = late.get(&expired).await;
    assert_eq!(form.status, StatusCode::GONE);
    let csrf = late.cookie("centrale_portal_csrf").unwrap().to_owned();
    let set = late
        .post_with(
            &expired,
            &csrf,
            &[
                ("password", "too late password"),
                ("repeat", "too late password"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::GONE);
    assert_eq!(
        PortalVisit::new(&app.api.base)
            .try_login("late@vandijk-installatie.example", "too late password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // A link made for Ans, opened in Henk's logged-in browser, sets Ans's password only.
    let ans = invited_user(
        &app,
        van_dijk,
        "ans@vandijk-installatie.example",
        Utc::now(),
    )
    .await;
    let mut henk = henk(&app).await;
    let form = henk.get(&ans).await;
    assert!(form.html.contains("ans@vandijk-installatie.example"));
    let csrf = henk.cookie("centrale_portal_csrf").unwrap().to_owned();
    let done = henk
        .post_with(
            &ans,
            &csrf,
            &[
                ("password", "ans her password"),
                ("repeat", "ans her password"),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/portal/now"));
    PortalVisit::login(
        &app.api.base,
        "ans@vandijk-installatie.example",
        "ans her password",
    )
    .await;
    PortalVisit::login(
        &app.api.base,
        PORTAL_LOGINS[HENK].email,
        PORTAL_LOGINS[HENK].password,
    )
    .await;
    // A made-up token is no link.
    let made_up = PortalVisit::new(&app.api.base)
        .get("/portal/password/ctr_00")
        .await;
    assert_eq!(made_up.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_forgotten_password_is_set_again_through_a_mailed_link_and_a_known_one_changed() {
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.smtp_url = smtp.url())
        .start()
        .await;
    let login = &PORTAL_LOGINS[HENK];
    let mut visit = PortalVisit::new(&app.api.base);
    let form = visit.get("/portal/login/forgot").await;
    // The same answer for an address nobody has, and no mail.
    let unknown = visit
        .post_with(
            "/portal/login/forgot",
            &form.csrf(),
            &[("email", "nobody@vandijk-installatie.example")],
        )
        .await;
    let known = visit
        .post_with(
            "/portal/login/forgot",
            &form.csrf(),
            &[("email", login.email)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(unknown.html, known.html);
    assert!(known.html.contains("Als dit adres bij ons bekend is"));
    app.worker.run_portal_mails(Utc::now()).await.unwrap();
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(10)).await, 1);
    let link = link_in(&smtp, "henk@");
    let mut henk = PortalVisit::new(&app.api.base);
    henk.get(&link).await;
    let csrf = henk.cookie("centrale_portal_csrf").unwrap().to_owned();
    let set = henk
        .post_with(
            &link,
            &csrf,
            &[
                ("password", "henk his new password"),
                ("repeat", "henk his new password"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/portal/now"));
    let old = PortalVisit::new(&app.api.base)
        .try_login(login.email, login.password)
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);

    // Changing it needs the current one; then every other session ends.
    let mut other = PortalVisit::login(&app.api.base, login.email, "henk his new password").await;
    let wrong = henk
        .post(
            "/portal/security/password",
            &[
                ("current", "not it at all"),
                ("password", "a third password"),
                ("repeat", "a third password"),
            ],
        )
        .await;
    assert_eq!(
        wrong.location.as_deref(),
        Some("/portal/security?password=wrong")
    );
    assert!(
        henk.get("/portal/security?password=wrong")
            .await
            .html
            .contains("Het huidige wachtwoord klopt niet.")
    );
    let changed = henk
        .post(
            "/portal/security/password",
            &[
                ("current", "henk his new password"),
                ("password", "a third password"),
                ("repeat", "a third password"),
            ],
        )
        .await;
    assert_eq!(changed.location.as_deref(), Some("/portal/now"));
    assert_eq!(henk.get("/portal/now").await.status, StatusCode::OK);
    assert_eq!(
        other.get("/portal/now").await.location.as_deref(),
        Some("/portal/login")
    );
    PortalVisit::login(&app.api.base, login.email, "a third password").await;
}
