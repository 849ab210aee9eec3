//! The SMSC test peer (`smpp_server.js` on npm `smpp`), shared by the delivery crate's tests and
//! the server's end-to-end tests (included with `#[path]`).

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const SYSTEM_ID: &str = "centrale";
pub const PASSWORD: &str = "secret1";

/// This folder: both crates sit at `crates/NAME`, so the workspace root is two levels up.
fn peers_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join(
        Path::new(file!())
            .parent()
            .expect("the peer file has a folder"),
    )
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

/// The SMSC: `node smpp_server.js`, recording every submit_sm to `record`; killed when dropped.
pub struct SmppPeer {
    _child: Child,
    pub port: u16,
}

impl SmppPeer {
    /// Starts the SMSC on `port` (0: any free port).
    pub async fn start(port: u16, record: &Path) -> Result<Self> {
        ensure_node_modules();
        let mut child = Command::new("node")
            .arg(peers_dir().join("smpp_server.js"))
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
