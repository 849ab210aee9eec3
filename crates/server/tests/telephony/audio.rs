//! Audio both ways through Centrale's anchored media, with real peers on both ends.
//!
//! - The operator is baresip, a real softphone: it registers as demo operator 1 with digest,
//!   auto-answers, plays a 1000 Hz tone into the call (module `aufile`) and records what it
//!   hears (module `sndfile`, which dumps the decoded audio of each call to a WAV file).
//! - The caller is the carrier trunk, in two parts: SIPp does the signalling and speaks, playing
//!   the speech capture shipped with SIPp (`carrier_call_audio.xml`, `play_pcap_audio`); the test
//!   listens, with its own UDP socket written into the carrier's SDP (`-set rtp_port`).
//!
//! SIPp sends the capture through a raw socket from its own media port, so the caller's media has
//! two sources. Centrale latches the caller leg to the source of the first packet it gets
//! (symmetric RTP), so the test's socket answers the first announcement packet with one packet of
//! silence, and only then does the operator become available. The silence is never relayed:
//! before the operator answers, caller packets are only counted.
//!
//! What proves the audio flowed: the operator's recording holds the capture's speech sample for
//! sample (G.711 is relayed untouched, so each 30 ms packet of the capture reappears exactly,
//! decoded); the caller's socket heard the operator's 1000 Hz tone (a Goertzel filter over each
//! packet). The call record says answered.
//!
//! Put through to a destination behind the gateway (SIPp echoing what it hears), the caller
//! hears its own speech come back: the bridge with the destination carries audio both ways.
//!
//! The same runs with a phone that allows only PCMU (`audio_codecs=PCMU` on its account): the
//! relay converts A-law to µ-law and back, so the speech reappears within a quantisation step
//! instead of bit for bit, and the tone reaches the caller as A-law.
//!
//! baresip 1.0 (libre 1.1) gives up on a 401 that also offers SHA-256; Centrale offers only MD5
//! unless told otherwise (`sip_digest_sha256`), so baresip registers directly.
//!
//! Needs `sipp` (apt `sip-tester`, with `/usr/share/sip-tester/g711a.pcap`) run as root or with
//! CAP_NET_RAW for `play_pcap_audio`, and `baresip` (apt `baresip-core`).

use centrale_testkit::{BAKERY_NUMBER, Operator, TestApp, free_port};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UdpSocket;
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The speech SIPp plays as the caller (carrier_call_audio.xml names the same file).
const CAPTURE: &str = "/usr/share/sip-tester/g711a.pcap";

/// G.711's sample rate.
const RATE: u32 = 8000;

/// The operator's tone toward the caller.
const OPERATOR_TONE_HZ: f64 = 1000.0;

#[tokio::test]
async fn audio_flows_both_ways_between_the_caller_and_a_baresip_operator() {
    audio_flows_both_ways(Law::Same).await;
}

/// The carrier speaks A-law, the phone only µ-law: Centrale converts both ways, and each side
/// hears the other's samples, decoded, within a step of the coarser law.
#[tokio::test]
async fn a_pcmu_only_baresip_and_an_alaw_caller_hear_each_other_through_conversion() {
    audio_flows_both_ways(Law::PhonePcmuOnly).await;
}

