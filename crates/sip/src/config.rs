//! What the telephony is told: where to listen, what to advertise, whom to trust.

use centrale_core::Cidr;
pub use centrale_core::transfer::OutboundCaps;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Telephony settings (the binary fills them from its layered settings).
#[derive(Clone, Debug)]
pub struct SipConfig {
    /// UDP and TCP listen address.
    pub listen: SocketAddr,
    /// The address put in Contact, Via and SDP (what peers can reach).
    pub advertise: IpAddr,
    /// Digest realm for operators' phones.
    pub realm: String,
    /// Also challenge with SHA-256 digest (after MD5).
    pub digest_sha256: bool,
    /// Carrier trunks allowed to send calls without authentication.
    pub trunks: Vec<Cidr>,
    /// RTP port range, inclusive.
    pub rtp_ports: (u16, u16),
    /// How long an operator's phone rings before the call goes to the next one.
    pub ring_timeout: Duration,
    /// Wrap-up time after a call before the operator is available again.
    pub wrap_up: Duration,
    /// RTP silence after which a call is taken to be dead (bridged: from both legs; queued:
    /// from a caller without comfort noise).
    pub silence_timeout: Duration,
    /// Calls in progress from one trunk source address before INVITEs get 503.
    pub max_calls_per_trunk: usize,
    /// Calls waiting for an operator (queued or ringing) before INVITEs get 503.
    pub max_queue_length: usize,
    /// Where we may send RTP; an SDP naming another address is refused (488).
    pub media_networks: Vec<Cidr>,
    /// Steps of calls the journal holds unwritten (database slow or down) before INVITEs get
    /// 503.
    pub journal_bound: usize,
    /// Where transfers go; none: no transfers.
    pub outbound: Option<Outbound>,
}

/// The carrier gateway transfers go out through; without one, nobody can be put through.
#[derive(Clone, Debug)]
pub struct Outbound {
    /// Host (name or address) and port of the gateway.
    pub host: String,
    pub port: u16,
    pub tcp: bool,
    /// Digest username and password, when the gateway challenges (401/407).
    pub credential: Option<(String, String)>,
    pub caller_id: OutboundCallerId,
    /// How long a destination rings before the caller goes back to the operator.
    pub timeout: Duration,
    /// Outbound legs allowed per operator and bureau-wide.
    pub caps: OutboundCaps,
}

/// Which number the destination sees calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboundCallerId {
    /// The client's forwarding number the caller dialled.
    Dialled,
    /// The caller's own number, as a network-provided P-Asserted-Identity (the trunk must
    /// allow it); the forwarding number when the caller is anonymous.
    Caller,
}

/// Host, port (5060 unless named) and whether `transport=tcp` of a gateway's SIP URI
/// (`sip:gw.example.nl`, `sip:192.0.2.1:5070;transport=tcp`).
pub fn gateway_address(uri: &str) -> Result<(String, u16, bool), String> {
    use rsipstack::sip::{Host, Transport, Uri, uri::Param};
    let parsed = Uri::try_from(uri).map_err(|_| format!("'{uri}' is not a SIP URI"))?;
    if parsed.auth.is_some() || !uri.starts_with("sip:") {
        return Err(format!(
            "'{uri}': give sip:host[:port], without a user part"
        ));
    }
    let host = match &parsed.host_with_port.host {
        Host::Domain(domain) if !domain.0.is_empty() => domain.0.clone(),
        Host::IpAddr(ip) => ip.to_string(),
        Host::Domain(_) => return Err(format!("'{uri}' names no host")),
    };
    let port = parsed
        .host_with_port
        .port
        .as_ref()
        .map_or(5060, |p| p.value());
    let tcp = parsed
        .params
        .iter()
        .any(|p| matches!(p, Param::Transport(Transport::Tcp)));
    Ok((host, port, tcp))
}

#[cfg(test)]
mod tests {
    use super::gateway_address;

    #[test]
    fn a_gateway_uri_gives_host_port_and_transport() {
        assert_eq!(
            gateway_address("sip:127.0.0.1:5070"),
            Ok(("127.0.0.1".into(), 5070, false))
        );
        assert_eq!(
            gateway_address("sip:gw.carrier.example;transport=tcp"),
            Ok(("gw.carrier.example".into(), 5060, true))
        );
        for bad in ["", "gateway", "sip:user@gw.example", "http://gw.example"] {
            assert!(gateway_address(bad).is_err(), "{bad}");
        }
    }
}
