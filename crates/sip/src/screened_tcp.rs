//! SIP over TCP with requests of unknown methods answered `501` (RFC 3261 §8.2.1), as
//! [`crate::unknown_method::ScreenedSocket`] does for UDP.
//!
//! rsipstack's stream codec fails on a message its parser cannot read and closes the
//! connection, so a peer's `FOO` would cost it its flow and every dialog on it. Centrale
//! accepts TCP connections itself: each is spliced to a loopback connection that rsipstack
//! serves as the peer's own flow — its remote address is the peer's socket, as its
//! listener would have it — and the peer's byte stream is cut into messages on the way in,
//! an unknown method answered here, everything else passed on untouched. What rsipstack
//! sends goes back as it is.

use crate::unknown_method::not_implemented;
use rsipstack::sip::transport::Transport;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::stream::StreamConnectionInner;
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::{SipAddr, SipConnection};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// A message head longer than this is not SIP Centrale will read; it goes on to the stack,
/// which refuses it (as rsipstack's own limit does).
const MAX_HEAD: usize = 64 * 1024;

/// Accepts SIP over TCP on `listener` until `cancel`. `local` is our address as peers see it.
pub async fn serve(
    listener: TcpListener,
    local: SocketAddr,
    endpoint: EndpointInnerRef,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let splice = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            accepted = listener.accept() => accepted,
        };
        let (peer_stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "TCP accept failed");
                continue;
            }
        };
        let (ours, stacks) = match loopback_pair(&splice).await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, %peer, "cannot splice a TCP connection");
                continue;
            }
        };
        let sip_addr = |addr: SocketAddr| SipAddr {
            r#type: Some(Transport::Tcp),
            addr: addr.into(),
        };
        let (read_half, write_half) = tokio::io::split(stacks);
        let connection = TcpConnection {
            inner: Arc::new(StreamConnectionInner::new(
                sip_addr(local),
                sip_addr(peer),
                read_half,
                write_half,
            )),
            cancel_token: Some(cancel.child_token()),
        };
        endpoint
            .transport_layer
            .add_connection(SipConnection::Tcp(connection));
        tokio::spawn(splice_streams(peer_stream, ours));
    }
}

/// A connected pair of loopback streams: ours, and the one the stack reads. Only the
/// connection this function made is taken: anything else reaching the port is dropped.
async fn loopback_pair(splice: &TcpListener) -> std::io::Result<(TcpStream, TcpStream)> {
    let ours = TcpStream::connect(splice.local_addr()?).await?;
    let expected = ours.local_addr()?;
    loop {
        let (stacks, from) = splice.accept().await?;
        if from == expected {
            ours.set_nodelay(true)?;
            stacks.set_nodelay(true)?;
            return Ok((ours, stacks));
        }
    }
}

/// Carries the peer's messages to the stack (answering unknown methods itself) and the
/// stack's bytes to the peer, until either side closes.
async fn splice_streams(peer: TcpStream, stack: TcpStream) {
    let (mut from_peer, to_peer) = peer.into_split();
    let (mut from_stack, mut to_stack) = stack.into_split();
    let to_peer = Arc::new(Mutex::new(to_peer));
    let back = {
        let to_peer = to_peer.clone();
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            while let Ok(n @ 1..) = from_stack.read(&mut buf).await {
                if to_peer.lock().await.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    };
    let forth = async move {
        let mut pending = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = from_peer.read(&mut buf).await {
            pending.extend_from_slice(&buf[..n]);
            while let Some(len) = next_message(&pending) {
                let message: Vec<u8> = pending.drain(..len).collect();
                let sent = match not_implemented(&message) {
                    Some(answer) => answer_peer(&to_peer, answer).await,
                    None => to_stack.write_all(&message).await,
                };
                if sent.is_err() {
                    return;
                }
            }
        }
        let _ = to_stack.shutdown().await;
    };
    tokio::select! {
        () = back => {}
        () = forth => {}
    }
}

async fn answer_peer(to_peer: &Mutex<OwnedWriteHalf>, answer: String) -> std::io::Result<()> {
    tracing::info!("501 to a request of an unknown method (TCP)");
    to_peer.lock().await.write_all(answer.as_bytes()).await
}

/// The length of the first whole unit at the start of `stream`: keep-alive line ends, or a
/// message (head and the body its Content-Length announces); everything there is when the
/// head is too long to be SIP (the stack refuses it). `None` while more must arrive.
fn next_message(stream: &[u8]) -> Option<usize> {
    let blank = stream
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    if blank > 0 {
        return Some(blank);
    }
    let Some(head_end) = stream.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (stream.len() > MAX_HEAD).then_some(stream.len());
    };
    let head = String::from_utf8_lossy(&stream[..head_end]);
    let body = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| {
            let name = name.trim();
            name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l")
        })
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let total = head_end + 4 + body;
    (stream.len() >= total).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::next_message;

    #[test]
    fn a_stream_is_cut_into_keepalives_and_whole_messages() {
        let message = b"OPTIONS sip:x SIP/2.0\r\nl: 3\r\n\r\nabc";
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(message);
        assert_eq!(next_message(&stream), Some(4));
        assert_eq!(next_message(&stream[4..]), Some(message.len()));
        // Not yet all of the body, nor all of the head.
        assert_eq!(next_message(&message[..message.len() - 1]), None);
        assert_eq!(next_message(b"OPTIONS sip:x SIP/2.0\r\n"), None);
        let without_length = b"BYE sip:x SIP/2.0\r\nCall-ID: 1\r\n\r\nNEXT";
        assert_eq!(next_message(without_length), Some(without_length.len() - 4));
    }
}
