//! The bureau's pages as supervisors and admins use them over HTTP, and swept: no bureau
//! route opens for an operator, a portal user or nobody, and no form works without its token.

use crate::portal_kit::{client_named, henk, unescape};
use centrale_testkit::TestApp;
use centrale_testkit::portal::{Page, PortalVisit};
use reqwest::StatusCode;

/// A staff member's visit: the console's login form, then the bureau's pages with its cookie.
async fn staff_visit(app: &TestApp, email: &str, password: &str) -> PortalVisit {
    let mut visit = PortalVisit::new(&app.api.base);
    let form = visit.get("/console/login").await;
    let page = visit
        .post_with(
            "/console/login",
            &form.csrf(),
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    visit
}

async fn admin(app: &TestApp) -> PortalVisit {
    staff_visit(app, "admin@demo.centrale.test", "demo-admin-2026").await
}

/// Posts `fields` on a bureau page with the session's token (read from `page`).
async fn post(visit: &mut PortalVisit, page: &str, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = visit.get(page).await.csrf();
    visit.post_with(path, &csrf, fields).await
}

#[tokio::test]
async fn staff_create_a_client_give_it_a_number_and_edit_its_instructions_as_the_bureau() {
    let app = TestApp::demo().await;
    let mut admin = admin(&app).await;
    let list = admin.get("/bureau/clients").await;
    assert_eq!(list.status, 200);
    assert!(
        list.html.contains("Van Dijk Installatietechniek"),
        "{}",
        list.html
    );
    let search = unescape(&admin.get("/bureau/clients?q=bakkerij").await.html);
    assert!(
        search.contains("Bakkerij De Gouden Korst") && !search.contains("Van Dijk"),
        "{search}"
    );

    let created = post(
        &mut admin,
        "/bureau/clients",
        "/bureau/clients",
        &[
            ("name", "Tandarts Smit"),
            ("greeting", "Tandartspraktijk Smit, goedemorgen"),
            ("emails", "balie@smit.example"),
            ("language", "nl"),
        ],
    )
    .await;
    let page = created.location.clone().expect("to the client's page");
    assert!(page.ends_with("?done=created"), "{page}");
    let client_path = page.split('?').next().unwrap().to_owned();
    let shown = unescape(&admin.get(&page).await.html);
    assert!(shown.contains("De klant is aangemaakt."), "{shown}");

    // A free number of the pool, assigned from the page.
    let number_id = shown
        .split("id=\"assign\"")
        .nth(1)
        .and_then(|select| select.split("<option value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("a free number offered")
        .to_owned();
    let assigned = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/numbers"),
        &[("number", &number_id)],
    )
    .await;
    assert!(
        assigned
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with("done=assigned"),
        "{assigned:?}"
    );
    let smit = client_named(&app, "Tandarts Smit").await;
    let numbers = app
        .api
        .get(&format!("/api/v1/clients/{smit}/numbers"))
        .await;
    assert_eq!(
        numbers.body[0]["number"], "+31852001010",
        "{}",
        numbers.body
    );

    // Instructions saved as the bureau; the portal's history says so.
    let version = {
        let html = admin.get(&client_path).await.html;
        let marker = "name=\"version\" value=\"";
        let at = html.find(marker).unwrap() + marker.len();
        html[at..].split('"').next().unwrap().to_owned()
    };
    let saved = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/instructions"),
        &[
            ("text", "Spoed: bel de dienstdoende tandarts."),
            ("greeting_override", ""),
            ("version", &version),
        ],
    )
    .await;
    assert!(
        saved
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with("done=instructions"),
        "{saved:?}"
    );
    // The same version again is someone else's stale page: refused, nothing overwritten.
    let stale = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/instructions"),
        &[("text", "Oud"), ("version", &version)],
    )
    .await;
    assert!(
        stale
            .location
            .as_deref()
            .unwrap_or_default()
            .contains("error="),
        "{stale:?}"
    );
    let history = unescape(&admin.get(&client_path).await.html);
    assert!(
        history.contains("admin@demo.centrale.test (bureau)"),
        "{history}"
    );
    let sets = app
        .api
        .get(&format!("/api/v1/clients/{smit}/instructions"))
        .await;
    assert_eq!(
        sets.body[0]["content"]["text"],
        "Spoed: bel de dienstdoende tandarts."
    );

    // A portal user invited by the bureau; the portal shows the bureau's change as such.
    let invited = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/portal-users"),
        &[
            ("email", "balie@smit.example"),
            ("name", "Sanne"),
            ("admin", "on"),
        ],
    )
    .await;
    assert!(invited.location.unwrap().ends_with("done=invited"));
    let users = app.store.list_portal_users(smit).await.unwrap();
    assert_eq!(users[0].draft.email.as_str(), "balie@smit.example");
    assert!(users[0].draft.admin);

    // Suspended: its calls are refused; resumed again.
    let suspended = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/status"),
        &[("status", "suspended")],
    )
    .await;
    assert!(suspended.location.unwrap().ends_with("done=suspended"));
    assert_eq!(
        app.api.get(&format!("/api/v1/clients/{smit}")).await.body["status"],
        "suspended"
    );
    let resumed = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/status"),
        &[("status", "active")],
    )
    .await;
    assert!(resumed.location.unwrap().ends_with("done=resumed"));

    // Deleting needs the name typed; then its number rests in quarantine.
    let wrong = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/delete"),
        &[("confirm", "Smit")],
    )
    .await;
    assert!(wrong.location.unwrap().contains("error="));
    assert_eq!(
        app.api.get(&format!("/api/v1/clients/{smit}")).await.status,
        200
    );
    let deleted = post(
        &mut admin,
        &client_path,
        &format!("{client_path}/delete"),
        &[("confirm", "Tandarts Smit")],
    )
    .await;
    assert_eq!(
        deleted.location.as_deref(),
        Some("/bureau/clients?done=deleted")
    );
    assert_eq!(
        app.api.get(&format!("/api/v1/clients/{smit}")).await.status,
        404
    );
    let pool = unescape(&admin.get("/bureau/numbers").await.html);
    let row = pool.split("data-number=\"+31852001010\"").nth(1).unwrap();
    assert!(row[..200].contains("Quarantaine tot"), "{row}");
}

