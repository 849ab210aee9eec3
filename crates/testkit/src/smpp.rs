//! An SMSC for tests: `peers/smpp/smpp_server.js` on npm `smpp` (installed by `scripts/test`),
//! recording every submit_sm and sending delivery receipts.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const SYSTEM_ID: &str = "centrale";
pub const PASSWORD: &str = "secret1";

/// The peer's folder (`smpp_server.js` and its npm packages).
fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/smpp")
}

/// The SMSC: `node smpp_server.js`, recording every submit_sm to `record`; killed when dropped.
pub struct SmppPeer {
    _child: Child,
    pub port: u16,
}

impl SmppPeer {
    /// Starts the SMSC on `port` (0: any free port).
    pub async fn start(port: u16, record: &Path) -> Result<Self> {
        let dir = peer_dir();
        assert!(
            dir.join("node_modules/smpp/package.json").exists(),
            "the SMPP test peer's npm packages are missing: run ./scripts/test, or \
             npm ci --prefix {}",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("smpp_server.js"))
            .arg(port.to_string())
            .arg(record)
            .args([SYSTEM_ID, PASSWORD])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("start node (is Node.js installed?)")?;
        let stdout = child.stdout.take().context("node stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
            .await
            .context("SMPP peer did not start in 15 s")??
            .context("SMPP peer exited before listening")?;
        let port = line
            .strip_prefix("listening ")
            .context("unexpected peer output")?
            .trim()
            .parse()?;
        Ok(Self {
            _child: child,
            port,
        })
    }
}
