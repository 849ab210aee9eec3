//! SIP digest authentication (RFC 3261 §22, RFC 8760) checked against stored HA1 values.
//!
//! Nonces are stateless: `timestamp.hmac`, valid for [`NONCE_LIFETIME`]; a phone that
//! presents an expired one is challenged again with `stale=true`.

use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a nonce may be used.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(300);

/// The digest algorithms offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    fn hash(self, text: &str) -> String {
        match self {
            Self::Md5 => hex::encode(Md5::digest(text.as_bytes())),
            Self::Sha256 => hex::encode(Sha256::digest(text.as_bytes())),
        }
    }
}

/// The parameters of an `Authorization` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Option<String>,
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
}

impl Credentials {
    /// Parses `Digest username="…", realm="…", …`; None when it is not a digest header.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.trim();
        let (scheme, params) = rest.split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("digest") {
            return None;
        }
        let mut creds = Self::default();
        for (key, value) in split_params(params) {
            match key.to_ascii_lowercase().as_str() {
                "username" => creds.username = value,
                "realm" => creds.realm = value,
                "nonce" => creds.nonce = value,
                "uri" => creds.uri = value,
                "response" => creds.response = value.to_ascii_lowercase(),
                "algorithm" => creds.algorithm = Some(value),
                "qop" => creds.qop = Some(value),
                "nc" => creds.nc = Some(value),
                "cnonce" => creds.cnonce = Some(value),
                _ => {}
            }
        }
        let complete =
            !creds.username.is_empty() && !creds.nonce.is_empty() && !creds.response.is_empty();
        complete.then_some(creds)
    }

    /// The algorithm the phone used (MD5 when it says nothing).
    pub fn algorithm(&self) -> Option<Algorithm> {
        match self.algorithm.as_deref() {
            None => Some(Algorithm::Md5),
            Some(a) if a.eq_ignore_ascii_case("md5") => Some(Algorithm::Md5),
            Some(a) if a.eq_ignore_ascii_case("sha-256") => Some(Algorithm::Sha256),
            Some(_) => None,
        }
    }

    /// True when the response matches `ha1` (for this algorithm) and `method`.
    pub fn verify(&self, ha1: &str, method: &str) -> bool {
        let Some(algorithm) = self.algorithm() else {
            return false;
        };
        let ha2 = algorithm.hash(&format!("{method}:{}", self.uri));
        let expected = match (&self.qop, &self.nc, &self.cnonce) {
            (Some(qop), Some(nc), Some(cnonce)) if qop.eq_ignore_ascii_case("auth") => {
                algorithm.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce))
            }
            (None, _, _) => algorithm.hash(&format!("{ha1}:{}:{ha2}", self.nonce)),
            _ => return false,
        };
        constant_time_eq(expected.as_bytes(), self.response.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Splits `a="x, y", b=z` into pairs, honouring quotes.
fn split_params(params: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_owned();
        let after = after.trim_start();
        let (value, remainder) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, remainder)) => (value.to_owned(), remainder),
                None => (quoted.to_owned(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((value, remainder)) => (value.trim().to_owned(), remainder),
                None => (after.trim().to_owned(), ""),
            }
        };
        pairs.push((key, value));
        rest = remainder.trim_start().trim_start_matches(',').trim_start();
    }
    pairs
}

/// Makes and checks nonces with a per-process secret.
#[derive(Clone)]
pub struct Nonces {
    secret: [u8; 32],
}

impl Nonces {
    pub fn new() -> Self {
        Self {
            secret: rand::random(),
        }
    }

    /// A fresh nonce.
    pub fn issue(&self) -> String {
        self.issue_at(now_secs())
    }

    fn issue_at(&self, secs: u64) -> String {
        format!("{secs:x}.{}", self.mac(secs))
    }

    fn mac(&self, secs: u64) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        hasher.update(secs.to_be_bytes());
        hex::encode(&hasher.finalize()[..12])
    }

    /// Ok when we issued it; Err(true) when it is ours but expired (stale), Err(false) when forged.
    pub fn check(&self, nonce: &str) -> Result<(), bool> {
        let (secs, mac) = nonce.split_once('.').ok_or(false)?;
        let secs = u64::from_str_radix(secs, 16).map_err(|_| false)?;
        if !constant_time_eq(self.mac(secs).as_bytes(), mac.as_bytes()) {
            return Err(false);
        }
        if now_secs().saturating_sub(secs) > NONCE_LIFETIME.as_secs() {
            return Err(true);
        }
        Ok(())
    }

    /// `WWW-Authenticate` values: MD5, and SHA-256 after it when `sha256` (RFC 8760). Not every
    /// phone copes with a second challenge — libre 1.1 (baresip 1.0) gives up on any challenge
    /// that is not MD5 — so SHA-256 is offered only when the bureau switches it on; a response
    /// made with SHA-256 is verified either way.
    pub fn challenges(&self, realm: &str, stale: bool, sha256: bool) -> Vec<String> {
        let nonce = self.issue();
        let stale = if stale { ", stale=true" } else { "" };
        let algorithms: &[Algorithm] = if sha256 {
            &[Algorithm::Md5, Algorithm::Sha256]
        } else {
            &[Algorithm::Md5]
        };
        algorithms
            .iter()
            .map(|a| format!("Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{stale}", a.name()))
            .collect()
    }
}

