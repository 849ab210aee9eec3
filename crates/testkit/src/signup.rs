//! The public sign-up form as a business fills it in (over HTTP, like [`crate::portal`]).

use crate::portal::{Page, PortalVisit};

/// A business signing up: what it types into the form.
#[derive(Clone, Debug)]
pub struct Applicant {
    pub company: String,
    pub contact: String,
    pub email: String,
    pub phone: String,
    pub line: &'static str,
    pub plan: &'static str,
}

impl Applicant {
    /// A florist on an analog line; `n` makes its name and address its own.
    pub fn florist(n: usize) -> Self {
        Self {
            company: format!("Bloemenhuis Flora {n}"),
            contact: "Fleur de Vries".into(),
            email: format!("fleur{n}@flora.example"),
            phone: "010 4123456".into(),
            line: "analog",
            plan: "basis",
        }
    }

    /// The form's fields, terms accepted, the honeypot left empty.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("company", self.company.clone()),
            ("contact", self.contact.clone()),
            ("email", self.email.clone()),
            ("phone", self.phone.clone()),
            ("address", "Markt 1, 3011 AA Rotterdam".into()),
            ("kvk", "12345678".into()),
            ("line", self.line.into()),
            ("plan", self.plan.into()),
            ("terms", "on".into()),
            ("website", String::new()),
        ]
    }

    /// Opens the form at `path` (`/aanmelden` or `/signup`) and posts it with `fields`.
    pub async fn submit_fields(base: &str, path: &str, fields: &[(&str, String)]) -> Page {
        let mut visit = PortalVisit::new(base);
        let form = visit.get(path).await;
        assert_eq!(form.status, 200, "{}", form.html);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        visit.post_with(path, &form.csrf(), &fields).await
    }

    /// Signs up at `path`.
    pub async fn sign_up(&self, base: &str, path: &str) -> Page {
        Self::submit_fields(base, path, &self.fields()).await
    }
}

/// The forwarding number (E.164) a sign-up's page gives, if it gave one.
pub fn number_on(page: &Page) -> Option<String> {
    let marker = "data-e164=\"";
    let start = page.html.find(marker)? + marker.len();
    let end = page.html[start..].find('"')? + start;
    Some(page.html[start..end].to_owned())
}

/// How long a sign-up took to its first call: from posting the form to the call to the new
/// number queued, and to it offered to the operator with the new client's screen pop (both
/// instants as the server's events give them; one machine, one clock).
#[derive(Debug)]
pub struct FirstCall {
    /// Until the page that gives the number was answered (after the confirmation, if any).
    pub numbered: chrono::Duration,
    pub queued: chrono::Duration,
    pub offered: chrono::Duration,
    /// The `call.offered` event: the pop the operator got.
    pub offer: serde_json::Value,
}

/// Signs `applicant` up, confirms the address at once when `smtp` receives the bureau's mail
/// (`signup_confirm_email`), and places a call from the carrier to the number given, which an
/// available operator's phone answers. `events` must be a supervisor's.
pub async fn first_call(
    env: &crate::TestApp,
    events: &crate::Events,
    applicant: &Applicant,
    smtp: Option<&crate::SmtpPeer>,
) -> FirstCall {
    let submitted = chrono::Utc::now();
    let mut page = applicant.sign_up(&env.api.base, "/aanmelden").await;
    if let Some(smtp) = smtp {
        page = confirm_at_once(env, smtp, &applicant.email).await;
    }
    let numbered = chrono::Utc::now() - submitted;
    let number = number_on(&page).unwrap_or_else(|| panic!("no number: {}", page.html));
    let carrier = env.carrier("carrier_call.xml", &number, &["-d", "500"]);
    let offer = events
        .wait_for("call.offered", |e| {
            e["pop"]["client_name"] == applicant.company
        })
        .await;
    let queued = events
        .wait_for("call.queued", |e| e["call_id"] == offer["call_id"])
        .await;
    carrier
        .finish()
        .await
        .assert_ok("the first call to the new number");
    let at = |event: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(event["at"].as_str().unwrap_or_default())
            .expect("an instant")
            .with_timezone(&chrono::Utc)
    };
    FirstCall {
        numbered,
        queued: at(&queued) - submitted,
        offered: at(&offer) - submitted,
        offer,
    }
}

/// Sends the confirmation mail now and follows its link, as the applicant would.
async fn confirm_at_once(env: &crate::TestApp, smtp: &crate::SmtpPeer, to: &str) -> Page {
    let before = smtp.count();
    env.worker
        .run_mails(chrono::Utc::now())
        .await
        .expect("the outbox is read");
    smtp.wait_for(before + 1, std::time::Duration::from_secs(10))
        .await;
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.to.contains(to) && m.subject.starts_with("Bevestig"))
        .unwrap_or_else(|| panic!("no confirmation mail to {to}"));
    let at = mail.text.find("/aanmelden/bevestigen/").expect("a link");
    let link = mail.text[at..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    PortalVisit::new(&env.api.base).get(link).await
}
