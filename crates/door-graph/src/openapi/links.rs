//! OpenAPI links: how a client gets from one response to the next call, so a schema fuzzer reaches
//! live resources instead of 404s.
//!
//! - A create (a `POST` on a collection whose items are `{collection}/{id}`) links its body's `id`
//!   to the item parameter of every operation under the item: the 201 of `POST
//!   /communications/calls` to every call-scoped operation's `callId` (and the call's
//!   `myParticipantId`, the bot's own participant, to `participantId`), the 201 of `POST
//!   /users/{userId}/onlineMeetings` to get/delete the meeting, the 200 of a created
//!   audioRoutingGroup to get/patch/delete it. The create's own path parameters are passed on.
//! - An action's operation response (a `…Operation` body of a `POST`) links its `id` to
//!   `GET …/operations/{id}` of the same call.

use serde_json::Value;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::{OpenApi, RefOr};

use super::{operations, operations_mut};

/// The operation that reads an operation back.
const GET_OPERATION: &str = "getOperation";

/// An operation links can point to.
struct Target {
    path: String,
    operation_id: String,
    params: Vec<String>,
}

/// The `{name}`s of a path template, in order.
pub(crate) fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// The name of the component schema a response's JSON body refers to.
fn body_schema(response: &Response) -> Option<String> {
    let content = response.content.get("application/json")?;
    match content.schema.as_ref()? {
        RefOr::Ref(reference) => reference
            .ref_location
            .rsplit('/')
            .next()
            .map(str::to_string),
        RefOr::T(_) => None,
    }
}

/// Adds the links to every 2xx response that has some.
pub(super) fn add(document: &mut OpenApi) {
    let targets: Vec<Target> = document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            operations(item).filter_map(move |(_, operation)| {
                Some(Target {
                    path: path.clone(),
                    operation_id: operation.operation_id.clone()?,
                    params: path_params(path),
                })
            })
        })
        .collect();
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, operation) in operations_mut(item) {
            link_operation(path, method, operation, &targets);
        }
    }
}

fn link_operation(path: &str, method: &str, operation: &mut Operation, targets: &[Target]) {
    let own = path_params(path);
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        let Some(body) = body_schema(response) else {
            continue;
        };
        if method == "post" {
            for target in targets {
                let Some(item_param) = item_param(path, &target.path) else {
                    continue;
                };
                let mut link = LinkBuilder::new()
                    .operation_id(target.operation_id.clone())
                    .description(format!(
                        "The created resource's `id` as `{item_param}` of {}",
                        target.operation_id
                    ));
                for param in &target.params {
                    let value = if *param == item_param {
                        "$response.body#/id".to_string()
                    } else if own.contains(param) {
                        format!("$request.path.{param}")
                    } else if param == "participantId" && body == "Call" {
                        "$response.body#/myParticipantId".to_string()
                    } else {
                        continue;
                    };
                    link = link.parameter(param.clone(), value);
                }
                response
                    .links
                    .insert(target.operation_id.clone(), link.build().into());
            }
        }
        if method == "post" && body.ends_with("Operation") && own.iter().any(|p| p == "callId") {
            let link = LinkBuilder::new()
                .operation_id(GET_OPERATION)
                .description("The operation's `id` as `commsOperationId`, to read it back")
                .parameter("callId", "$request.path.callId")
                .parameter("commsOperationId", "$response.body#/id")
                .build();
            response.links.insert(GET_OPERATION.into(), link.into());
        }
    }
}

/// When `target` is an operation under an item of the collection `collection` (`{collection}/{x}`
/// or below it), the item's parameter `x`.
fn item_param(collection: &str, target: &str) -> Option<String> {
    let rest = target.strip_prefix(collection)?.strip_prefix('/')?;
    let segment = rest.split('/').next()?;
    segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .map(str::to_string)
}

/// utoipa 5 writes a link's fixed fields in snake case (`operation_id`, `operation_ref`,
/// `request_body`; fixed in utoipa 6); renames them to the specification's `operationId`,
/// `operationRef` and `requestBody` in the serialized document.
pub(super) fn camel_case(document: &mut Value) {
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
                    link.insert(camel.into(), value);
                }
            }
        }
    }
}
