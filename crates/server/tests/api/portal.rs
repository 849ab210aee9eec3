//! The customer portal over HTTP: who gets in, the one-time password links, what each page
//! shows, and that no portal route (nor any API route) reaches another client.

use centrale_core::calls::{CallOutcome, CallerId, NewCall, Party};
use centrale_core::notes::NoteDraft;
use centrale_core::portal::PortalUserDraft;
use centrale_core::{Actor, CallId, ClientId, EmailAddress, PhoneNumber};
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::portal::PortalVisit;
use centrale_testkit::{SmtpPeer, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration as StdDuration;

const HENK: usize = 1;
const PIET: usize = 0;

async fn client_named(app: &TestApp, name: &str) -> ClientId {
    let clients = app.api.get("/api/v1/clients").await;
    clients
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_str())
        .unwrap()
        .parse()
        .unwrap()
}

async fn henk(app: &TestApp) -> PortalVisit {
    let login = &PORTAL_LOGINS[HENK];
    PortalVisit::login(&app.api.base, login.email, login.password).await
}

/// An HTML attribute's text as the browser reads it (the entities askama writes).
fn unescape(attribute: &str) -> String {
    let mut text = String::new();
    let mut rest = attribute;
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        let end = rest[at..]
            .find(';')
            .map(|e| at + e)
            .expect("an entity ends");
        let entity = &rest[at + 1..end];
        let decoded = match entity {
            "quot" => '"',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "apos" => '\'',
            numeric => {
                let code = numeric.strip_prefix("#x").map_or_else(
                    || numeric.trim_start_matches('#').parse().unwrap(),
                    |hex| u32::from_str_radix(hex, 16).unwrap(),
                );
                char::from_u32(code).unwrap()
            }
        };
        text.push(decoded);
        rest = &rest[end + 1..];
    }
    text + rest
}

#[tokio::test]
async fn the_now_page_shows_the_operators_pop_of_the_users_own_client() {
    let app = TestApp::demo().await;
    let mut henk = henk(&app).await;
    let now = henk.get("/portal/now").await;
    assert_eq!(now.status, StatusCode::OK);
    // The pop as the console gets it, for the pop component (JSON in an attribute).
    let start = now.html.find("data-pop=\"").expect("a pop") + "data-pop=\"".len();
    let end = now.html[start..].find('"').unwrap() + start;
    let json = unescape(&now.html[start..end]);
    let pop: Value = serde_json::from_str(&json).expect("the pop is JSON");
    assert_eq!(pop["client_name"], "Van Dijk Installatietechniek");
    assert_eq!(pop["instructions_kind"], "temporary");
    assert_eq!(pop["instructions"]["title"], "Bedrijfsvakantie");
    assert_eq!(
        pop["greeting"],
        "Van Dijk Installatietechniek, vakantiedienst, goedendag!"
    );
    assert_eq!(pop["employees"].as_array().unwrap().len(), 2);
    assert!(!now.html.contains("Gouden Korst"));
    // The same component as the console's: its markup and script.
    assert!(now.html.contains("id=\"pop-instructions\""));
    assert!(now.html.contains("/assets/pop.js"));
}

