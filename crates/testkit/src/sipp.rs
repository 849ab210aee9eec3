//! SIPp as the carrier trunk and as operators' phones, with the sip crate's scenarios.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// The SIPp scenarios shipped with the sip crate.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sip/tests/scenarios")
        .join(name)
}

/// A UDP port nobody uses right now (and its TCP twin, for SIPp's TCP checks).
pub fn free_port() -> u16 {
    loop {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
        let port = socket.local_addr().expect("local addr").port();
        let tcp_free = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        // Even ports leave room for SIPp's RTP port+1 conventions.
        if tcp_free && port.is_multiple_of(2) && port < 60000 {
            return port;
        }
    }
}

/// Where [`free_media_port`] looks: below the kernel's ephemeral ports (32768 and up), which
/// any socket may take at any moment, and below Centrale's default RTP range (20000–20999).
const MEDIA_PORTS: std::ops::Range<u16> = 10_000..19_996;

/// The next media port to try, shared by the tests of one process.
static NEXT_MEDIA_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// A base for SIPp's media (`-mp`): SIPp binds it and the next three ports (audio and video,
/// RTP and RTCP), so all four must be free. Taken in turn from [`MEDIA_PORTS`], starting at a
/// random place, so concurrent tests do not pick the same one.
pub fn free_media_port() -> u16 {
    use std::sync::atomic::Ordering;
    let span = (MEDIA_PORTS.end - MEDIA_PORTS.start) / 4;
    let _ = NEXT_MEDIA_PORT.compare_exchange(
        0,
        rand::random_range(1..span),
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    loop {
        let slot = NEXT_MEDIA_PORT.fetch_add(1, Ordering::Relaxed) % span;
        let base = MEDIA_PORTS.start + slot * 4;
        let free = (base..base + 4).all(|port| UdpSocket::bind(("127.0.0.1", port)).is_ok());
        if free {
            return base;
        }
    }
}

/// A running SIPp.
pub struct Sipp {
    child: Child,
    /// SIPp's error and message logs, shown when a run fails.
    logs: [PathBuf; 2],
}

/// Numbers each SIPp run's log files.
static SIPP_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The last `lines` lines of a log file (empty when there is none).
fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// How a SIPp run ended and what it printed.
pub struct SippResult {
    pub success: bool,
    pub code: Option<i32>,
    pub output: String,
}

impl Sipp {
    pub fn spawn(dir: &Path, args: &[String]) -> Self {
        let run = SIPP_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let logs = [
            dir.join(format!("sipp-{run}-errors.log")),
            dir.join(format!("sipp-{run}-messages.log")),
        ];
        let child = Command::new("sipp")
            .args(args)
            .args(["-nostdin", "-trace_err", "-trace_msg"])
            .arg("-error_file")
            .arg(&logs[0])
            .arg("-message_file")
            .arg(&logs[1])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("sipp runs (apt-get install sip-tester)");
        Self { child, logs }
    }

    /// Waits (at most a minute) for SIPp to finish.
    pub async fn finish(self) -> SippResult {
        let output = tokio::time::timeout(Duration::from_secs(60), self.child.wait_with_output())
            .await
            .expect("sipp finishes within a minute")
            .expect("sipp output");
        let mut text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            text.push_str(&format!(
                "\n--- sipp errors ---\n{}\n--- last sip messages ---\n{}",
                log_tail(&self.logs[0], 30),
                log_tail(&self.logs[1], 80)
            ));
        }
        SippResult {
            success: output.status.success(),
            code: output.status.code(),
            output: text,
        }
    }
}

impl SippResult {
    /// Panics with SIPp's screen when it failed.
    pub fn assert_ok(&self, what: &str) {
        let tail: String = self
            .output
            .lines()
            .rev()
            .take(150)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(self.success, "{what}: sipp exited {:?}\n{tail}", self.code);
    }
}
