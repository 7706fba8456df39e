//! The building blocks every module documents its routes with for the OpenAPI document: hand-written
//! schema components for the shapes that views render with `json!` ([`json_schema!`],
//! [`list_schema!`]), the Graph-style error envelope and the error responses that share one wording,
//! and the `Location` header of a 201. The document itself is assembled in [`crate::openapi`].

use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::ToResponse;

/// A hand-written schema as utoipa's model. The JSON is this crate's own (a test checks that every
/// component survives the trip unchanged); should one ever not parse, the component says so in its
/// description rather than panicking.
pub(crate) fn from_json(value: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(value).unwrap_or_else(|error| {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .description(Some(format!("unreadable hand-written schema: {error}")))
                .build(),
        ))
    })
}

/// Declares a hand-written schema component: a unit type whose schema is the JSON given (`= {…}`, or
/// `=> expression` for a built `serde_json::Value`), named as the document names it. For the shapes that views render with `json!` (converting them to typed
/// structs would change the bytes on the wire).
macro_rules! json_schema {
    ($(#[$meta:meta])* $ty:ident as $name:literal = $json:tt) => {
        $crate::api_doc::json_schema!($(#[$meta])* $ty as $name => serde_json::json!($json));
    };
    ($(#[$meta:meta])* $ty:ident as $name:literal => $value:expr) => {
        $(#[$meta])*
        pub(crate) struct $ty;

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::api_doc::from_json($value)
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}
pub(crate) use json_schema;

/// Declares the `{"value": [...]}` envelope of a list of `$item` (a schema component, referenced).
macro_rules! list_schema {
    ($(#[$meta:meta])* $ty:ident of $item:ty) => {
        $(#[$meta])*
        pub(crate) struct $ty;

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::api_doc::list_of(&<$item as utoipa::ToSchema>::name())
            }
        }

        impl utoipa::ToSchema for $ty {
            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                let name = <$item as utoipa::ToSchema>::name().into_owned();
                schemas.push((name, <$item as utoipa::PartialSchema>::schema()));
            }
        }
    };
}
pub(crate) use list_schema;

/// `{"value": [<ref item>]}` with `value` required.
pub(crate) fn list_of(item: &str) -> RefOr<Schema> {
    from_json(serde_json::json!({
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } }
        }
    }))
}

json_schema!(
    /// The Graph-style error envelope every failure carries (see `ringside_http::ApiError`).
    ErrorSchema as "Error" = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": { "type": "string" },
                    "message": { "type": "string" },
                    "innerError": {
                        "type": "object",
                        "properties": {
                            "request-id": { "type": "string" },
                            "client-request-id": { "type": "string" },
                            "date": { "type": "string" }
                        }
                    }
                },
                "required": ["code", "message", "innerError"]
            }
        },
        "required": ["error"]
    }
);

json_schema!(
    /// An absolute URL (the `Location` of a 201).
    UrlSchema as "Url" = { "type": "string", "format": "uri" }
);

json_schema!(
    /// Raw bytes (a WAV file, a recording).
    BinarySchema as "Binary" = { "type": "string", "format": "binary" }
);

json_schema!(
    /// Any JSON object.
    AnyObjectSchema as "AnyObject" = { "type": "object" }
);

/// An error response in the envelope with `description`.
fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
}

/// Declares an error response that several operations share, by its wording.
macro_rules! error_response {
    ($(#[$meta:meta])* $ty:ident = $description:literal) => {
        $(#[$meta])*
        pub(crate) struct $ty;

        impl<'r> ToResponse<'r> for $ty {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($ty), error_response($description).into())
            }
        }
    };
}

error_response!(
    /// 401 from the admin-token check.
    Unauthorized = "Missing or wrong admin token."
);
error_response!(
    /// 400 from the provisioning routes' parsing and the directory's validation.
    Invalid = "Invalid input: malformed JSON, unknown permission or licence name, bad E.164 number, bad id."
);
error_response!(
    /// 404 from the provisioning routes.
    NotFound = "A referenced record does not exist."
);
error_response!(
    /// 409 from the directory.
    Conflict = "Conflict: duplicate id, UPN, domain, number, or a number owned by another account."
);
error_response!(
    /// 412 from the directory.
    PreconditionFailed = "Precondition failed: e.g. a licence is missing, or a number must be unassigned first."
);
error_response!(
    /// 413 from the body limit.
    TooLarge = "Request body too large."
);
error_response!(
    /// 503 when the call runtime has stopped.
    Unavailable = "The call runtime has stopped."
);
error_response!(
    /// 429 (with `Retry-After`) when the call runtime's request queue is full.
    Busy = "The call runtime's request queue is full; retry after the Retry-After header's seconds."
);

// ----- field schemas the request bodies share (`#[schema(schema_with = …)]`) -----

/// An E.164 number.
pub(crate) fn e164() -> RefOr<Schema> {
    from_json(e164_json())
}

fn e164_json() -> serde_json::Value {
    serde_json::json!({
        "type": "string",
        "pattern": "^\\+[1-9][0-9]{7,14}$",
        "examples": ["+14255550100"]
    })
}

/// An E.164 number, or `null`.
pub(crate) fn nullable_e164() -> RefOr<Schema> {
    from_json(serde_json::json!({ "oneOf": [e164_json(), { "type": "null" }] }))
}

/// A GUID, or `null`.
pub(crate) fn nullable_uuid() -> RefOr<Schema> {
    from_json(serde_json::json!({
        "oneOf": [{ "type": "string", "format": "uuid" }, { "type": "null" }]
    }))
}

/// Licence names, as the model spells them.
pub(crate) fn licence_names() -> RefOr<Schema> {
    let names: Vec<&str> = ringside_model::Licence::ALL
        .iter()
        .map(|l| l.as_str())
        .collect();
    from_json(serde_json::json!({
        "type": "array",
        "items": { "type": "string", "enum": names }
    }))
}

/// Permission names, as the model spells them.
pub(crate) fn permission_names() -> RefOr<Schema> {
    from_json(permission_names_json())
}

fn permission_names_json() -> serde_json::Value {
    let names: Vec<&str> = ringside_model::Permission::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    serde_json::json!({
        "type": "array",
        "items": {
            "type": "string",
            "enum": names,
            "description": "Matched case-insensitively; unknown names are rejected with 400."
        }
    })
}

/// A number type, as the model spells it.
pub(crate) fn number_type() -> RefOr<Schema> {
    let names: Vec<&str> = ringside_model::NumberType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    from_json(serde_json::json!({
        "type": "string",
        "enum": names,
        "description": "Matched case-insensitively."
    }))
}
