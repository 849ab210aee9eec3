//! `centrale demo`: demo data for a newcomer, seeded into an empty database, and the summary
//! that tells them how to log in and place a test call.
//!
//! The logins are fixed and documented in the README; they are for a local demo only.

use crate::Settings;
use anyhow::Context as _;
use centrale_core::portal::PortalUserDraft;
use centrale_core::ports::Store;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{
    Actor, ClientDraft, ContactDraft, EmailAddress, EmployeeDraft, InstructionContent,
    InstructionSetDraft, NumberDraft, PasswordHash, PhoneNumber, Role, StaffDraft,
};
use chrono::{Days, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// A demo login.
#[derive(Debug, Serialize)]
pub struct Login {
    pub role: Role,
    pub name: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sip_username: Option<&'static str>,
    pub sip_password: Option<&'static str>,
}

/// The fixed demo logins.
pub const LOGINS: [Login; 3] = [
    Login {
        role: Role::Admin,
        name: "Demo Admin",
        email: "admin@demo.centrale.test",
        password: "demo-admin-2026",
        sip_username: None,
        sip_password: None,
    },
    Login {
        role: Role::Operator,
        name: "Anna de Vries",
        email: "anna@demo.centrale.test",
        password: "demo-anna-2026",
        sip_username: Some("1001"),
        sip_password: Some("sip-anna-1001"),
    },
    Login {
        role: Role::Operator,
        name: "Bram Jansen",
        email: "bram@demo.centrale.test",
        password: "demo-bram-2026",
        sip_username: Some("1002"),
        sip_password: Some("sip-bram-1002"),
    },
];

/// A client's demo portal login (its portal admin).
#[derive(Debug, Serialize)]
pub struct PortalLogin {
    pub client: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

/// The fixed demo portal logins, one per demo client.
pub const PORTAL_LOGINS: [PortalLogin; 3] = [
    PortalLogin {
        client: "Bakkerij De Gouden Korst",
        name: "Piet Bakker",
        email: "piet@goudenkorst.example",
        password: "demo-korst-2026",
    },
    PortalLogin {
        client: "Van Dijk Installatietechniek",
        name: "Henk van Dijk",
        email: "henk@vandijk-installatie.example",
        password: "demo-vandijk-2026",
    },
    PortalLogin {
        client: "Harbour Yacht Services",
        name: "Emma Clarke",
        email: "emma@harbouryachts.example",
        password: "demo-harbour-2026",
    },
];

/// The demo's free forwarding numbers, which sign-ups take the first of.
pub const DEMO_POOL: &str = "+31852001010-019";

/// Seeds the demo data when the database holds no clients and no staff; true if it did.
pub async fn seed_if_empty(store: &dyn Store, sip_realm: &str) -> anyhow::Result<bool> {
    if !store.list_clients().await?.is_empty() || !store.list_staff().await?.is_empty() {
        return Ok(false);
    }
    for login in &LOGINS {
        let draft = StaffDraft {
            email: centrale_core::EmailAddress::parse(login.email).map_err(anyhow::Error::msg)?,
            name: login.name.into(),
            role: login.role,
            sip_username: login.sip_username.map(str::to_owned),
        };
        let password = PasswordHash::create(login.password).map_err(anyhow::Error::msg)?;
        let sip = match (login.sip_username, login.sip_password) {
            (Some(user), Some(secret)) => {
                Some(SipCredentials::derive(user, sip_realm, secret).map_err(anyhow::Error::msg)?)
            }
            _ => None,
        };
        store.create_staff(&draft, &password, sip.as_ref()).await?;
    }
    for client in clients() {
        seed_client(store, client)
            .await
            .context("cannot seed a demo client")?;
    }
    // Free numbers for sign-ups at /aanmelden.
    let pool = centrale_core::number_pool::parse_import(DEMO_POOL);
    store.import_numbers(&pool.numbers).await?;
    Ok(true)
}

/// A demo client as JSON in the API's own shapes, so the seed reads like the API docs.
fn clients() -> Vec<Value> {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let holiday_start = (today - Days::new(2))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let holiday_end = (today + Days::new(14))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    vec![
        json!({
            "client": {"name": "Bakkerij De Gouden Korst", "greeting": "Goedemorgen, Bakkerij De Gouden Korst, met wie spreek ik?",
                       "emails": ["info@goudenkorst.example"]},
            "numbers": [["+31852001001", "Hoofdnummer"], ["+31852001002", "Bestellijn"]],
            "employees": [
                {"name": "Piet Bakker", "role": "eigenaar", "emails": ["piet@goudenkorst.example"], "mobile": "+31612345001", "sms": "urgent_only"},
                {"name": "Els Meel", "role": "bestellingen", "emails": ["els@goudenkorst.example"], "landline": "+31201234001", "reachable": false},
            ],
            "contacts": [
                {"number": "+31687654001", "name": "Hotel Amstelzicht", "company": "Hotel Amstelzicht", "remarks": "Grootste afnemer; bestelt dagelijks.", "vip": true},
                {"number": "+31201110001", "name": "Karin Smit", "company": "", "remarks": ""},
            ],
            "standard": {"text": "Bestellingen voor morgen: noteer product en aantal. Klachten direct doorverbinden met Piet."},
            "temporary": null,
        }),
        json!({
            "client": {"name": "Van Dijk Installatietechniek", "greeting": "Van Dijk Installatietechniek, goedemiddag!",
                       "emails": ["kantoor@vandijk-installatie.example"]},
            "numbers": [["+31852001003", "Storingslijn"]],
            "employees": [
                {"name": "Henk van Dijk", "role": "directeur", "emails": ["henk@vandijk-installatie.example"], "mobile": "+31612345002", "sms": "always"},
                {"name": "Sara Koster", "role": "planning", "emails": ["sara@vandijk-installatie.example"], "mobile": "+31612345003"},
            ],
            "contacts": [
                {"number": "+31301234002", "name": "Woningstichting Utrecht", "company": "Woningstichting Utrecht", "remarks": "Onderhoudscontract, 24/7 storingsdienst.", "vip": true},
            ],
            "standard": {"text": "Storingen: vraag adres en aard van de storing. Offerteaanvragen naar Sara.",
                          "emergency": [{"kind": "sms", "to": "+31612345002"}, {"kind": "call", "to": "+31612345003", "name": "Sara Koster"}]},
            "temporary": {"title": "Bedrijfsvakantie",
                          "period": {"start": holiday_start, "end": holiday_end},
                          "content": {
                              "text": "Wij zijn met vakantie. Alleen spoedstoringen: bel Henk mobiel. Al het andere: notitie per SMS.",
                              "greeting_override": "Van Dijk Installatietechniek, vakantiedienst, goedendag!",
                              "delivery_overrides": [{"kind": "all_by_sms", "to": "+31612345002"}]}},
        }),
        json!({
            "client": {"name": "Harbour Yacht Services", "greeting": "Good afternoon, Harbour Yacht Services, how may I help you?",
                       "emails": ["office@harbouryachts.example"], "language": "en"},
            "numbers": [["+31852001004", "Main line"]],
            "employees": [
                {"name": "Emma Clarke", "role": "harbour master", "emails": ["emma@harbouryachts.example"], "mobile": "+31612345004"},
            ],
            "contacts": [],
            "standard": {"text": "Berth requests: take boat name, length and dates. Emergencies on the water: call Emma."},
            "temporary": null,
        }),
    ]
}

async fn seed_client(store: &dyn Store, seed: Value) -> anyhow::Result<()> {
    let actor = Actor::system();
    let client = store
        .create_client(
            &serde_json::from_value::<ClientDraft>(seed["client"].clone())?.validate()?,
            &actor,
        )
        .await?;
    for pair in seed["numbers"].as_array().into_iter().flatten() {
        let draft = NumberDraft {
            number: PhoneNumber::parse(pair[0].as_str().unwrap_or_default())
                .map_err(anyhow::Error::msg)?,
            label: pair[1].as_str().map(str::to_owned),
            client_id: Some(client.id),
        };
        store.create_number(&draft).await?;
    }
    for employee in seed["employees"].as_array().into_iter().flatten() {
        store
            .create_employee(
                client.id,
                &serde_json::from_value::<EmployeeDraft>(employee.clone())?.validate()?,
            )
            .await?;
    }
    for contact in seed["contacts"].as_array().into_iter().flatten() {
        store
            .create_contact(
                client.id,
                &serde_json::from_value::<ContactDraft>(contact.clone())?.validate()?,
            )
            .await?;
    }
    for login in PORTAL_LOGINS
        .iter()
        .filter(|l| l.client == client.draft.name)
    {
        let draft = PortalUserDraft {
            email: EmailAddress::parse(login.email).map_err(anyhow::Error::msg)?,
            name: login.name.to_owned(),
            admin: true,
        };
        let password = PasswordHash::create(login.password).map_err(anyhow::Error::msg)?;
        store
            .create_portal_user(client.id, &draft.validate()?, Some(&password))
            .await?;
    }
    let sets = store.list_instruction_sets(client.id).await?;
    let standard = sets.first().context("a new client has a standard set")?;
    let content: InstructionContent = serde_json::from_value(seed["standard"].clone())?;
    let draft = InstructionSetDraft {
        period: None,
        title: "Standaard".into(),
        content,
    };
    store
        .update_instruction_set(client.id, standard.id, &draft.validate()?, &actor, None)
        .await?;
    if !seed["temporary"].is_null() {
        let draft: InstructionSetDraft = serde_json::from_value(seed["temporary"].clone())?;
        store
            .create_instruction_set(client.id, &draft.validate()?, &actor)
            .await?;
    }
    Ok(())
}

/// Where the demo sends transfers unless told otherwise: a SIPp started as the "gateway"
/// (the command is in the summary).
pub const DEMO_GATEWAY: &str = "sip:127.0.0.1:5090";

/// The demo's settings: an outbound gateway on this machine, so a transfer can be tried.
pub fn with_gateway(mut settings: Settings) -> Settings {
    if settings.sip_outbound_uri.trim().is_empty() {
        settings.sip_outbound_uri = DEMO_GATEWAY.to_owned();
    }
    settings
}

/// What `centrale demo` prints and writes with `--summary-json`.
pub async fn summary(
    store: &dyn Store,
    http: SocketAddr,
    sip: SocketAddr,
) -> anyhow::Result<Value> {
    let mut clients = Vec::new();
    for client in store.list_clients().await? {
        let numbers: Vec<Value> = store
            .client_numbers(client.id)
            .await?
            .into_iter()
            .map(|n| json!({"number": n.draft.number, "label": n.draft.label}))
            .collect();
        clients.push(json!({"id": client.id, "name": client.draft.name, "numbers": numbers}));
    }
    let first_number = clients
        .iter()
        .find_map(|c| c["numbers"][0]["number"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let base = format!("http://{http}");
    Ok(json!({
        "http": base,
        "api": format!("{base}/api/v1"),
        "openapi": format!("{base}/api/v1/openapi.json"),
        "console": format!("{base}/console"),
        "portal": format!("{base}/portal"),
        "signup": format!("{base}/aanmelden"),
        "sip": {"address": sip.to_string(), "transport": ["udp", "tcp"]},
        "logins": LOGINS,
        "portal_logins": PORTAL_LOGINS,
        "clients": clients,
        "phone": format!(
            "sipp {sip} -sf {SCENARIOS}/operator_phone.xml -oocsf {SCENARIOS}/operator_answer.xml \
             -s 1001 -au 1001 -ap sip-anna-1001 -i 127.0.0.1 -p 5091 -mi 127.0.0.1 -mp 6100 -m 1 -set calls 1 -set wait_s 300 -nostdin"
        ),
        "test_call": format!(
            "sipp {sip} -sf {SCENARIOS}/carrier_call.xml -s {first_number} -i 127.0.0.1 -p 5070 \
             -mi 127.0.0.1 -mp 6000 -m 1 -d 5000 -nostdin"
        ),
        "gateway": format!(
            "sipp -sf {SCENARIOS}/gateway_answer.xml -i 127.0.0.1 -p 5090 -mi 127.0.0.1 -mp 6200 \
             -m 1 -set to +31612345001 -set from {first_number} -nostdin"
        ),
    }))
}

/// Where the SIPp scenarios are, relative to the checkout (the README runs from there).
const SCENARIOS: &str = "crates/sip/tests/scenarios";

/// The summary as a newcomer reads it.
pub fn print_summary(summary: &Value) {
    println!("\nCentrale demo is running.\n");
    println!(
        "  API        {}   (OpenAPI: {})",
        summary["api"].as_str().unwrap_or_default(),
        summary["openapi"].as_str().unwrap_or_default()
    );
    println!(
        "  Console    {}",
        summary["console"].as_str().unwrap_or_default()
    );
    println!(
        "  Portal     {}   (the clients' own pages)",
        summary["portal"].as_str().unwrap_or_default()
    );
    println!(
        "  SIP        {} (udp, tcp)\n",
        summary["sip"]["address"].as_str().unwrap_or_default()
    );
    println!("  Logins (e-mail / password):");
    for login in summary["logins"].as_array().into_iter().flatten() {
        let sip = match login["sip_username"].as_str() {
            Some(user) => format!(
                "   SIP account {user} / {}",
                login["sip_password"].as_str().unwrap_or_default()
            ),
            None => String::new(),
        };
        println!(
            "    {:<10} {:<28} {}{sip}",
            login["role"].as_str().unwrap_or_default(),
            login["email"].as_str().unwrap_or_default(),
            login["password"].as_str().unwrap_or_default()
        );
    }
    println!("\n  Portal logins (e-mail / password), one per client:");
    for login in summary["portal_logins"].as_array().into_iter().flatten() {
        println!(
            "    {:<32} {:<20} {}",
            login["email"].as_str().unwrap_or_default(),
            login["password"].as_str().unwrap_or_default(),
            login["client"].as_str().unwrap_or_default()
        );
    }
    println!(
        "\n  Sign up a new client (it gets a free number of the pool at once):\n    {}",
        summary["signup"].as_str().unwrap_or_default()
    );
    println!("\n  Clients and their forwarding numbers:");
    for client in summary["clients"].as_array().into_iter().flatten() {
        println!("    {}", client["name"].as_str().unwrap_or_default());
        for number in client["numbers"].as_array().into_iter().flatten() {
            println!(
                "      {:<14} {}",
                number["number"].as_str().unwrap_or_default(),
                number["label"].as_str().unwrap_or_default()
            );
        }
    }
    println!(
        "\n  Register Anna's phone (SIPp answers automatically; a softphone works too):\n    {}",
        summary["phone"].as_str().unwrap_or_default()
    );
    println!(
        "\n  Place a test call from the carrier trunk:\n    {}",
        summary["test_call"].as_str().unwrap_or_default()
    );
    println!(
        "\n  Put the caller through (console: F7, Enter, F9 after a ruggespraak; F7, Tab, Enter at once) to Piet Bakker's mobile behind this\n  \
         \"gateway\" (the demo's sip_outbound_uri is {DEMO_GATEWAY}):\n    {}\n",
        summary["gateway"].as_str().unwrap_or_default()
    );
}
