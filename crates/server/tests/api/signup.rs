//! The public sign-up: a business fills in the form and is a live client at once — the first
//! free number of the pool (never one in quarantine), a welcome e-mail with the codes for its
//! own line, a portal login through the link — or waits, with staff alerted, when the pool is
//! empty; and the form resists abuse.

use crate::portal_kit::unescape;
use centrale_testkit::portal::PortalVisit;
use centrale_testkit::signup::{Applicant, number_on};
use centrale_testkit::{Reply, SmtpPeer, TestApp};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The demo with its mail going to `smtp` (and `adjust`ed settings).
async fn demo_mailing_to(
    smtp: &SmtpPeer,
    adjust: impl FnOnce(&mut centrale_server::Settings),
) -> TestApp {
    TestApp::builder()
        .demo()
        .settings(|s| {
            s.smtp_url = smtp.url();
            adjust(s);
        })
        .start()
        .await
}

async fn client_named(app: &TestApp, name: &str) -> Value {
    let id = crate::portal_kit::client_named(app, name).await;
    app.api.get(&format!("/api/v1/clients/{id}")).await.body
}

/// The text of the one mail to `to` whose subject starts with `subject`.
fn mail_to(smtp: &SmtpPeer, to: &str, subject: &str) -> String {
    let messages = smtp.messages();
    messages
        .iter()
        .find(|m| m.to.contains(to) && m.subject.starts_with(subject))
        .map(|m| m.text.clone())
        .unwrap_or_else(|| {
            let seen: Vec<_> = messages.iter().map(|m| (&m.to, &m.subject)).collect();
            panic!("no mail '{subject}' to {to}; mails: {seen:?}")
        })
}

/// The path of the first link in `text` that contains `marker`.
fn link_path(text: &str, marker: &str) -> String {
    let at = text.find(marker).expect("a link");
    text[at..].split_whitespace().next().unwrap().to_owned()
}

async fn pool_state(app: &TestApp, number: &str) -> Value {
    let numbers = app.api.get("/api/v1/numbers").await;
    numbers
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("{number} not in the pool: {}", numbers.body))
}

#[tokio::test]
async fn a_business_signs_up_and_is_live_at_once_with_the_codes_for_its_own_line() {
    let smtp = SmtpPeer::start();
    let app = demo_mailing_to(&smtp, |_| {}).await;
    let florist = Applicant::florist(1);
    let page = florist.sign_up(&app.api.base, "/aanmelden").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    // The demo's pool starts at +31852001010: the first free number is given.
    assert_eq!(number_on(&page).as_deref(), Some("+31852001010"));
    let html = unescape(&page.html);
    assert!(html.contains("Uw doorschakelnummer"), "{html}");
    assert!(
        html.contains("Altijd: aan *21*0852001010#, uit #21#"),
        "{html}"
    );

    // The client is active, greets in its own name, and has its contact as employee.
    let client = client_named(&app, "Bloemenhuis Flora 1").await;
    assert_eq!(client["status"], "active");
    assert_eq!(client["greeting"], "Bloemenhuis Flora 1, goedendag!");
    assert_eq!(client["emails"], json!(["fleur1@flora.example"]));
    let id = client["id"].as_str().unwrap();
    let numbers = app.api.get(&format!("/api/v1/clients/{id}/numbers")).await;
    assert_eq!(numbers.body[0]["number"], "+31852001010");
    assert_eq!(pool_state(&app, "+31852001010").await["state"], "assigned");
    let employees = app
        .api
        .get(&format!("/api/v1/clients/{id}/employees"))
        .await;
    assert_eq!(employees.body[0]["name"], "Fleur de Vries");
    assert_eq!(employees.body[0]["landline"], "+31104123456");
    let sets = app
        .api
        .get(&format!("/api/v1/clients/{id}/instructions"))
        .await;
    let text = sets.body[0]["content"]["text"].as_str().unwrap();
    assert!(text.contains("Fleur de Vries"), "{}", sets.body);

    // A second one, on a mobile, gets the next number and the GSM codes.
    let mobile = Applicant {
        line: "mobile",
        ..Applicant::florist(2)
    };
    let second = mobile.sign_up(&app.api.base, "/signup").await;
    assert_eq!(number_on(&second).as_deref(), Some("+31852001011"));
    assert!(unescape(&second.html).contains("Your forwarding number"));

    // The welcome mails: the number, the codes of the line, the link; the admin is told.
    app.worker.run_mails(Utc::now()).await.unwrap();
    assert_eq!(smtp.wait_for(4, Duration::from_secs(10)).await, 4);
    let analog = mail_to(&smtp, "fleur1@", "Welkom");
    assert!(analog.starts_with("Beste Fleur de Vries,"), "{analog}");
    assert!(analog.contains("0852001010 (+31852001010)"), "{analog}");
    for code in ["*21*0852001010#", "*67*0852001010#", "*61*0852001010#"] {
        assert!(analog.contains(code), "{code}: {analog}");
    }
    assert!(
        !analog.contains("*62*"),
        "no mobile codes for an analog line: {analog}"
    );
    let gsm = mail_to(&smtp, "fleur2@", "Welcome");
    for code in [
        "*61*0852001011*20#",
        "*62*0852001011#",
        "*004*0852001011#",
        "##002#",
    ] {
        assert!(gsm.contains(code), "{code}: {gsm}");
    }
    let alert = mail_to(
        &smtp,
        "admin@demo.centrale.test",
        "Nieuwe klant aangemeld: Bloemenhuis Flora 1",
    );
    assert!(
        alert.contains("0852001010") && alert.contains("fleur1@flora.example"),
        "{alert}"
    );

    // The link sets the password and opens the portal, which shows the new client.
    let link = link_path(&analog, "/portal/password/");
    let mut fleur = PortalVisit::new(&app.api.base);
    let form = fleur.get(&link).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    let set = fleur
        .post_with(
            &link,
            &form.csrf(),
            &[
                ("password", "bloemen en planten"),
                ("repeat", "bloemen en planten"),
            ],
        )
        .await;
    assert_eq!(set.location.as_deref(), Some("/portal/now"), "{}", set.html);
    let now = unescape(&fleur.get("/portal/now").await.html);
    assert!(now.contains("Bloemenhuis Flora 1, goedendag!"), "{now}");
    let forwarding = unescape(&fleur.get("/portal/forwarding?line=analog").await.html);
    assert!(forwarding.contains("*21*0852001010#"), "{forwarding}");

    // Staff see both sign-ups as active, none pending.
    let active = app.api.get("/api/v1/signups?status=active").await;
    assert_eq!(active.body.as_array().unwrap().len(), 2, "{}", active.body);
    let pending = app.api.get("/api/v1/signups").await;
    assert_eq!(pending.body, json!([]));
}

