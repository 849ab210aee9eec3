//! `centrale admin create-operators`: many operator accounts at once, for load tests
//! (`bench/sip.sh`) and for a first setup. Goes through the store ports, like the demo seed.
//!
//! The login password is hashed once (argon2id) and the hash reused for every account, so a
//! thousand accounts take seconds instead of a minute of hashing. Each account's SIP HA1 is
//! derived for its own user part. Optionally an API token is issued to each new operator and
//! written to a file, so a test harness can act *as* each operator (e.g. choose "available")
//! without a thousand password checks; the tokens expire like logins do (`token_ttl_hours`).

use anyhow::Context as _;
use centrale_core::ports::Store;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use chrono::Utc;
use std::time::Duration;

/// What to create.
pub struct NewOperators<'a> {
    pub count: u32,
    /// SIP user part of the first operator; the others follow (3000, 3001, …).
    pub first_sip_user: u32,
    /// Login password and SIP password of every operator.
    pub password: &'a str,
    /// E-mail addresses are `op{sip user}@{email_domain}`.
    pub email_domain: &'a str,
    pub sip_realm: &'a str,
}

/// One operator created: SIP user, e-mail, and the API token if one was asked for.
pub struct CreatedOperator {
    pub sip_user: String,
    pub email: String,
    pub token: Option<String>,
}

/// Creates the operators; with `token_ttl`, issues each an API token valid that long.
pub async fn create_operators(
    store: &dyn Store,
    new: &NewOperators<'_>,
    token_ttl: Option<Duration>,
) -> anyhow::Result<Vec<CreatedOperator>> {
    anyhow::ensure!(new.count > 0, "--count must be at least 1");
    let last = new
        .first_sip_user
        .checked_add(new.count - 1)
        .context("--first-sip-user + --count is too large")?;
    let hash = PasswordHash::create(new.password).map_err(anyhow::Error::msg)?;
    let expires_at = match token_ttl {
        Some(ttl) => Some(Utc::now() + chrono::Duration::from_std(ttl)?),
        None => None,
    };
    let mut created = Vec::with_capacity(new.count as usize);
    for user in new.first_sip_user..=last {
        let sip_user = user.to_string();
        let email = format!("op{sip_user}@{}", new.email_domain);
        let draft = StaffDraft {
            email: EmailAddress::parse(&email).map_err(anyhow::Error::msg)?,
            name: format!("Operator {sip_user}"),
            role: Role::Operator,
            sip_username: Some(sip_user.clone()),
        }
        .validate()?;
        let sip = SipCredentials::derive(&sip_user, new.sip_realm, new.password)
            .map_err(anyhow::Error::msg)?;
        let staff = store
            .create_staff(&draft, &hash, Some(&sip))
            .await
            .with_context(|| format!("cannot create operator {email} (SIP user {sip_user})"))?;
        let token = match expires_at {
            Some(expires_at) => {
                let token = centrale_web::auth::new_token();
                store
                    .create_token(
                        &centrale_web::auth::token_hash(&token),
                        staff.id,
                        expires_at,
                    )
                    .await
                    .with_context(|| format!("cannot issue a token to {email}"))?;
                Some(token)
            }
            None => None,
        };
        created.push(CreatedOperator {
            sip_user,
            email,
            token,
        });
    }
    Ok(created)
}
