//! E-mail senders: SMTP ([`SmtpEmail`], from one `smtp_url`) and, with nothing configured, a
//! Maildir in the data directory ([`MaildirEmail`]). Both format the same RFC 5322 message.

use crate::{EmailChannel, EmailMessage, Outcome};
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sender when `smtp_url` names none.
const DEFAULT_FROM: &str = "centrale@localhost";

/// The message as sent: both parts, UTF-8, the delivery's stable Message-ID.
fn build(message: &EmailMessage, from: &Mailbox) -> Result<Message, Outcome> {
    let to: Mailbox = message
        .to
        .as_str()
        .parse()
        .map_err(|e| Outcome::Permanent(format!("invalid address {}: {e}", message.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(message.message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(message.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(message.html.clone()),
                ),
        )
        .map_err(|e| Outcome::Permanent(format!("cannot build the message: {e}")))
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain text (a local relay).
    None,
    /// Plain, then STARTTLS (required).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Where and how to send e-mail, from `smtp://user:pass@host:port?tls=…&from=…`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    password: Option<String>,
    pub from: String,
    /// How long one connection or command may take.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    /// Never shows the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

impl fmt::Display for SmtpConfig {
    /// For logs: `smtp://user@host:port (starttls)`, never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        write!(
            f,
            "smtp://{user}{}:{} ({:?}, from {})",
            self.host, self.port, self.security, self.from
        )
    }
}

/// `%XX` sequences decoded (user names and passwords may hold `@` or `:`).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("smtp_url: a % must be followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "smtp_url: encoded text is not UTF-8".to_owned())
}

impl SmtpConfig {
    /// Parses `smtp://` (STARTTLS unless `tls=` says otherwise) or `smtps://` (TLS).
    pub fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url
            .trim()
            .split_once("://")
            .ok_or("smtp_url must look like smtp://user:pass@host:port?tls=starttls")?;
        let mut security = match scheme {
            "smtp" => Security::StartTls,
            "smtps" => Security::Tls,
            other => return Err(format!("smtp_url: unknown scheme {other}: (smtp or smtps)")),
        };
        let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = authority.trim_end_matches('/');
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, authority),
        };
        let (user, password) = match credentials {
            Some(c) => {
                let (u, p) = c.split_once(':').unwrap_or((c, ""));
                (Some(percent_decode(u)?), Some(percent_decode(p)?))
            }
            None => (None, None),
        };
        let mut from = DEFAULT_FROM.to_owned();
        let mut port = None;
        let mut timeout = Duration::from_secs(20);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value)?;
            match key {
                "tls" => {
                    security = match value.as_str() {
                        "none" => Security::None,
                        "starttls" => Security::StartTls,
                        "tls" => Security::Tls,
                        _ => return Err("smtp_url: tls must be none, starttls or tls".into()),
                    }
                }
                "from" => from = value,
                "timeout_secs" => {
                    let secs: u64 = value
                        .parse()
                        .map_err(|_| "smtp_url: timeout_secs must be a number")?;
                    timeout = Duration::from_secs(secs.max(1));
                }
                other => return Err(format!("smtp_url: unknown parameter {other}")),
            }
        }
        let (host, port_text) = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || host_port.starts_with('[') => (h, Some(p)),
            _ => (host_port, None),
        };
        if let Some(p) = port_text {
            port = Some(
                p.parse::<u16>()
                    .map_err(|_| format!("smtp_url: port {p} is not a number"))?,
            );
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err("smtp_url names no host".into());
        }
        if from.parse::<Mailbox>().is_err() {
            return Err(format!("smtp_url: from={from} is not an e-mail address"));
        }
        let port = port.unwrap_or(match security {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        });
        Ok(Self {
            host: host.to_owned(),
            port,
            security,
            user,
            password,
            from,
            timeout,
        })
    }
}

/// Sends e-mail over SMTP (connections pooled).
pub struct SmtpEmail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpEmail {
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|e| format!("smtp TLS setup: {e}"))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(config.timeout));
        builder = match config.security {
            Security::None => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls(&config.host)?)),
            Security::Tls => builder.tls(Tls::Wrapper(tls(&config.host)?)),
        };
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = config
            .from
            .parse()
            .map_err(|e| format!("smtp_url: from: {e}"))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

