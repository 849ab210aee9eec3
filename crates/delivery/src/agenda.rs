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
                .agenda_fetched(client, employee, &url, outcome, Utc::now())
                .await?;
        }
        Ok(step)
    }

    /// Runs a round every `interval` until `stop`.
    pub fn spawn(self: Arc<Self>, interval: Duration, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                // A round in a task of its own: should reading a stranger's file ever panic,
                // that round is lost, not the schedule.
                let round = tokio::spawn({
                    let fetcher = self.clone();
                    async move { fetcher.run_once(Utc::now()).await }
                });
                match round.await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "cannot read the agendas"),
                    Err(e) => tracing::error!(error = %e, "a round of reading agendas failed"),
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
        // Said without the address it resolved to: the client learns nothing of the bureau's
        // own network.
        if addresses.iter().any(|a| !self.may_reach(a)) {
            return Err(format!("{host} is not a public web address"));
        }
        let http = reqwest::Client::builder()
            // A proxy would resolve the name itself, past the check.
            .no_proxy()
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

    /// A public address on the web's ports, or any address in an allowed network.
    fn may_reach(&self, address: &SocketAddr) -> bool {
        let ip = address.ip();
        self.allowed.iter().any(|net| net.contains(ip))
            || (is_public(ip) && matches!(address.port(), 80 | 443))
    }
}

/// True for an address on the public internet: not loopback, private, link-local, shared,
/// benchmarking, reserved, documentation, multicast or unspecified — also when an IPv6 address
/// carries an IPv4 one (mapped, compatible, NAT64, 6to4).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && c == 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |high: u16, low: u16| {
                let [h1, h2] = high.to_be_bytes();
                let [l1, l2] = low.to_be_bytes();
                IpAddr::V4(std::net::Ipv4Addr::new(h1, h2, l1, l2))
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) carry it in the last 32 bits.
            if s[..6] == [0; 6] || (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4]) {
                return !v6.is_loopback()
                    && !v6.is_unspecified()
                    && is_public(embedded(s[6], s[7]));
            }
            // 6to4 (2002::/16) carries it right after the prefix.
            if s[0] == 0x2002 {
                return is_public(embedded(s[1], s[2]));
            }
            !(v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x64 && s[1] == 0xff9b)
                || (s[0] == 0x2001 && s[1] == 0x0db8))
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
        for public in [
            "1.1.1.1",
            "185.10.20.30",
            "2a00:1450:4009::200e",
            "2002:101:101::1",
            "64:ff9b::101:101",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