#[tokio::test]
async fn a_released_number_rests_in_quarantine_and_an_empty_pool_keeps_the_signup_for_staff() {
    let smtp = SmtpPeer::start();
    let app = demo_mailing_to(&smtp, |_| {}).await;
    let numbers = app.api.get("/api/v1/numbers").await;
    // Harbour Yachts gives up its number; the pool keeps one free number, +31852001010.
    for number in numbers.body.as_array().unwrap() {
        let id = number["id"].as_str().unwrap();
        match number["number"].as_str().unwrap() {
            "+31852001004" => {
                let released = app
                    .api
                    .put(
                        &format!("/api/v1/numbers/{id}"),
                        json!({"number": "+31852001004"}),
                    )
                    .await;
                assert_eq!(released.status, 200, "{}", released.body);
            }
            free if number["client_id"].is_null() && free != "+31852001010" => {
                assert_eq!(
                    app.api
                        .delete(&format!("/api/v1/numbers/{id}"))
                        .await
                        .status,
                    204
                );
            }
            _ => {}
        }
    }
    let resting = pool_state(&app, "+31852001004").await;
    assert_eq!(resting["state"], "quarantine", "{resting}");
    assert!(resting["until"].is_string(), "{resting}");

    // The quarantined number sorts first but is not given.
    let first = Applicant::florist(1)
        .sign_up(&app.api.base, "/aanmelden")
        .await;
    assert_eq!(number_on(&first).as_deref(), Some("+31852001010"));

    // The pool is empty now: the next business is thanked and kept for staff.
    let second = Applicant::florist(2)
        .sign_up(&app.api.base, "/aanmelden")
        .await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.html);
    assert_eq!(number_on(&second), None);
    assert!(
        unescape(&second.html).contains("binnen één werkdag contact"),
        "{}",
        second.html
    );
    let clients = app.api.get("/api/v1/clients").await;
    assert!(
        !clients.body.to_string().contains("Bloemenhuis Flora 2"),
        "no client without a number"
    );
    let pending = app.api.get("/api/v1/signups").await;
    assert_eq!(
        pending.body[0]["company"], "Bloemenhuis Flora 2",
        "{}",
        pending.body
    );
    assert_eq!(pending.body[0]["status"], "pending");
    app.worker.run_mails(Utc::now()).await.unwrap();
    smtp.wait_for(3, Duration::from_secs(10)).await;
    let alert = mail_to(
        &smtp,
        "admin@",
        "Aanmelding wacht op een nummer: Bloemenhuis Flora 2",
    );
    assert!(alert.contains("geen vrij nummer"), "{alert}");

    // Staff add a number and complete it: the same activation, a welcome mail after it.
    let imported = app
        .api
        .post("/api/v1/numbers/import", json!({"numbers": "+31852001030"}))
        .await;
    assert_eq!(
        imported.body["added"],
        json!(["+31852001030"]),
        "{}",
        imported.body
    );
    let signup = pending.body[0]["id"].as_str().unwrap();
    let done = app
        .api
        .post(&format!("/api/v1/signups/{signup}/activate"), json!({}))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["number"], "+31852001030");
    let again = app
        .api
        .post(&format!("/api/v1/signups/{signup}/activate"), json!({}))
        .await;
    assert_eq!(
        again.status, 404,
        "only a pending sign-up is activated: {}",
        again.body
    );
    app.worker.run_mails(Utc::now()).await.unwrap();
    smtp.wait_for(5, Duration::from_secs(10)).await;
    assert!(mail_to(&smtp, "fleur2@", "Welkom").contains("*21*0852001030#"));
}

