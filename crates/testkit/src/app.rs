//! Centrale in-process for one test, and its API as a logged-in user.

use centrale_core::ports::Store;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use centrale_delivery::worker::Worker;
use centrale_server::{App, Settings, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The admin of an app started without the demo data.
pub const ADMIN_EMAIL: &str = "admin@bureau.test";
/// The password of every staff member the kit creates.
pub const PASSWORD: &str = "a long enough password";

/// A running Centrale: SIP and HTTP on free ports, a fresh database, a logged-in admin.
pub struct TestApp {
    /// The API as the admin.
    pub api: Api,
    pub sip: SocketAddr,
    pub store: Arc<dyn Store>,
    pub worker: Arc<Worker>,
    /// The agenda fetcher, to drive one round at a time.
    pub agendas: Arc<centrale_delivery::agenda::AgendaFetcher>,
    /// What it was started with (its database, its data folder, where peers' logs go too).
    pub settings: Settings,
}

/// The value of the line of a `/metrics` text that starts with `name` (0 when there is none).
pub fn metric_in(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// How to start a [`TestApp`].
pub struct Builder {
    settings: Settings,
    demo: bool,
    database_url: Option<String>,
}

impl TestApp {
    /// An empty bureau with one admin ([`ADMIN_EMAIL`]).
    pub async fn spawn() -> Self {
        Self::builder().start().await
    }

    /// The demo bureau (`centrale demo`'s clients, operators and admin).
    pub async fn demo() -> Self {
        Self::builder().demo().start().await
    }

    /// Settings for tests: free ports, a fresh database and data folder, a short ring timeout
    /// and wrap-up so calls move along, a delivery worker that looks every 50 ms.
    pub fn builder() -> Builder {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        Builder {
            settings: Settings {
                http_listen: "127.0.0.1:0".parse().unwrap(),
                sip_listen: "127.0.0.1:0".parse().unwrap(),
                data_dir: dir,
                ring_timeout_secs: 3,
                wrap_up_secs: 1,
                rtp_silence_secs: 20,
                delivery_interval_ms: 50,
                ..Settings::default()
            },
            demo: false,
            database_url: None,
        }
    }

    /// Holds off writes to its database (reads go on) until released: a database too slow
    /// to write, or down for writing.
    pub async fn hold_call_writes(&self) -> centrale_store::testing::WritesHeld {
        centrale_store::testing::hold_call_writes(&self.settings.database_url).await
    }

    /// Takes its database down until restored: on PostgreSQL connections are refused and cut;
    /// on SQLite its write lock is held (see `centrale_store::testing::DatabaseDown`).
    pub async fn take_database_down(&self) -> centrale_store::testing::DatabaseDown {
        centrale_store::testing::take_down(&self.settings.database_url).await
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        let url = format!("{}/metrics", self.api.base);
        let response = self.api.http.get(url).send().await.expect("metrics");
        response.text().await.expect("metrics text")
    }

    /// The value of the `/metrics` line that starts with `name` (0 when there is none).
    pub async fn metric(&self, name: &str) -> f64 {
        metric_in(&self.metrics().await, name)
    }

    /// The HTTP base URL.
    pub fn base(&self) -> &str {
        &self.api.base
    }

    /// The app's data folder; peers' logs go here too.
    pub fn dir(&self) -> &Path {
        &self.settings.data_dir
    }

    /// Creates a staff member directly in the store (password [`PASSWORD`]).
    pub async fn add_staff(&self, email: &str, role: Role) {
        add_staff(self.store.as_ref(), email, role).await;
    }

    /// A new staff member of `role`, logged in: their own [`Api`].
    pub async fn staff(&self, email: &str, role: Role) -> Api {
        self.add_staff(email, role).await;
        self.api.login_as(email, PASSWORD).await
    }

    /// True when `GET /healthz` answers 200.
    pub async fn healthy(&self) -> bool {
        self.api
            .call(Method::GET, "/healthz", None, None)
            .await
            .status
            == StatusCode::OK
    }
}

impl Builder {
    /// Seeds the demo data; the app's admin is the demo's.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Uses an existing database (e.g. one `centrale admin` has just written) instead of a
    /// fresh one.
    pub fn database(mut self, url: String) -> Self {
        self.database_url = Some(url);
        self
    }

    /// Adjusts the settings.
    pub fn settings(mut self, adjust: impl FnOnce(&mut Settings)) -> Self {
        adjust(&mut self.settings);
        self
    }

    pub async fn start(mut self) -> TestApp {
        self.settings.database_url = match self.database_url {
            Some(url) => url,
            None => centrale_store::testing::fresh_database_url().await,
        };
        let settings = self.settings;
        let app = App::build(&settings).await.expect("app builds");
        let store = app.store().clone();
        let (email, password) = if self.demo {
            demo::seed_if_empty(store.as_ref(), &settings.sip_realm)
                .await
                .expect("demo seeded");
            (demo::LOGINS[0].email, demo::LOGINS[0].password)
        } else {
            // A database given again (a restart) has its admin already.
            if store.staff_login(ADMIN_EMAIL).await.is_err() {
                add_staff(store.as_ref(), ADMIN_EMAIL, Role::Admin).await;
            }
            (ADMIN_EMAIL, PASSWORD)
        };
        let base = format!("http://{}", app.http_addr());
        let sip = app.sip_addr();
        let worker = app.delivery_worker().clone();
        let agendas = app.agenda_fetcher().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            api: Api::login(base, email, password).await,
            sip,
            store,
            worker,
            agendas,
            settings,
        }
    }
}

async fn add_staff(store: &dyn Store, email: &str, role: Role) {
    let draft = StaffDraft {
        email: EmailAddress::parse(email).unwrap(),
        name: email.split('@').next().unwrap().into(),
        role,
        sip_username: None,
    };
    store
        .create_staff(&draft, &PasswordHash::create(PASSWORD).unwrap(), None)
        .await
        .unwrap();
}

/// A response: its status and its JSON body (Null when the body is empty or not JSON). It
/// reads as its body: `reply["id"]`.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The field an error names.
    pub fn field(&self) -> &str {
        self.body["field"].as_str().unwrap_or_default()
    }

    /// The body's `id`, asserting the reply is `201 Created`.
    pub fn created_id(&self, what: &str) -> String {
        assert_eq!(self.status, StatusCode::CREATED, "{what}: {}", self.body);
        self.body["id"].as_str().expect("an id").to_owned()
    }
}

