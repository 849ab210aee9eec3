//! SMS senders against real peers on loopback: an SMSC on npm `smpp` (tests/peers) and
//! Kannel (`bearerbox`, `smsbox`, `fakesmsc`). What the peers received is decoded and
//! compared with what was sent.
//!
//! The peers come from the test kit (`centrale-testkit`); `scripts/test` installs them.

use anyhow::{Result, bail};
use centrale_core::PhoneNumber;
use centrale_delivery::Outcome;
use centrale_delivery::sms::encoding::{decode_gsm7, decode_ucs2};
use centrale_delivery::sms::{self, Receipt, SmsConfig, SmsMessage};
use centrale_testkit::smpp::{PASSWORD, SYSTEM_ID};
use centrale_testkit::{Kannel, SmppPeer, free_port, kannel::url_decoded_bytes};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

fn message(reference: &str, to: &str, text: &str) -> SmsMessage {
    SmsMessage {
        reference: reference.into(),
        to: PhoneNumber::parse(to).expect("test number"),
        text: text.into(),
    }
}

fn records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn short_message(record: &serde_json::Value) -> Vec<u8> {
    hex_decode(record["short_message_hex"].as_str().expect("hex"))
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

async fn next_receipt(rx: &mut mpsc::UnboundedReceiver<Receipt>) -> Receipt {
    tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a receipt within 15 s")
        .expect("receipt channel open")
}

fn smpp_config(port: u16) -> SmsConfig {
    let url = format!(
        "smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{port}?sender=Centrale&enquire_link_secs=1"
    );
    SmsConfig::parse(&url, Path::new("/nonexistent")).expect("smpp url")
}

#[tokio::test]
async fn smpp_encodes_splits_maps_outcomes_and_returns_receipts() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let record = dir.path().join("submits.jsonl");
    let peer = SmppPeer::start(0, &record).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let channel = sms::channel_with_receipts(smpp_config(peer.port), tx);

    // Dutch with ë: UCS-2, intact; the receipt comes back under the returned reference.
    let dutch = "Mevrouw Zoë de Vries belde over factuur € 125,50; graag terugbellen.";
    let outcome = channel.send(&message("d-1", "+31612345678", dutch)).await;
    let Outcome::Sent {
        reference: Some(reference),
    } = outcome
    else {
        bail!("not sent: {outcome:?}")
    };
    let got = records(&record);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["message_id"], reference.as_str());
    assert_eq!(got[0]["data_coding"], 8);
    assert_eq!(got[0]["destination_addr"], "31612345678");
    assert_eq!(got[0]["source_addr"], "Centrale");
    assert_eq!(got[0]["source_addr_ton"], 5);
    assert_eq!(got[0]["registered_delivery"], 1);
    assert_eq!(decode_ucs2(&short_message(&got[0])), dutch);
    assert_eq!(
        next_receipt(&mut rx).await,
        Receipt {
            reference,
            delivered: true
        }
    );

    // Fits GSM-7: € and [ ] through the extension table.
    let gsm = "Factuur € 12,50 [betaald] voor café De Brug";
    let outcome = channel.send(&message("d-2", "+31612345678", gsm)).await;
    assert!(
        matches!(outcome, Outcome::Sent { reference: Some(_) }),
        "{outcome:?}"
    );
    let got = records(&record);
    assert_eq!(got[1]["data_coding"], 0);
    let bytes = short_message(&got[1]);
    assert_eq!(&bytes[8..10], &[0x1B, 0x65], "€ is ESC 0x65");
    assert_eq!(decode_gsm7(&bytes), gsm);
    assert!(next_receipt(&mut rx).await.delivered);

    // Long: three concatenated parts, one receipt for the whole message.
    let long: String = (0..40).map(|i| format!("Regel {i:02}. ")).collect();
    assert!(long.len() > 306);
    let outcome = channel.send(&message("d-3", "+31612345678", &long)).await;
    let Outcome::Sent {
        reference: Some(reference),
    } = outcome
    else {
        bail!("not sent: {outcome:?}")
    };
    let parts: Vec<_> = records(&record).into_iter().skip(2).collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0]["message_id"], reference.as_str());
    let mut joined = String::new();
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(part["esm_class"].as_u64().unwrap() & 0x40, 0x40, "UDHI set");
        let bytes = short_message(part);
        assert_eq!(&bytes[..3], &[0x05, 0x00, 0x03]);
        assert_eq!((bytes[4], bytes[5]), (3, i as u8 + 1));
        assert_eq!(
            bytes[3],
            short_message(&parts[0])[3],
            "one reference for all parts"
        );
        assert!(bytes.len() - 6 <= 153);
        joined.push_str(&decode_gsm7(&bytes[6..]));
    }
    assert_eq!(joined, long);
    assert_eq!(
        next_receipt(&mut rx).await,
        Receipt {
            reference,
            delivered: true
        }
    );

    // The SMSC's answers: a bad number is permanent, throttling is retried, a failed
    // delivery comes back as an undelivered receipt.
    let outcome = channel.send(&message("d-4", "+31612340000", "x")).await;
    assert!(matches!(outcome, Outcome::Permanent(_)), "{outcome:?}");
    let outcome = channel.send(&message("d-5", "+31612340001", "x")).await;
    assert!(matches!(outcome, Outcome::Retry(_)), "{outcome:?}");
    let outcome = channel.send(&message("d-6", "+31612340002", "x")).await;
    let Outcome::Sent {
        reference: Some(reference),
    } = outcome
    else {
        bail!("not sent: {outcome:?}")
    };
    assert_eq!(
        next_receipt(&mut rx).await,
        Receipt {
            reference,
            delivered: false
        }
    );
    Ok(())
}

