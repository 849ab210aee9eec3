//! The portal's instructions editor over HTTP: temporary sets with a period (overlaps
//! explained, inverted periods refused), the timeline, ending and deleting, the standard set,
//! every change in the history with who made it, and edits that lost a race.

use crate::portal_kit::{henk, van_dijk};
use centrale_testkit::TestApp;
use centrale_testkit::portal::{Page, PortalVisit};
use chrono::{Days, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

/// A wall-clock minute `days` from now in Amsterdam, as the form's datetime-local.
fn wall(days: i64, hour: u32) -> String {
    let day = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let day = if days >= 0 {
        day + Days::new(days as u64)
    } else {
        day - Days::new((-days) as u64)
    };
    format!("{day}T{hour:02}:00")
}

/// Posts a temporary set "Beurs" from `start` to `end`.
async fn post_set(visit: &mut PortalVisit, start: &str, end: &str, confirm: bool) -> Page {
    let mut fields = vec![
        ("title", "Beurs"),
        ("start", start),
        ("end", end),
        ("text", "Wij staan op de vakbeurs, hal 7. Spoed: bel Sara."),
        ("greeting", "Van Dijk op de beurs, goedendag!"),
        ("step_kind", "call"),
        ("step_to", "06 12345003"),
        ("step_name", "Sara Koster"),
    ];
    if confirm {
        fields.push(("confirm_overlap", "1"));
    }
    visit.post("/portal/instructions", &fields).await
}

#[tokio::test]
async fn a_temporary_set_overlapping_another_is_explained_then_saved_and_laid_out() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let (start, end) = (wall(7, 8), wall(9, 18));
    // The holiday runs until two weeks from now: the fair overlaps it.
    let explained = post_set(&mut henk, &start, &end, false).await;
    assert_eq!(explained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        explained
            .html
            .contains("overlapt met andere tijdelijke instructies")
    );
    assert!(explained.html.contains("Bedrijfsvakantie ("));
    assert!(
        explained.html.contains("value=\"Beurs\""),
        "what was typed stays"
    );
    assert_eq!(
        app.store.list_instruction_sets(client).await.unwrap().len(),
        2
    );

    let saved = post_set(&mut henk, &start, &end, true).await;
    let location = saved.location.expect("saved, to the set's page");
    assert!(location.starts_with("/portal/instructions/"));
    let sets = app.store.list_instruction_sets(client).await.unwrap();
    let fair = sets
        .iter()
        .find(|s| s.draft.title == "Beurs")
        .expect("the fair is stored");
    assert_eq!(
        fair.updated_by.as_str(),
        "portal:henk@vandijk-installatie.example"
    );
    assert_eq!(fair.draft.content.emergency.len(), 1);

    let list = henk.get("/portal/instructions").await.html;
    let timeline = &list[list.find("id=\"timeline\"").unwrap()..];
    let day = |s: &str| {
        let (date, time) = s.split_once('T').unwrap();
        let mut parts = date.split('-');
        let (y, m, d) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        format!("{d}-{m}-{y} {time}")
    };
    assert!(
        timeline.contains(&format!(
            "{} – {}</span> <strong>Beurs</strong>",
            day(&start),
            day(&end)
        )),
        "{timeline}"
    );
    assert!(timeline.contains("<strong>Bedrijfsvakantie</strong>"));
    // Not in force yet: a call now still gets the holiday.
    assert!(
        henk.get("/portal/now")
            .await
            .html
            .contains("Bedrijfsvakantie")
    );

    let page = henk.get(&location).await.html;
    assert!(page.contains("Versie 1"));
    assert!(page.contains("henk@vandijk-installatie.example"));
    assert!(page.contains("+ Wij staan op de vakbeurs, hal 7. Spoed: bel Sara."));
}

