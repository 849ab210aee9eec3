//! Which SMS sender to use, parsed from one URL (`CENTRALE_SMS_URL` or the settings file):
//!
//! - empty: append to `DATA_DIR/sms.log`;
//! - `smpp://system_id:password@host:port?sender=Centrale`: an SMSC over SMPP
//!   (optional `system_type=`, `enquire_link_secs=`);
//! - `http://host:port/cgi-bin/sendsms?username=…&password=…&from={from}&to={to}&text={text}&coding={coding}&charset=UTF-8&dlr-mask=3&dlr-url=…{reference}…#sender=Centrale`:
//!   a URL template for an HTTP gateway (Kannel `sendsms`); `{to}`, `{text}`, `{from}`,
//!   `{reference}` and `{coding}` are replaced URL-encoded. The fragment holds Centrale's
//!   own options (`sender=`); it is never sent.
//!
//! Passwords never appear in `Debug` or in messages: see [`SmsConfig::redacted`].

use std::fmt;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

/// The sender identity used when none is configured.
pub const DEFAULT_SENDER: &str = "Centrale";

/// Where SMS go.
#[derive(Clone, PartialEq, Eq)]
pub enum SmsConfig {
    /// No gateway: one line per SMS in this file.
    LogFile(PathBuf),
    Smpp(SmppConfig),
    Http(HttpConfig),
}

/// An SMSC reached over SMPP (plain TCP).
#[derive(Clone, PartialEq, Eq)]
pub struct SmppConfig {
    pub host: String,
    pub port: u16,
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    /// Originator: alphanumeric (up to 11 characters) or a number.
    pub sender: String,
    pub enquire_link: Duration,
}

/// An HTTP gateway driven by a URL template.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The URL with placeholders, fragment removed.
    pub template: String,
    pub sender: String,
}

impl SmsConfig {
    /// Parses the SMS URL; `data_dir` is where the log file goes when it is empty.
    pub fn parse(url: &str, data_dir: &Path) -> Result<SmsConfig, String> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(Self::LogFile(data_dir.join("sms.log")));
        }
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("smpp") => parse_smpp(url).map(Self::Smpp),
            Some("http") => parse_http(url).map(Self::Http),
            Some("https") => Err(
                "SMS URL: https gateways are not supported yet; use http (a local gateway) or smpp"
                    .into(),
            ),
            Some("smpps" | "ssmpp") => {
                Err("SMS URL: SMPP over TLS is not supported yet; use smpp://".into())
            }
            _ => Err(format!(
                "SMS URL '{}' must start with smpp:// or http://, or be empty",
                redact_url(url)
            )),
        }
    }

    /// A description safe to log: passwords replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Self::LogFile(path) => format!("log file {}", path.display()),
            Self::Smpp(c) => format!(
                "smpp://{}:***@{}:{} (sender {})",
                c.system_id, c.host, c.port, c.sender
            ),
            Self::Http(c) => format!("{} (sender {})", redact_url(&c.template), c.sender),
        }
    }
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmsConfig({})", self.redacted())
    }
}

impl fmt::Debug for SmppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", SmsConfig::Smpp(self.clone()))
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", SmsConfig::Http(self.clone()))
    }
}

fn parse_smpp(raw: &str) -> Result<SmppConfig, String> {
    let url = url::Url::parse(raw)
        .map_err(|e| format!("SMS URL '{}' is not a URL: {e}", redact_url(raw)))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("SMS URL: smpp:// needs a host")?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let system_id = decode(url.username());
    if system_id.is_empty() {
        return Err(
            "SMS URL: smpp:// needs a system id: smpp://system_id:password@host:port".into(),
        );
    }
    if system_id.len() > 15 {
        return Err("SMS URL: the SMPP system id is longer than 15 characters".into());
    }
    let password = decode(url.password().unwrap_or(""));
    if password.len() > 8 {
        // SMPP 3.4 allows 9 octets with the terminating NUL.
        return Err("SMS URL: the SMPP password is longer than 8 characters".into());
    }
    let mut config = SmppConfig {
        host,
        port: url.port().unwrap_or(2775),
        system_id,
        password,
        system_type: String::new(),
        sender: DEFAULT_SENDER.into(),
        enquire_link: Duration::from_secs(30),
    };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "sender" => config.sender = check_sender(&value)?,
            "system_type" => config.system_type = value.into_owned(),
            "enquire_link_secs" => {
                let secs: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=3600).contains(s))
                    .ok_or("SMS URL: enquire_link_secs must be 1 to 3600")?;
                config.enquire_link = Duration::from_secs(secs);
            }
            other => {
                return Err(format!(
                    "SMS URL: unknown smpp option '{other}' (known: sender, system_type, enquire_link_secs)"
                ));
            }
        }
    }
    Ok(config)
}

