//! SMS through an HTTP gateway (Kannel `sendsms` and look-alikes): one GET of the
//! configured URL template per message; the gateway splits long texts itself.
//!
//! Receipts come back by the gateway calling the template's `dlr-url`, which the web
//! layer turns into a [`super::Receipt`] with [`super::kannel_dlr_delivered`].

use super::config::{HttpConfig, redact_url};
use super::encoding::coding_for;
use super::{SmsChannel, SmsMessage};
use crate::Outcome;
use async_trait::async_trait;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;

/// Everything but the RFC 3986 unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Sends each SMS with one HTTP GET.
pub struct HttpSms {
    config: HttpConfig,
    client: reqwest::Client,
}

impl HttpSms {
    pub fn new(config: HttpConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }
}

/// The template with every placeholder replaced, URL-encoded.
pub fn fill_template(template: &str, sender: &str, message: &SmsMessage) -> String {
    let enc = |s: &str| utf8_percent_encode(s, COMPONENT).to_string();
    let coding = coding_for(&message.text).kannel_coding().to_string();
    template
        .replace("{to}", &enc(message.to.as_str()))
        .replace("{from}", &enc(sender))
        .replace("{reference}", &enc(&message.reference))
        .replace("{coding}", &coding)
        .replace("{text}", &enc(&message.text))
}

/// What a gateway's HTTP status means: 2xx accepted; 408, 429 and 5xx try again; other
/// 4xx (bad number, refused credentials) will not get better by retrying.
pub fn outcome_for_status(status: u16, body: &str, reference: &str) -> Outcome {
    let body = body.trim().chars().take(200).collect::<String>();
    match status {
        200..=299 => Outcome::Sent {
            reference: Some(reference.to_string()),
        },
        408 | 429 | 500..=599 => Outcome::Retry(format!("gateway answered {status}: {body}")),
        _ => Outcome::Permanent(format!("gateway refused the SMS ({status}): {body}")),
    }
}

#[async_trait]
impl SmsChannel for HttpSms {
    async fn send(&self, message: &SmsMessage) -> Outcome {
        let url = fill_template(&self.config.template, &self.config.sender, message);
        let response = match self.client.get(&url).send().await {
            Ok(response) => response,
            // The error text holds the URL, with its password: leave it out.
            Err(e) => {
                let kind = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "cannot connect"
                } else {
                    "request failed"
                };
                tracing::warn!(gateway = %redact_url(&self.config.template), "SMS gateway {kind}");
                return Outcome::Retry(format!("SMS gateway {kind}"));
            }
        };
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        outcome_for_status(status, &body, &message.reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use centrale_core::PhoneNumber;

    #[test]
    fn placeholders_are_url_encoded() {
        let message = SmsMessage {
            reference: "d-1/2".into(),
            to: PhoneNumber::parse("06 12345678").unwrap(),
            text: "Bel terug: € 5 & Zoë".into(),
        };
        let url = fill_template(
            "http://gw/s?from={from}&to={to}&text={text}&coding={coding}&ref={reference}",
            "Centrale",
            &message,
        );
        assert_eq!(
            url,
            "http://gw/s?from=Centrale&to=%2B31612345678&text=Bel%20terug%3A%20%E2%82%AC%205%20%26%20Zo%C3%AB&coding=2&ref=d-1%2F2"
        );
    }

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(
            outcome_for_status(202, "0: Accepted", "r"),
            Outcome::Sent {
                reference: Some("r".into())
            }
        );
        assert!(matches!(
            outcome_for_status(503, "", "r"),
            Outcome::Retry(_)
        ));
        assert!(matches!(
            outcome_for_status(429, "", "r"),
            Outcome::Retry(_)
        ));
        assert!(matches!(
            outcome_for_status(400, "bad number", "r"),
            Outcome::Permanent(_)
        ));
    }
}
