//! Operators' SIP credentials as the store last gave them. The digest check always asks the
//! store first; only when the store cannot answer (the database is down) does it use the
//! credentials it last read for that user, so phones that were working keep refreshing their
//! registrations through an outage. A user the store does not know is forgotten at once, and
//! an account change drops its entry ([`KnownCredentials::forget`]). Holds at most one entry
//! per operator who proved who she is.

use centrale_core::ports::Store;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{Error, Result, Staff, StaffId};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// See the module documentation.
#[derive(Default)]
pub struct KnownCredentials {
    by_user: Mutex<HashMap<String, (Staff, SipCredentials)>>,
}

impl KnownCredentials {
    /// The credentials of SIP user `username`: from the store, or, when it cannot answer,
    /// as last read (the store's error when there are none).
    pub async fn lookup(
        &self,
        store: &dyn Store,
        username: &str,
    ) -> Result<(Staff, SipCredentials)> {
        match store.sip_credentials(username).await {
            Ok(found) => {
                self.lock().insert(username.to_owned(), found.clone());
                Ok(found)
            }
            Err(Error::NotFound(what)) => {
                self.lock().remove(username);
                Err(Error::NotFound(what))
            }
            Err(e) => match self.lock().get(username) {
                Some(known) => {
                    tracing::warn!(error = %e, username, "credentials as last read: the store cannot answer");
                    Ok(known.clone())
                }
                None => Err(e),
            },
        }
    }

    /// Forgets what was read for `operator` (her account changed or went).
    pub fn forget(&self, operator: StaffId) {
        self.lock().retain(|_, (staff, _)| staff.id != operator);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Staff, SipCredentials)>> {
        self.by_user.lock().unwrap_or_else(|e| e.into_inner())
    }
}
