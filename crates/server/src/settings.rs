//! Settings: defaults → TOML file (`--config`) → `CENTRALE_*` environment → command-line flags.
//! Every problem is reported at once; secrets (the database URL's password) are never printed.

use centrale_core::Cidr;
use centrale_sip::SipConfig;
use centrale_sip::config::{Outbound, OutboundCallerId, OutboundCaps};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Keys that may come from `CENTRALE_*` variables (others, like `CENTRALE_TEST_DB`, are not settings).
const KEYS: [&str; 45] = [
    "database_url",
    "http_listen",
    "sip_listen",
    "data_dir",
    "sip_realm",
    "token_ttl_hours",
    "sip_advertise",
    "sip_digest_sha256",
    "sip_trunks",
    "rtp_port_min",
    "rtp_port_max",
    "ring_timeout_secs",
    "wrap_up_secs",
    "note_edit_minutes",
    "rtp_silence_secs",
    "max_calls_per_trunk",
    "max_queue_length",
    "journal_bound",
    "media_networks",
    "secure_cookies",
    "metrics_networks",
    "metrics_token",
    "public_url",
    "agenda_networks",
    "agenda_refresh_minutes",
    "agenda_timeout_secs",
    "signup_confirm_email",
    "signups_per_hour",
    "number_quarantine_days",
    "smtp_url",
    "sms_url",
    "delivery_interval_ms",
    "delivery_lease_secs",
    "delivery_worker",
    "retention_months",
    "sip_outbound_uri",
    "sip_outbound_username",
    "sip_outbound_password",
    "sip_outbound_transport",
    "sip_outbound_caller_id",
    "transfer_timeout_secs",
    "outbound_max_concurrent_per_operator",
    "outbound_max_concurrent",
    "outbound_max_hourly_per_operator",
    "outbound_max_hourly",
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
    /// The address put in SIP Contact and SDP; empty means the listen address.
    pub sip_advertise: String,
    /// Carrier trunk peers allowed to send calls without authentication (addresses or CIDRs).
    pub sip_trunks: Vec<String>,
    /// RTP port range, inclusive.
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Seconds an operator's phone rings before the call goes to the next operator.
    pub ring_timeout_secs: u64,
    /// Seconds of wrap-up after a call.
    pub wrap_up_secs: u64,
    /// Minutes after her wrap-up the operator who took a call may still edit its note.
    pub note_edit_minutes: u64,
    /// Seconds without RTP after which a call is taken to be dead.
    pub rtp_silence_secs: u64,
    /// Calls in progress from one trunk source address; beyond it an INVITE gets 503.
    pub max_calls_per_trunk: usize,
    /// Calls waiting for an operator (queued or ringing); beyond it an INVITE gets 503.
    pub max_queue_length: usize,
    /// Steps of calls held in memory while the database is slow or down; beyond it an INVITE
    /// gets 503. About five steps make a call.
    pub journal_bound: usize,
    /// Where Centrale may send RTP (CIDRs); an SDP naming another address is refused (488).
    pub media_networks: Vec<String>,
    /// Offer SHA-256 digest to phones besides MD5 (some phones give up on a second challenge).
    pub sip_digest_sha256: bool,
    /// Mark session cookies Secure and send HSTS: the pages are served over HTTPS (directly or
    /// behind a proxy). Unset: on unless the web server listens on a loopback address.
    pub secure_cookies: Option<bool>,
    /// Who may read `/metrics` without a token (addresses or CIDRs).
    pub metrics_networks: Vec<String>,
    /// A bearer token that also opens `/metrics` (empty: none).
    pub metrics_token: String,
    /// Where people reach the web side (`https://centrale.example`), for links in e-mails;
    /// empty means `http://` and the address the web server listens on.
    pub public_url: String,
    /// Non-public networks (addresses or CIDRs) a client's agenda URL may point into; by
    /// default only public addresses are fetched.
    pub agenda_networks: Vec<String>,
    /// How often shared agendas are read, in minutes.
    pub agenda_refresh_minutes: u64,
    /// How long one agenda may take to read, in seconds.
    pub agenda_timeout_secs: u64,
    /// Confirm a sign-up's e-mail address by a link before it gets a number.
    pub signup_confirm_email: bool,
    /// Sign-ups one source (an IPv4 address, an IPv6 /64) may make an hour.
    pub signups_per_hour: u32,
    /// Days a number a client gave up stays out of the pool, so its old callers do not reach
    /// a new client.
    pub number_quarantine_days: u32,
    /// Where call notes are e-mailed: `smtp://user:pass@host:port?tls=none|starttls|tls&from=…`
    /// (`smtps://` for TLS); empty means a Maildir under the data directory.
    pub smtp_url: String,
    /// Where SMS go: `smpp://…` or an `http://…` gateway template; empty means a log file
    /// under the data directory.
    pub sms_url: String,
    /// How often the delivery worker looks for due deliveries, in milliseconds.
    pub delivery_interval_ms: u64,
    /// How long a claimed delivery is held before another attempt may take it (seconds);
    /// must exceed the SMTP timeout.
    pub delivery_lease_secs: u64,
    /// Run the delivery worker in this process (tests drive it step by step instead).
    pub delivery_worker: bool,
    /// Months calls, notes, deliveries and digests are kept (a client may have its own).
    pub retention_months: u32,
    /// The carrier gateway transfers go out through, `sip:host[:port][;transport=tcp]`;
    /// empty: callers cannot be put through.
    pub sip_outbound_uri: String,
    /// Digest username and password for the gateway's 401/407 (empty: none).
    pub sip_outbound_username: String,
    pub sip_outbound_password: String,
    /// `udp` or `tcp`; empty: as the URI says (`transport=`), else UDP.
    pub sip_outbound_transport: String,
    /// The number a transfer's destination sees: `dialled` (the client's forwarding number)
    /// or `caller` (the caller's own, as P-Asserted-Identity, where the trunk allows it).
    pub sip_outbound_caller_id: String,
    /// Seconds a transfer's destination rings before the caller goes back to the operator.
    pub transfer_timeout_secs: u64,
    /// Outbound legs at once and started per hour, per operator and bureau-wide.
    pub outbound_max_concurrent_per_operator: usize,
    pub outbound_max_concurrent: usize,
    pub outbound_max_hourly_per_operator: usize,
    pub outbound_max_hourly: usize,
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
            sip_advertise: String::new(),
            sip_trunks: vec!["127.0.0.1/32".into(), "::1/128".into()],
            rtp_port_min: 20000,
            rtp_port_max: 20999,
            ring_timeout_secs: 15,
            wrap_up_secs: 10,
            note_edit_minutes: 30,
            rtp_silence_secs: 30,
            max_calls_per_trunk: 200,
            max_queue_length: 100,
            journal_bound: 20_000,
            media_networks: vec!["0.0.0.0/0".into(), "::/0".into()],
            secure_cookies: None,
            metrics_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            metrics_token: String::new(),
            public_url: String::new(),
            agenda_networks: Vec::new(),
            agenda_refresh_minutes: 15,
            agenda_timeout_secs: 10,
            signup_confirm_email: false,
            signups_per_hour: 5,
            number_quarantine_days: centrale_core::number_pool::DEFAULT_QUARANTINE_DAYS,
            sip_digest_sha256: false,
            smtp_url: String::new(),
            sms_url: String::new(),
            delivery_interval_ms: 1000,
            delivery_lease_secs: 60,
            delivery_worker: true,
            retention_months: centrale_core::privacy::DEFAULT_MONTHS,
            sip_outbound_uri: String::new(),
            sip_outbound_username: String::new(),
            sip_outbound_password: String::new(),
            sip_outbound_transport: String::new(),
            sip_outbound_caller_id: "dialled".into(),
            transfer_timeout_secs: 20,
            outbound_max_concurrent_per_operator: 4,
            outbound_max_concurrent: 30,
            outbound_max_hourly_per_operator: 60,
            outbound_max_hourly: 600,
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
        if self.note_edit_minutes > 7 * 24 * 60 {
            problems.push("note_edit_minutes must be at most 10080 (a week)".to_owned());
        }
        if let Err(e) = self.agenda_networks() {
            problems.push(e.to_string());
        }
        if self.agenda_refresh_minutes == 0 || self.agenda_refresh_minutes > 24 * 60 {
            problems.push("agenda_refresh_minutes must be 1 to 1440".to_owned());
        }
        if !(1..=60).contains(&self.agenda_timeout_secs) {
            problems.push("agenda_timeout_secs must be 1 to 60".to_owned());
        }
        if !self.public_url.trim().is_empty()
            && !url::Url::parse(self.public_url.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        {
            problems.push("public_url must be an http:// or https:// address".to_owned());
        }
        if !self.smtp_url.trim().is_empty()
            && let Err(problem) = centrale_delivery::email::SmtpConfig::parse(&self.smtp_url)
        {
            problems.push(problem);
        }
        if let Err(problem) =
            centrale_delivery::sms::SmsConfig::parse(&self.sms_url, &self.data_dir)
        {
            problems.push(problem);
        }
        if self.delivery_lease_secs < 5 && self.delivery_worker {
            problems.push("delivery_lease_secs must be at least 5".to_owned());
        }
        if let Err(problem) = self.sip() {
            problems.push(problem);
        }
        if let Err(problem) = self.metrics_networks() {
            problems.push(problem);
        }
        if let Err(problem) = self.retention() {
            problems.push(problem);
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

    /// The non-public networks agendas may be fetched from, checked.
    pub fn agenda_networks(&self) -> anyhow::Result<Vec<Cidr>> {
        self.agenda_networks
            .iter()
            .map(|t| Cidr::parse(t).map_err(|e| anyhow::anyhow!("agenda_networks: {e}")))
            .collect()
    }

    /// Where people reach the web side: as set, else the address it listens on.
    pub fn public_url(&self, listening: SocketAddr) -> String {
        match self.public_url.trim() {
            "" => format!("http://{listening}"),
            url => url.trim_end_matches('/').to_owned(),
        }
    }

    /// Whether cookies are Secure (and HSTS sent): as set, else unless listening on loopback.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
            .unwrap_or(!self.http_listen.ip().is_loopback())
    }

    /// The networks that may read `/metrics`, checked.
    pub fn metrics_networks(&self) -> Result<Vec<Cidr>, String> {
        self.metrics_networks
            .iter()
            .map(|t| Cidr::parse(t).map_err(|e| format!("metrics_networks: {e}")))
            .collect()
    }

    /// The bureau's retention, checked.
    pub fn retention(&self) -> Result<centrale_core::privacy::Retention, String> {
        centrale_core::privacy::Retention::new(self.retention_months)
            .map_err(|e| format!("retention_months: {e}"))
    }

    /// True when the database is the embedded SQLite file under the data directory.
    pub fn uses_data_dir(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The telephony's settings, checked.
    pub fn sip(&self) -> Result<SipConfig, String> {
        let advertise = if self.sip_advertise.trim().is_empty() {
            match self.sip_listen.ip() {
                ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
                ip => ip,
            }
        } else {
            self.sip_advertise.trim().parse().map_err(|_| {
                format!(
                    "sip_advertise '{}' is not an IP address",
                    self.sip_advertise
                )
            })?
        };
        let trunks = self
            .sip_trunks
            .iter()
            .map(|t| Cidr::parse(t).map_err(|e| format!("sip_trunks: {e}")))
            .collect::<Result<_, _>>()?;
        let media_networks = self
            .media_networks
            .iter()
            .map(|t| Cidr::parse(t).map_err(|e| format!("media_networks: {e}")))
            .collect::<Result<_, _>>()?;
        if self.rtp_port_min >= self.rtp_port_max || self.rtp_port_min < 1024 {
            return Err("rtp_port_min must be at least 1024 and below rtp_port_max".into());
        }
        let positive = |name: &str, value: u64| {
            if value == 0 {
                Err(format!("{name} must be at least 1"))
            } else {
                Ok(value)
            }
        };
        Ok(SipConfig {
            listen: self.sip_listen,
            advertise,
            realm: self.sip_realm.trim().to_owned(),
            digest_sha256: self.sip_digest_sha256,
            trunks,
            rtp_ports: (self.rtp_port_min, self.rtp_port_max),
            ring_timeout: Duration::from_secs(positive(
                "ring_timeout_secs",
                self.ring_timeout_secs,
            )?),
            wrap_up: Duration::from_secs(self.wrap_up_secs),
            silence_timeout: Duration::from_secs(positive(
                "rtp_silence_secs",
                self.rtp_silence_secs,
            )?),
            max_calls_per_trunk: usize::try_from(positive(
                "max_calls_per_trunk",
                self.max_calls_per_trunk as u64,
            )?)
            .unwrap_or(usize::MAX),
            max_queue_length: usize::try_from(positive(
                "max_queue_length",
                self.max_queue_length as u64,
            )?)
            .unwrap_or(usize::MAX),
            journal_bound: usize::try_from(positive("journal_bound", self.journal_bound as u64)?)
                .unwrap_or(usize::MAX),
            media_networks,
            outbound: self.outbound()?,
        })
    }

    /// The outbound gateway, checked; none without `sip_outbound_uri`.
    fn outbound(&self) -> Result<Option<Outbound>, String> {
        let uri = self.sip_outbound_uri.trim();
        if uri.is_empty() {
            return Ok(None);
        }
        let (host, port, uri_tcp) = centrale_sip::config::gateway_address(uri)
            .map_err(|e| format!("sip_outbound_uri: {e}"))?;
        let tcp = match self
            .sip_outbound_transport
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "" => uri_tcp,
            "udp" => false,
            "tcp" => true,
            other => {
                return Err(format!(
                    "sip_outbound_transport '{other}': choose udp or tcp"
                ));
            }
        };
        let caller_id = match self.sip_outbound_caller_id.trim() {
            "dialled" => OutboundCallerId::Dialled,
            "caller" => OutboundCallerId::Caller,
            other => {
                return Err(format!(
                    "sip_outbound_caller_id '{other}': choose dialled or caller"
                ));
            }
        };
        let username = self.sip_outbound_username.trim();
        let credential = match (username.is_empty(), self.sip_outbound_password.is_empty()) {
            (true, true) => None,
            (false, false) => Some((username.to_owned(), self.sip_outbound_password.clone())),
            _ => {
                return Err(
                    "sip_outbound_username and sip_outbound_password go together".to_owned(),
                );
            }
        };
        let at_least_one = |name: &str, value: usize| {
            if value == 0 {
                Err(format!("{name} must be at least 1"))
            } else {
                Ok(value)
            }
        };
        if !(5..=120).contains(&self.transfer_timeout_secs) {
            return Err("transfer_timeout_secs must be between 5 and 120".to_owned());
        }
        Ok(Some(Outbound {
            host,
            port,
            tcp,
            credential,
            caller_id,
            timeout: Duration::from_secs(self.transfer_timeout_secs),
            caps: OutboundCaps {
                concurrent_per_operator: at_least_one(
                    "outbound_max_concurrent_per_operator",
                    self.outbound_max_concurrent_per_operator,
                )?,
                concurrent: at_least_one("outbound_max_concurrent", self.outbound_max_concurrent)?,
                hourly_per_operator: at_least_one(
                    "outbound_max_hourly_per_operator",
                    self.outbound_max_hourly_per_operator,
                )?,
                hourly: at_least_one("outbound_max_hourly", self.outbound_max_hourly)?,
            },
        }))
    }
}

/// `url` with the password of its user part and any `password=` query value masked.
fn mask_password(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return mask_unparsed(url);
    };
    let secret_key = |key: &str| key.eq_ignore_ascii_case("password");
    let in_query = parsed.query_pairs().any(|(key, _)| secret_key(&key));
    if parsed.password().is_none() && !in_query {
        return url.to_owned();
    }
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if in_query {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret_key(&key) {
                    "***".into()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// For a URL too broken to parse: everything between `://` and the last `@` is hidden, and
/// the query too when it names a password.
fn mask_unparsed(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) if query.to_ascii_lowercase().contains("password") => (rest, "?***"),
        Some((rest, query)) => (rest, &url[url.len() - query.len() - 1..]),
        None => (rest, ""),
    };
    match rest.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{query}"),
        None => format!("{scheme}://{rest}{query}"),
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
    fn every_setting_can_come_from_the_environment() {
        let fields = serde_json::to_value(Settings::default()).unwrap();
        let mut names: Vec<&str> = fields
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut keys = KEYS.to_vec();
        names.sort_unstable();
        keys.sort_unstable();
        assert_eq!(names, keys);
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_password("postgres://c:secret@db/x"),
            "postgres://c:***@db/x"
        );
        assert_eq!(mask_password("sqlite://a.db"), "sqlite://a.db");
        // A password with an @ in it, or with characters a URL cannot hold.
        let masked = mask_password("postgres://c:p@ss@db:5432/x");
        assert!(
            !masked.contains("ss") && masked.ends_with("@db:5432/x"),
            "{masked}"
        );
        let masked = mask_password("postgres://c:se cret@db/x");
        assert!(!masked.contains("cret"), "{masked}");
        // In the query.
        let masked = mask_password("postgres://db/x?user=c&password=secret&sslmode=require");
        assert!(!masked.contains("secret"), "{masked}");
        assert!(
            masked.contains("sslmode=require") && masked.contains("user=c"),
            "{masked}"
        );
        let masked = mask_password("postgres://db/x y?password=secret");
        assert!(!masked.contains("secret"), "{masked}");
    }

    #[test]
    fn cookies_are_secure_unless_served_on_loopback() {
        assert!(!Settings::default().secure_cookies());
        let public = Settings {
            http_listen: "0.0.0.0:8080".parse().unwrap(),
            ..Settings::default()
        };
        assert!(public.secure_cookies());
        let told = Settings {
            secure_cookies: Some(false),
            ..public
        };
        assert!(!told.secure_cookies());
    }
}
