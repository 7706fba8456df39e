//! Tests of the Graph OpenAPI document: it is well formed (OpenAPI 3.1, every `$ref` resolves,
//! every schema is valid JSON Schema 2020-12), it lists exactly the routes the axum router serves,
//! its links lead to operations that exist, the DTOs' schemas hold every field the DTOs write
//! ([`dto`]), and docs/compatibility.md names every request field ([`compatibility`]).

mod compatibility;
mod dto;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::links::path_params;

/// The document as served.
fn document() -> Value {
    crate::openapi().expect("the document serializes")
}

/// `value`, or what its `$ref` (a local JSON pointer) names, followed until it is no reference.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let pointer = reference.strip_prefix('#').unwrap_or(reference);
        match document.pointer(pointer) {
            Some(target) => current = target,
            None => panic!("unresolved $ref {reference}"),
        }
    }
    panic!("$ref chain too long at {value}");
}

/// Every operation: (path, method, operation).
fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            all.push((path.clone(), method.clone(), operation));
        }
    }
    all
}

/// The Graph versions an operation is served under.
fn versions(operation: &Value) -> Vec<String> {
    match operation.get("x-ringside-versions") {
        Some(list) => list
            .as_array()
            .expect("x-ringside-versions is a list")
            .iter()
            .map(|v| v.as_str().expect("a version").to_string())
            .collect(),
        None => vec!["v1.0".into(), "beta".into()],
    }
}

/// Every `$ref` anywhere below `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_with_resolvable_references_and_valid_schemas() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["info"]["title"].is_string());
    assert_eq!(
        document["servers"],
        serde_json::json!([{"url": "/v1.0"}, {"url": "/beta"}])
    );
    assert_eq!(document["security"], serde_json::json!([{"bearer": []}]));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.len() > 100, "{} references", found.len());
    for reference in &found {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(
            document.pointer(pointer).is_some(),
            "unresolved {reference}"
        );
    }
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    assert!(schemas.len() > 60, "{} schemas", schemas.len());
    for (name, schema) in schemas {
        if let Err(error) = jsonschema::meta::validate(schema) {
            panic!("{name} is not a valid JSON Schema: {error}");
        }
    }
}

#[test]
fn every_operation_is_complete() {
    let document = document();
    let mut ids = BTreeSet::new();
    for (path, method, operation) in operations(&document) {
        let what = format!("{method} {path}");
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(
            ids.insert(id.to_string()),
            "{what}: duplicate operationId {id}"
        );
        assert!(operation["summary"].is_string(), "{what}: summary");
        let description = operation["description"].as_str().expect("description");
        assert!(
            description.starts_with("Application permissions: "),
            "{what}: {description}"
        );
        // Permissions are roles Ringside knows.
        for permission in operation["x-ms-permissions"]
            .as_array()
            .expect("x-ms-permissions")
        {
            let name = permission.as_str().expect("a permission name");
            assert!(
                ringside_model::Permission::parse(name).is_ok(),
                "{what}: unknown permission {name}"
            );
            assert!(description.contains(name), "{what}: {name} not described");
        }
        // The path's parameters, and only those, are declared, required, in the path.
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter(|p| p["in"] == "path")
                    .inspect(|p| assert_eq!(p["required"], true, "{what}: {p}"))
                    .map(|p| p["name"].as_str().expect("name"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(declared, path_params(&path), "{what}: path parameters");
        // A success, and every error in the Graph envelope.
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{what}: no success response"
        );
        for status in ["400", "401", "403", "404", "429", "500"] {
            assert!(responses.contains_key(status), "{what}: no {status}");
        }
        for (status, response) in responses {
            let response = resolve(&document, response);
            assert!(response["description"].is_string(), "{what} {status}");
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/GraphError",
                    "{what} {status}"
                );
            }
        }
        // A body is read, so it can be too large; a call route runs in the call runtime.
        if operation.get("requestBody").is_some() {
            assert!(responses.contains_key("413"), "{what}: no 413");
        }
        if path.contains("{callId}") {
            assert!(responses.contains_key("503"), "{what}: no 503");
        }
    }
    assert_eq!(ids.len(), 38, "{ids:?}");
}

/// Segments the server's path normaliser does not match in any letter case today (`/Users/…`
/// is a 404); listed so that a new route's segment cannot be forgotten silently.
const CASE_SENSITIVE_SEGMENTS: [&str; 1] = ["users"];

