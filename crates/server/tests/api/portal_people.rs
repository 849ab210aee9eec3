//! The portal's employees, known callers and delivery settings over HTTP: what is typed wrong
//! is said and kept, what is saved reaches the operator's pop, and a test message arrives.

use crate::portal_kit::{henk, van_dijk};
use centrale_testkit::{SmtpPeer, TestApp};
use chrono::Utc;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn employees_are_added_changed_and_removed_and_the_pop_follows() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let wrong = henk
        .post(
            "/portal/employees",
            &[
                ("name", "Joop Monteur"),
                ("mobile", "06 123"),
                ("emails", "joop@vandijk-installatie.example"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("aria-invalid=\"true\""));
    assert!(
        wrong
            .html
            .contains("value=\"joop@vandijk-installatie.example\""),
        "what was typed stays"
    );
    let no_mobile = henk
        .post(
            "/portal/employees",
            &[("name", "Joop Monteur"), ("sms", "always")],
        )
        .await;
    assert!(
        no_mobile
            .html
            .contains("Voor sms is een mobiel nummer nodig.")
    );
    assert_eq!(app.store.list_employees(client).await.unwrap().len(), 2);

    let added = henk
        .post(
            "/portal/employees",
            &[
                ("name", "Joop Monteur"),
                ("role", "storingsdienst"),
                (
                    "emails",
                    "joop@vandijk-installatie.example, storing@vandijk-installatie.example",
                ),
                ("mobile", "06 12345009"),
                ("sms", "urgent_only"),
                ("reachable", "1"),
            ],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/portal/employees"));
    let joop = app
        .store
        .list_employees(client)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.draft.name == "Joop Monteur")
        .unwrap();
    assert_eq!(joop.draft.emails.len(), 2);
    assert_eq!(joop.draft.mobile.as_ref().unwrap().as_str(), "+31612345009");
    // The pop (JSON in the page, for the pop component) lists him.
    let pop = henk.get("/portal/now").await.html;
    assert!(
        pop.contains(
            "&#34;name&#34;:&#34;Joop Monteur&#34;,&#34;role&#34;:&#34;storingsdienst&#34;"
        )
    );

    // Not reachable this week: the pop says so (and he is no transfer destination).
    let path = format!("/portal/employees/{}", joop.id);
    let edit = henk.get(&path).await;
    assert!(edit.html.contains("value=\"storingsdienst\""));
    let changed = henk
        .post(
            &path,
            &[
                ("name", "Joop Monteur"),
                ("role", "storingsdienst"),
                ("mobile", "06 12345009"),
                ("sms", "never"),
            ],
        )
        .await;
    assert_eq!(changed.location.as_deref(), Some("/portal/employees"));
    let now = henk.get("/portal/now").await.html;
    let at = now.find("Joop Monteur").unwrap();
    assert!(
        now[at..at + 300].contains("&#34;reachable&#34;:false"),
        "{}",
        &now[at..at + 300]
    );
    assert!(
        !now.contains("+31612345009&#34;,&#34;line"),
        "not a destination while unreachable"
    );

    let removed = henk.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(removed.location.as_deref(), Some("/portal/employees"));
    assert!(
        !henk
            .get("/portal/employees")
            .await
            .html
            .contains("Joop Monteur")
    );
}

#[tokio::test]
async fn known_callers_are_kept_with_remarks_and_extra_attention() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let wrong = henk
        .post(
            "/portal/callers",
            &[("number", "bel me"), ("name", "Bouwbedrijf Jansen")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("value=\"Bouwbedrijf Jansen\""));
    let added = henk
        .post(
            "/portal/callers",
            &[
                ("number", "030 1234 567"),
                ("name", "Bouwbedrijf Jansen"),
                ("remarks", "Groot project, altijd doorverbinden met Henk."),
                ("vip", "1"),
            ],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/portal/employees#callers"));
    let contacts = app.store.list_contacts(client).await.unwrap();
    let jansen = contacts
        .iter()
        .find(|c| c.draft.name == "Bouwbedrijf Jansen")
        .unwrap();
    assert!(jansen.draft.vip);
    assert_eq!(jansen.draft.number.as_str(), "+31301234567");
    let listed = henk.get("/portal/employees").await.html;
    assert!(listed.contains("Groot project, altijd doorverbinden met Henk."));
    // The same number twice is refused, and said.
    let twice = henk
        .post(
            "/portal/callers",
            &[("number", "+31301234567"), ("name", "Jansen")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/portal/callers/{}", jansen.id);
    let changed = henk
        .post(
            &path,
            &[
                ("number", "030 1234 567"),
                ("name", "Bouwbedrijf Jansen BV"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let now = app.store.contact(client, jansen.id).await.unwrap();
    assert_eq!(now.draft.name, "Bouwbedrijf Jansen BV");
    assert!(!now.draft.vip);
    henk.post(&format!("{path}/delete"), &[]).await;
    assert!(app.store.contact(client, jansen.id).await.is_err());
}

#[tokio::test]
async fn delivery_settings_are_kept_and_a_test_message_arrives_only_at_an_address_on_file() {
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.smtp_url = smtp.url())
        .start()
        .await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let wrong = henk
        .post(
            "/portal/delivery/addresses",
            &[(
                "general",
                "kantoor@vandijk-installatie.example, niet-een-adres",
            )],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("niet-een-adres"));
    let saved = henk
        .post(
            "/portal/delivery/addresses",
            &[(
                "general",
                "kantoor@vandijk-installatie.example; planning@vandijk-installatie.example",
            )],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/portal/delivery?done=addresses")
    );
    let emails = app.store.client(client).await.unwrap().draft.emails;
    assert_eq!(emails.len(), 2);

    let late = henk
        .post(
            "/portal/delivery/digest",
            &[("enabled", "1"), ("send_at", "25:00")],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.html.contains("value=\"25:00\""));
    henk.post(
        "/portal/delivery/digest",
        &[
            ("enabled", "1"),
            ("send_at", "17:30"),
            ("include_empty", "1"),
        ],
    )
    .await;
    let digest = app.store.digest_settings(client).await.unwrap();
    assert!(digest.enabled && digest.include_empty);
    assert_eq!(digest.send_at.time().format("%H:%M").to_string(), "17:30");

    // A test only to an address the client has on file (the portal relays mail to no one else).
    let stranger = henk
        .post(
            "/portal/delivery/test",
            &[("to", "someone@elsewhere.example")],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = henk
        .post(
            "/portal/delivery/test",
            &[("to", "sara@vandijk-installatie.example")],
        )
        .await;
    assert_eq!(sent.location.as_deref(), Some("/portal/delivery?done=test"));
    app.worker.run_portal_mails(Utc::now()).await.unwrap();
    // The daily list just switched on may be mailed too (to the general addresses): the test
    // message is the one to Sara, and there is exactly one.
    assert!(smtp.wait_for(1, Duration::from_secs(10)).await >= 1);
    let tests: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject == "Testbericht voor Van Dijk Installatietechniek")
        .collect();
    assert_eq!(
        tests.len(),
        1,
        "{:?}",
        smtp.messages()
            .iter()
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
    assert!(tests[0].to.contains("sara@vandijk-installatie.example"));
}
