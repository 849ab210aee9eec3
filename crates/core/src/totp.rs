//! The portal's optional second factor: time-based one-time passwords (RFC 6238: HMAC-SHA1,
//! six digits, 30-second steps, one step of clock skew either way), and recovery codes.
//! A code is taken once: the step it matched is kept, and a code of that step or an earlier
//! one is refused afterwards.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes made when the second factor is switched on.
pub const RECOVERY_CODES: usize = 10;
/// The length of a recovery code, without its dash.
const RECOVERY_LEN: usize = 10;
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A user's TOTP secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// From random bytes (the caller's source of randomness).
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    /// Reads the base32 text back (as stored, or as a form carried it).
    pub fn parse(base32: &str) -> Option<Self> {
        let bytes = totp_rs::Secret::Encoded(base32.trim().to_uppercase())
            .to_bytes()
            .ok()?;
        (bytes.len() >= 16).then_some(Self(bytes))
    }

    /// The base32 text, for storage and for typing into an app by hand.
    pub fn base32(&self) -> String {
        totp_rs::Secret::Raw(self.0.clone())
            .to_encoded()
            .to_string()
    }

    fn totp(&self, account: &str) -> Option<TOTP> {
        // An issuer or account with ':' cannot be in the otpauth label.
        let account = account.replace(':', " ");
        TOTP::new(
            Algorithm::SHA1,
            6,
            1,
            30,
            self.0.clone(),
            Some("Centrale".into()),
            account,
        )
        .ok()
    }

    /// The `otpauth://` link an authenticator app takes.
    pub fn url(&self, account: &str) -> String {
        self.totp(account).map(|t| t.get_url()).unwrap_or_default()
    }

    /// The code for the instant `unix_seconds` (for tests and for a clock check).
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp("")
            .map(|t| t.generate(unix_seconds))
            .unwrap_or_default()
    }

    /// The time step `code` matches at `unix_seconds` (one step of skew either way), if any.
    pub fn matching_step(&self, code: &str, unix_seconds: u64) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp("")?;
        let now = unix_seconds / 30;
        [now.saturating_sub(1), now, now + 1]
            .into_iter()
            .find(|step| totp.generate(step * 30) == code)
            .and_then(|step| i64::try_from(step).ok())
    }
}

/// A recovery code as shown once ("abcde-fghjk"), from random bytes.
pub fn recovery_code(random: [u8; RECOVERY_LEN]) -> String {
    let letters: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// What is stored of a recovery code: its SHA-256 (the code as typed, dash and case aside).
pub fn recovery_hash(code: &str) -> String {
    let folded: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(folded.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_are_rfc_6238s() {
        // Appendix B: 94287082 at 59 s, 07081804 at 1111111109 s (eight digits); six: the last six.
        assert_eq!(rfc_secret().code_at(59), "287082");
        assert_eq!(rfc_secret().code_at(1_111_111_109), "081804");
    }

    #[test]
    fn a_code_matches_its_step_and_one_either_side() {
        let secret = rfc_secret();
        let at = 1_111_111_109;
        let code = secret.code_at(at);
        let step = i64::try_from(at / 30).unwrap();
        assert_eq!(secret.matching_step(&code, at), Some(step));
        assert_eq!(secret.matching_step(&code, at + 30), Some(step));
        assert_eq!(secret.matching_step(&code, at - 30), Some(step));
        assert_eq!(secret.matching_step(&code, at + 90), None);
        assert_eq!(
            secret.matching_step(&format!("{} {}", &code[..3], &code[3..]), at),
            Some(step)
        );
        assert_eq!(secret.matching_step("12345", at), None);
        assert_eq!(secret.matching_step("abcdef", at), None);
    }

    #[test]
    fn secrets_read_back_and_make_an_otpauth_link() {
        let secret = TotpSecret::from_random([7; SECRET_BYTES]);
        assert_eq!(TotpSecret::parse(&secret.base32()), Some(secret.clone()));
        assert_eq!(
            TotpSecret::parse(&secret.base32().to_lowercase()),
            Some(secret.clone())
        );
        assert_eq!(TotpSecret::parse("not base32!"), None);
        let url = secret.url("henk@vandijk.example");
        assert!(
            url.starts_with("otpauth://totp/Centrale:henk%40vandijk.example?secret="),
            "{url}"
        );
        assert!(!format!("{secret:?}").contains(&secret.base32()));
    }

    #[test]
    fn recovery_codes_are_hashed_as_typed() {
        let code = recovery_code([0, 1, 2, 3, 4, 5, 6, 7, 8, 30]);
        assert_eq!(code, "abcde-fghj9");
        assert_eq!(recovery_hash(&code), recovery_hash(" ABCDEFGHJ9 "));
        assert_ne!(recovery_hash(&code), recovery_hash("abcde-fghj8"));
    }
}
