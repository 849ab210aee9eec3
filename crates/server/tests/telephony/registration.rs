//! The registrar as operators' phones see it: digest (MD5 with SIPp, SHA-256 by hand),
//! refusals, throttling of an address that keeps failing, and unregistering.

use centrale_testkit::{RawResponse, RawSip, TestApp};
use md5::Md5;
use sha2::{Digest, Sha256};

/// The challenge for `algorithm`: MD5 always comes first (for old phones); SHA-256 follows
/// only where the bureau switched it on (`sip_digest_sha256`).
fn challenge(response: &RawResponse, algorithm: &str) -> Challenge {
    assert_eq!(response.status, 401, "{}", response.text);
    let offered = response.headers("WWW-Authenticate");
    assert!(offered[0].contains("algorithm=MD5"), "{offered:?}");
    let chosen = offered
        .iter()
        .find(|c| c.contains(&format!("algorithm={algorithm}")))
        .expect("challenge for the algorithm");
    let param = |name: &str| {
        chosen
            .split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{name} in {chosen}"))
            .to_owned()
    };
    Challenge {
        realm: param("realm"),
        nonce: param("nonce"),
        qop: param("qop"),
        algorithm: algorithm.to_owned(),
    }
}

struct Challenge {
    realm: String,
    nonce: String,
    qop: String,
    algorithm: String,
}

impl Challenge {
    fn hash(&self, text: &str) -> String {
        match self.algorithm.as_str() {
            "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
            _ => hex::encode(Md5::digest(text.as_bytes())),
        }
    }

    /// An `Authorization` header answering this challenge with qop=auth.
    fn authorization(&self, user: &str, password: &str, uri: &str) -> String {
        assert_eq!(self.qop, "auth");
        let ha1 = self.hash(&format!("{user}:{}:{password}", self.realm));
        let ha2 = self.hash(&format!("REGISTER:{uri}"));
        let (nc, cnonce) = ("00000001", "c0ffee42");
        let response = self.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        format!(
            "Authorization: Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", \
             uri=\"{uri}\", response=\"{response}\", algorithm={algorithm}, qop=auth, nc={nc}, \
             cnonce=\"{cnonce}\"",
            realm = self.realm,
            nonce = self.nonce,
            algorithm = self.algorithm,
        )
    }
}

/// A REGISTER for `user` from `phone`, with `expires` and optional `Authorization`.
fn register(phone: &RawSip, user: &str, expires: u32, authorization: Option<&str>) -> String {
    let uri = format!("sip:{}", phone.server);
    let to = format!("To: <sip:{user}@{}>", phone.server);
    let contact = format!("Contact: <sip:{user}@{}>", phone.local);
    let expires = format!("Expires: {expires}");
    let mut headers = vec![to.as_str(), contact.as_str(), expires.as_str()];
    headers.extend(authorization);
    phone.build("REGISTER", &uri, &headers, "")
}

#[tokio::test]
async fn the_right_password_registers_the_phone() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let bram = env.operator(2).await;
    let events = env.api.events(&env.api.token).await;
    assert_eq!(env.operator_state(&anna).await["registered"], false);

    env.register(
        "operator_register.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("registration with the right password");

    env.wait_registered(&anna, true).await;
    let event = events
        .wait_for("operator.state", |e| e["registered"] == true)
        .await;
    assert_eq!(
        event["state"], "offline",
        "registering does not make anyone available"
    );
    assert_eq!(
        env.operator_state(&bram).await["registered"],
        false,
        "only Anna's phone"
    );
}

