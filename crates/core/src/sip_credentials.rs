//! SIP digest credentials of an operator's phone.
//!
//! Digest authentication (RFC 8760) needs HA1 = H(username:realm:password) on the server;
//! we keep HA1 for MD5 and SHA-256 and never the password itself. HA1 is bound to the
//! realm: changing the realm means issuing new SIP passwords.

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// The stored secrets for one SIP account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipCredentials {
    pub username: String,
    pub realm: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
}

impl SipCredentials {
    /// Derives the HA1 values; the username must be a plain SIP user part.
    pub fn derive(username: &str, realm: &str, password: &str) -> Result<Self, String> {
        let username_ok = !username.is_empty()
            && username.len() <= 64
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !username_ok {
            return Err("a SIP username is 1 to 64 letters, digits, '-', '_' or '.'".into());
        }
        if password.chars().count() < 8 {
            return Err("a SIP password needs at least 8 characters".into());
        }
        let input = format!("{username}:{realm}:{password}");
        Ok(Self {
            username: username.to_owned(),
            realm: realm.to_owned(),
            ha1_md5: hex::encode(Md5::digest(input.as_bytes())),
            ha1_sha256: hex::encode(Sha256::digest(input.as_bytes())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha1_matches_rfc2617_definition() {
        // RFC 2617 §3.5: Mufasa / testrealm@host.com / Circle Of Life.
        let c = SipCredentials::derive("Mufasa", "testrealm@host.com", "Circle Of Life").unwrap();
        assert_eq!(c.ha1_md5, "939e7578ed9e3c518a452acee763bce9");
        assert_eq!(c.ha1_sha256.len(), 64);
    }

    #[test]
    fn refuses_odd_usernames() {
        assert!(SipCredentials::derive("a b", "r", "longenough").is_err());
        assert!(SipCredentials::derive("op1", "r", "short").is_err());
    }
}
