//! `GET /ringside/v1/openapi.json`: the platform API's OpenAPI 3.1 document (provisioning,
//! simulated phones and calls, media, recordings), served without the admin token.

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::state::PlatformState;
use ringside_http::ApiError;

/// The OpenAPI 3.1 document for the platform's routes.
const OPENAPI: &str = include_str!("openapi.json");

/// Every (method, path) served here, relative to `/ringside/v1`.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[("GET", "/openapi.json")];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    match serde_json::from_str::<Value>(OPENAPI) {
        Ok(document) => (axum::http::StatusCode::OK, Json(document)).into_response(),
        Err(error) => {
            ApiError::internal(format!("openapi.json does not parse: {error}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_table::routed_paths;
    use crate::state::PREFIX;
    use std::collections::BTreeSet;

    /// `{name}` → `{}` so router and OpenAPI templates compare by shape.
    fn shape(path: &str) -> String {
        let mut out = String::new();
        let mut in_param = false;
        for c in path.chars() {
            match c {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                _ if in_param => {}
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn every_admin_route_is_in_the_openapi_document_and_nothing_else_is() {
        let document: Value = serde_json::from_str(OPENAPI).expect("openapi.json parses");
        assert_eq!(
            document["openapi"].as_str().map(|v| v.starts_with("3.1")),
            Some(true)
        );
        let paths = document["paths"].as_object().expect("paths");
        let mut documented = BTreeSet::new();
        for (path, item) in paths {
            let relative = path
                .strip_prefix(PREFIX)
                .unwrap_or_else(|| panic!("{path} lacks {PREFIX}"));
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(operation) = item.get(method) {
                    assert!(
                        operation.get("operationId").is_some(),
                        "{method} {path} has no operationId"
                    );
                    assert!(
                        operation.get("responses").is_some(),
                        "{method} {path} has no responses"
                    );
                    documented.insert((method.to_ascii_uppercase(), shape(relative)));
                }
            }
        }
        let served: BTreeSet<(String, String)> = ROUTES
            .iter()
            .chain(crate::admin::ROUTES)
            .chain(crate::calls::ROUTES)
            .chain(crate::recordings::ROUTES)
            .map(|(method, path)| (method.to_string(), shape(path)))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            stale.is_empty(),
            "openapi.json documents routes that are not served: {stale:?}"
        );
    }

    #[test]
    fn the_routes_table_matches_the_router_source() {
        let listed: BTreeSet<String> = ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed_paths(include_str!("openapi.rs")), listed);
    }
}
