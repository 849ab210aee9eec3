//! Logging in: one path for the API's token endpoint, the console's form and the portal's.
//!
//! Every attempt is counted against its source address and its account before the password is
//! looked at ([`centrale_core::throttle`]); password checks run behind a small semaphore, so a
//! flood of logins queues instead of allocating argon2's ~19 MiB each at once; an unknown
//! e-mail address is checked against a hash made like the real ones, so it costs the same time.

use crate::AppState;
use crate::auth::{new_token, token_hash};
use centrale_core::throttle::{Key, Throttle};
use centrale_core::{PasswordHash, Staff};
use chrono::{DateTime, Utc};
use rand::RngCore;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Password checks (argon2) that may run at once.
const CONCURRENT_PASSWORD_CHECKS: usize = 4;

/// What logging in needs besides the store: the throttle, the semaphore, the stand-in hash.
pub struct Logins {
    throttle: Throttle,
    checks: Semaphore,
    /// Checked for unknown addresses: same algorithm and parameters as a real password's.
    stand_in: PasswordHash,
}

impl Default for Logins {
    fn default() -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let stand_in = PasswordHash::create(&hex::encode(secret))
            .unwrap_or_else(|_| PasswordHash::from_stored(String::new()));
        Self {
            throttle: Throttle::default(),
            checks: Semaphore::new(CONCURRENT_PASSWORD_CHECKS),
            stand_in,
        }
    }
}

/// A session opened for a staff member.
pub struct Session {
    /// Shown once; only its hash is stored.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub staff: Staff,
}

/// Why a login did not open a session.
#[derive(Debug)]
pub enum Refusal {
    /// Too many failures from this address or for this account lately.
    Throttled { retry_after: Duration },
    /// Wrong e-mail address or password (which of the two is not told).
    Wrong,
    /// The store failed; the cause is logged.
    Unavailable,
}

/// Checks `email` and `password` from `source` and opens a session.
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: &str,
    source: IpAddr,
) -> Result<Session, Refusal> {
    let staff = state
        .logins
        .check(
            email,
            password,
            source,
            state.store.staff_login(email.trim()),
        )
        .await?;
    let token = new_token();
    let ttl =
        chrono::Duration::from_std(state.settings.token_ttl).unwrap_or(chrono::Duration::hours(12));
    let expires_at = Utc::now() + ttl;
    state
        .store
        .create_token(&token_hash(&token), staff.id, expires_at)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot open a session");
            Refusal::Unavailable
        })?;
    Ok(Session {
        token,
        expires_at,
        staff,
    })
}

impl Logins {
    /// Begins an attempt at something else than a password for `account` (a second factor's
    /// code, a password reset), counted like one under a key of its own (`purpose`: a
    /// password's success does not exempt it), and with `source` also against that address;
    /// a failure until [`Logins::attempt_passed`] gives it back.
    pub(crate) fn counted_attempt(
        &self,
        purpose: &str,
        account: &str,
        source: Option<IpAddr>,
    ) -> Result<centrale_core::throttle::Attempt, Refusal> {
        let mut keys = vec![Key::account(&format!("{purpose}:{account}"))];
        keys.extend(source.map(Key::Source));
        self.throttle
            .begin(&keys, Instant::now())
            .map_err(|b| Refusal::Throttled {
                retry_after: b.retry_after,
            })
    }

    /// The attempt succeeded.
    pub(crate) fn attempt_passed(&self, attempt: centrale_core::throttle::Attempt) {
        self.throttle.succeeded(attempt);
    }

    /// One login attempt of `email` from `source`: counted against both before the password
    /// is looked at; `found` is the account and its hash (`NotFound` for an unknown address,
    /// which is checked against the stand-in hash so it costs the same). The account on success.
    pub(crate) async fn check<T>(
        &self,
        email: &str,
        password: &str,
        source: IpAddr,
        found: impl std::future::Future<Output = centrale_core::Result<(T, PasswordHash)>>,
    ) -> Result<T, Refusal> {
        let keys = [Key::Source(source), Key::account(email)];
        let attempt =
            self.throttle
                .begin(&keys, Instant::now())
                .map_err(|b| Refusal::Throttled {
                    retry_after: b.retry_after,
                })?;
        let found = match found.await {
            Ok(found) => Some(found),
            Err(centrale_core::Error::NotFound(_)) => None,
            Err(e) => {
                tracing::error!(error = %e, "cannot look up a login");
                return Err(Refusal::Unavailable);
            }
        };
        let hash = found
            .as_ref()
            .map_or_else(|| self.stand_in.clone(), |(_, hash)| hash.clone());
        let verified = {
            let _permit = self
                .checks
                .acquire()
                .await
                .map_err(|_| Refusal::Unavailable)?;
            let password = password.to_owned();
            tokio::task::spawn_blocking(move || hash.verify(&password))
                .await
                .unwrap_or(false)
        };
        let (account, _) = found.filter(|_| verified).ok_or(Refusal::Wrong)?;
        self.throttle.succeeded(attempt);
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_costs() {
        let logins = Logins::default();
        let real = PasswordHash::create("a real password").unwrap();
        // Same algorithm, version and cost parameters: only salt and digest differ.
        let parameters = |hash: &PasswordHash| {
            let text = hash.as_str().to_owned();
            text.rsplitn(3, '$').nth(2).map(str::to_owned)
        };
        assert_eq!(parameters(&logins.stand_in), parameters(&real));
        assert!(parameters(&real).is_some_and(|p| p.starts_with("$argon2id$")));
        assert!(!logins.stand_in.verify(""));
    }
}