#[tokio::test]
async fn smpp_reconnects_after_the_smsc_restarts() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let record = dir.path().join("submits.jsonl");
    let peer = SmppPeer::start(0, &record).await?;
    let port = peer.port;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let channel = sms::channel_with_receipts(smpp_config(port), tx);

    let outcome = channel
        .send(&message("r-1", "+31612345678", "voor de herstart"))
        .await;
    assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    assert!(next_receipt(&mut rx).await.delivered);

    // Down: a send is told to try again.
    drop(peer);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let outcome = channel
        .send(&message("r-2", "+31612345678", "tijdens de storing"))
        .await;
    assert!(matches!(outcome, Outcome::Retry(_)), "{outcome:?}");

    // Back on the same port: a later message goes through on a new session.
    let _peer = SmppPeer::start(port, &record).await?;
    let mut outcome = Outcome::Retry("not tried".into());
    for _ in 0..10 {
        outcome = channel
            .send(&message("r-3", "+31612345678", "na de herstart"))
            .await;
        if matches!(outcome, Outcome::Sent { .. }) {
            break;
        }
    }
    let Outcome::Sent {
        reference: Some(reference),
    } = outcome
    else {
        bail!("not sent after restart: {outcome:?}")
    };
    let got = records(&record);
    assert_eq!(got.last().unwrap()["message_id"], reference.as_str());
    assert_eq!(
        decode_gsm7(&short_message(got.last().unwrap())),
        "na de herstart"
    );
    assert_eq!(
        next_receipt(&mut rx).await,
        Receipt {
            reference,
            delivered: true
        }
    );
    Ok(())
}

#[tokio::test]
async fn smpp_refused_bind_is_retried_without_showing_the_password() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let peer = SmppPeer::start(0, &dir.path().join("submits.jsonl")).await?;
    let url = format!("smpp://{SYSTEM_ID}:wrongpw@127.0.0.1:{}", peer.port);
    let channel = sms::channel(SmsConfig::parse(&url, dir.path()).expect("url"));
    let outcome = channel.send(&message("b-1", "+31612345678", "x")).await;
    let Outcome::Retry(why) = outcome else {
        bail!("expected retry: {outcome:?}")
    };
    assert!(why.contains("refused the bind"), "{why}");
    assert!(!why.contains("wrongpw"), "{why}");
    Ok(())
}

fn kannel_url(port: u16, password: &str) -> String {
    format!(
        "http://127.0.0.1:{port}/cgi-bin/sendsms?username=centrale&password={password}&from={{from}}&to={{to}}&text={{text}}&coding={{coding}}&charset=UTF-8#sender=Centrale"
    )
}

async fn send_until_accepted(channel: &dyn sms::SmsChannel, message: &SmsMessage) -> Outcome {
    let mut outcome = Outcome::Retry("not tried".into());
    for _ in 0..20 {
        outcome = channel.send(message).await;
        if !matches!(outcome, Outcome::Retry(_)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    outcome
}

#[tokio::test]
async fn kannel_sendsms_delivers_intact_text_to_the_fake_smsc() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let kannel = Kannel::start(dir.path(), PASSWORD).await?;
    let config =
        SmsConfig::parse(&kannel_url(kannel.sendsms_port, PASSWORD), dir.path()).expect("http url");
    assert!(!format!("{config:?}").contains(PASSWORD));
    let channel = sms::channel(config);

    let dutch = "Mevrouw Zoë de Vries belde over factuur € 125,50; graag terugbellen.";
    let outcome =
        send_until_accepted(channel.as_ref(), &message("k-1", "+31612345678", dutch)).await;
    assert_eq!(
        outcome,
        Outcome::Sent {
            reference: Some("k-1".into())
        }
    );
    let gsm = "Factuur € 12,50 [betaald] voor café De Brug";
    let outcome = send_until_accepted(channel.as_ref(), &message("k-2", "+31612345678", gsm)).await;
    assert_eq!(
        outcome,
        Outcome::Sent {
            reference: Some("k-2".into())
        }
    );

    let mut received = Vec::new();
    for _ in 0..100 {
        received = kannel.received();
        if received.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(received.len(), 2, "fakesmsc got {received:?}");
    let fields: Vec<Vec<&str>> = received
        .iter()
        .map(|m| m.splitn(4, ' ').collect())
        .collect();
    assert_eq!(&fields[0][..3], &["Centrale", "+31612345678", "ucs-2"]);
    assert_eq!(decode_ucs2(&url_decoded_bytes(fields[0][3])), dutch);
    assert_eq!(&fields[1][..3], &["Centrale", "+31612345678", "text"]);
    assert_eq!(fields[1][3], gsm);

    // Refused credentials are permanent; a gateway that is not there is retried.
    let wrong =
        SmsConfig::parse(&kannel_url(kannel.sendsms_port, "wrong"), dir.path()).expect("url");
    let outcome = sms::channel(wrong)
        .send(&message("k-3", "+31612345678", "x"))
        .await;
    assert!(matches!(outcome, Outcome::Permanent(_)), "{outcome:?}");
    let gone = SmsConfig::parse(&kannel_url(free_port(), PASSWORD), dir.path()).expect("url");
    let outcome = sms::channel(gone)
        .send(&message("k-4", "+31612345678", "x"))
        .await;
    let Outcome::Retry(why) = outcome else {
        bail!("expected retry: {outcome:?}")
    };
    assert!(!why.contains(PASSWORD), "{why}");
    Ok(())
}
