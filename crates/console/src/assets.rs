//! The console's files, embedded in the binary with `rust-embed` (also in debug builds): pages,
//! the public login stylesheet, and `static/` (stylesheet and ES modules, signed-in only). Served
//! with their content type, a strong ETag from the file's SHA-256 (`If-None-Match` → 304) and
//! `Cache-Control: no-cache` (revalidated each time: the files change with the binary). The
//! security headers every console response carries are in [`security_headers`].

use axum::extract::{Path, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_http::ApiError;

use crate::auth::{PageSession, Session};
use crate::embedded::Assets;

/// The Content-Security-Policy of every console response: nothing but this origin's own files
/// (recordings' audio included); no inline script or style, no framing, forms post only here.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /console`: the live calls page.
pub(crate) async fn index(_: PageSession, headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

/// `GET /console/calls/{callId}`: one call's page (its script reads the id from the address).
pub(crate) async fn call_page(_: PageSession, headers: HeaderMap) -> Response {
    serve("call.html", &headers)
}

/// `GET /console/alerts`: the alerts view.
pub(crate) async fn alerts_page(_: PageSession, headers: HeaderMap) -> Response {
    serve("alerts.html", &headers)
}

/// `GET /console/recordings`: the recordings page.
pub(crate) async fn recordings_page(_: PageSession, headers: HeaderMap) -> Response {
    serve("recordings.html", &headers)
}

/// `GET /console/provisioning`: tenants, apps, users, numbers… (its script picks the resource).
pub(crate) async fn provisioning_page(_: PageSession, headers: HeaderMap) -> Response {
    serve("provisioning.html", &headers)
}

/// `GET /console/login.css`: the login page's stylesheet (public, like the login page).
pub(crate) async fn login_css(headers: HeaderMap) -> Response {
    serve("login.css", &headers)
}

/// `GET /console/assets/{*path}`: a file under `static/`.
pub(crate) async fn asset(_: Session, Path(path): Path<String>, headers: HeaderMap) -> Response {
    if path
        .split('/')
        .any(|segment| segment.is_empty() || segment.starts_with('.'))
    {
        return ApiError::not_found("No such console file.").into_response();
    }
    serve(&format!("static/{path}"), &headers)
}

/// One embedded file, or 404 in the Graph envelope.
fn serve(path: &str, request: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else {
        return ApiError::not_found("No such console file.").into_response();
    };
    let etag = format!(
        "\"{}\"",
        URL_SAFE_NO_PAD.encode(file.metadata.sha256_hash())
    );
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, file.data.into_owned()).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type(file.metadata.mimetype())) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The file's type, with `charset=utf-8` for text.
fn content_type(mime: &str) -> String {
    let text = mime.starts_with("text/") || mime.ends_with("javascript") || mime.ends_with("json");
    if text && !mime.contains("charset") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Adds the console's security headers to every response under `/console`.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::text;

    #[test]
    fn every_page_and_module_is_embedded_with_a_text_type() {
        for (path, mime) in [
            ("login.html", "text/html; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("call.html", "text/html; charset=utf-8"),
            ("alerts.html", "text/html; charset=utf-8"),
            ("recordings.html", "text/html; charset=utf-8"),
            ("static/js/recordings.js", "text/javascript; charset=utf-8"),
            ("provisioning.html", "text/html; charset=utf-8"),
            (
                "static/js/provisioning.js",
                "text/javascript; charset=utf-8",
            ),
            ("static/js/resources.js", "text/javascript; charset=utf-8"),
            ("static/js/alerts.js", "text/javascript; charset=utf-8"),
            ("login.css", "text/css; charset=utf-8"),
            ("static/console.css", "text/css; charset=utf-8"),
            ("static/js/api.js", "text/javascript; charset=utf-8"),
            ("static/js/calls.js", "text/javascript; charset=utf-8"),
            ("static/js/call.js", "text/javascript; charset=utf-8"),
        ] {
            let file = Assets::get(path);
            assert!(file.is_some(), "{path} is embedded");
            let mime_of = file.map(|f| content_type(f.metadata.mimetype()));
            assert_eq!(mime_of.as_deref(), Some(mime), "{path}");
        }
        assert!(text("login.html").contains("{{message}}"));
    }

    #[test]
    fn no_page_has_inline_script_or_style() {
        for path in Assets::iter().filter(|p| p.ends_with(".html")) {
            let html = text(&path);
            assert!(!html.contains("<script>"), "{path}: inline script");
            assert!(!html.contains("<style"), "{path}: inline style");
            assert!(!html.contains(" style="), "{path}: style attribute");
            for handler in ["onclick=", "onload=", "onsubmit=", "oninput=", "onchange="] {
                assert!(!html.contains(handler), "{path}: inline {handler}");
            }
        }
    }
}