/// A real phone's hold key (issue 11, item 3): baresip holds with a re-INVITE `a=sendonly` and
/// goes on sending its tone, yet the caller hears Centrale's hold music instead; on resume the
/// operator is heard again. The record and the events show the hold.
#[tokio::test]
async fn a_baresip_operator_holds_and_resumes_and_the_caller_hears_hold_music_between() {
    let env = TestApp::demo().await;
    let events = env.api.events(&env.api.token).await;
    let anna = env.operator(1).await;
    let tone = env.dir().join("operator-tone.wav");
    write_wav(&tone, &sine(OPERATOR_TONE_HZ, 8000.0, 60 * RATE as usize));
    let phone = Baresip::start(&env, &anna, &tone, Law::Same);
    eprintln!("baresip log: {}", phone.log_path().display());
    env.wait_registered(&anna, true).await;

    let caller = CallerMedia::bind().await;
    let rtp_port = caller.port.to_string();
    // The caller talks for 7 s, then stays on the line 12 s more.
    let carrier = env.carrier(
        "carrier_call_audio.xml",
        BAKERY_NUMBER,
        &["-d", "12000", "-set", "rtp_port", &rtp_port],
    );
    caller.wait_latched().await;
    env.set_state(&anna, "available").await;
    let answered = events.wait_for("call.answered", |_| true).await;
    let call_id = answered["call_id"].as_str().unwrap().to_owned();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_hold = caller.heard().len();
    phone.command("hold").await;
    let held = events
        .wait_for("call.held", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(held["by"], "operator", "{held}");
    let holding_from = caller.heard().len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let holding_until = caller.heard().len();
    phone.command("resume").await;
    let resumed = events
        .wait_for("call.resumed", |e| e["call_id"] == call_id)
        .await;
    assert_eq!(resumed["by"], "operator", "{resumed}");

    carrier
        .finish()
        .await
        .assert_ok("carrier call held by the phone");
    let record = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(record["outcome"], "answered", "{record}");
    assert_eq!(record["ended_by"], "caller", "{record}");
    assert_eq!(record["holds"], 1, "{record}");
    assert_eq!(
        events.types_for_call(&call_id),
        [
            "call.queued",
            "call.offered",
            "call.answered",
            "call.held",
            "call.resumed",
            "call.ended"
        ]
    );

    // What the caller heard: the operator, then hold music (not her tone), then her again.
    let heard = caller.heard();
    let decoded = |packets: &[Heard]| -> Vec<Vec<i16>> {
        packets
            .iter()
            .filter(|p| p.pt == 8)
            .map(|p| p.payload.iter().map(|&b| decode_alaw(b)).collect())
            .collect()
    };
    let operator_packets = |packets: &[Vec<i16>]| {
        packets
            .iter()
            .filter(|s| rms(s) > 1000.0 && tone_share(s, OPERATOR_TONE_HZ) > 0.6)
            .count()
    };
    let before = decoded(&heard[..before_hold]);
    let during = decoded(&heard[holding_from..holding_until]);
    let after = decoded(&heard[holding_until..]);
    let music = during
        .iter()
        .filter(|s| rms(s) > 100.0 && tone_share(s, OPERATOR_TONE_HZ) < 0.3)
        .count();
    eprintln!(
        "caller heard: before the hold {} packets ({} the operator's); during it {} ({music} \
         music, {} the operator's); after it {} ({} the operator's)",
        before.len(),
        operator_packets(&before),
        during.len(),
        operator_packets(&during),
        after.len(),
        operator_packets(&after)
    );
    assert!(
        operator_packets(&before) >= 50,
        "the operator was not heard before the hold"
    );
    // Four seconds of hold: 200 packets; some margin for scheduling.
    assert!(
        during.len() >= 150,
        "only {} packets during the hold",
        during.len()
    );
    assert_eq!(
        operator_packets(&during),
        0,
        "the operator was heard while holding"
    );
    assert!(
        music * 10 >= during.len() * 9,
        "only {music} of {} packets during the hold were music",
        during.len()
    );
    assert!(
        operator_packets(&after) >= 50,
        "the operator was not heard after resuming"
    );
}

/// Which G.711 law the operator's phone may use.
#[derive(Clone, Copy, PartialEq)]
enum Law {
    /// Any: it takes the caller's A-law, and the audio is relayed untouched.
    Same,
    /// Only µ-law: the relay converts.
    PhonePcmuOnly,
}

async fn audio_flows_both_ways(law: Law) {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let tone = env.dir().join("operator-tone.wav");
    // Longer than the call: aufile ends the call when its file runs out.
    write_wav(&tone, &sine(OPERATOR_TONE_HZ, 8000.0, 30 * RATE as usize));
    let phone = Baresip::start(&env, &anna, &tone, law);
    eprintln!("baresip log: {}", phone.log_path().display());
    env.wait_registered(&anna, true).await;

    let caller = CallerMedia::bind().await;
    let rtp_port = caller.port.to_string();
    // The capture lasts 7.05 s; hang up a little after it.
    let carrier = env.carrier(
        "carrier_call_audio.xml",
        BAKERY_NUMBER,
        &["-d", "8000", "-set", "rtp_port", &rtp_port],
    );
    // Queued: the announcement reaches our socket, which answers it and so is latched.
    caller.wait_latched().await;
    env.set_state(&anna, "available").await;

    carrier.finish().await.assert_ok("carrier call with audio");
    let call = env.ended_call(BAKERY_NUMBER).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["ended_by"], "caller", "{call}");
    assert_eq!(call["offers"][0]["result"], "answered", "{call}");

    // The phone answered in the law it was allowed (baresip's SIP trace has its SDP).
    let log = std::fs::read_to_string(phone.log_path()).unwrap_or_default();
    let answered_pt = match law {
        Law::Same => "RTP/AVP 8",
        Law::PhonePcmuOnly => "RTP/AVP 0",
    };
    assert!(
        log.contains(answered_pt),
        "baresip's answer lacks {answered_pt}: {log}"
    );

    // The operator heard the caller: the capture's speech, sample for sample (within a step
    // of µ-law when converted).
    let heard_by_operator = phone.recording().await;
    let spoken = capture_packets(Path::new(CAPTURE));
    let loud: Vec<usize> = (0..spoken.len())
        .filter(|&i| rms(&spoken[i]) > 300.0)
        .collect();
    let missing: Vec<usize> = loud
        .iter()
        .copied()
        .filter(|&i| !contains(&heard_by_operator, &spoken[i], law))
        .collect();
    let found = loud.len() - missing.len();
    let recording_rms = rms(&heard_by_operator);
    eprintln!(
        "operator recording: {} samples, rms {recording_rms:.0}; {found} of {} loud capture \
         packets found in it (missing: {missing:?})",
        heard_by_operator.len(),
        loud.len()
    );
    assert!(
        recording_rms > 300.0,
        "the operator's recording is (nearly) silent: rms {recording_rms:.0}"
    );
    // baresip's jitter buffer still holds the last few packets when the caller hangs up.
    assert!(
        found * 10 >= loud.len() * 9,
        "only {found} of {} loud packets of the caller's speech reached the operator \
         (missing: {missing:?})",
        loud.len()
    );

    // The caller heard the operator: packets that are mostly the operator's tone.
    let heard_by_caller = caller.heard();
    let tone_packets = heard_by_caller
        .iter()
        .filter(|p| p.pt == 8)
        .map(|p| {
            p.payload
                .iter()
                .map(|&b| decode_alaw(b))
                .collect::<Vec<_>>()
        })
        .filter(|samples| rms(samples) > 1000.0 && tone_share(samples, OPERATOR_TONE_HZ) > 0.6)
        .count();
    eprintln!(
        "caller heard {} packets, {tone_packets} of them the operator's {OPERATOR_TONE_HZ} Hz tone",
        heard_by_caller.len()
    );
    // At least two seconds of it (the operator talks for about eight).
    assert!(
        tone_packets >= 100,
        "the caller heard only {tone_packets} packets of the operator's tone (of {} received)",
        heard_by_caller.len()
    );
}