#[tokio::test]
async fn an_import_reports_a_bad_entry_and_the_pool_lists_every_state() {
    let app = TestApp::demo().await;
    let mut admin = admin(&app).await;
    let report = post(
        &mut admin,
        "/bureau/numbers",
        "/bureau/numbers/import",
        &[("numbers", "+31852003000-004\nnot a number\n+31852001001")],
    )
    .await;
    assert_eq!(report.status, 200);
    let html = unescape(&report.html);
    assert!(html.contains("id=\"added-count\">5<"), "{html}");
    assert!(html.contains("not a number:"), "{html}");
    assert!(html.contains("Al in de pool: +31852001001"), "{html}");
    assert!(html.contains("data-number=\"+31852003004\""), "{html}");
}

#[tokio::test]
async fn an_admin_gives_an_operator_a_new_sip_password_and_the_old_one_no_longer_registers() {
    let app = TestApp::demo().await;
    let mut admin = admin(&app).await;
    let staff = unescape(&admin.get("/bureau/staff").await.html);
    assert!(staff.contains("anna@demo.centrale.test"), "{staff}");
    let anna = app.operator(1).await;
    app.register_phone(&anna).await;
    let anna_id = app
        .api
        .get("/api/v1/staff")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "anna@demo.centrale.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset = post(
        &mut admin,
        "/bureau/staff",
        &format!("/bureau/staff/{anna_id}/sip"),
        &[],
    )
    .await;
    assert_eq!(reset.status, 200, "{}", reset.html);
    let html = unescape(&reset.html);
    assert!(html.contains("Eenmalig getoond"), "{html}");
    let secret = html
        .split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 20);
    // Her phone's registration is gone; the old password is refused, the new one works.
    app.wait_registered(&anna, false).await;
    app.register(
        "operator_register_refused.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("the old SIP password refused");
    app.register("operator_register.xml", &anna.user, &secret, "127.0.0.1")
        .finish()
        .await
        .assert_ok("the new SIP password registers");
    // The secret is not on the page again.
    assert!(!admin.get("/bureau/staff").await.html.contains(&secret));
}

