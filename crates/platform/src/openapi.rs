//! `GET /ringside/v1/openapi.json`: the platform API's OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations (each module documents its own routes with the pieces in
//! [`crate::api_doc`]) and served without the admin token.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api_doc::{AnyObjectSchema, ErrorSchema};
use crate::state::{PlatformState, PREFIX};

/// Every (method, path) served here, relative to `/ringside/v1`.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[("GET", "/openapi.json")];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new().route("/openapi.json", get(openapi))
}

/// The document's frame: info, server, the admin token as the default security, the error envelope.
#[derive(OpenApi)]
#[openapi(
    info(title = "Ringside platform API", version = "1", description = "Provisioning for Ringside: tenants, users, app registrations and admin consent, application instances (resource accounts), licences, phone numbers and ACS resources - what Teams admins do with PowerShell. Every operation except this document needs 'Authorization: Bearer <adminToken>' (dev.json's adminToken). Errors use the Graph envelope."),
    servers((url = "https://127.0.0.1:8443")),
    security(("adminToken" = [])),
    paths(openapi),
    components(schemas(ErrorSchema)),
    modifiers(&SecuritySchemes, &OpenDocument)
)]
struct PlatformApi;

/// The bearer tokens the operations name: the admin token and a recording's access token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        for (name, description) in [
            ("adminToken", "The platform admin token."),
            (
                "recordingAccessToken",
                "A recordResponse operation's recordingAccessToken.",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
}

/// The document itself needs no token: `"security": []` (utoipa's `security(())` would write
/// `[{}]`, which means the same but reads as a requirement to clients that check for an empty list).
struct OpenDocument;

impl Modify for OpenDocument {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let operation = document
            .paths
            .paths
            .get_mut("/openapi.json")
            .and_then(|item| item.get.as_mut());
        if let Some(operation) = operation {
            operation.security = Some(Vec::new());
        }
    }
}

/// The whole document: every module's paths under `/ringside/v1`, as JSON.
pub fn document() -> Value {
    let mut paths = PlatformApi::openapi();
    paths.merge(crate::admin::openapi());
    paths.merge(crate::calls::openapi());
    paths.merge(crate::recordings::openapi());
    let mut frame = PlatformApi::openapi();
    frame.paths = utoipa::openapi::Paths::new();
    let document = frame.nest(PREFIX, paths);
    let mut value = serde_json::to_value(&document).unwrap_or_else(|error| {
        serde_json::json!({ "openapi": "3.1.0", "info": { "title": format!("unserialisable: {error}"), "version": "1" } })
    });
    camel_case_links(&mut value);
    value
}

/// utoipa 5 serialises a response link's fields in snake case (`operation_id`, `request_body`; fixed
/// in utoipa 6): renames them to the OpenAPI names.
fn camel_case_links(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(Value::as_object_mut)
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(Value::as_object_mut) else {
            continue;
        };
        for link in links.values_mut().filter_map(Value::as_object_mut) {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(snake) {
                    link.insert(camel.to_string(), value);
                }
            }
        }
    }
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    summary = "This document.",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document.", body = inline(AnyObjectSchema))
    )
)]
async fn openapi() -> Response {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    Json(DOCUMENT.get_or_init(document)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_table::routed_paths;
    use std::collections::{BTreeMap, BTreeSet};

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

    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    /// Every operation of the document: (method, path, operation).
    fn operations(document: &Value) -> Vec<(&'static str, String, &Value)> {
        let paths = document["paths"].as_object().expect("paths");
        let mut out = Vec::new();
        for (path, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    out.push((method, path.clone(), operation));
                }
            }
        }
        out
    }

    #[test]
    fn every_served_route_is_in_the_openapi_document_and_nothing_else_is() {
        let document = document();
        assert_eq!(
            document["openapi"].as_str().map(|v| v.starts_with("3.1")),
            Some(true)
        );
        let mut documented = BTreeSet::new();
        for (method, path, operation) in operations(&document) {
            let relative = path
                .strip_prefix(PREFIX)
                .unwrap_or_else(|| panic!("{path} lacks {PREFIX}"));
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
            "routes missing from the document: {undocumented:?}"
        );
        assert!(
            stale.is_empty(),
            "the document has routes that are not served: {stale:?}"
        );
    }

    #[test]
    fn every_link_names_an_operation_and_its_parameters() {
        let document = document();
        let mut parameters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (_, _, operation) in operations(&document) {
            let id = operation["operationId"].as_str().expect("operationId");
            let names = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            assert!(
                parameters.insert(id.to_string(), names).is_none(),
                "operationId {id} is not unique"
            );
        }
        let mut links = 0;
        for (method, path, operation) in operations(&document) {
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let target = link["operationId"].as_str().unwrap_or_else(|| {
                        panic!("{method} {path} {status}: link {name} has no operationId")
                    });
                    let known = parameters.get(target).unwrap_or_else(|| {
                        panic!(
                            "{method} {path} {status}: link {name} names no operation ({target})"
                        )
                    });
                    for parameter in link["parameters"].as_object().into_iter().flatten() {
                        assert!(
                            known.contains(parameter.0),
                            "{method} {path} {status}: link {name} passes {} that {target} lacks",
                            parameter.0
                        );
                    }
                }
            }
        }
        assert!(links > 40, "only {links} links");
    }

    #[test]
    fn every_reference_resolves_and_every_component_was_readable() {
        let document = document();
        let text = document.to_string();
        assert!(
            !text.contains("unreadable hand-written schema"),
            "a hand-written component did not parse"
        );
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("components.schemas");
        let mut rest = text.as_str();
        let marker = "\"$ref\":\"#/components/schemas/";
        let mut references = 0;
        while let Some(start) = rest.find(marker) {
            rest = &rest[start + marker.len()..];
            let name = &rest[..rest.find('"').expect("end of $ref")];
            assert!(
                schemas.contains_key(name),
                "$ref to a missing schema {name}"
            );
            references += 1;
        }
        assert!(references > 50, "only {references} references");
    }

    #[test]
    fn hand_written_components_survive_utoipa_unchanged() {
        let sample = serde_json::json!({
            "oneOf": [{ "type": "string", "pattern": "^x$", "examples": ["x"] }, { "type": "null" }],
            "description": "d"
        });
        let schema = crate::api_doc::from_json(sample.clone());
        assert_eq!(serde_json::to_value(schema).ok(), Some(sample));
    }

    #[test]
    fn operations_need_the_admin_token_but_the_document_and_recordings() {
        let document = document();
        assert_eq!(
            document["security"],
            serde_json::json!([{ "adminToken": [] }])
        );
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["adminToken"]["scheme"], "bearer");
        assert_eq!(schemes["recordingAccessToken"]["scheme"], "bearer");
        let own: Vec<String> = operations(&document)
            .into_iter()
            .filter(|(_, _, operation)| operation.get("security").is_some())
            .map(|(_, _, operation)| operation["operationId"].to_string())
            .collect();
        assert_eq!(own, ["\"getOpenApi\"", "\"getRecording\""]);
        let open = &document["paths"]["/ringside/v1/openapi.json"]["get"]["security"];
        assert_eq!(
            open,
            &serde_json::json!([]),
            "the document is served without a token"
        );
    }

    #[test]
    fn the_routes_table_matches_the_router_source() {
        let listed: BTreeSet<String> = ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed_paths(include_str!("openapi.rs")), listed);
    }
}