#[tokio::test]
async fn a_wrong_password_or_someone_elses_credentials_are_refused_with_403() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let bram = env.operator(2).await;
    let events = env.api.events(&env.api.token).await;

    env.register(
        "operator_register_refused.xml",
        &anna.user,
        "not-her-password",
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("wrong password refused with 403");
    env.register(
        "operator_register_refused.xml",
        "1999",
        "whatever",
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("unknown SIP user refused with 403");
    // Bram's valid credentials do not register Anna's address of record.
    env.register_as(
        "operator_register_refused.xml",
        &anna.user,
        &bram.user,
        &bram.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("another operator's credentials refused with 403");

    assert_eq!(env.operator_state(&anna).await["registered"], false);
    assert_eq!(env.operator_state(&bram).await["registered"], false);
    assert!(
        !events.all().iter().any(|e| e["type"] == "operator.state"),
        "no state change: {:?}",
        events.all()
    );
}

#[tokio::test]
async fn five_failures_from_one_address_block_it_even_with_the_right_password() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    // Anna's desk phone registered from 127.0.0.8 before the guessing began.
    let desk = RawSip::bind("127.0.0.8", env.sip).await;
    let uri = format!("sip:{}", env.sip);
    let reply = desk
        .request(&register(&desk, &anna.user, 3600, None))
        .await
        .expect("401");
    let auth = challenge(&reply, "MD5").authorization(&anna.user, &anna.password, &uri);
    let ok = desk
        .request(&register(&desk, &anna.user, 3600, Some(&auth)))
        .await
        .expect("a response");
    assert_eq!(ok.status, 200, "{}", ok.text);
    env.wait_registered(&anna, true).await;
    let bad = "127.0.0.7";
    for attempt in 1..=5 {
        env.register("operator_register_refused.xml", &anna.user, "guess", bad)
            .finish()
            .await
            .assert_ok(&format!(
                "failed attempt {attempt} refused after the challenge"
            ));
    }
    // The sixth attempt is refused at once, before any challenge, right password or not.
    env.register(
        "operator_register_blocked.xml",
        &anna.user,
        &anna.password,
        bad,
    )
    .finish()
    .await
    .assert_ok("the blocked address is refused with 403");

    // Even a correct digest (answering a challenge fetched from elsewhere) is refused there.
    let elsewhere = RawSip::bind("127.0.0.8", env.sip).await;
    let reply = elsewhere
        .request(&register(&elsewhere, &anna.user, 3600, None))
        .await
        .expect("401");
    let auth = challenge(&reply, "MD5").authorization(
        &anna.user,
        &anna.password,
        &format!("sip:{}", env.sip),
    );
    let blocked = RawSip::bind(bad, env.sip).await;
    let refused = blocked
        .request(&register(&blocked, &anna.user, 3600, Some(&auth)))
        .await
        .expect("a response from the blocked address");
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(
        refused.text.contains("too many failed attempts"),
        "{}",
        refused.text
    );
    // The guesses were counted against Anna's account too: an address it never logged in
    // from is refused, right password or not ...
    let stranger = RawSip::bind("127.0.0.9", env.sip).await;
    let reply = stranger
        .request(&register(&stranger, &anna.user, 3600, None))
        .await
        .expect("401");
    let right = challenge(&reply, "MD5").authorization(&anna.user, &anna.password, &uri);
    let refused = stranger
        .request(&register(&stranger, &anna.user, 3600, Some(&right)))
        .await
        .expect("a response");
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(
        refused.text.contains("too many failed attempts"),
        "{}",
        refused.text
    );

    // ... but her desk phone's address, which logged in lately, still registers.
    let accepted = elsewhere
        .request(&register(&elsewhere, &anna.user, 3600, Some(&auth)))
        .await
        .expect("a response");
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    env.wait_registered(&anna, true).await;
}

#[tokio::test]
async fn expires_zero_unregisters_the_phone() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    env.register(
        "operator_register.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("registration");
    env.wait_registered(&anna, true).await;

    env.register(
        "operator_unregister.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("unregistration answered 200 with Expires: 0");
    env.wait_registered(&anna, false).await;
    let states: Vec<bool> = events
        .all()
        .iter()
        .filter(|e| e["type"] == "operator.state")
        .filter_map(|e| e["registered"].as_bool())
        .collect();
    assert_eq!(states, [true, false], "{:?}", events.all());

    // Unregistering again is harmless and changes nothing.
    env.register(
        "operator_unregister.xml",
        &anna.user,
        &anna.password,
        "127.0.0.1",
    )
    .finish()
    .await
    .assert_ok("second unregistration");
    assert_eq!(env.operator_state(&anna).await["registered"], false);
}

#[tokio::test]
async fn a_phone_that_prefers_sha256_registers_with_the_second_challenge() {
    let env = TestApp::builder()
        .demo()
        .settings(|settings| settings.sip_digest_sha256 = true)
        .start()
        .await;
    let anna = env.operator(1).await;
    let events = env.api.events(&env.api.token).await;
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let uri = format!("sip:{}", env.sip);

    let first = phone
        .request(&register(&phone, &anna.user, 600, None))
        .await
        .expect("a challenge");
    let sha = challenge(&first, "SHA-256");
    assert_eq!(sha.realm, "centrale");

    // The wrong password with SHA-256 is refused like with MD5.
    let wrong = phone
        .request(&register(
            &phone,
            &anna.user,
            600,
            Some(&sha.authorization(&anna.user, "wrong", &uri)),
        ))
        .await
        .expect("a refusal");
    assert_eq!(wrong.status, 403, "{}", wrong.text);

    let ok = phone
        .request(&register(
            &phone,
            &anna.user,
            600,
            Some(&sha.authorization(&anna.user, &anna.password, &uri)),
        ))
        .await
        .expect("a response");
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.headers("Expires"), ["600"]);
    let contact = ok.headers("Contact");
    assert_eq!(contact.len(), 1, "{}", ok.text);
    assert!(
        contact[0].contains(&phone.local.to_string()) && contact[0].contains("expires=600"),
        "{contact:?}"
    );
    env.wait_registered(&anna, true).await;
    events
        .wait_for("operator.state", |e| e["registered"] == true)
        .await;

    // A nonce we never issued is refused (and counts as a failure).
    let forged = Challenge {
        nonce: "5f5e100.000000000000000000000000".into(),
        ..challenge(&first, "SHA-256")
    };
    let refused = phone
        .request(&register(
            &phone,
            &anna.user,
            600,
            Some(&forged.authorization(&anna.user, &anna.password, &uri)),
        ))
        .await
        .expect("a refusal");
    assert_eq!(refused.status, 403, "{}", refused.text);

    // Unregister with SHA-256 too.
    let again = phone
        .request(&register(&phone, &anna.user, 0, None))
        .await
        .expect("a challenge");
    let sha = challenge(&again, "SHA-256");
    let gone = phone
        .request(&register(
            &phone,
            &anna.user,
            0,
            Some(&sha.authorization(&anna.user, &anna.password, &uri)),
        ))
        .await
        .expect("a response");
    assert_eq!(gone.status, 200, "{}", gone.text);
    assert_eq!(gone.headers("Expires"), ["0"]);
    env.wait_registered(&anna, false).await;
}

#[tokio::test]
async fn by_default_only_md5_is_offered_so_that_every_phone_can_answer() {
    let env = TestApp::demo().await;
    let anna = env.operator(1).await;
    let phone = RawSip::bind("127.0.0.1", env.sip).await;
    let reply = phone
        .request(&register(&phone, &anna.user, 600, None))
        .await
        .expect("a challenge");
    assert_eq!(reply.status, 401, "{}", reply.text);
    let offered = reply.headers("WWW-Authenticate");
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(offered[0].contains("algorithm=MD5"), "{offered:?}");
}
