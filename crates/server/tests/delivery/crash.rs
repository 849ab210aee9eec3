//! The real binary killed with SIGKILL while it delivers: after a restart every saved note
//! arrives (at least once; a crash between the server's acceptance and the mark can send
//! one twice, recognisable by its Message-ID).

use centrale_testkit::{ADMIN_EMAIL, Api, PASSWORD, SmtpPeer, distinct_ids, free_port};
use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const NOTES: usize = 400;

fn centrale(db: &str, data: &Path, http_port: u16, smtp: &SmtpPeer) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_centrale"));
    command
        .env("CENTRALE_DATABASE_URL", db)
        .env("CENTRALE_DATA_DIR", data)
        .env("CENTRALE_HTTP_LISTEN", format!("127.0.0.1:{http_port}"))
        .env("CENTRALE_SIP_LISTEN", "127.0.0.1:0")
        .env("CENTRALE_SMTP_URL", smtp.url())
        .env("CENTRALE_DELIVERY_INTERVAL_MS", "20")
        .env("CENTRALE_DELIVERY_LEASE_SECS", "5")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

async fn serve(db: &str, data: &Path, port: u16, smtp: &SmtpPeer) -> Child {
    let child = centrale(db, data, port, smtp)
        .arg("serve")
        .spawn()
        .expect("centrale starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let http = reqwest::Client::new();
    while http
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "centrale did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

#[tokio::test]
async fn every_note_is_delivered_after_a_kill_9() {
    let smtp = SmtpPeer::start();
    let db = centrale_store::testing::fresh_database_url().await;
    let data = tempfile::tempdir().expect("temp dir").keep();
    let port = free_port();
    let created = centrale(&db, &data, port, &smtp)
        .args([
            "admin",
            "create-admin",
            "--email",
            ADMIN_EMAIL,
            "--password",
            PASSWORD,
        ])
        .status()
        .await
        .expect("create-admin runs");
    assert!(created.success());

    let mut server = serve(&db, &data, port, &smtp).await;
    let api = Api::login(format!("http://127.0.0.1:{port}"), ADMIN_EMAIL, PASSWORD).await;
    let (client, _) = api.client_with_employee().await;

    // Save notes while the worker delivers; note the delivery of each saved one.
    let saved: Arc<Mutex<Vec<String>>> = Arc::default();
    let saving = {
        let saved = saved.clone();
        tokio::spawn(async move {
            for i in 0..NOTES {
                let Some(reply) = api.try_general_note(&client, i).await else {
                    return; // the server is gone
                };
                assert!(reply.status.is_success(), "{reply:?}");
                let id = reply["deliveries"][0]["id"].as_str().unwrap().to_owned();
                saved.lock().unwrap().push(format!("<{id}@centrale>"));
            }
        })
    };
    // Kill it mid-batch: some mail out, notes still being saved and delivered.
    smtp.wait_for(20, Duration::from_secs(60)).await;
    let pid = server.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let _ = server.wait().await;
    let _ = saving.await;
    let at_kill = smtp.count();
    let saved: Vec<String> = saved.lock().unwrap().clone();
    assert!(!saved.is_empty());

    // Restart: claims of the dead process come back after their lease.
    let mut server = serve(&db, &data, port, &smtp).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let missing = |mails: &[centrale_testkit::Mail]| {
        let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
        saved.iter().filter(|id| !ids.contains(id.as_str())).count()
    };
    let mut mails = smtp.messages();
    while missing(&mails) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        mails = smtp.messages();
    }
    // Let any straggler of the restart arrive before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = smtp.messages();
    let _ = server.start_kill();
    let _ = server.wait().await;
    let distinct = distinct_ids(&mails);
    eprintln!(
        "crash test ({}): {} notes saved before the kill, {at_kill} mails at the kill, \
         {} mails in the end, {distinct} distinct, {} duplicates",
        std::env::var("CENTRALE_TEST_DB").unwrap_or_else(|_| "sqlite".into()),
        saved.len(),
        mails.len(),
        mails.len() - distinct
    );
    assert_eq!(missing(&mails), 0, "every saved note arrives");
    // A request in flight at the kill may have committed without answering: at most one more.
    assert!(
        distinct == saved.len() || distinct == saved.len() + 1,
        "{distinct} vs {}",
        saved.len()
    );
}