impl std::ops::Deref for Reply {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.body
    }
}

/// Centrale's HTTP API as one logged-in user (any server: in-process or the real binary).
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    /// Logs in at `base`; panics unless the login succeeds.
    pub async fn login(base: String, email: &str, password: &str) -> Self {
        let anonymous = Self {
            base,
            http: reqwest::Client::new(),
            token: String::new(),
        };
        anonymous.login_as(email, password).await
    }

    /// Another user of the same server.
    pub async fn login_as(&self, email: &str, password: &str) -> Self {
        let token = self.token_for(email, password).await;
        Self {
            token,
            ..self.clone()
        }
    }

    /// Logs `email` in and returns the bearer token.
    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login of {email}: {}",
            reply.body
        );
        reply["token"].as_str().expect("a token").to_owned()
    }

    /// A request with `token` (or none) and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.try_call(method, path, token, &[], body)
            .await
            .unwrap_or_else(|| panic!("no answer to {path}"))
    }

    /// The reply, or `None` when the server did not answer (it was killed).
    pub async fn try_call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Option<Reply> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Some(Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// A request as this user.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, Some(&self.token), body).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a resource under `path` and returns its id.
    pub async fn create(&self, path: &str, body: Value) -> String {
        self.post(path, body)
            .await
            .created_id(&format!("POST {path}"))
    }

    /// Creates a client and returns its id.
    pub async fn create_client(&self, name: &str) -> String {
        self.create(
            "/api/v1/clients",
            json!({"name": name, "greeting": format!("{name}, goedemorgen")}),
        )
        .await
    }

    /// A Dutch client (general address info@jansenbouw.example) with one employee, Piet:
    /// `(client, piet)`.
    pub async fn client_with_employee(&self) -> (String, String) {
        let client = self
            .create(
                "/api/v1/clients",
                json!({"name": "Jansen Bouw", "greeting": "Jansen Bouw, goedemorgen",
                       "emails": ["info@jansenbouw.example"], "language": "nl"}),
            )
            .await;
        let piet = self
            .create(
                &format!("/api/v1/clients/{client}/employees"),
                json!({"name": "Piet Jansen", "emails": ["piet@jansenbouw.example"], "sms": "never"}),
            )
            .await;
        (client, piet)
    }

    /// Saves note `i` (for the general address) outside a call; returns its JSON.
    pub async fn general_note(&self, client: &str, i: usize) -> Value {
        self.try_general_note(client, i)
            .await
            .filter(|r| r.status.is_success())
            .unwrap_or_else(|| panic!("note {i} not saved"))
            .body
    }

    /// As [`Api::general_note`]; `None` when the server did not answer.
    pub async fn try_general_note(&self, client: &str, i: usize) -> Option<Reply> {
        let note = json!({"caller_name": format!("Beller {i}"), "message": "Graag terugbellen"});
        self.try_post_note(client, &format!("note-{i}"), note).await
    }

    /// Saves a note outside a call (`POST /clients/{client}/notes` with `Idempotency-Key: key`).
    pub async fn post_note(&self, client: &str, key: &str, note: Value) -> Reply {
        self.try_post_note(client, key, note)
            .await
            .unwrap_or_else(|| panic!("no answer to note {key}"))
    }

    async fn try_post_note(&self, client: &str, key: &str, note: Value) -> Option<Reply> {
        self.try_call(
            Method::POST,
            &format!("/api/v1/clients/{client}/notes"),
            Some(&self.token),
            &[("Idempotency-Key", key)],
            Some(note),
        )
        .await
    }
}
