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
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
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

/// Where an admin command's password comes from: `--password-file`, else the environment
/// (`CENTRALE_ADMIN_PASSWORD`), else `--password` (visible in the process list), else a prompt
/// (without echo on a terminal; one line from standard input otherwise).
#[derive(clap::Args, Debug)]
pub struct PasswordSource {
    /// The password. Visible to other users in the process list: prefer --password-file,
    /// CENTRALE_ADMIN_PASSWORD or the prompt.
    #[arg(long, env = "CENTRALE_ADMIN_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// A file whose first line is the password.
    #[arg(long)]
    password_file: Option<PathBuf>,
}

impl PasswordSource {
    /// The password, read from wherever it was given.
    pub fn read(&self) -> anyhow::Result<String> {
        let password = if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the password file {}", file.display()))?;
            text.lines().next().unwrap_or_default().to_owned()
        } else if let Some(password) = &self.password {
            password.clone()
        } else if std::io::stdin().is_terminal() {
            rpassword::prompt_password("Password: ").context("cannot read the password")?
        } else {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        };
        anyhow::ensure!(!password.is_empty(), "the password is empty");
        Ok(password)
    }
}

/// Writes `contents` to `path` readable and writable by its owner only (tokens, passwords).
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // An existing file keeps its mode on open: narrow it too.
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("cannot write {}", path.display()))
}
