//! The media engine: hands out even RTP ports, chosen at random from the configured range,
//! and opens sessions.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use tokio::net::UdpSocket;

use super::session::MediaSession;
use super::{MediaConfig, MediaError, Result};

/// Opens media sessions; cheap to clone, shared by all calls.
#[derive(Debug, Clone)]
pub struct MediaEngine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: MediaConfig,
    /// Packets dropped as strangers', by every session.
    dropped: Counter,
}

impl MediaEngine {
    /// An engine binding RTP sockets as `config` says; packets its sessions drop (from
    /// strangers) are counted on `dropped`.
    pub fn new(config: MediaConfig, dropped: Counter) -> Self {
        Self {
            inner: Arc::new(Inner { config, dropped }),
        }
    }

    /// The configuration the engine runs with.
    pub fn config(&self) -> &MediaConfig {
        &self.inner.config
    }

    /// Binds two UDP sockets (caller side, operator side) from the range and starts the
    /// session's task; must be called within a tokio runtime.
    pub async fn open(&self) -> Result<MediaSession> {
        let caller = self.bind_even_port().await?;
        let operator = self.bind_even_port().await?;
        let config = &self.inner.config;
        MediaSession::start([caller, operator], config, self.inner.dropped.clone())
    }

    /// The even ports of the range, as (first, count).
    fn even_ports(&self) -> (u32, usize) {
        let config = &self.inner.config;
        // Port 0 would ask the system for any port; RTP wants even ports.
        let first = u32::from(config.port_min.max(2)).next_multiple_of(2);
        let last = u32::from(config.port_max);
        let count = if first > last {
            0
        } else {
            (last - first) as usize / 2 + 1
        };
        (first, count)
    }

    /// Binds a free even port, searching the whole range once from a random place: a stranger
    /// cannot guess a call's ports from another call's, and a port just freed is seldom reused
    /// at once (late packets of an old call do not reach a new one).
    pub(super) async fn bind_even_port(&self) -> Result<UdpSocket> {
        let (first, count) = self.even_ports();
        if count == 0 {
            return Err(MediaError::NoPorts);
        }
        let start = rand::random_range(0..count);
        for step in 0..count {
            let index = (start + step) % count;
            let Some(port) = u16::try_from(first as usize + 2 * index).ok() else {
                continue;
            };
            let addr = SocketAddr::new(self.inner.config.bind_ip, port);
            match UdpSocket::bind(addr).await {
                Ok(socket) => return Ok(socket),
                Err(error) if error.kind() == ErrorKind::AddrInUse => continue,
                Err(error) => return Err(MediaError::Io(error)),
            }
        }
        Err(MediaError::NoPorts)
    }
}
