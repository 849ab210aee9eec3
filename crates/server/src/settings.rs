//! Settings: defaults → TOML file (`--config`) → `CENTRALE_*` environment → command-line flags.
//! Every problem is reported at once; secrets (the database URL's password) are never printed.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Keys that may come from `CENTRALE_*` variables (others, like `CENTRALE_TEST_DB`, are not settings).
const KEYS: [&str; 6] = [
    "database_url",
    "http_listen",
    "sip_listen",
    "data_dir",
    "sip_realm",
    "token_ttl_hours",
];

/// Everything Centrale can be told.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://FILE` or `postgres://…`; empty means `DATA_DIR/centrale.db`.
    pub database_url: String,
    /// Where the web server (API, console, portal) listens.
    pub http_listen: SocketAddr,
    /// Where the SIP server listens (UDP and TCP).
    pub sip_listen: SocketAddr,
    /// Where Centrale keeps its files (the SQLite database, mail drops).
    pub data_dir: PathBuf,
    /// The SIP digest realm operators' phones authenticate in.
    pub sip_realm: String,
    /// How long an API token lives, in hours.
    pub token_ttl_hours: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            http_listen: ([127, 0, 0, 1], 8080).into(),
            sip_listen: ([127, 0, 0, 1], 5060).into(),
            data_dir: PathBuf::from("centrale-data"),
            sip_realm: "centrale".into(),
            token_ttl_hours: 12,
        }
    }
}

/// Values given as flags; only those present override.
#[derive(Debug, Default, Serialize, clap::Args)]
pub struct Flags {
    /// TOML settings file.
    #[arg(long, global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// HTTP listen address, e.g. 127.0.0.1:8080.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_listen: Option<String>,
    /// SIP listen address, e.g. 127.0.0.1:5060.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_listen: Option<String>,
    /// Data directory.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Layers the sources and checks the result; the error lists every problem found.
    pub fn load(flags: &Flags) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = &flags.config {
            if !file.is_file() {
                return Err(format!("settings file {} does not exist", file.display()));
            }
            figment = figment.merge(Toml::file(file));
        }
        let figment = figment
            .merge(Env::prefixed("CENTRALE_").only(&KEYS))
            .merge(Serialized::defaults(flags));
        let settings: Settings = figment.extract().map_err(|errors| {
            let lines: Vec<String> = errors.into_iter().map(|e| format!("  - {e}")).collect();
            format!("invalid settings:\n{}", lines.join("\n"))
        })?;
        settings.check()
    }

    fn check(mut self) -> Result<Self, String> {
        let mut problems = Vec::new();
        if self.database_url.trim().is_empty() {
            self.database_url = format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("centrale.db").display()
            );
        } else if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|s| self.database_url.starts_with(s))
        {
            problems.push("database_url must start with sqlite: or postgres:".to_owned());
        }
        if self.sip_realm.trim().is_empty() {
            problems.push("sip_realm must not be empty".to_owned());
        }
        if self.token_ttl_hours == 0 || self.token_ttl_hours > 24 * 90 {
            problems.push("token_ttl_hours must be between 1 and 2160".to_owned());
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(format!(
                "invalid settings:\n  - {}",
                problems.join("\n  - ")
            ))
        }
    }

    /// The database URL with any password masked, for logs.
    pub fn database_url_for_log(&self) -> String {
        mask_password(&self.database_url)
    }

    /// True when the database is the embedded SQLite file under the data directory.
    pub fn uses_data_dir(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = Settings::default().check().unwrap();
        assert_eq!(s.http_listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.sip_listen.to_string(), "127.0.0.1:5060");
        assert_eq!(
            s.database_url,
            "sqlite://centrale-data/centrale.db?mode=rwc"
        );
    }

    #[test]
    fn every_problem_is_reported_together() {
        let s = Settings {
            database_url: "mysql://x".into(),
            sip_realm: " ".into(),
            token_ttl_hours: 0,
            ..Settings::default()
        };
        let error = s.check().unwrap_err();
        assert!(
            error.contains("database_url")
                && error.contains("sip_realm")
                && error.contains("token_ttl_hours")
        );
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_password("postgres://c:secret@db/x"),
            "postgres://c:***@db/x"
        );
        assert_eq!(mask_password("sqlite://a.db"), "sqlite://a.db");
    }
}
