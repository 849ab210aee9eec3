//! SMS through the whole app against the npm `smpp` SMSC of the delivery crate's tests
//! (`crates/delivery/tests/peers/smpp_server.js`): the note's SMS delivery is sent, and the
//! SMSC's delivery receipt turns it `delivered` (or `failed`).

use crate::harness::{settings, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SYSTEM_ID: &str = "centrale";
const PASSWORD: &str = "secret1";

fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../delivery/tests/peers")
}

/// Installs the peer's npm packages once when they are missing.
fn ensure_node_modules() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let dir = peers_dir();
        if dir.join("node_modules/smpp/package.json").exists() {
            return Ok(());
        }
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status()
            .map_err(|e| format!("cannot run npm ({e}); install Node.js and npm"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "`npm ci --prefix {}` failed: {status}",
                dir.display()
            ))
        }
    });
    if let Err(e) = result {
        panic!("SMPP test peer unavailable: {e}");
    }
}

/// The SMSC: `node smpp_server.js`, killed when dropped.
struct SmppPeer {
    _child: Child,
    port: u16,
}

impl SmppPeer {
    async fn start(record: &Path) -> Self {
        ensure_node_modules();
        let mut child = Command::new("node")
            .arg(peers_dir().join("smpp_server.js"))
            .arg("0")
            .arg(record)
            .args([SYSTEM_ID, PASSWORD])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (install Node.js)");
        let stdout = child.stdout.take().expect("node stdout");
        let line = tokio::time::timeout(
            Duration::from_secs(15),
            BufReader::new(stdout).lines().next_line(),
        )
        .await
        .expect("the SMPP peer starts within 15 s")
        .expect("peer output")
        .expect("the SMPP peer listens");
        let port = line
            .strip_prefix("listening ")
            .expect("`listening PORT`")
            .trim()
            .parse()
            .expect("port");
        Self {
            _child: child,
            port,
        }
    }

    fn url(&self) -> String {
        format!(
            "smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{}?sender=Centrale&enquire_link_secs=1",
            self.port
        )
    }
}

/// Polls the note until its SMS delivery has left `queued` and `sent`, or 30 s passed.
async fn final_sms(app: &crate::harness::Running, path: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let note = app.api.get(path).await;
        let sms = note["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["channel"] == "sms")
            .cloned()
            .expect("an SMS delivery");
        if sms["status"] != "queued" && sms["status"] != "sent" {
            return sms;
        }
        last = sms;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMS delivery stayed {last}");
}

#[tokio::test]
async fn an_sms_receipt_marks_the_delivery_delivered_or_failed() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("submits.jsonl");
    let smsc = SmppPeer::start(&record).await;
    let mut s = settings().await;
    s.sms_url = smsc.url();
    let app = spawn(&s).await;
    let (client, _) = app.api.client().await;
    // Mobiles ending in 0002 get an UNDELIV receipt from the peer, others DELIVRD.
    let mut notes = Vec::new();
    for (name, mobile) in [("Kees", "+31612345678"), ("Anna", "+31612340002")] {
        let employee = app
            .api
            .create(
                &format!("/api/v1/clients/{client}/employees"),
                json!({"name": name, "mobile": mobile, "sms": "always"}),
            )
            .await;
        let (status, note) = app
            .api
            .send(
                Method::POST,
                &format!("/api/v1/clients/{client}/notes"),
                Some(&format!("sms-{name}")),
                Some(json!({"caller_name": "Jan", "message": "Bel terug",
                            "for_employees": [employee]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{note}");
        let path = format!(
            "/api/v1/clients/{client}/notes/{}",
            note["id"].as_str().unwrap()
        );
        notes.push((mobile, path));
    }

    let delivered = final_sms(&app, &notes[0].1).await;
    assert_eq!(delivered["status"], "delivered", "{delivered}");
    assert_eq!(delivered["recipient"], notes[0].0);
    assert_eq!(delivered["attempts"], 1);
    let failed = final_sms(&app, &notes[1].1).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not delivered")),
        "{failed}"
    );
    // Both reached the SMSC once.
    let submits = std::fs::read_to_string(&record).unwrap();
    assert_eq!(submits.lines().count(), 2, "{submits}");
    // The undelivered one is among the failures supervisors see.
    let failures = app.api.get("/api/v1/deliveries/failed").await;
    assert_eq!(failures.as_array().unwrap().len(), 1, "{failures}");
}
