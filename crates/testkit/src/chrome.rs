//! A headless Chromium for one test, through its own chromedriver.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A browser session; the driver and browser end when it is dropped.
pub struct Chrome {
    pub client: Client,
    _driver: Child,
    /// The browser's own profile folder, which names its processes.
    profile: PathBuf,
}

impl Drop for Chrome {
    /// The driver dies with its handle, but the browser it started would outlive it (orphaned,
    /// for good): its processes are found by their profile folder and killed.
    fn drop(&mut self) {
        let mark = format!("--user-data-dir={}", self.profile.display());
        let Ok(processes) = std::fs::read_dir("/proc") else {
            return;
        };
        for process in processes.flatten() {
            let Ok(pid) = process.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&mark) {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

impl Chrome {
    /// Starts chromedriver on a free port and opens a headless session with a fresh profile.
    pub async fn start() -> Self {
        let port = crate::free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver runs (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir").keep();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
            "--lang=nl-NL",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": args,
                // Headless Chromium ignores --lang for Accept-Language; the preference sets it.
                "prefs": { "intl.accept_languages": "nl-NL,nl" },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            if let Ok(client) = connected {
                return Self {
                    client,
                    _driver: driver,
                    profile,
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session");
    }

    /// Logs in through the console's form.
    pub async fn login(&self, base: &str, email: &str, password: &str) {
        self.login_at(base, "/console/login", email, password).await;
    }

    /// Logs in through the form at `path` (the console's or the portal's).
    pub async fn login_at(&self, base: &str, path: &str, email: &str, password: &str) {
        self.client
            .goto(&format!("{base}{path}"))
            .await
            .expect("login page");
        self.client
            .find(Locator::Id("email"))
            .await
            .unwrap()
            .send_keys(email)
            .await
            .unwrap();
        self.client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        self.client
            .find(Locator::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// The text of an element, waiting (bounded) until it satisfies `ready`.
    pub async fn text_when(&self, id: &str, ready: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..150 {
            if let Ok(element) = self.client.find(Locator::Id(id)).await
                && let Ok(text) = element.text().await
            {
                if ready(&text) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("#{id} never got ready; last text: {last:?}");
    }

    /// Writes a screenshot to `test-artifacts/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
        std::fs::create_dir_all(&dir).expect("artifact dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Sets a form field's value as a user's input would (an `input` event follows), for
    /// fields whose typing depends on the browser's locale (dates and times).
    pub async fn set_value(&self, id: &str, value: &str) {
        self.client
            .execute(
                "const f = document.getElementById(arguments[0]); f.value = arguments[1];
                 f.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(id), json!(value)],
            )
            .await
            .expect("value set");
    }

    /// Follows the link to `href` (a navigation link, as a user clicks it).
    pub async fn click_link(&self, href: &str) {
        self.client
            .find(Locator::Css(&format!("a[href=\"{href}\"]")))
            .await
            .unwrap_or_else(|e| panic!("a link to {href}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {href}: {e}"));
    }

    /// Clicks the element with this id.
    pub async fn click(&self, id: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click #{id}: {e}"));
    }

    /// Presses keys on the focused element (or the page).
    pub async fn keys(&self, keys: &str) {
        let active = self
            .client
            .active_element()
            .await
            .expect("an active element");
        active.send_keys(keys).await.expect("keys sent");
    }
}
