//! Benchmark: call notes delivered to a local SMTP server (aiosmtpd).
//!
//! Saves `DELIVERY_NOTES` notes (default 1000) over the API of an in-process Centrale whose
//! worker polls every 20 ms, and prints notes per second delivered (first save → last
//! acceptance) and p50/p99 of note saved → SMTP accepted (`sent_at` − `created_at`, both
//! from this machine's clock). Run: `cargo bench -p centrale-server --bench delivery`
//! (`CENTRALE_TEST_DB=postgres` for PostgreSQL).

use centrale_testkit::{SmtpPeer, TestApp};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let notes: usize = std::env::var("DELIVERY_NOTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let smtp = SmtpPeer::start();
    let app = TestApp::builder()
        .settings(|s| {
            s.smtp_url = smtp.url();
            s.delivery_interval_ms = 20;
        })
        .start()
        .await;
    let (client, _) = app.api.client_with_employee().await;

    let started = Instant::now();
    let mut ids = Vec::with_capacity(notes);
    for i in 0..notes {
        let note = app.api.general_note(&client, i).await;
        ids.push(note["id"].as_str().unwrap_or_default().to_owned());
    }
    let saving = started.elapsed();
    let arrived = smtp.wait_for(notes, Duration::from_secs(600)).await;
    let elapsed = started.elapsed();

    let mut latencies = Vec::with_capacity(notes);
    for id in &ids {
        let note = app
            .api
            .get(&format!("/api/v1/clients/{client}/notes/{id}"))
            .await;
        let at = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|t| t.parse::<DateTime<Utc>>().ok())
                .map(|t| t.timestamp_millis())
        };
        if let (Some(created), Some(sent)) = (
            at(&note["created_at"]),
            at(&note["deliveries"][0]["sent_at"]),
        ) {
            latencies.push(sent - created);
        }
    }
    latencies.sort_unstable();
    let q = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "delivery ({}): {notes} notes saved in {:.2} s, {arrived} arrived after {:.2} s: \
         {:.0} notes/s delivered; saved → SMTP accepted p50 {} ms, p99 {} ms, max {} ms",
        std::env::var("CENTRALE_TEST_DB").unwrap_or_else(|_| "sqlite".into()),
        saving.as_secs_f64(),
        elapsed.as_secs_f64(),
        arrived as f64 / elapsed.as_secs_f64(),
        q(0.5),
        q(0.99),
        q(1.0),
    );
}