#[test]
fn every_path_segment_is_matched_in_any_letter_case() {
    let document = document();
    for path in document["paths"].as_object().expect("paths").keys() {
        for segment in path
            .split('/')
            .filter(|s| !s.is_empty() && !s.starts_with('{'))
            .filter(|s| !CASE_SENSITIVE_SEGMENTS.contains(s))
        {
            assert!(
                crate::SEGMENTS.contains(&segment),
                "{path}: {segment} is not in SEGMENTS"
            );
        }
    }
}

/// The `(path, methods)` the router serves, read from its `Debug` output: axum lists its routes
/// nowhere else. Its `PathRouter` prints `RouteId(n): MethodRouter(MethodRouter { …, allow_header:
/// Bytes(b"GET,HEAD") })` per endpoint and `Node { paths: {RouteId(n): "/path"} }`; a change of
/// that format fails these tests (no routes found), it cannot pass them.
fn served_routes() -> BTreeMap<String, BTreeSet<String>> {
    let debug = format!("{:?}", crate::unstated_router());
    // The routes proper; the fallback router after them is axum's default (nothing served).
    let (text, fallback) = debug
        .split_once(", fallback_router: ")
        .expect("a path router, then the fallback router");
    assert!(fallback.contains("default_fallback: true"), "{fallback}");
    let mut methods: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let mut paths: BTreeMap<u64, String> = BTreeMap::new();
    for (start, _) in text.match_indices("RouteId(") {
        let rest = &text[start + "RouteId(".len()..];
        let Some((id, rest)) = rest.split_once(')') else {
            continue;
        };
        let Ok(id) = id.parse::<u64>() else {
            continue;
        };
        if let Some(rest) = rest.strip_prefix(": MethodRouter(") {
            let allow = rest
                .split_once("allow_header: Bytes(b\"")
                .and_then(|(_, tail)| tail.split_once('"'))
                .map(|(allow, _)| allow)
                .expect("a method router lists its methods");
            let set: BTreeSet<String> = allow
                .split(',')
                .filter(|m| *m != "HEAD")
                .map(str::to_string)
                .collect();
            methods.insert(id, set);
        } else if let Some(rest) = rest.strip_prefix(": \"") {
            let path = rest.split_once('"').expect("a quoted path").0;
            paths.insert(id, path.to_string());
        } else {
            assert!(
                !rest.starts_with(": Route("),
                "a route without a method router"
            );
        }
    }
    assert_eq!(
        methods.keys().collect::<Vec<_>>(),
        paths.keys().collect::<Vec<_>>(),
        "every routed path has a method router"
    );
    paths
        .into_iter()
        .map(|(id, path)| (path, methods.remove(&id).unwrap_or_default()))
        .collect()
}

#[test]
fn every_documented_operation_is_routed_under_its_versions() {
    let document = document();
    let served = served_routes();
    let mut expected = 0;
    for (path, method, operation) in operations(&document) {
        for version in versions(operation) {
            let routed = format!("/{version}{path}");
            let methods = served
                .get(&routed)
                .unwrap_or_else(|| panic!("{routed} is documented but not routed"));
            assert!(
                methods.contains(&method.to_uppercase()),
                "{method} {routed} is documented but not routed ({methods:?})"
            );
            expected += 1;
        }
    }
    let served_operations: usize = served.values().map(BTreeSet::len).sum();
    assert_eq!(
        served_operations,
        expected + 1,
        "the router serves the documented operations and the document itself"
    );
}

#[test]
fn every_routed_operation_is_documented() {
    let document = document();
    let served = served_routes();
    assert!(served.len() > 50, "{} routed paths", served.len());
    for (routed, methods) in &served {
        if routed == crate::OPENAPI_PATH {
            assert_eq!(methods, &BTreeSet::from(["GET".to_string()]));
            continue;
        }
        let (version, path) = routed[1..]
            .split_once('/')
            .map(|(v, p)| (v, format!("/{p}")))
            .unwrap_or_else(|| panic!("{routed} has no version"));
        for method in methods {
            let operation = document["paths"][&path]
                .get(method.to_lowercase())
                .unwrap_or_else(|| panic!("{method} {routed} is routed but not documented"));
            assert!(
                versions(operation).iter().any(|v| v == version),
                "{method} {routed} is routed under a version the document does not give"
            );
        }
    }
}

/// The property names a schema allows at its top level (through references and `anyOf`).
fn property_names(document: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(document, schema);
    let mut names: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema[key].as_array().into_iter().flatten() {
            names.extend(property_names(document, branch));
        }
    }
    names
}