#[tokio::test]
async fn an_inverted_or_unreadable_period_is_refused_with_the_form_kept() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let inverted = post_set(&mut henk, &wall(9, 8), &wall(7, 18), true).await;
    assert_eq!(inverted.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        inverted
            .html
            .contains("Het einde moet na het begin liggen.")
    );
    assert!(inverted.html.contains("Wij staan op de vakbeurs"));
    let unreadable = post_set(&mut henk, "morgen", &wall(7, 18), true).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unreadable.html.contains("Vul datum en tijd in."));
    // Another client's employee, or a step without a usable number: said, not stored.
    let bakery_employee = {
        let clients = app.api.get("/api/v1/clients").await;
        let bakery = clients
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Bakkerij De Gouden Korst")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.api
            .get(&format!("/api/v1/clients/{bakery}/employees"))
            .await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let foreign = henk
        .post(
            "/portal/instructions",
            &[
                ("title", "X"),
                ("start", &wall(20, 8)),
                ("end", &wall(21, 8)),
                ("put_through", &bakery_employee),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.html.contains("Die medewerker bestaat niet (meer)."));
    let no_number = henk
        .post(
            "/portal/instructions",
            &[
                ("title", "X"),
                ("start", &wall(20, 8)),
                ("end", &wall(21, 8)),
                ("step_kind", "sms"),
                ("step_to", "bel Henk"),
            ],
        )
        .await;
    assert_eq!(no_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_number
            .html
            .contains("Vul een geldig telefoonnummer in voor deze stap.")
    );
    assert_eq!(
        app.store.list_instruction_sets(client).await.unwrap().len(),
        2
    );
}

#[tokio::test]
async fn an_edit_that_lost_a_race_is_refused_with_both_versions_shown() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let standard = app.store.list_instruction_sets(client).await.unwrap()[0].clone();
    let path = format!("/portal/instructions/{}", standard.id);
    let mut second = henk(&app).await;
    let mut henk = henk(&app).await;
    // Both opened the standard set at its version; Henk saves first.
    let version = standard.version.to_string();
    let first = henk
        .post(
            &path,
            &[
                ("version", version.as_str()),
                ("text", "Storingen: vraag adres.\nOffertes naar Sara."),
            ],
        )
        .await;
    assert_eq!(
        first.location.as_deref(),
        Some(format!("{path}?saved=1").as_str())
    );
    let lost = second
        .post(
            &path,
            &[("version", version.as_str()), ("text", "Alles naar Henk.")],
        )
        .await;
    assert_eq!(lost.status, StatusCode::CONFLICT);
    assert!(
        lost.html
            .contains("iemand anders heeft deze instructies intussen gewijzigd")
    );
    assert!(
        lost.html
            .contains("<pre id=\"theirs-text\">Storingen: vraag adres.\nOffertes naar Sara.</pre>")
    );
    assert!(
        lost.html
            .contains("<pre id=\"yours-text\">Alles naar Henk.</pre>")
    );
    let stored = app
        .store
        .instruction_set(client, standard.id)
        .await
        .unwrap();
    assert_eq!(stored.draft.title, standard.draft.title, "its name stays");
    assert_eq!(
        stored.draft.content.text,
        "Storingen: vraag adres.\nOffertes naar Sara."
    );
    // Saving again from the refused page (it carries the version now stored) goes in.
    let now_version = stored.version.to_string();
    let again = second
        .post(
            &path,
            &[
                ("version", now_version.as_str()),
                ("text", "Alles naar Henk."),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);

    // A change by bureau staff through the API shows in the same history, as theirs.
    let bureau = app
        .api
        .put(
            &format!("/api/v1/clients/{client}/instructions/{}", standard.id),
            json!({"content": {"text": "Alles naar Henk.\nBeurs: hal 7."}}),
        )
        .await;
    assert_eq!(bureau.status, StatusCode::OK, "{}", bureau.body);
    let page = henk.get(&path).await.html;
    let history = &page[page.find("id=\"history\"").unwrap()..];
    assert!(history.contains("admin@demo.centrale.test (antwoordservice)"));
    assert!(
        history.contains("<span class=\"same\">  Alles naar Henk.</span>"),
        "{history}"
    );
    assert!(history.contains("<span class=\"added\">+ Beurs: hal 7.</span>"));
    assert!(history.contains("<span class=\"removed\">- Offertes naar Sara.</span>"));
    // Newest first.
    let newest = history
        .find(&format!("Versie {}", stored.version + 2))
        .unwrap();
    assert!(newest < history.find(&format!("Versie {}", stored.version)).unwrap());
}

#[tokio::test]
async fn a_set_in_force_pops_until_it_is_ended_and_a_deleted_set_keeps_its_history() {
    let app = TestApp::demo().await;
    let client = van_dijk(&app).await;
    let mut henk = henk(&app).await;
    let saved = post_set(&mut henk, &wall(-1, 8), &wall(3, 18), true).await;
    let path = saved.location.unwrap();
    // In force now, and starting after the holiday: the pop is the fair's.
    let now = henk.get("/portal/now").await.html;
    assert!(now.contains("Van Dijk op de beurs, goedendag!"));
    let ended = henk.post(&format!("{path}/end"), &[("version", "1")]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let set = app
        .store
        .list_instruction_sets(client)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.draft.title == "Beurs")
        .unwrap();
    let (_, end) = set
        .draft
        .period
        .unwrap()
        .instants(chrono_tz::Europe::Amsterdam);
    assert!(end <= Utc::now() + Duration::minutes(1) && end > Utc::now() - Duration::minutes(2));
    assert!(!henk.get("/portal/now").await.html.contains("op de beurs"));
    // Ended, it cannot be ended again.
    let again = henk.post(&format!("{path}/end"), &[("version", "2")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    let deleted = henk.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(deleted.location.as_deref(), Some("/portal/instructions"));
    assert!(
        !henk
            .get("/portal/instructions")
            .await
            .html
            .contains(">Beurs<")
    );
    let history = app.store.instruction_history(client, set.id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(history[2].set.is_none());
    assert_eq!(henk.get(&path).await.status, StatusCode::NOT_FOUND);
    // The standard set cannot be deleted.
    let standard = app.store.list_instruction_sets(client).await.unwrap()[0].id;
    let refused = henk
        .post(&format!("/portal/instructions/{standard}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
