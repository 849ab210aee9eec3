//! aiosmtpd as the mail server; what arrived is read back through Python's own `email` parser.

use crate::free_port;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