fn parse_http(raw: &str) -> Result<HttpConfig, String> {
    let (template, fragment) = match raw.split_once('#') {
        Some((t, f)) => (t, Some(f)),
        None => (raw, None),
    };
    // The placeholders are not valid URL text; check the rest parses.
    let probe = ["{to}", "{text}", "{from}", "{reference}", "{coding}"]
        .iter()
        .fold(template.to_string(), |acc, p| acc.replace(p, "x"));
    let url = url::Url::parse(&probe)
        .map_err(|e| format!("SMS URL '{}' is not a URL: {e}", redact_url(raw)))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("SMS URL: http:// needs a host".into());
    }
    for required in ["{to}", "{text}"] {
        if !template.contains(required) {
            return Err(format!(
                "SMS URL: the http template must contain {required}"
            ));
        }
    }
    let mut sender = DEFAULT_SENDER.to_string();
    for pair in fragment.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
        match key {
            "sender" => sender = check_sender(&value)?,
            other => {
                return Err(format!(
                    "SMS URL: unknown option '#{other}' (known: sender)"
                ));
            }
        }
    }
    Ok(HttpConfig {
        template: template.to_string(),
        sender,
    })
}

/// An originator: up to 11 alphanumeric characters, or a number of up to 15 digits with
/// an optional `+`.
fn check_sender(sender: &str) -> Result<String, String> {
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    let numeric =
        !digits.is_empty() && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit());
    let alphanumeric = !sender.is_empty()
        && sender.chars().count() <= 11
        && sender
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ');
    if numeric || alphanumeric {
        Ok(sender.to_string())
    } else {
        Err(format!(
            "SMS URL: sender '{sender}' must be up to 11 letters and digits, or a phone number"
        ))
    }
}

/// `url` with the user-info password and any query value whose key mentions a password
/// (`password`, `pass`, `pwd`, `secret`, `token`, `key`) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let head = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest
                .split_once('/')
                .map_or((rest, None), |(a, p)| (a, Some(p)));
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{host}"),
                    None => format!("{userinfo}@{host}"),
                },
                None => authority.to_string(),
            };
            match path {
                Some(p) => format!("{scheme}://{authority}/{p}"),
                None => format!("{scheme}://{authority}"),
            }
        }
        None => head.to_string(),
    };
    let mut out = head;
    if let Some(query) = query {
        let secret = |k: &str| {
            let k = k.to_ascii_lowercase();
            ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|s| k.contains(s))
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if secret(k) => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SmsConfig, String> {
        SmsConfig::parse(url, Path::new("/var/lib/centrale"))
    }

    #[test]
    fn empty_is_the_log_file() {
        assert_eq!(
            parse("  "),
            Ok(SmsConfig::LogFile(PathBuf::from(
                "/var/lib/centrale/sms.log"
            )))
        );
    }

    #[test]
    fn smpp_url() {
        let Ok(SmsConfig::Smpp(c)) =
            parse("smpp://bureau:s%40cret@smsc.example:2776?sender=Bureau")
        else {
            panic!("not smpp");
        };
        assert_eq!((c.host.as_str(), c.port), ("smsc.example", 2776));
        assert_eq!(
            (c.system_id.as_str(), c.password.as_str()),
            ("bureau", "s@cret")
        );
        assert_eq!(c.sender, "Bureau");
        let Ok(SmsConfig::Smpp(c)) = parse("smpp://bureau:pw@127.0.0.1") else {
            panic!("not smpp")
        };
        assert_eq!((c.port, c.sender.as_str()), (2775, DEFAULT_SENDER));
    }

    #[test]
    fn smpp_errors_are_clear() {
        assert!(
            parse("smpp://smsc.example:2775")
                .unwrap_err()
                .contains("system id")
        );
        assert!(
            parse("smpp://a:b@h?sender=This%20is%20far%20too%20long")
                .unwrap_err()
                .contains("sender")
        );
        assert!(
            parse("smpp://a:b@h?colour=red")
                .unwrap_err()
                .contains("colour")
        );
        assert!(parse("ftp://x").unwrap_err().contains("smpp://"));
    }

    #[test]
    fn http_template() {
        let url = "http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=p&from={from}&to={to}&text={text}#sender=%2B3120";
        let Ok(SmsConfig::Http(c)) = parse(url) else {
            panic!("not http")
        };
        assert_eq!(c.sender, "+3120");
        assert!(!c.template.contains('#'));
        assert!(
            parse("http://127.0.0.1/send?to={to}")
                .unwrap_err()
                .contains("{text}")
        );
    }

    #[test]
    fn passwords_never_show() {
        let smpp = parse("smpp://bureau:hunter2@smsc:2775").unwrap();
        assert!(!format!("{smpp:?}").contains("hunter2"));
        assert!(!smpp.redacted().contains("hunter2"));
        let http = parse("http://u:hunter2@gw/sendsms?user=u&password=hunter2&to={to}&text={text}")
            .unwrap();
        assert!(!format!("{http:?}").contains("hunter2"), "{http:?}");
        let err = parse("gopher://u:hunter2@gw/?pass=hunter2").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
