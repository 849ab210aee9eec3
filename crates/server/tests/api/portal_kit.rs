//! What the portal's tests share: the demo's clients, Henk (Van Dijk's portal admin) logged
//! in, and reading what pages and mails carry.

use centrale_core::ClientId;
use centrale_server::demo::PORTAL_LOGINS;
use centrale_testkit::portal::PortalVisit;
use centrale_testkit::{SmtpPeer, TestApp};

/// Henk van Dijk's and Piet Bakker's places in the demo's portal logins.
pub const HENK: usize = 1;
pub const PIET: usize = 0;

pub async fn client_named(app: &TestApp, name: &str) -> ClientId {
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

pub async fn henk(app: &TestApp) -> PortalVisit {
    let login = &PORTAL_LOGINS[HENK];
    PortalVisit::login(&app.api.base, login.email, login.password).await
}

/// Van Dijk Installatietechniek, the demo client Henk is the portal admin of.
pub async fn van_dijk(app: &TestApp) -> ClientId {
    client_named(app, "Van Dijk Installatietechniek").await
}

/// An HTML attribute's text as the browser reads it (the entities askama writes).
pub fn unescape(attribute: &str) -> String {
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

/// The link in the invitation mail to `to`.
pub fn link_in(smtp: &SmtpPeer, to: &str) -> String {
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
