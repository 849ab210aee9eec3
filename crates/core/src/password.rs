//! Login passwords, kept only as argon2id hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

/// Shortest password accepted for a login.
pub const MIN_PASSWORD_LEN: usize = 10;

/// An argon2id hash in PHC string form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes a new password, refusing one that is too short.
    pub fn create(password: &str) -> Result<Self, String> {
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(format!(
                "a password needs at least {MIN_PASSWORD_LEN} characters"
            ));
        }
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| Self(hash.to_string()))
            .map_err(|e| format!("cannot hash password: {e}"))
    }

    /// Wraps a hash read back from storage.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// True when `password` is the one hashed.
    pub fn verify(&self, password: &str) -> bool {
        argon2::PasswordHash::new(&self.0).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    }

    /// The PHC string, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let hash = PasswordHash::create("correct horse battery").unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse battery "));
        assert!(!PasswordHash::from_stored("garbage".into()).verify("x"));
    }

    #[test]
    fn refuses_short_passwords() {
        assert!(PasswordHash::create("short").is_err());
    }
}
