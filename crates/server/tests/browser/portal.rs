//! The customer portal in Chromium: a portal user of Van Dijk sees what the operator sees,
//! adds a temporary set "Beurs" with the live preview, and the next call pops it in the
//! console. Each page is photographed into `test-artifacts/`.

use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::{Chrome, TestApp, VAN_DIJK_NUMBER};
use chrono::{Days, Utc};
use fantoccini::Locator;

#[tokio::test]
async fn a_client_adds_a_trade_fair_and_the_next_call_pops_it_at_the_operator() {
    let env = TestApp::demo().await;
    let chrome = Chrome::start().await;
    let henk = &PORTAL_LOGINS[1];
    chrome
        .login_at(&env.api.base, "/portal/login", henk.email, henk.password)
        .await;
    // Now: the operator's pop, painted by the console's component.
    chrome
        .text_when("pop-client", |t| t == "Van Dijk Installatietechniek")
        .await;
    chrome
        .text_when("pop-greeting", |t| {
            t == "Van Dijk Installatietechniek, vakantiedienst, goedendag!"
        })
        .await;
    chrome
        .text_when("pop-period", |t| t.starts_with("Bedrijfsvakantie"))
        .await;
    chrome
        .text_when("pop-employees", |t| t.contains("Henk van Dijk"))
        .await;
    chrome.screenshot("portal-now").await;

    // A fair from an hour ago for a week: the preview follows what is typed.
    chrome.click_link("/portal/instructions").await;
    chrome.text_when("new-title", |t| !t.is_empty()).await;
    let local = Utc::now().with_timezone(&chrono_tz::Europe::Amsterdam);
    let start = (local - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:00")
        .to_string();
    let end = (local.date_naive() + Days::new(7))
        .format("%Y-%m-%dT18:00")
        .to_string();
    chrome.click("set-title").await;
    chrome.keys("Beurs").await;
    chrome.set_value("set-start", &start).await;
    chrome.set_value("set-end", &end).await;
    chrome.click("set-greeting").await;
    chrome.keys("Van Dijk op de beurs, goedendag!").await;
    chrome.click("set-text").await;
    chrome
        .keys("Wij staan op de vakbeurs, hal 7. Offertes: noteer en stuur naar Sara.")
        .await;
    chrome
        .text_when("pop-instructions", |t| t.contains("vakbeurs, hal 7"))
        .await;
    chrome
        .text_when("pop-greeting", |t| t == "Van Dijk op de beurs, goedendag!")
        .await;
    chrome
        .text_when("pop-period", |t| t.starts_with("Beurs"))
        .await;
    chrome
        .text_when("pop-instructions-kind", |t| t == "Tijdelijke instructies")
        .await;
    chrome.screenshot("portal-instructions-preview").await;

    // It overlaps the holiday: explained, then confirmed.
    chrome
        .client
        .find(Locator::Css("#set-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome
        .text_when("overlap", |t| t.contains("Bedrijfsvakantie"))
        .await;
    chrome
        .client
        .find(Locator::Css("input[name=confirm_overlap]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome
        .client
        .find(Locator::Css("#set-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome.text_when("set-heading", |t| t == "Beurs").await;
    chrome
        .text_when("history", |t| t.contains("Versie 1"))
        .await;
    chrome.screenshot("portal-instruction").await;
    chrome.click_link("/portal/instructions").await;
    chrome.text_when("timeline", |t| t.contains("Beurs")).await;
    chrome.screenshot("portal-instructions").await;
    for (page, ready) in [
        ("/portal/calls", "calls-heading"),
        ("/portal/employees", "people-heading"),
        ("/portal/delivery", "delivery-heading"),
        ("/portal/forwarding", "forwarding-heading"),
        ("/portal/colleagues", "colleagues-heading"),
        ("/portal/invoices", "invoices-heading"),
        ("/portal/security", "security-heading"),
    ] {
        chrome.click_link(page).await;
        chrome.text_when(ready, |t| !t.is_empty()).await;
        chrome
            .screenshot(&format!("portal-{}", page.trim_start_matches("/portal/")))
            .await;
    }

    // Henk shares his agenda as a file: in an appointment until an hour and a half from now.
    let client = env
        .store
        .list_clients()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.draft.name == "Van Dijk Installatietechniek")
        .unwrap();
    let henk_id = env
        .store
        .list_employees(client.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.draft.name == "Henk van Dijk")
        .unwrap()
        .id;
    let until = Utc::now() + chrono::Duration::minutes(90);
    let stamp = |at: chrono::DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        stamp(Utc::now() - chrono::Duration::minutes(15)),
        stamp(until)
    );
    chrome.click_link("/portal/agenda").await;
    chrome.text_when("agenda-heading", |t| !t.is_empty()).await;
    chrome.set_value(&format!("ics-{henk_id}"), &ics).await;
    chrome
        .client
        .find(Locator::Css(&format!(
            "#agenda-of-{henk_id} form.upload button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome
        .text_when(&format!("agenda-of-{henk_id}"), |t| {
            t.contains("Gedeeld als bestand")
        })
        .await;
    chrome.screenshot("portal-agenda").await;
    let until_local = until
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%H:%M")
        .to_string();

    // The next call to Van Dijk pops the fair at the operator, and Henk's appointment.
    let anna = env.operator(1).await;
    let console = Chrome::start().await;
    console
        .login(&env.api.base, "anna@demo.centrale.test", "demo-anna-2026")
        .await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &["-d", "1000"]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;
    console.text_when("my-state", |t| t == "Beschikbaar").await;
    let carrier = env.carrier("carrier_call.xml", VAN_DIJK_NUMBER, &["-d", "3000"]);
    console
        .text_when("pop-client", |t| t == "Van Dijk Installatietechniek")
        .await;
    console
        .text_when("pop-greeting", |t| t == "Van Dijk op de beurs, goedendag!")
        .await;
    console
        .text_when("pop-period", |t| t.starts_with("Beurs"))
        .await;
    console
        .text_when("pop-instructions", |t| t.contains("vakbeurs, hal 7"))
        .await;
    console
        .text_when("pop-employees", |t| {
            t.contains(&format!(
                "Henk van Dijk (directeur) — bereikbaar · afspraak tot {until_local}"
            ))
        })
        .await;
    console.screenshot("console-pop-after-portal-edit").await;
    carrier.finish().await.assert_ok("carrier call");
    phone.finish().await.assert_ok("operator phone");
}
