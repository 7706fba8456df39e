//! What the provisioning handlers answer with: 200, 201 with an absolute `Location`, 204, the
//! `{"value": [...]}` list envelope, and the small renderings several views share (RFC 3339 times,
//! licence and permission names).

use std::collections::BTreeSet;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_model::{Licence, Permission};
use serde_json::{json, Value};

use crate::state::{PlatformState, PREFIX};

pub(super) fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

/// 201 with an absolute `Location` (`path` is relative to `/ringside/v1`).
pub(super) fn created(state: &PlatformState, path: &str, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let location = format!("{}{PREFIX}{path}", state.base_url());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(super) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub(super) fn list(items: Vec<Value>) -> Response {
    ok(json!({ "value": items }))
}

/// RFC 3339 UTC (`2026-01-31T12:00:00Z`).
pub(super) fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub(super) fn licences_view(licences: &BTreeSet<Licence>) -> Vec<&'static str> {
    licences.iter().map(|l| l.as_str()).collect()
}

pub(super) fn permissions_view(set: &BTreeSet<Permission>) -> Vec<&'static str> {
    set.iter().map(|p| p.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_as_rfc3339() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}
