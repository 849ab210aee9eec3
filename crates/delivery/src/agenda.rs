//! Fetching employees' shared agendas: every agenda with a URL is read on a schedule (never on
//! a call's path), bounded in time and size, and its busy times stored for the pop.
//!
//! The URL is a client's, so the fetch is a request on a stranger's behalf: only `http` and
//! `https`, no redirects, and only to public addresses — the name is resolved once, every
//! address it gives must be public (or in `allowed`, for a bureau's own calendar server or a
//! test), and the connection goes to the address that was checked (no second lookup a
//! rebinding name could answer differently).

use centrale_core::Cidr;
use centrale_core::agenda::{HORIZON_DAYS, MAX_ICS_BYTES, busy_periods};
use centrale_core::ports::AgendaStore;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchStep {
    pub fetched: usize,
    pub failed: usize,
}

/// Reads the agendas' URLs.
pub struct AgendaFetcher {
    store: Arc<dyn AgendaStore>,
    /// Non-public networks that may be fetched anyway.
    allowed: Vec<Cidr>,
    timeout: Duration,
}

impl AgendaFetcher {
    pub fn new(store: Arc<dyn AgendaStore>, allowed: Vec<Cidr>, timeout: Duration) -> Self {
        Self {
            store,
            allowed,
            timeout,
        }
    }

    /// Reads every agenda with a URL once; each outcome is stored (a failure keeps the busy
    /// times read before, with the reason).
    pub async fn run_once(&self, now: DateTime<Utc>) -> centrale_core::Result<FetchStep> {
        let mut step = FetchStep::default();
        for (client, employee, url, zone) in self.store.agendas_to_fetch().await? {
            let outcome = match self.fetch(&url).await {
                Ok(ics) => busy_periods(
                    &ics,
                    zone.tz(),
                    now,
                    now + chrono::Duration::days(HORIZON_DAYS),
                ),
                Err(e) => Err(e),
            };
            match &outcome {
                Ok(_) => step.fetched += 1,
                Err(reason) => {
                    step.failed += 1;
                    tracing::info!(%client, %employee, %reason, "agenda not read");
                }
            }
            self.store
                .agenda_fetched(client, employee, outcome, Utc::now())
                .await?;
        }
        Ok(step)
    }

    /// Runs a round every `interval` until `stop`.
    pub fn spawn(self: Arc<Self>, interval: Duration, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.run_once(Utc::now()).await {
                    tracing::warn!(error = %e, "cannot read the agendas");
                }
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(interval) => {}
                }
            }
        })
    }

    /// The file at `url`, or why not.
    async fn fetch(&self, url: &str) -> Result<String, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("only http and https addresses are read".into());
        }
        let host = parsed.host_str().ok_or("the URL names no host")?.to_owned();
        let port = parsed
            .port_or_known_default()
            .ok_or("the URL names no port")?;
        let lookup =
            tokio::time::timeout(self.timeout, tokio::net::lookup_host((host.as_str(), port)))
                .await
                .map_err(|_| format!("{host} did not resolve in time"))?
                .map_err(|e| format!("{host} does not resolve: {e}"))?;
        let addresses: Vec<SocketAddr> = lookup.collect();
        let Some(first) = addresses.first().copied() else {
            return Err(format!("{host} has no address"));
        };
        if let Some(refused) = addresses.iter().find(|a| !self.may_reach(a.ip())) {
            return Err(format!("{host} is not a public address ({})", refused.ip()));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .resolve(&host, first)
            .build()
            .map_err(|e| format!("cannot make the request: {e}"))?;
        let response = http
            .get(parsed)
            .header(reqwest::header::ACCEPT, "text/calendar")
            .send()
            .await
            .map_err(|e| format!("cannot read it: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the server answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ICS_BYTES as u64)
        {
            return Err(format!(
                "the agenda is larger than {} KiB",
                MAX_ICS_BYTES / 1024
            ));
        }
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| format!("cannot read it: {e}"))?;
            if body.len() + chunk.len() > MAX_ICS_BYTES {
                return Err(format!(
                    "the agenda is larger than {} KiB",
                    MAX_ICS_BYTES / 1024
                ));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| "the agenda is not UTF-8 text".into())
    }

    fn may_reach(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allowed.iter().any(|net| net.contains(ip))
    }
}

/// True for an address on the public internet (not loopback, private, link-local, shared,
/// documentation, multicast or unspecified).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "185.10.20.30", "2a00:1450:4009::200e"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
