//! What every response tells the browser about itself, and which redirect targets are ours.
//!
//! The pages load only their own script and style files (no inline script, no framing by
//! other sites, no referrer leaking ids to other origins); HSTS is sent when cookies are
//! Secure, i.e. the pages are served over HTTPS.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Scripts, styles, images and connections from this origin only; nothing may frame the pages.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every response.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if state.settings.secure_cookies {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

/// `target` when it is a path on this site, else `None`.
///
/// Browsers read `//host`, `/\host` and paths with tabs or newlines stripped (`/\t/host`) as
/// another origin, so a local path starts with one `/`, has no backslash and no control or
/// space characters at all.
pub fn same_origin_path(target: &str) -> Option<&str> {
    let local = target.starts_with('/')
        && !target.starts_with("//")
        && !target
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    local.then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_redirect_targets() {
        for ok in ["/console", "/wallboard?x=1", "/console#pop", "/"] {
            assert_eq!(same_origin_path(ok), Some(ok));
        }
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "evil.example",
            "",
            "/console\\..\\\\evil",
        ] {
            assert_eq!(same_origin_path(evil), None, "{evil:?}");
        }
    }
}
