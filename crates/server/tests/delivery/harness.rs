//! Peers and helpers for the delivery tests and benchmark: aiosmtpd as the SMTP server (its
//! Maildir read back through Python's own `email` parser), Centrale in-process or as the
//! real binary, and a client with notes saved over HTTP.

use centrale_core::ports::Store;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use centrale_server::{App, Settings};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const ADMIN: &str = "admin@bureau.test";
pub const PASSWORD: &str = "a long enough password";

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// aiosmtpd with the Mailbox handler on 127.0.0.1:`port`, storing into `dir` (a Maildir).
pub struct SmtpPeer {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl SmtpPeer {
    /// A peer on a free port, not started (the mail server is down).
    pub fn down() -> Self {
        let dir = tempfile::tempdir().expect("temp dir").keep().join("mail");
        Self {
            port: free_port(),
            dir,
            child: None,
        }
    }

    pub fn start() -> Self {
        let mut peer = Self::down();
        peer.up();
        peer
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&mut self) {
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (apt-get install -y python3-aiosmtpd)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `smtp_url` for Centrale.
    pub fn url(&self) -> String {
        format!(
            "smtp://127.0.0.1:{}?tls=none&from=notes@bureau.example&timeout_secs=5",
            self.port
        )
    }

    /// How many messages arrived.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.join("new")).map_or(0, |d| d.count())
    }

    /// Waits until at least `n` messages arrived (bounded), then returns the count.
    pub async fn wait_for(&self, n: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        while self.count() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.count()
    }

    /// Every arrived message, decoded by Python's `email` package.
    pub fn messages(&self) -> Vec<Mail> {
        read_maildir(&self.dir)
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One message as a mail program sees it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub message_id: String,
    pub subject: String,
    pub to: String,
    pub from: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
}

const DECODE: &str = r#"
import email, email.policy, json, os, sys
out = []
new = os.path.join(sys.argv[1], "new")
for name in sorted(os.listdir(new)):
    with open(os.path.join(new, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    out.append({
        "message_id": str(m["Message-ID"] or ""), "subject": str(m["Subject"] or ""),
        "to": str(m["To"] or ""), "from": str(m["From"] or ""),
        "content_type": m.get_content_type(),
        "text": text.get_content() if text else "", "html": html.get_content() if html else "",
    })
print(json.dumps(out))
"#;

/// The messages of a Maildir, decoded.
pub fn read_maildir(dir: &Path) -> Vec<Mail> {
    if !dir.join("new").is_dir() {
        return Vec::new();
    }
    let output = Command::new("/usr/bin/python3")
        .args(["-c", DECODE])
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("decoded messages")
}

/// Distinct Message-IDs among `mails`.
pub fn distinct_ids(mails: &[Mail]) -> usize {
    mails
        .iter()
        .map(|m| m.message_id.as_str())
        .collect::<HashSet<_>>()
        .len()
}

/// Talks to a running Centrale over HTTP as its admin.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    pub async fn login(base: String) -> Self {
        let http = reqwest::Client::new();
        let reply: Value = http
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({"email": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .expect("login sent")
            .json()
            .await
            .expect("login reply");
        let token = reply["token"].as_str().expect("token").to_owned();
        Self { base, http, token }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        self.try_send(method, path, key, body)
            .await
            .expect("request sent")
    }

    /// The reply, or `None` when the server did not answer (it was killed).
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Option<(reqwest::StatusCode, Value)> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        Some((status, body))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(reqwest::Method::GET, path, None, None).await;
        assert!(status.is_success(), "GET {path}: {status} {body}");
        body
    }

    pub async fn create(&self, path: &str, body: Value) -> String {
        let (status, reply) = self
            .send(reqwest::Method::POST, path, None, Some(body))
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "POST {path}: {reply}");
        reply["id"].as_str().expect("id").to_owned()
    }

    /// A Dutch client (general address info@…) with one employee, Piet.
    pub async fn client(&self) -> (String, String) {
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
    pub async fn note(&self, client: &str, i: usize) -> Value {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/clients/{client}/notes"),
                Some(&format!("note-{i}")),
                Some(json!({"caller_name": format!("Beller {i}"), "message": "Graag terugbellen"})),
            )
            .await;
        assert!(status.is_success(), "note {i}: {status} {body}");
        body
    }
}

/// The admin in the store.
pub async fn add_admin(store: &dyn Store) {
    let draft = StaffDraft {
        email: EmailAddress::parse(ADMIN).unwrap(),
        name: "Admin".into(),
        role: Role::Admin,
        sip_username: None,
    };
    store
        .create_staff(&draft, &PasswordHash::create(PASSWORD).unwrap(), None)
        .await
        .unwrap();
}

/// Settings for an in-process Centrale on port 0 with a fresh database.
pub async fn settings() -> Settings {
    Settings {
        database_url: centrale_store::testing::fresh_database_url().await,
        http_listen: "127.0.0.1:0".parse().unwrap(),
        sip_listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: tempfile::tempdir().expect("temp dir").keep(),
        delivery_interval_ms: 50,
        ..Settings::default()
    }
}

/// Centrale in-process: its API as the admin, and its delivery worker.
pub struct Running {
    pub api: Api,
    pub store: Arc<dyn Store>,
    pub worker: Arc<centrale_delivery::worker::Worker>,
}

pub async fn spawn(settings: &Settings) -> Running {
    let app = App::build(settings).await.expect("app builds");
    let base = format!("http://{}", app.http_addr());
    let store = app.store().clone();
    let worker = app.delivery_worker().clone();
    add_admin(store.as_ref()).await;
    tokio::spawn(app.run_until(std::future::pending()));
    Running {
        api: Api::login(base).await,
        store,
        worker,
    }
}
