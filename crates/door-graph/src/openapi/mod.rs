//! The OpenAPI 3.1 document of the Graph routes, served at `/ringside/v1/openapi/graph.json`:
//! generated from the handlers' `#[utoipa::path]` attributes and graph-wire's `ToSchema` DTOs. Its
//! paths are relative to the servers `/v1.0` and `/beta` (an operation served under `/beta` only
//! says so in `x-ringside-versions`).
//!
//! [`ApiRoutes`] is how every Graph route is registered: it takes a handler's `routes!` tuple (the
//! axum method router and the utoipa path it was generated from) and serves it under each version,
//! so the router and the document cannot list different routes. [`ApiRoutes::document`] then
//! completes the document: info, servers, bearer security, the error responses ([`responses`]),
//! the schemas the handlers write without a DTO ([`schemas`]), each operation's permissions
//! sentence, and the links a client (or a schema fuzzer) follows from a created call, meeting or
//! group and from an operation to `GET …/operations/{id}` ([`links`]).

mod links;
mod responses;
mod schemas;
#[cfg(test)]
mod tests;

use axum::Router;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::state::GraphState;

pub(crate) use responses::{
    ActionErrors, BodyErrors, CallBodyErrors, CallErrors, CommandErrors, Errors,
};

/// Description of the `callId` path parameter.
pub(crate) const CALL_ID: &str = "The call's id (a GUID), as returned by create or notified.";
/// Description of the `participantId` path parameter.
pub(crate) const PARTICIPANT_ID: &str =
    "A participant's id (a GUID) from the roster; the bot's own is the call's `myParticipantId`.";
/// Description of the `userId` path parameter.
pub(crate) const USER_ID: &str = "The organizer: a user's object id or user principal name.";

/// The Graph versions every route is served under, as path prefixes.
const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// Routes and their documentation, registered together.
pub(crate) struct ApiRoutes {
    router: Router<GraphState>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl ApiRoutes {
    /// No routes.
    pub(crate) fn new() -> ApiRoutes {
        ApiRoutes {
            router: Router::new(),
            paths: Paths::new(),
            schemas: Vec::new(),
        }
    }

    /// Serves handlers described by `#[utoipa::path]` (one `utoipa_axum::routes!`, all on one
    /// path) under `/v1.0` and `/beta`.
    pub(crate) fn route(self, routes: UtoipaMethodRouter<GraphState>) -> ApiRoutes {
        self.under(&VERSIONS, routes)
    }

    /// Serves handlers under `/beta` only, marking their operations with `x-ringside-versions`.
    pub(crate) fn beta_route(self, routes: UtoipaMethodRouter<GraphState>) -> ApiRoutes {
        self.under(&["beta"], routes)
    }

    /// Both sets of routes.
    pub(crate) fn merge(mut self, other: ApiRoutes) -> ApiRoutes {
        self.router = self.router.merge(other.router);
        self.paths.merge(other.paths);
        self.schemas.extend(other.schemas);
        self
    }

    fn under(
        mut self,
        versions: &[&str],
        (schemas, mut paths, method_router): UtoipaMethodRouter<GraphState>,
    ) -> ApiRoutes {
        for (path, item) in paths.paths.iter_mut() {
            for version in versions {
                self.router = self
                    .router
                    .route(&format!("/{version}{path}"), method_router.clone());
            }
            if versions != VERSIONS {
                let only = ExtensionsBuilder::new()
                    .add("x-ringside-versions", versions.to_vec())
                    .build();
                for (_, operation) in operations_mut(item) {
                    operation
                        .extensions
                        .get_or_insert_with(Default::default)
                        .merge(only.clone());
                }
            }
        }
        self.paths.merge(paths);
        self.schemas.extend(schemas);
        self
    }

    /// The document as served: [`ApiRoutes::document`] in JSON, with the link objects' field
    /// names corrected ([`links::camel_case`]) and the notifications Ringside POSTs to a bot's
    /// callback described as a webhook.
    pub(crate) fn document_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut value = serde_json::to_value(self.document())?;
        links::camel_case(&mut value);
        schemas::add_webhooks(&mut value);
        Ok(value)
    }

    /// The axum router of every route.
    pub(crate) fn into_router(self) -> Router<GraphState> {
        self.router
    }

    /// The complete OpenAPI document of the routes.
    pub(crate) fn document(&self) -> OpenApi {
        let mut components = ComponentsBuilder::new()
            .schemas_from_iter(self.schemas.iter().cloned())
            .schemas_from_iter(schemas::extra())
            .security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some(
                            "An app-only token for https://graph.microsoft.com/.default from Ringside's token endpoint ({url}/{tenant}/oauth2/v2.0/token)",
                        ))
                        .build(),
                ),
            );
        for (name, response) in responses::components() {
            components = components.response(name, response);
        }
        let mut document = OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Ringside — Microsoft Graph cloud communications (implemented subset)")
                    .version("1.0")
                    .description(Some(
                        "The Graph routes Ringside serves, under /v1.0 and /beta (the same paths; an operation with `x-ringside-versions` is served only under those). Actions also answer in their namespace-qualified spelling (/microsoft.graph.answer), and path segments in any letter case. Notifications to callbackUri carry a platform-signed JWT (see README). Generated from the handlers and the wire DTOs.",
                    ))
                    .build(),
            )
            .servers(Some([Server::new("/v1.0"), Server::new("/beta")]))
            .security(Some([SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]))
            .paths(self.paths.clone())
            .components(Some(components.build()))
            .build();
        schemas::amend(&mut document);
        describe_permissions(&mut document);
        links::add(&mut document);
        document
    }
}

/// The operations of a path item, with their methods.
pub(crate) fn operations_mut(
    item: &mut PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
}

/// The operations of a path item, with their methods.
pub(crate) fn operations(item: &PathItem) -> impl Iterator<Item = (&'static str, &Operation)> {
    [
        ("get", item.get.as_ref()),
        ("put", item.put.as_ref()),
        ("post", item.post.as_ref()),
        ("delete", item.delete.as_ref()),
        ("patch", item.patch.as_ref()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
}

/// Every operation gets `x-ms-permissions` (empty when a valid app token is enough) and a
/// description opening with the application permissions it needs.
fn describe_permissions(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        for (_, operation) in operations_mut(item) {
            let extensions = operation.extensions.get_or_insert_with(Default::default);
            let permissions: Vec<String> = match extensions.get("x-ms-permissions") {
                Some(serde_json::Value::Array(list)) => list
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            extensions.merge(
                ExtensionsBuilder::new()
                    .add("x-ms-permissions", permissions.clone())
                    .build(),
            );
            let needed = if permissions.is_empty() {
                "none beyond a valid app token".to_string()
            } else {
                permissions.join(" or ")
            };
            let note = operation.description.take().unwrap_or_default();
            operation.description = Some(
                format!("Application permissions: {needed}. {note}")
                    .trim_end()
                    .to_string(),
            );
        }
    }
}