#[tokio::test]
async fn every_bureau_page_is_refused_to_operators_portal_users_strangers_and_forged_forms() {
    let app = TestApp::demo().await;
    let bakery = client_named(&app, "Bakkerij De Gouden Korst")
        .await
        .to_string();
    let mut anna = staff_visit(&app, "anna@demo.centrale.test", "demo-anna-2026").await;
    let mut henk = henk(&app).await;
    let mut nobody = PortalVisit::new(&app.api.base);
    let mut admin = admin(&app).await;
    for (method, path) in centrale_web::bureau::ROUTES {
        let path = path
            .replace("{id}", &bakery)
            .replace("{number}", &bakery)
            .replace("{user}", &bakery);
        for (who, visit, refused) in [
            ("an operator", &mut anna, StatusCode::FORBIDDEN),
            ("a portal user", &mut henk, StatusCode::SEE_OTHER),
            ("nobody", &mut nobody, StatusCode::SEE_OTHER),
        ] {
            let page = if *method == "get" {
                visit.get(&path).await
            } else {
                visit
                    .post_with(
                        &path,
                        "forged",
                        &[("name", "Swept"), ("confirm", "Bakkerij De Gouden Korst")],
                    )
                    .await
            };
            assert_eq!(
                page.status, refused,
                "{method} {path} for {who}: {}",
                page.html
            );
            if refused == StatusCode::SEE_OTHER {
                assert_eq!(
                    page.location.as_deref(),
                    Some("/console/login"),
                    "{method} {path} for {who}"
                );
            }
        }
        if *method == "post" {
            let forged = admin
                .post_with(&path, "forged", &[("confirm", "Bakkerij De Gouden Korst")])
                .await;
            assert_eq!(
                forged.status,
                StatusCode::FORBIDDEN,
                "{path} without the form's token"
            );
        }
    }
    // Nothing changed: the bakery is still there with its number.
    let numbers = app
        .api
        .get(&format!("/api/v1/clients/{bakery}/numbers"))
        .await;
    assert_eq!(
        numbers.body.as_array().unwrap().len(),
        2,
        "{}",
        numbers.body
    );
}

#[tokio::test]
async fn an_admin_renames_an_operator_and_makes_her_a_supervisor_which_ends_her_sessions() {
    let app = TestApp::demo().await;
    let mut admin = admin(&app).await;
    let bram = app
        .api
        .login_as("bram@demo.centrale.test", "demo-bram-2026")
        .await;
    assert_eq!(bram.get("/api/v1/staff/me").await.status, 200);
    let id = bram.get("/api/v1/staff/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = post(
        &mut admin,
        "/bureau/staff",
        &format!("/bureau/staff/{id}"),
        &[("name", "Bram de Boer"), ("role", "supervisor")],
    )
    .await;
    assert_eq!(saved.location.as_deref(), Some("/bureau/staff?done=saved"));
    let staff = app.api.get(&format!("/api/v1/staff/{id}")).await;
    assert_eq!(staff.body["name"], "Bram de Boer");
    assert_eq!(staff.body["role"], "supervisor");
    assert_eq!(
        bram.get("/api/v1/staff/me").await.status,
        401,
        "his old session ended"
    );
    // An admin cannot take her own admin role away.
    let me = app.api.get("/api/v1/staff/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = post(
        &mut admin,
        "/bureau/staff",
        &format!("/bureau/staff/{me}"),
        &[("name", "Demo Admin"), ("role", "operator")],
    )
    .await;
    assert!(refused.location.unwrap().contains("error="));
    assert_eq!(
        app.api.get(&format!("/api/v1/staff/{me}")).await.body["role"],
        "admin"
    );
}