/// Every link in the document: (source path, source method, status, link).
fn links(document: &Value) -> Vec<(String, String, String, &Value)> {
    let mut all = Vec::new();
    for (path, method, operation) in operations(document) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            for link in response["links"]
                .as_object()
                .into_iter()
                .flat_map(|l| l.values())
            {
                all.push((path.clone(), method.clone(), status.clone(), link));
            }
        }
    }
    all
}

#[test]
fn every_link_names_an_operation_and_values_that_exist() {
    let document = document();
    let by_id: BTreeMap<&str, (String, &Value)> = operations(&document)
        .into_iter()
        .map(|(path, _, operation)| {
            (
                operation["operationId"].as_str().expect("operationId"),
                (path, operation),
            )
        })
        .collect();
    let all = links(&document);
    assert!(all.len() > 40, "{} links", all.len());
    for (path, method, status, link) in all {
        let what = format!("{method} {path} {status}");
        assert!(link.get("operation_id").is_none(), "{what}: snake case");
        let target = link["operationId"].as_str().expect("operationId");
        let (target_path, _) = by_id
            .get(target)
            .unwrap_or_else(|| panic!("{what}: no operation {target}"));
        let response = resolve(
            &document,
            &document["paths"][&path][&method]["responses"][&status],
        );
        let body = &response["content"]["application/json"]["schema"];
        let parameters = link["parameters"].as_object().expect("parameters");
        assert!(!parameters.is_empty(), "{what} → {target}");
        for (name, value) in parameters {
            assert!(
                path_params(target_path).contains(name),
                "{what} → {target}: {name} is not a parameter"
            );
            let value = value.as_str().expect("a runtime expression");
            if let Some(own) = value.strip_prefix("$request.path.") {
                assert!(
                    path_params(&path).iter().any(|p| p == own),
                    "{what}: {value}"
                );
            } else if let Some(member) = value.strip_prefix("$response.body#/") {
                assert!(
                    property_names(&document, body).contains(member),
                    "{what}: the body has no {member}"
                );
            } else {
                panic!("{what}: unexpected expression {value}");
            }
        }
    }
}

/// The operationIds a response links to.
fn linked(document: &Value, path: &str, method: &str, status: &str) -> BTreeSet<String> {
    document["paths"][path][method]["responses"][status]["links"]
        .as_object()
        .map(|links| {
            links
                .values()
                .map(|l| l["operationId"].as_str().expect("operationId").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_created_call_links_to_every_call_operation_and_operations_link_back() {
    let document = document();
    let call_scoped: BTreeSet<String> = operations(&document)
        .into_iter()
        .filter(|(path, _, _)| path.contains("{callId}"))
        .map(|(_, _, o)| o["operationId"].as_str().expect("operationId").to_string())
        .collect();
    assert_eq!(call_scoped.len(), 32, "{call_scoped:?}");
    assert_eq!(
        linked(&document, "/communications/calls", "post", "201"),
        call_scoped
    );
    let answer = &document["paths"]["/communications/calls"]["post"]["responses"]["201"]["links"]
        ["answerCall"];
    assert_eq!(answer["parameters"]["callId"], "$response.body#/id");
    let mute = &document["paths"]["/communications/calls"]["post"]["responses"]["201"]["links"]
        ["muteParticipant"];
    assert_eq!(
        mute["parameters"]["participantId"],
        "$response.body#/myParticipantId"
    );
    // Every response that is an operation links to it.
    let mut operation_responses = 0;
    for (path, method, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if method == "post"
                && status.starts_with('2')
                && schema == "#/components/schemas/CommsOperation"
            {
                let get = &response["links"]["getOperation"];
                assert_eq!(get["operationId"], "getOperation", "{method} {path}");
                assert_eq!(get["parameters"]["commsOperationId"], "$response.body#/id");
                assert_eq!(get["parameters"]["callId"], "$request.path.callId");
                operation_responses += 1;
            }
        }
    }
    assert_eq!(operation_responses, 13);
    assert_eq!(
        linked(&document, "/users/{userId}/onlineMeetings", "post", "201"),
        BTreeSet::from([
            "getOnlineMeeting".to_string(),
            "deleteOnlineMeeting".to_string()
        ])
    );
    assert_eq!(
        linked(
            &document,
            "/communications/calls/{callId}/audioRoutingGroups",
            "post",
            "200"
        ),
        BTreeSet::from([
            "getAudioRoutingGroup".to_string(),
            "updateAudioRoutingGroup".to_string(),
            "deleteAudioRoutingGroup".to_string()
        ])
    );
}
