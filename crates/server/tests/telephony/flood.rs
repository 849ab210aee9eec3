//! A flood of REGISTERs with wrong credentials and OPTIONS from addresses that are not the
//! trunk does not keep the trunk's calls from being answered.

use centrale_testkit::{BAKERY_NUMBER, PanicWatch, TestApp};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How long a flood goes on at most if nobody stops it (a bound, not an expectation).
const FLOOD_LIMIT: Duration = Duration::from_secs(60);

/// What one flooding address saw.
#[derive(Debug, Default)]
struct Seen {
    sent: AtomicU64,
    responses: AtomicU64,
    forbidden: AtomicU64,
}

/// Floods `server` from `ip` on a plain thread (an attacker does not share our runtime):
/// REGISTERs with made-up credentials, unauthenticated REGISTERs and OPTIONS, in bursts,
/// until `stop` is set (or `FLOOD_LIMIT` has passed).
fn flood(
    ip: &'static str,
    server: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Seen>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let socket = UdpSocket::bind((ip, 0)).expect("bind a flood socket");
        socket.set_nonblocking(true).expect("non-blocking");
        let local = socket.local_addr().expect("local addr");
        let mut buf = vec![0u8; 65536];
        let started = std::time::Instant::now();
        for i in 0u64.. {
            if stop.load(Ordering::Relaxed) || started.elapsed() > FLOOD_LIMIT {
                break;
            }
            let text = match i % 3 {
                0 => format!(
                    "REGISTER sip:{server} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKf{i}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:1001@{server}>;tag=f{i}\r\nTo: <sip:1001@{server}>\r\n\
                     Call-ID: flood-{ip}-{i}\r\nCSeq: {i} REGISTER\r\nContact: <sip:1001@{local}>\r\n\
                     Authorization: Digest username=\"1001\", realm=\"centrale\", \
                     nonce=\"6553f100.0123456789abcdef01234567\", uri=\"sip:{server}\", \
                     response=\"00000000000000000000000000000000\", algorithm=MD5\r\n\
                     Expires: 3600\r\nContent-Length: 0\r\n\r\n"
                ),
                1 => format!(
                    "REGISTER sip:{server} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKf{i}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:1002@{server}>;tag=f{i}\r\nTo: <sip:1002@{server}>\r\n\
                     Call-ID: flood-{ip}-{i}\r\nCSeq: {i} REGISTER\r\nContact: <sip:1002@{local}>\r\n\
                     Expires: 3600\r\nContent-Length: 0\r\n\r\n"
                ),
                _ => format!(
                    "OPTIONS sip:{server} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKf{i}\r\n\
                     Max-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=f{i}\r\nTo: <sip:{server}>\r\n\
                     Call-ID: flood-{ip}-{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                ),
            };
            // A full socket buffer drops the packet, as a real network would.
            if socket.send_to(text.as_bytes(), server).is_ok() {
                seen.sent.fetch_add(1, Ordering::Relaxed);
            }
            while let Ok((len, _)) = socket.recv_from(&mut buf) {
                seen.responses.fetch_add(1, Ordering::Relaxed);
                if buf[..len].starts_with(b"SIP/2.0 403") {
                    seen.forbidden.fetch_add(1, Ordering::Relaxed);
                }
            }
            // Bursts of 10, so the flood lasts a few seconds instead of a few milliseconds.
            if i % 10 == 9 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    })
}

#[tokio::test]
async fn a_flood_from_strangers_does_not_stop_the_trunks_calls() {
    let watch = PanicWatch::start();
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let stop = Arc::new(AtomicBool::new(false));
    let seen = [Arc::new(Seen::default()), Arc::new(Seen::default())];
    let floods = [
        flood("127.0.0.2", env.sip, stop.clone(), seen[0].clone()),
        flood("127.0.0.3", env.sip, stop.clone(), seen[1].clone()),
    ];
    // The call starts once the flood is under way (bounded wait).
    let under_way = || seen.iter().all(|s| s.sent.load(Ordering::Relaxed) >= 500);
    for _ in 0..500 {
        if under_way() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(under_way(), "the flood did not start: {seen:?}");

    let carrier = env
        .carrier("carrier_call.xml", BAKERY_NUMBER, &["-d", "500"])
        .finish()
        .await;
    // The whole call happened under the flood: both floods were still going when it ended.
    let still_flooding = floods.iter().all(|f| !f.is_finished());
    stop.store(true, Ordering::Relaxed);
    for flood in floods {
        flood.join().expect("the flood thread ends");
    }
    assert!(
        still_flooding,
        "a flood ended before the call did: {seen:?}"
    );
    carrier.assert_ok("the trunk's call during the flood");
    phone.finish().await.assert_ok("operator phone");

    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["offers"][0]["result"], "answered", "{call}");
    for (ip, seen) in ["127.0.0.2", "127.0.0.3"].iter().zip(&seen) {
        assert!(
            seen.forbidden.load(Ordering::Relaxed) > 0,
            "{ip}: wrong credentials are refused: {seen:?}"
        );
        eprintln!("flood from {ip}: {seen:?}");
    }

    // Centrale is still itself: the flooders are throttled, others are not.
    assert!(env.healthy().await, "/healthz");
    env.register(
        "operator_register.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("the operator registers again from a good address");
    env.register(
        "operator_register_blocked.xml",
        &anna.user,
        &anna.password,
        "127.0.0.2",
    )
    .finish()
    .await
    .assert_ok("a flooding address stays blocked");
    assert_eq!(
        watch.panics(),
        0,
        "a handler panicked (see the output above)"
    );
}