#[tokio::test]
async fn an_import_reports_duplicates_foreign_numbers_and_nonsense() {
    let app = TestApp::demo().await;
    let imported = app
        .api
        .post(
            "/api/v1/numbers/import",
            json!({"numbers": "+31852001040-042\n+31852001041\n+31852001001, +32 2 555 12 12; hello"}),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    let body = &imported.body;
    assert_eq!(
        body["added"],
        json!(["+31852001040", "+31852001041", "+31852001042"]),
        "{body}"
    );
    assert_eq!(body["already_in_pool"], json!(["+31852001001"]), "{body}");
    assert_eq!(body["repeated"], json!(["+31852001041"]), "{body}");
    assert_eq!(body["foreign"], json!(["+3225551212"]), "{body}");
    assert_eq!(body["invalid"][0]["entry"], "hello", "{body}");
    assert_eq!(pool_state(&app, "+31852001041").await["state"], "free");
    // Operators may not.
    let anna = app
        .api
        .login_as("anna@demo.centrale.test", "demo-anna-2026")
        .await;
    let refused: Reply = anna
        .post("/api/v1/numbers/import", json!({"numbers": "+31852001050"}))
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn the_form_refuses_bad_input_keeps_what_was_typed_and_drops_what_a_script_fills_in() {
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.signups_per_hour = 3)
        .start()
        .await;
    let base = &app.api.base;
    let with = |key: &'static str, value: &str| {
        let mut fields = Applicant::florist(1).fields();
        for field in &mut fields {
            if field.0 == key {
                field.1 = value.to_owned();
            }
        }
        fields
    };
    // Without the form's token: refused, nothing kept.
    let mut stranger = PortalVisit::new(base);
    let fields: Vec<(&str, String)> = Applicant::florist(1).fields();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        stranger
            .post_with("/aanmelden", "forged", &fields)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A wrong KvK number: said next to the field, the rest kept.
    let wrong = Applicant::submit_fields(base, "/aanmelden", &with("kvk", "1234")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&wrong.html);
    assert!(html.contains("data-field=\"kvk\""), "{html}");
    assert!(html.contains("Controleer dit veld: KvK-nummer"), "{html}");
    assert!(html.contains("value=\"Bloemenhuis Flora 1\""), "{html}");
    // An address with a portal login already (Henk's).
    let taken = Applicant::submit_fields(
        base,
        "/aanmelden",
        &with("email", "henk@vandijk-installatie.example"),
    )
    .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&taken.html).contains("al een login"),
        "{}",
        taken.html
    );
    // The honeypot filled in: thanked, and nothing is kept.
    let bot =
        Applicant::submit_fields(base, "/aanmelden", &with("website", "http://spam.example")).await;
    assert_eq!(bot.status, StatusCode::OK);
    assert_eq!(number_on(&bot), None);
    assert_eq!(app.api.get("/api/v1/signups").await.body, json!([]));
    assert!(
        !app.api
            .get("/api/v1/clients")
            .await
            .body
            .to_string()
            .contains("Flora")
    );
    // The forms sent back for correction were not counted; the honeypot's post was: two more
    // sign-ups make this source's three of the hour, and the next is refused, nothing kept.
    for n in [2, 3] {
        let page = Applicant::florist(n).sign_up(base, "/aanmelden").await;
        assert!(number_on(&page).is_some(), "{}", page.html);
    }
    let limited = Applicant::florist(4).sign_up(base, "/aanmelden").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.html
    );
    assert!(unescape(&limited.html).contains("te veel aanmeldingen"));
    let clients = app.api.get("/api/v1/clients").await.body.to_string();
    assert!(
        clients.contains("Flora 3") && !clients.contains("Flora 4"),
        "{clients}"
    );
}

