//! The live event stream (`GET /api/v1/events`) as one user sees it, collected in the background.

use crate::Api;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Events received so far.
pub struct Events {
    collected: Arc<std::sync::Mutex<Vec<Value>>>,
    closed: Arc<AtomicBool>,
}

impl Events {
    /// Waits (bounded) until an event of `kind` for which `matches` holds has arrived.
    pub async fn wait_for(&self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..150 {
            if let Some(event) = self
                .all()
                .into_iter()
                .find(|e| e["type"] == kind && matches(e))
            {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no {kind} event; got {:?}",
            self.all()
                .iter()
                .map(|e| e["type"].clone())
                .collect::<Vec<_>>()
        );
    }

    /// Whether the server ended the stream within `within` (bounded, so a test fails
    /// instead of hanging).
    pub async fn ends_within(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if self.closed.load(Ordering::SeqCst) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.closed.load(Ordering::SeqCst)
    }

    pub fn all(&self) -> Vec<Value> {
        self.collected.lock().unwrap().clone()
    }

    /// The types of the events for one call, in order.
    pub fn types_for_call(&self, call_id: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|e| e["call_id"] == call_id)
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Api {
    /// The live events `token` may see, collected in the background from now on.
    pub async fn events(&self, token: &str) -> Events {
        let response = self
            .http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("event stream opens");
        assert_eq!(response.status(), 200);
        let collected = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = collected.clone();
        let closed = Arc::new(AtomicBool::new(false));
        let ended = closed.clone();
        tokio::spawn(async move {
            let mut response = response;
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: "))
                        && let Ok(event) = serde_json::from_str::<Value>(data)
                    {
                        sink.lock().unwrap().push(event);
                    }
                }
            }
            ended.store(true, Ordering::SeqCst);
        });
        // Let the subscription take hold before anything happens.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Events { collected, closed }
    }
}