#[tokio::test]
async fn only_portal_users_with_the_right_password_get_in_and_sessions_stay_apart() {
    let app = TestApp::demo().await;
    let mut visit = PortalVisit::new(&app.api.base);
    let wrong = visit
        .try_login(PORTAL_LOGINS[HENK].email, "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("Onjuist e-mailadres of wachtwoord."));
    // Bureau staff are not portal users.
    let staff = visit
        .try_login(
            centrale_server::demo::LOGINS[0].email,
            centrale_server::demo::LOGINS[0].password,
        )
        .await;
    assert_eq!(staff.status, StatusCode::UNAUTHORIZED);
    // Without a session every page sends to the login.
    assert_eq!(
        visit.get("/portal/calls").await.location.as_deref(),
        Some("/portal/login")
    );

    let henk = henk(&app).await;
    let token = henk.cookie("centrale_portal").unwrap().to_owned();
    // A portal session opens neither the API nor the console.
    let mut as_staff = PortalVisit::new(&app.api.base);
    as_staff.set_cookie("centrale_session", &token);
    let me = as_staff.get("/api/v1/staff/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        as_staff.get("/console").await.location.as_deref(),
        Some("/console/login")
    );
    // And a staff token is no portal session.
    let mut staff_cookie = PortalVisit::new(&app.api.base);
    staff_cookie.set_cookie("centrale_portal", &app.api.token);
    assert_eq!(
        staff_cookie.get("/portal/now").await.location.as_deref(),
        Some("/portal/login")
    );
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_change_nothing() {
    let app = TestApp::demo().await;
    let van_dijk = client_named(&app, "Van Dijk Installatietechniek").await;
    let mut henk = henk(&app).await;
    let refused = henk
        .post_with(
            "/portal/colleagues",
            "not-the-token",
            &[("email", "sara@vandijk-installatie.example")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.list_portal_users(van_dijk).await.unwrap().len(),
        1
    );
    let logout = henk.post_with("/portal/logout", "", &[]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert_eq!(henk.get("/portal/now").await.status, StatusCode::OK);
    // With it, logging out ends the session.
    let out = henk.post("/portal/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/portal/login"));
    assert!(henk.cookie("centrale_portal").is_none());
}

/// The link in the invitation mail to `to`.
fn link_in(smtp: &SmtpPeer, to: &str) -> String {
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.to.contains(to))
        .unwrap_or_else(|| panic!("no mail to {to}"));
    let start = mail.text.find("http://").expect("a link");
    let link = mail.text[start..].split_whitespace().next().unwrap();
    let path = link.find("/portal/password/").unwrap();
    link[path..].to_owned()
}

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

/// A call of `client` from `caller`, answered, with a note `message` (urgent or not).
async fn call_with_note(
    app: &TestApp,
    client: ClientId,
    caller: &str,
    message: &str,
    urgent: bool,
    ago: Duration,
) {
    let arrived = Utc::now() - ago;
    let call = NewCall {
        id: CallId::new(),
        client_id: client,
        caller: CallerId {
            number: Some(PhoneNumber::parse(caller).unwrap()),
            name: None,
        },
        dialled: PhoneNumber::parse("+31852001003").unwrap(),
        original: Some("+31301234567".into()),
        arrived_at: arrived,
    };
    app.store.record_arrival(&call).await.unwrap();
    app.store
        .record_end(
            client,
            call.id,
            arrived + Duration::seconds(40),
            Party::Caller,
            CallOutcome::Answered,
        )
        .await
        .unwrap();
    let draft = NoteDraft {
        caller_name: "Jan de Wit".into(),
        message: message.into(),
        urgent,
        for_general: true,
        ..NoteDraft::default()
    };
    app.store
        .save_call_note(
            client,
            call.id,
            &CallId::new().to_string(),
            &draft,
            &Actor::system(),
            &[],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn calls_are_the_clients_own_filtered_searched_paged_and_exported() {
    let app = TestApp::demo().await;
    let van_dijk = client_named(&app, "Van Dijk Installatietechniek").await;
    let bakery = client_named(&app, "Bakkerij De Gouden Korst").await;
    call_with_note(
        &app,
        van_dijk,
        "+31612340001",
        "Storing cv-ketel, graag bellen",
        true,
        Duration::hours(1),
    )
    .await;
    call_with_note(
        &app,
        van_dijk,
        "+31612340002",
        "=HYPERLINK(\"http://evil\") offerte",
        false,
        Duration::days(3),
    )
    .await;
    call_with_note(
        &app,
        bakery,
        "+31612340003",
        "Bestelling taarten",
        false,
        Duration::hours(2),
    )
    .await;
    let mut henk = henk(&app).await;

    let all = henk.get("/portal/calls").await.html;
    assert!(all.contains("Storing cv-ketel"));
    assert!(all.contains("offerte"));
    assert!(!all.contains("taarten"), "another client's call is listed");
    let urgent = henk.get("/portal/calls?urgent=1").await.html;
    assert!(urgent.contains("Storing cv-ketel") && !urgent.contains("offerte"));
    let searched = henk.get("/portal/calls?q=CV-KETEL").await.html;
    assert!(searched.contains("Storing cv-ketel") && !searched.contains("offerte"));
    let by_caller = henk.get("/portal/calls?caller=06%2012340002").await.html;
    assert!(by_caller.contains("offerte") && !by_caller.contains("cv-ketel"));
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let recent = henk
        .get(&format!(
            "/portal/calls?from={}",
            today - chrono::Days::new(1)
        ))
        .await
        .html;
    assert!(recent.contains("cv-ketel") && !recent.contains("offerte"));
    // A wrong filter is said, and what was typed stays.
    let wrong = henk.get("/portal/calls?from=gisteren").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("Klopt niet: Vanaf"));
    assert!(wrong.html.contains("value=\"gisteren\""));
    let inverted = henk
        .get("/portal/calls?from=2026-12-10&to=2026-12-01")
        .await;
    assert_eq!(inverted.status, StatusCode::UNPROCESSABLE_ENTITY);

    let csv = henk.get("/portal/calls.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.cache_control.as_deref(), Some("no-store"));
    let mut rows = csv::Reader::from_reader(csv.html.as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&rows.headers().unwrap()[8], "bericht");
    assert_eq!(&records[0][8], "Storing cv-ketel, graag bellen");
    // A cell a spreadsheet would run as a formula is defused, and every cell is quoted (a
    // spreadsheet splitting on ';' keeps it whole).
    assert!(records[1][8].starts_with("'="), "{}", &records[1][8]);
    assert!(csv.html.lines().nth(1).unwrap().starts_with('"'));
    assert_eq!(&records[0][9], "1");
}

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

#[tokio::test]
async fn the_forwarding_help_fills_in_the_clients_number_for_its_line() {
    let app = TestApp::demo().await;
    let mut henk = henk(&app).await;
    let analog = henk.get("/portal/forwarding").await.html;
    assert!(analog.contains("<code>*21*0852001003#</code>"));
    assert!(analog.contains("<code>#21#</code>"));
    let mobile = henk
        .get("/portal/forwarding?line=mobile&ring=15")
        .await
        .html;
    assert!(mobile.contains("<code>*61*0852001003*15#</code>"));
    assert!(mobile.contains("<code>##002#</code>"));
    let odd = henk
        .get("/portal/forwarding?line=mobile&ring=12")
        .await
        .html;
    assert!(odd.contains("<code>*61*0852001003*20#</code>"));
    assert!(odd.contains("stappen van 5"));
    let pbx = henk.get("/portal/forwarding?line=pbx").await.html;
    assert!(pbx.contains("telefooncentrale") && pbx.contains("<strong>0852001003</strong>"));
    let invoices = henk.get("/portal/invoices").await.html;
    assert!(invoices.contains("Er zijn nog geen facturen."));
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