#[tokio::test]
async fn with_confirmation_on_the_number_comes_after_the_link_which_works_once() {
    let smtp = SmtpPeer::start();
    let app = demo_mailing_to(&smtp, |s| s.signup_confirm_email = true).await;
    let page = Applicant::florist(1)
        .sign_up(&app.api.base, "/aanmelden")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        unescape(&page.html).contains("Klik op de link"),
        "{}",
        page.html
    );
    assert_eq!(number_on(&page), None);
    assert!(
        !app.api
            .get("/api/v1/clients")
            .await
            .body
            .to_string()
            .contains("Flora")
    );
    let unconfirmed = app.api.get("/api/v1/signups?status=unconfirmed").await;
    assert_eq!(unconfirmed.body.as_array().unwrap().len(), 1);

    app.worker.run_mails(Utc::now()).await.unwrap();
    assert_eq!(smtp.wait_for(1, Duration::from_secs(10)).await, 1);
    let mail = mail_to(&smtp, "fleur1@", "Bevestig uw aanmelding");
    let link = link_path(&mail, "/aanmelden/bevestigen/");
    let mut fleur = PortalVisit::new(&app.api.base);
    let confirmed = fleur.get(&link).await;
    assert_eq!(
        number_on(&confirmed).as_deref(),
        Some("+31852001010"),
        "{}",
        confirmed.html
    );
    let again = fleur.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(number_on(&again), None);
    assert_eq!(
        fleur.get("/aanmelden/bevestigen/ctr_nonsense").await.status,
        StatusCode::GONE
    );
    app.worker.run_mails(Utc::now()).await.unwrap();
    smtp.wait_for(3, Duration::from_secs(10)).await;
    assert!(mail_to(&smtp, "fleur1@", "Welkom").contains("*21*0852001010#"));
}

#[tokio::test]
async fn simultaneous_signups_never_get_the_same_number() {
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.signups_per_hour = 100)
        .start()
        .await;
    let base = app.api.base.clone();
    let signups = (0..8).map(|n| {
        let base = base.clone();
        tokio::spawn(async move { Applicant::florist(n).sign_up(&base, "/aanmelden").await })
    });
    let mut numbers = Vec::new();
    for signup in signups {
        let page = signup.await.unwrap();
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        numbers.push(number_on(&page).expect("a number"));
    }
    numbers.sort();
    let expected: Vec<String> = (10..18).map(|n| format!("+318520010{n}")).collect();
    assert_eq!(numbers, expected, "each its own, the first eight free");
}

#[tokio::test]
async fn supervisors_see_the_signup_live_and_operators_do_not() {
    let app = TestApp::demo().await;
    let admin = app.api.events(&app.api.token).await;
    let anna = app
        .api
        .login_as("anna@demo.centrale.test", "demo-anna-2026")
        .await;
    let operator = anna.events(&anna.token).await;
    let page = Applicant::florist(1)
        .sign_up(&app.api.base, "/aanmelden")
        .await;
    assert_eq!(number_on(&page).as_deref(), Some("+31852001010"));
    let event = admin
        .wait_for("client.signed_up", |e| {
            e["company"] == "Bloemenhuis Flora 1"
        })
        .await;
    assert_eq!(event["number"], "+31852001010");
    assert!(event["client_id"].is_string(), "{event}");
    // A later event reaches both; by then the operator would have had the sign-up.
    let state = anna
        .put("/api/v1/operators/me/state", json!({"state": "pause"}))
        .await;
    assert_eq!(state.status, 200, "{}", state.body);
    operator.wait_for("operator.state", |_| true).await;
    assert!(
        operator
            .all()
            .iter()
            .all(|e| e["type"] != "client.signed_up"),
        "{:?}",
        operator.all()
    );
    // Nor may operators read sign-ups.
    assert_eq!(anna.get("/api/v1/signups").await.status, 403);
}
