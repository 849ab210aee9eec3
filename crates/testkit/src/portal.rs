//! The customer portal as a browser without a script engine uses it: forms and cookies over
//! HTTP, for the portal's own tests (the Chromium tests use [`crate::Chrome`]).

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A page as answered: status, where a redirect goes, and the HTML.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cache_control: Option<String>,
    pub html: String,
}

impl Page {
    /// The value of the hidden `_csrf` field of the page's first form.
    pub fn csrf(&self) -> String {
        attribute_after(&self.html, "name=\"_csrf\" value=\"").unwrap_or_default()
    }
}

fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// Someone's visit to the portal: the cookies it holds.
pub struct PortalVisit {
    pub base: String,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl PortalVisit {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            cookies: Vec::new(),
        }
    }

    /// Logs in with the portal's form; panics unless it leads to the Now page.
    pub async fn login(base: &str, email: &str, password: &str) -> Self {
        let mut visit = Self::new(base);
        let page = visit.try_login(email, password).await;
        assert_eq!(
            page.location.as_deref(),
            Some("/portal/now"),
            "login of {email}: {} {}",
            page.status,
            page.html
        );
        visit
    }

    /// Posts the login form and answers the reply.
    pub async fn try_login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/portal/login").await;
        self.post_with(
            "/portal/login",
            &form.csrf(),
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// The value of a cookie this visit holds.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Sets a cookie as if the server had (to present another session's token).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(key, _)| key != name);
        self.cookies.push((name.to_owned(), value.to_owned()));
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let cleared = text.contains("Max-Age=0");
                self.cookies.retain(|(key, _)| key != name);
                if !cleared {
                    self.cookies.push((name.to_owned(), value.to_owned()));
                }
            }
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Page {
            status: response.status(),
            location: header(LOCATION),
            cache_control: header(reqwest::header::CACHE_CONTROL),
            html: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.read(response).await
    }

    /// Posts `fields` with the session's CSRF token (read from the Now page).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get("/portal/now").await.csrf();
        self.post_with(path, &csrf, fields).await
    }

    /// Posts `fields` with `csrf` as the form's token.
    pub async fn post_with(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let mut body: Vec<(&str, &str)> = vec![("_csrf", csrf)];
        body.extend_from_slice(fields);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(&body)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }
}