impl Default for Nonces {
    fn default() -> Self {
        Self::new()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_rfc2617_example() {
        // RFC 2617 §3.5, with method GET as in the RFC.
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let creds = Credentials::parse(header).unwrap();
        let ha1 = Algorithm::Md5.hash("Mufasa:testrealm@host.com:Circle Of Life");
        assert!(creds.verify(&ha1, "GET"));
        assert!(!creds.verify(&ha1, "POST"));
        assert!(!creds.verify(
            &Algorithm::Md5.hash("Mufasa:testrealm@host.com:wrong"),
            "GET"
        ));
    }

    #[test]
    fn verifies_sha256_without_qop() {
        let ha1 = Algorithm::Sha256.hash("1001:centrale:secret-pass");
        let ha2 = Algorithm::Sha256.hash("REGISTER:sip:127.0.0.1");
        let response = Algorithm::Sha256.hash(&format!("{ha1}:abc:{ha2}"));
        let header = format!(
            r#"Digest username="1001",realm="centrale",nonce="abc",uri="sip:127.0.0.1",response="{response}",algorithm=SHA-256"#
        );
        assert!(
            Credentials::parse(&header)
                .unwrap()
                .verify(&ha1, "REGISTER")
        );
    }

    #[test]
    fn nonces_are_ours_and_expire() {
        let nonces = Nonces::new();
        assert_eq!(nonces.check(&nonces.issue()), Ok(()));
        assert_eq!(nonces.check(&Nonces::new().issue()), Err(false));
        assert_eq!(nonces.check("garbage"), Err(false));
        assert_eq!(nonces.check(&nonces.issue_at(now_secs() - 1000)), Err(true));
    }

    #[test]
    fn junk_headers_are_not_credentials() {
        for junk in [
            "",
            "Basic abc",
            "Digest",
            "Digest username=",
            "Digest ,,,==\"",
            "Digest username=\"a\"",
        ] {
            assert!(Credentials::parse(junk).is_none(), "{junk}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parsing_any_text_never_panics(header in any::<String>()) {
                if let Some(creds) = Credentials::parse(&header) {
                    let _ = creds.verify("0123456789abcdef0123456789abcdef", "REGISTER");
                }
                let _ = Credentials::parse(&format!("Digest {header}"));
                let _ = Nonces::new().check(&header);
            }

            #[test]
            fn parsing_digest_like_text_never_panics(
                params in proptest::collection::vec(
                    ("[a-zA-Z ,=]{0,10}", "[\\PC\"=, ]{0,24}", any::<bool>()), 0..10)
            ) {
                let header = params
                    .iter()
                    .map(|(k, v, quoted)| if *quoted { format!("{k}=\"{v}\"") } else { format!("{k}={v}") })
                    .collect::<Vec<_>>()
                    .join(", ");
                if let Some(creds) = Credentials::parse(&format!("Digest {header}")) {
                    let _ = creds.algorithm();
                    let _ = creds.verify("", "INVITE");
                }
            }

            #[test]
            fn what_a_phone_sends_is_read_back_and_verifies(
                user in "[a-zA-Z0-9._+-]{1,16}",
                realm in "[a-zA-Z0-9. -]{1,16}",
                password in "\\PC{0,20}",
                uri in "sip:[a-z0-9.]{1,16}(:[0-9]{1,5})?",
                sha in any::<bool>(),
                cnonce in "[a-zA-Z0-9]{1,16}",
            ) {
                let algorithm = if sha { Algorithm::Sha256 } else { Algorithm::Md5 };
                let nonces = Nonces::new();
                let nonce = nonces.issue();
                let ha1 = algorithm.hash(&format!("{user}:{realm}:{password}"));
                let ha2 = algorithm.hash(&format!("REGISTER:{uri}"));
                let response = algorithm.hash(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"));
                let header = format!(
                    "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", \
                     response=\"{response}\", algorithm={}, qop=auth, nc=00000001, cnonce=\"{cnonce}\"",
                    algorithm.name()
                );
                let creds = Credentials::parse(&header).expect("parses");
                prop_assert_eq!(&creds.username, &user);
                prop_assert_eq!(&creds.realm, &realm);
                prop_assert_eq!(&creds.uri, &uri);
                prop_assert_eq!(creds.algorithm(), Some(algorithm));
                prop_assert_eq!(nonces.check(&creds.nonce), Ok(()));
                prop_assert!(creds.verify(&ha1, "REGISTER"));
                prop_assert!(!creds.verify(&ha1, "INVITE"));
            }
        }
    }
}
