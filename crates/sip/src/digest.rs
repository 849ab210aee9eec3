//! SIP digest credentials (RFC 3261 §22, RFC 7616, RFC 8760): the parameters of an
//! `Authorization` / `Proxy-Authorization` header and the response they must carry for a
//! stored HA1. Which nonces are ours lives in `nonce`; the whole check in `auth`.

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// The digest algorithms offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    pub(crate) fn hash(self, text: &str) -> String {
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

    /// The nonce count: up to 8 hex digits (RFC 7616 §3.4), None when absent or unreadable.
    pub fn nonce_count(&self) -> Option<u32> {
        let nc = self.nc.as_deref()?;
        (!nc.is_empty() && nc.len() <= 8)
            .then(|| u32::from_str_radix(nc, 16).ok())
            .flatten()
    }

    /// True when the response was made with `qop=auth` (what every challenge of ours asks
    /// for): a nonce count and a client nonce, so a replay can be told apart.
    pub fn has_qop_auth(&self) -> bool {
        self.qop
            .as_deref()
            .is_some_and(|q| q.eq_ignore_ascii_case("auth"))
            && self.nonce_count().is_some()
            && self.cnonce.as_deref().is_some_and(|c| !c.is_empty())
    }

    /// True when the response matches `ha1` (for this algorithm) and `method`, made with
    /// `qop=auth`; a response without qop (RFC 2069 style) never verifies.
    pub fn verify(&self, ha1: &str, method: &str) -> bool {
        let (Some(algorithm), Some(nc), Some(cnonce)) = (self.algorithm(), &self.nc, &self.cnonce)
        else {
            return false;
        };
        if !self.has_qop_auth() {
            return false;
        }
        let ha2 = algorithm.hash(&format!("{method}:{}", self.uri));
        let expected = algorithm.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        constant_time_eq(expected.as_bytes(), self.response.as_bytes())
    }
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
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
    fn a_response_without_qop_never_verifies() {
        // RFC 2069 style: right password, but no nonce count to tell a replay by.
        let ha1 = Algorithm::Sha256.hash("1001:centrale:secret-pass");
        let ha2 = Algorithm::Sha256.hash("REGISTER:sip:127.0.0.1");
        let response = Algorithm::Sha256.hash(&format!("{ha1}:abc:{ha2}"));
        let header = format!(
            r#"Digest username="1001",realm="centrale",nonce="abc",uri="sip:127.0.0.1",response="{response}",algorithm=SHA-256"#
        );
        let creds = Credentials::parse(&header).unwrap();
        assert!(!creds.has_qop_auth());
        assert!(!creds.verify(&ha1, "REGISTER"));
    }

    #[test]
    fn the_nonce_count_is_up_to_eight_hex_digits() {
        let with = |nc: &str| Credentials {
            nc: Some(nc.into()),
            ..Credentials::default()
        };
        assert_eq!(with("00000001").nonce_count(), Some(1));
        assert_eq!(with("0000000a").nonce_count(), Some(10));
        assert_eq!(with("ffffffff").nonce_count(), Some(u32::MAX));
        for junk in ["", "100000000", "-1", "0x1", "zz"] {
            assert_eq!(with(junk).nonce_count(), None, "{junk}");
        }
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
                let nonce = "5f5e100.0123.4567";
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
                prop_assert_eq!(&creds.nonce, nonce);
                prop_assert_eq!(creds.nonce_count(), Some(1));
                prop_assert!(creds.verify(&ha1, "REGISTER"));
                prop_assert!(!creds.verify(&ha1, "INVITE"));
            }
        }
    }
}
