//! The bureau's pages in Chromium: an admin creates a client and gives it a number, changes a
//! client's instructions (the client's portal then shows the change as the bureau's), imports
//! a range with one bad entry, and gives an operator a new SIP password (her old one no
//! longer registers); a business signs up on the public form and the wallboard shows it.

use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::{Chrome, TestApp};
use fantoccini::Locator;

/// Clicks the submit button of the posted form whose action is `action`.
async fn submit(chrome: &Chrome, action: &str) {
    chrome
        .client
        .find(Locator::Css(&format!(
            "form[method=post][action=\"{action}\"] button[type=submit]"
        )))
        .await
        .unwrap_or_else(|e| panic!("a form posting to {action}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("submit {action}: {e}"));
}

/// Logs the demo's admin in through the console's form and waits until the login is done.
async fn admin_logged_in(chrome: &Chrome, base: &str) {
    chrome
        .login(base, "admin@demo.centrale.test", "demo-admin-2026")
        .await;
    for _ in 0..100 {
        let at = chrome.client.current_url().await.expect("a page");
        if at.path() != "/console/login" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the admin's login never finished");
}

#[tokio::test]
async fn an_admin_runs_the_bureau_in_the_browser() {
    let env = TestApp::demo().await;
    let chrome = Chrome::start().await;
    admin_logged_in(&chrome, &env.api.base).await;
    chrome
        .client
        .goto(&format!("{}/bureau/clients", env.api.base))
        .await
        .unwrap();
    chrome
        .text_when("client-list", |t| {
            t.contains("Van Dijk Installatietechniek")
        })
        .await;

    // A new client, then a number from the pool.
    chrome.click("name").await;
    chrome.keys("Tandarts Smit").await;
    chrome.click("greeting").await;
    chrome.keys("Tandartspraktijk Smit, goedemorgen").await;
    submit(&chrome, "/bureau/clients").await;
    chrome
        .text_when("notice", |t| t == "De klant is aangemaakt.")
        .await;
    let client_page = chrome.client.current_url().await.unwrap();
    let client_path = client_page.path().to_owned();
    submit(&chrome, &format!("{client_path}/numbers")).await;
    chrome
        .text_when("client-numbers", |t| t.contains("0852001010"))
        .await;
    chrome.screenshot("bureau-client").await;

    // Van Dijk e-mailed new instructions: staff type them in; Henk's portal shows the bureau.
    chrome
        .client
        .goto(&format!("{}/bureau/clients", env.api.base))
        .await
        .unwrap();
    chrome.click("q").await;
    chrome.keys("van dijk\u{E007}").await;
    // The search answers with a new page: wait for it, or the link found is the old page's.
    for _ in 0..100 {
        let at = chrome.client.current_url().await.expect("a page");
        if at.query().is_some_and(|q| q.contains("q=van")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    chrome
        .client
        .find(Locator::LinkText("Van Dijk Installatietechniek"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome
        .text_when("client-name", |t| t.starts_with("Van Dijk"))
        .await;
    chrome
        .client
        .find(Locator::Id("text"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    chrome.click("text").await;
    chrome
        .keys("Storingen: bel Henk op zijn mobiel. Offertes: noteer en mail Sara.")
        .await;
    let van_dijk_path = chrome.client.current_url().await.unwrap().path().to_owned();
    submit(&chrome, &format!("{van_dijk_path}/instructions")).await;
    chrome
        .text_when("notice", |t| t.contains("als wijziging van het bureau"))
        .await;
    chrome
        .text_when("history", |t| {
            t.contains("admin@demo.centrale.test (bureau)")
        })
        .await;
    let henk = &PORTAL_LOGINS[1];
    chrome
        .login_at(&env.api.base, "/portal/login", henk.email, henk.password)
        .await;
    chrome
        .text_when("pop-client", |t| t == "Van Dijk Installatietechniek")
        .await;
    chrome.click_link("/portal/instructions").await;
    let standard = chrome
        .client
        .find(Locator::Css("a[href^=\"/portal/instructions/\"]"))
        .await
        .unwrap();
    standard.click().await.unwrap();
    chrome
        .text_when("history", |t| {
            t.contains("admin@demo.centrale.test (antwoordservice)")
        })
        .await;
    chrome.screenshot("portal-history-by-bureau").await;

    // A range with one bad entry.
    chrome
        .client
        .goto(&format!("{}/bureau/numbers", env.api.base))
        .await
        .unwrap();
    chrome.click("import").await;
    chrome.keys("+31852003000-004\nnonsense").await;
    submit(&chrome, "/bureau/numbers/import").await;
    chrome.text_when("added-count", |t| t == "5").await;
    chrome
        .text_when("import-invalid", |t| t.starts_with("nonsense:"))
        .await;
    chrome.screenshot("bureau-numbers").await;

    // Anna's new SIP password, shown once; the old one no longer registers.
    let anna = env.operator(1).await;
    env.register_phone(&anna).await;
    chrome
        .client
        .goto(&format!("{}/bureau/staff", env.api.base))
        .await
        .unwrap();
    chrome
        .client
        .find(Locator::Css(
            "tr[data-staff=\"anna@demo.centrale.test\"] form[action$=\"/sip\"] button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    chrome.text_when("shown-once", |t| t.contains("1001")).await;
    let secret = chrome
        .client
        .find(Locator::Css("code.secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    chrome.screenshot("bureau-sip-password").await;
    env.wait_registered(&anna, false).await;
    env.register(
        "operator_register_refused.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("the old SIP password is refused");
    env.register("operator_register.xml", &anna.user, &secret, "127.0.0.1")
        .finish()
        .await
        .assert_ok("the new SIP password registers");
}

#[tokio::test]
async fn a_business_signs_up_in_the_browser_and_the_wallboard_shows_it() {
    let env = TestApp::demo().await;
    let supervisor = Chrome::start().await;
    admin_logged_in(&supervisor, &env.api.base).await;
    supervisor
        .client
        .goto(&format!("{}/wallboard", env.api.base))
        .await
        .unwrap();
    supervisor
        .text_when("wall-signups-none", |t| !t.is_empty())
        .await;

    let business = Chrome::start().await;
    business
        .client
        .goto(&format!("{}/aanmelden", env.api.base))
        .await
        .unwrap();
    for (id, text) in [
        ("company", "Bloemenhuis Flora"),
        ("contact", "Fleur de Vries"),
        ("email", "fleur@flora.example"),
        ("phone", "06 12345670"),
        ("address", "Markt 1, Rotterdam"),
    ] {
        business.click(id).await;
        business.keys(text).await;
    }
    business.click("terms").await;
    business.screenshot("signup-form").await;
    submit(&business, "/aanmelden").await;
    business
        .text_when("signup-number", |t| t == "0852001010")
        .await;
    business
        .text_when("signup-codes", |t| t.contains("*21*0852001010#"))
        .await;
    business.screenshot("signup-done").await;
    supervisor
        .text_when("wall-signup-list", |t| t.contains("Bloemenhuis Flora"))
        .await;
    supervisor.screenshot("wallboard-signup").await;
}
