//! The console's own scripts and style, compiled into the binary.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/console.js"),
    ),
    (
        "pop.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/pop.js"),
    ),
    (
        "agenda.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/agenda.js"),
    ),
    (
        "instructions.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/instructions.js"),
    ),
    (
        "portal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/portal.js"),
    ),
    (
        "wallboard.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/wallboard.js"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/common.js"),
    ),
];

pub(super) async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