/// What an SMTP error means for the outbox. lettre calls a refused connection "not
/// transient", so only a permanent (5xx) reply is final; everything else is retried.
/// Authentication refusals (53x) are the bureau's configuration, not the recipient's: retried
/// until someone fixes the password.
pub fn classify(error: &lettre::transport::smtp::Error) -> Outcome {
    let text = error.to_string();
    match error.status() {
        Some(code) if error.is_permanent() && !code.to_string().starts_with("53") => {
            Outcome::Permanent(format!("refused by the mail server: {text}"))
        }
        _ => Outcome::Retry(text),
    }
}

#[async_trait]
impl EmailChannel for SmtpEmail {
    async fn send(&self, message: &EmailMessage) -> Outcome {
        let built = match build(message, &self.from) {
            Ok(built) => built,
            Err(outcome) => return outcome,
        };
        match self.transport.send(built).await {
            Ok(_) => Outcome::Sent { reference: None },
            Err(e) => classify(&e),
        }
    }
}

/// Drops e-mail into a Maildir (`tmp`, `new`, `cur`): written to `tmp`, renamed into `new`.
/// The file is named after the delivery, so a retry replaces it instead of adding a copy.
pub struct MaildirEmail {
    dir: PathBuf,
    from: Mailbox,
}

impl MaildirEmail {
    /// Creates the Maildir's folders if needed.
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
            from: DEFAULT_FROM.parse().map_err(std::io::Error::other)?,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl EmailChannel for MaildirEmail {
    async fn send(&self, message: &EmailMessage) -> Outcome {
        let built = match build(message, &self.from) {
            Ok(built) => built,
            Err(outcome) => return outcome,
        };
        let name: String = message
            .message_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let name = format!("{name}.centrale");
        let tmp = self.dir.join("tmp").join(&name);
        let new = self.dir.join("new").join(&name);
        let written = async {
            tokio::fs::write(&tmp, built.formatted()).await?;
            tokio::fs::rename(&tmp, &new).await
        };
        match written.await {
            Ok(()) => Outcome::Sent { reference: None },
            Err(e) => Outcome::Retry(format!("cannot write {}: {e}", new.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_smtp_urls() {
        let c = SmtpConfig::parse(
            "smtp://notes%40bureau:p%3Ass@mail.example:2525?tls=none&from=notes@bureau.example",
        )
        .unwrap();
        assert_eq!(c.host, "mail.example");
        assert_eq!(c.port, 2525);
        assert_eq!(c.security, Security::None);
        assert_eq!(c.user.as_deref(), Some("notes@bureau"));
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert_eq!(c.from, "notes@bureau.example");
        assert!(!format!("{c:?} {c}").contains("p:ss"));

        let c = SmtpConfig::parse("smtps://mail.example").unwrap();
        assert_eq!((c.port, c.security, c.user), (465, Security::Tls, None));
        let c = SmtpConfig::parse("smtp://mail.example").unwrap();
        assert_eq!((c.port, c.security), (587, Security::StartTls));

        for bad in [
            "mail.example",
            "http://x",
            "smtp://",
            "smtp://h:x",
            "smtp://h?tls=maybe",
            "smtp://h?from=nobody",
            "smtp://h?colour=red",
        ] {
            assert!(SmtpConfig::parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn maildir_replaces_a_retried_message() {
        let dir = tempfile::tempdir().unwrap();
        let maildir = MaildirEmail::new(&dir.path().join("maildir")).unwrap();
        let message = EmailMessage {
            message_id: "<0190-abc@centrale>".into(),
            to: centrale_core::EmailAddress::parse("piet@bakkerij.nl").unwrap(),
            subject: "Gespreksnotitie van Zoë".into(),
            text: "€ 5".into(),
            html: "<p>€ 5</p>".into(),
        };
        for _ in 0..2 {
            assert_eq!(
                maildir.send(&message).await,
                Outcome::Sent { reference: None }
            );
        }
        let new: Vec<_> = std::fs::read_dir(maildir.dir().join("new"))
            .unwrap()
            .collect();
        assert_eq!(new.len(), 1);
        assert!(
            std::fs::read_dir(maildir.dir().join("tmp"))
                .unwrap()
                .next()
                .is_none()
        );
    }
}
