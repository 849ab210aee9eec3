//! Where a request came from: the address and transport of the socket it arrived on, as the
//! transport layer saw them — never a header. A sender writes its own Via, `received=` included,
//! and rsipstack keeps a sender's `received=` when the Via's sent-by matches the socket.
//!
//! [`Peer::of`] reads a server transaction's connection (rsipstack gives every incoming request a
//! connection that knows its remote address, for UDP as for TCP). [`StampVia`] rewrites the top
//! Via of every incoming request with that same address, so the responses rsipstack routes by the
//! Via go back to the real sender and not to an address it named.

use rsipstack::sip::{Param, SipMessage, Transport, param::Received};
use rsipstack::transaction::endpoint::TransportEventInspector;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, TransportEvent};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// The sender of a request: its socket address and the transport it used (its flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub addr: SocketAddr,
    pub transport: Transport,
}

impl Peer {
    /// The peer of a server transaction: where its request arrived from.
    pub fn of(tx: &Transaction) -> Option<Self> {
        let remote = tx.connection.as_ref()?.get_remote_addr()?;
        Some(Self {
            addr: remote.get_socketaddr().ok()?,
            transport: remote.r#type.unwrap_or_default(),
        })
    }

    /// The IP address, IPv4-mapped IPv6 read as IPv4 (one sender, one key in throttles and nonces).
    pub fn ip(&self) -> IpAddr {
        self.addr.ip().to_canonical()
    }

    /// The destination that reaches this peer again over the same flow.
    pub fn sip_addr(&self) -> SipAddr {
        SipAddr {
            r#type: Some(self.transport),
            addr: self.addr.into(),
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.transport)
    }
}

/// Sets `received` (and `rport`, when asked for) of every incoming request's top Via to the
/// socket's peer address (RFC 3261 §18.2.1, RFC 3581 §4), dropping whatever the sender put there.
pub struct StampVia;

#[async_trait::async_trait]
impl TransportEventInspector for StampVia {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        match event {
            TransportEvent::Incoming(SipMessage::Request(mut request), connection, from) => {
                let addr = from.get_socketaddr().ok()?;
                // A Via we cannot rewrite would route the response by the sender's word: drop it.
                stamp(&mut request, addr)?;
                Some(TransportEvent::Incoming(request.into(), connection, from))
            }
            other => Some(other),
        }
    }
}

fn stamp(request: &mut rsipstack::sip::Request, addr: SocketAddr) -> Option<()> {
    use rsipstack::sip::{HeadersExt as _, ToTypedHeader as _};
    let via = request.via_header_mut().ok()?;
    via.update_first_value(|via| {
        let mut typed = via.typed()?;
        let rport_asked = typed.params.iter().any(|p| matches!(p, Param::Rport(_)));
        typed
            .params
            .retain(|p| !matches!(p, Param::Rport(_) | Param::Received(_)));
        let received = match addr {
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
            SocketAddr::V4(v4) => v4.ip().to_string(),
        };
        typed.params.push(Param::Received(Received::new(received)));
        if rport_asked {
            typed.params.push(Param::Rport(Some(addr.port())));
        }
        Ok(typed.into())
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsipstack::sip::{HeadersExt as _, Request, ToTypedHeader as _};

    fn request(via: &str) -> Request {
        let text = format!(
            "INVITE sip:+31852001001@127.0.0.1 SIP/2.0\r\nVia: {via}\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb\r\n\
             From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        );
        Request::try_from(text.as_str()).expect("parses")
    }

    fn top_via(request: &Request) -> String {
        request.via_header().unwrap().value().to_owned()
    }

    #[test]
    fn a_forged_received_is_replaced_by_the_socket_address() {
        let real: SocketAddr = "127.0.0.2:5071".parse().unwrap();
        let mut forged = request("SIP/2.0/UDP 127.0.0.2:5071;branch=z9hG4bKa;received=127.0.0.1");
        stamp(&mut forged, real).unwrap();
        let via = top_via(&forged);
        assert!(via.contains("received=127.0.0.2"), "{via}");
        assert!(!via.contains("127.0.0.1"), "{via}");
        assert!(!via.contains("rport"), "rport only when asked: {via}");

        let mut asked =
            request("SIP/2.0/UDP 10.1.1.1:5060;rport=9;branch=z9hG4bKa;received=1.2.3.4");
        stamp(&mut asked, real).unwrap();
        let via = top_via(&asked);
        assert!(
            via.contains("received=127.0.0.2") && via.contains("rport=5071"),
            "{via}"
        );
        assert!(
            !via.contains("1.2.3.4") && !via.contains("rport=9"),
            "{via}"
        );
        assert_eq!(
            asked
                .via_header()
                .unwrap()
                .typed()
                .unwrap()
                .branch()
                .unwrap()
                .to_string(),
            "z9hG4bKa",
            "the branch (the transaction key) is kept"
        );
    }

    #[test]
    fn only_the_top_via_is_rewritten() {
        let mut req = request("SIP/2.0/UDP 127.0.0.2:5071;branch=z9hG4bKa");
        stamp(&mut req, "127.0.0.2:5071".parse().unwrap()).unwrap();
        let text = req.to_string();
        assert!(
            text.contains("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb\r\n"),
            "{text}"
        );
    }
}