/// One RTP packet as the caller's socket received it.
#[derive(Clone)]
struct Heard {
    pt: u8,
    payload: Vec<u8>,
}

/// The caller's media socket: records every RTP packet and answers the first one with a packet
/// of PCMA silence, so that Centrale latches the caller leg to it.
struct CallerMedia {
    port: u16,
    heard: Arc<Mutex<Vec<Heard>>>,
    latched: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl CallerMedia {
    async fn bind() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind the caller's media socket");
        let port = socket.local_addr().expect("local addr").port();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let (latch_tx, latched) = watch::channel(false);
        let sink = heard.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((len, from)) = socket.recv_from(&mut buf).await {
                let Some((pt, payload)) = rtp_payload(&buf[..len]) else {
                    continue;
                };
                sink.lock().unwrap().push(Heard {
                    pt,
                    payload: payload.to_vec(),
                });
                if !*latch_tx.borrow() {
                    socket
                        .send_to(&silence_packet(), from)
                        .await
                        .expect("latching packet sent");
                    latch_tx.send_replace(true);
                }
            }
        });
        Self {
            port,
            heard,
            latched,
            task,
        }
    }

    /// Waits (at most ten seconds) until the announcement arrived and was answered.
    async fn wait_latched(&self) {
        let mut latched = self.latched.clone();
        tokio::time::timeout(Duration::from_secs(10), latched.wait_for(|&l| l))
            .await
            .expect("the caller hears the announcement within ten seconds")
            .expect("caller media task alive");
    }

    /// Everything received so far.
    fn heard(&self) -> Vec<Heard> {
        self.heard.lock().unwrap().clone()
    }
}

