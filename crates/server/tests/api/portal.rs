//! The customer portal over HTTP: who gets in, what the pages show (the operator's pop, calls
//! and notes, forwarding codes), and forms without their CSRF token.

use crate::portal_kit::{HENK, client_named, henk, unescape};
use centrale_core::calls::{CallOutcome, CallerId, NewCall, Party};
use centrale_core::notes::NoteDraft;
use centrale_core::{Actor, CallId, ClientId, PhoneNumber};
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::TestApp;
use centrale_testkit::portal::PortalVisit;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

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
