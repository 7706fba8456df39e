//! The error responses of the Graph routes, all in the Graph error envelope (`GraphError`): one
//! reusable response per status in `components.responses`, and the sets of them a handler lists in
//! its `responses(...)` by what it does (runs in the call runtime: 503; reads a body: 413; commands
//! the engine, which may refuse in the call's current state: 409).

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::IntoResponses;

/// Each error status: its reusable response's name and description.
const STATUSES: [(u16, &str, &str); 9] = [
    (
        400,
        "BadRequest",
        "Malformed request or not allowed on this call",
    ),
    (401, "Unauthorized", "Missing or invalid token"),
    (
        403,
        "Forbidden",
        "A required application role is missing (or 7504/7505)",
    ),
    (
        404,
        "NotFound",
        "No such call, participant, operation, meeting or user in the caller's tenant, or the call has ended",
    ),
    (
        409,
        "Conflict",
        "The call's current state does not allow this (or the resource exists)",
    ),
    (
        413,
        "PayloadTooLarge",
        "The request body exceeds the server's limit",
    ),
    (429, "TooManyRequests", "Throttled; honour Retry-After"),
    (500, "InternalServerError", "An internal error"),
    (503, "ServiceUnavailable", "The call runtime is not running"),
];

/// The reusable error responses, for `components.responses`.
pub(super) fn components() -> Vec<(&'static str, Response)> {
    STATUSES
        .iter()
        .map(|(status, name, description)| {
            let mut response = ResponseBuilder::new().description(*description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("GraphError")))
                    .build(),
            );
            if *status == 401 {
                response = response.header(
                    "WWW-Authenticate",
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::String))
                        .description(Some("The Bearer challenge"))
                        .build(),
                );
            }
            if *status == 429 {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("Seconds to wait before retrying"))
                        .build(),
                );
            }
            (*name, response.build())
        })
        .collect()
}

/// References to the reusable responses of `statuses`.
fn refs(statuses: &[u16]) -> BTreeMap<String, RefOr<Response>> {
    STATUSES
        .iter()
        .filter(|(status, _, _)| statuses.contains(status))
        .map(|(status, name, _)| {
            (
                status.to_string(),
                RefOr::Ref(Ref::from_response_name(*name)),
            )
        })
        .collect()
}

/// Declares the error sets: types listed in a handler's `responses(...)`.
macro_rules! error_sets {
    ($( $(#[$meta:meta])* $name:ident = [$($status:literal),+]; )+) => {$(
        $(#[$meta])*
        pub(crate) enum $name {}

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                refs(&[$($status),+])
            }
        }
    )+};
}

error_sets! {
    /// Every route: bad request, token, role, not found, throttling, internal error.
    Errors = [400, 401, 403, 404, 429, 500];
    /// A route outside the call runtime that reads a body.
    BodyErrors = [400, 401, 403, 404, 413, 429, 500];
    /// A call route that reads: it runs in the call runtime.
    CallErrors = [400, 401, 403, 404, 429, 500, 503];
    /// A call route that reads a body but commands nothing.
    CallBodyErrors = [400, 401, 403, 404, 413, 429, 500, 503];
    /// A call route that commands the engine without a body.
    CommandErrors = [400, 401, 403, 404, 409, 429, 500, 503];
    /// A call action: reads a body and commands the engine.
    ActionErrors = [400, 401, 403, 404, 409, 413, 429, 500, 503];
}