impl Drop for CallerMedia {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One RTP packet of PCMA silence (payload type 8, 20 ms).
fn silence_packet() -> Vec<u8> {
    let mut packet = vec![0x80, 8, 0, 1, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78];
    packet.extend([0xD5; 160]);
    packet
}

/// The payload type and payload of an RTP packet (RFC 3550 5.1), if it is one.
fn rtp_payload(packet: &[u8]) -> Option<(u8, &[u8])> {
    let first = *packet.first()?;
    if first >> 6 != 2 {
        return None;
    }
    let mut start = 12 + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let words = packet.get(start + 2..start + 4)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    let mut end = packet.len();
    if first & 0x20 != 0 {
        end = end.checked_sub(usize::from(*packet.last()?))?;
    }
    Some((packet[1] & 0x7f, packet.get(start..end)?))
}

/// The operator's phone: baresip with a generated configuration in its own folder.
struct Baresip {
    _child: Child,
    dir: PathBuf,
    /// Where its `ctrl_tcp` module takes commands (the keys a user would press).
    control: u16,
}

impl Baresip {
    /// Registers `operator` at Centrale, auto-answers, plays `source` (8 kHz mono WAV) into
    /// calls and dumps what it hears into `dir/rec`.
    /// With [`Law::PhonePcmuOnly`] the account allows only PCMU.
    fn start(env: &TestApp, operator: &Operator, source: &Path, law: Law) -> Self {
        let dir = env.dir().join(format!("baresip-{}", operator.user));
        let rec = dir.join("rec");
        std::fs::create_dir_all(&rec).expect("baresip folder");
        let port = free_port();
        let control = free_port();
        // No sound card: aubridge is a player that needs none (nothing reads the bridge), and
        // the sndfile filter records the decoded audio before it reaches the player.
        let config = format!(
            "poll_method\tepoll\n\
             sip_listen\t127.0.0.1:{port}\n\
             net_interface\t127.0.0.1\n\
             audio_player\taubridge,centrale-test\n\
             audio_alert\taubridge,centrale-test\n\
             audio_source\taufile,{source}\n\
             module_path\t/usr/lib/baresip/modules\n\
             module\tg711.so\n\
             module\taufile.so\n\
             module\taubridge.so\n\
             module\tsndfile.so\n\
             module\tmenu.so\n\
             module\tctrl_tcp.so\n\
             module_tmp\taccount.so\n\
             ctrl_tcp_listen\t127.0.0.1:{control}\n\
             snd_path\t{rec}\n",
            source = source.display(),
            rec = rec.display(),
        );
        std::fs::write(dir.join("config"), config).expect("baresip config");
        let codecs = match law {
            Law::Same => "",
            Law::PhonePcmuOnly => ";audio_codecs=PCMU",
        };
        let account = format!(
            "<sip:{user}@{registrar}>;auth_pass={password};answermode=auto;regint=60{codecs}\n",
            user = operator.user,
            registrar = env.sip,
            password = operator.password,
        );
        std::fs::write(dir.join("accounts"), account).expect("baresip accounts");
        let log = std::fs::File::create(dir.join("baresip.log")).expect("baresip log");
        let child = Command::new("baresip")
            // -t: quit on its own after two minutes, whatever happens to the test.
            // -s: SIP trace into the log.
            .args(["-f", &dir.display().to_string(), "-s", "-t", "120"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("baresip runs (apt-get install baresip-core)");
        Self {
            _child: child,
            dir,
            control,
        }
    }

    /// Runs a menu command (`hold`, `resume`, …) through `ctrl_tcp` — a JSON object in a
    /// netstring — and waits for baresip's answer, which must say it went well.
    async fn command(&self, command: &str) {
        let request = serde_json::json!({"command": command, "params": "", "token": command});
        let request = request.to_string();
        let mut control = tokio::net::TcpStream::connect(("127.0.0.1", self.control))
            .await
            .expect("baresip's ctrl_tcp listens");
        control
            .write_all(format!("{}:{request},", request.len()).as_bytes())
            .await
            .expect("command sent");
        // Events come on the same stream; the answer is the netstring with "response".
        let mut received = Vec::new();
        let answered = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = [0u8; 4096];
            loop {
                let len = control.read(&mut buf).await.expect("ctrl_tcp readable");
                assert!(len > 0, "baresip closed the control connection");
                received.extend_from_slice(&buf[..len]);
                let text = String::from_utf8_lossy(&received).into_owned();
                if text.contains("\"response\":true") {
                    return text;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("baresip did not answer {command}"));
        assert!(
            answered.contains("\"ok\":true"),
            "baresip refused {command}: {answered}"
        );
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("baresip.log")
    }

    /// The decoded audio of the (one) call, once baresip has closed the file (at most ten
    /// seconds after the call ended).
    async fn recording(&self) -> Vec<i16> {
        for _ in 0..100 {
            let dumps: Vec<PathBuf> = std::fs::read_dir(self.dir.join("rec"))
                .expect("recording folder")
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.to_string_lossy().ends_with("dec.wav"))
                .collect();
            if let [dump] = &dumps[..]
                && let Some(samples) = read_wav(dump)
            {
                return samples;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no complete recording from baresip in {}; log:\n{}",
            self.dir.display(),
            std::fs::read_to_string(self.log_path()).unwrap_or_default()
        );
    }
}

/// `len` samples of a sine of `freq` Hz at `amplitude`.
fn sine(freq: f64, amplitude: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let phase = std::f64::consts::TAU * freq * n as f64 / f64::from(RATE);
            (amplitude * phase.sin()).round() as i16
        })
        .collect()
}

/// Writes 8 kHz 16-bit mono PCM as a WAV file.
fn write_wav(path: &Path, samples: &[i16]) {
    let data_len = u32::try_from(samples.len() * 2).expect("short enough");
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend(b"RIFF");
    out.extend((36 + data_len).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes()); // PCM
    out.extend(1u16.to_le_bytes()); // mono
    out.extend(RATE.to_le_bytes());
    out.extend((RATE * 2).to_le_bytes()); // bytes per second
    out.extend(2u16.to_le_bytes()); // block align
    out.extend(16u16.to_le_bytes()); // bits per sample
    out.extend(b"data");
    out.extend(data_len.to_le_bytes());
    for sample in samples {
        out.extend(sample.to_le_bytes());
    }
    std::fs::write(path, out).expect("WAV written");
}

/// Reads a finished 16-bit mono WAV file (its RIFF size filled in); None while it is not.
fn read_wav(path: &Path) -> Option<Vec<i16>> {
    let bytes = std::fs::read(path).ok()?;
    let riff_len = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" || riff_len + 8 != bytes.len() {
        return None;
    }
    let mut at = 12;
    let mut format = None;
    while let Some(header) = bytes.get(at..at + 8) {
        let id = &header[..4];
        let len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        let body = bytes.get(at + 8..at + 8 + len)?;
        match id {
            b"fmt " => format = Some((body.get(..2)?.to_vec(), body.get(2..4)?.to_vec())),
            b"data" => {
                assert_eq!(
                    format,
                    Some((vec![1, 0], vec![1, 0])),
                    "recording is not PCM mono"
                );
                return Some(
                    body.chunks_exact(2)
                        .map(|s| i16::from_le_bytes([s[0], s[1]]))
                        .collect(),
                );
            }
            _ => {}
        }
        at += 8 + len + len % 2;
    }
    None
}

/// The decoded audio of each RTP packet of a pcap file (Ethernet, IPv4, UDP; PCMA).
fn capture_packets(path: &Path) -> Vec<Vec<i16>> {
    let bytes = std::fs::read(path).expect("SIPp's capture (apt-get install sip-tester)");
    assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian pcap");
    let mut packets = Vec::new();
    let mut at = 24;
    while let Some(record) = bytes.get(at..at + 16) {
        let len = u32::from_le_bytes(record[8..12].try_into().unwrap()) as usize;
        let frame = &bytes[at + 16..at + 16 + len];
        at += 16 + len;
        let ip = &frame[14..];
        let udp = &ip[usize::from(ip[0] & 0x0f) * 4..];
        if let Some((8, payload)) = rtp_payload(&udp[8..]) {
            packets.push(payload.iter().map(|&b| decode_alaw(b)).collect());
        }
    }
    assert!(packets.len() > 200, "the capture has its 236 packets");
    packets
}

fn decode_alaw(byte: u8) -> i16 {
    audio_codec_algorithms::decode_alaw(byte)
}

/// Whether `needle` occurs in `haystack`: exactly, or when converted to the other law within a
/// step of it (the step of either law at a sample is at most 1/16 of its value, plus the
/// finest steps near zero).
fn contains(haystack: &[i16], needle: &[i16], law: Law) -> bool {
    let same = |a: &i16, b: &i16| match law {
        Law::Same => a == b,
        Law::PhonePcmuOnly => {
            (i32::from(*a) - i32::from(*b)).abs() <= i32::from(b.unsigned_abs()) / 16 + 32
        }
    };
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w.iter().zip(needle).all(|(a, b)| same(a, b)))
}

fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (energy / samples.len() as f64).sqrt()
}

/// The share of the signal's energy at `freq` (Goertzel): about 1 for a pure tone there.
fn tone_share(samples: &[i16], freq: f64) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * freq / f64::from(RATE)).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &sample in samples {
        let s = f64::from(sample) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    if energy == 0.0 {
        return 0.0;
    }
    power / (energy * samples.len() as f64 / 2.0)
}

#[test]
fn the_tone_detector_tells_tones_apart() {
    let tone = sine(OPERATOR_TONE_HZ, 8000.0, 160);
    assert!(tone_share(&tone, OPERATOR_TONE_HZ) > 0.95);
    let chime = sine(659.25, 8000.0, 160);
    assert!(tone_share(&chime, OPERATOR_TONE_HZ) < 0.1);
    assert_eq!(tone_share(&[0; 160], OPERATOR_TONE_HZ), 0.0);
}

/// Put through at once to Piet's mobile behind the gateway, which echoes what it hears
/// (`-rtp_echo`): the caller hears its own speech come back through the bridge with the
/// destination — audio flowed caller → destination → caller.
#[tokio::test]
async fn audio_flows_between_the_caller_and_the_one_put_through() {
    let port = free_port();
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.sip_outbound_uri = format!("sip:127.0.0.1:{port}"))
        .start()
        .await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    let gateway = env.gateway(
        "gateway_answer.xml",
        port,
        &[
            "-set",
            "to",
            "+31612345001",
            "-set",
            "from",
            BAKERY_NUMBER,
            "-rtp_echo",
        ],
    );
    let caller = CallerMedia::bind().await;
    let rtp_port = caller.port.to_string();
    let carrier = env.carrier(
        "carrier_call_audio.xml",
        BAKERY_NUMBER,
        &["-d", "8000", "-set", "rtp_port", &rtp_port],
    );
    caller.wait_latched().await;
    env.set_state(&anna, "available").await;
    let answered = events.wait_for("call.answered", |_| true).await;
    let call = answered["call_id"].as_str().unwrap();
    let started = env
        .api
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/calls/{call}/transfer"),
            Some(&anna.token),
            Some(serde_json::json!({"to": "06 12345001", "mode": "blind"})),
        )
        .await;
    assert_eq!(
        started.status,
        reqwest::StatusCode::ACCEPTED,
        "{}",
        started.body
    );
    events
        .wait_for("call.transfer", |e| {
            e["call_id"] == call && e["result"] == "connected"
        })
        .await;
    carrier.finish().await.assert_ok("the caller, speaking");
    gateway.finish().await.assert_ok("the gateway, echoing");
    phone.finish().await.assert_ok("Anna's phone");

    // Both legs speak A-law: the capture's loud packets come back bit for bit.
    let spoken = capture_packets(Path::new(CAPTURE));
    let heard: Vec<Vec<i16>> = caller
        .heard()
        .iter()
        .filter(|p| p.pt == 8)
        .map(|p| p.payload.iter().map(|&b| decode_alaw(b)).collect())
        .collect();
    let loud: Vec<&Vec<i16>> = spoken.iter().filter(|p| rms(p) > 300.0).collect();
    let echoed = loud.iter().filter(|p| heard.contains(p)).count();
    eprintln!(
        "{echoed} of {} loud capture packets came back to the caller",
        loud.len()
    );
    // The capture plays from the answer on; the transfer takes the first part of it.
    assert!(
        echoed * 2 >= loud.len(),
        "only {echoed} of {} loud packets came back through the destination",
        loud.len()
    );
}
