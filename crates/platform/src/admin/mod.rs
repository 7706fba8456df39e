//! The platform's provisioning API under `/ringside/v1`, one module per resource: [`tenants`],
//! [`users`], [`applications`] (secrets, requested permissions, bot registration), admin
//! [`consent`], [`instances`] (resource accounts, their number, licences), [`numbers`] (the
//! inventory and assignments), [`acs`] resources and their [`event_subscriptions`], and Direct
//! Routing: PSTN [`gateways`], PSTN usages and [`voice_routes`], [`voice_policies`] and their
//! grants, users' [`sip_credentials`]. The modules
//! share [`extract`] (path parameters, optional bodies), [`parse`] (input to model types),
//! [`exec`] (directory commands and reads, refusals to the envelope) and [`reply`] (statuses,
//! `Location`, shared renderings). Every route needs `Authorization: Bearer <admin token>`. Wire ⇄
//! directory translation lives here; the rules live in `ringside-directory`.

mod acs;
mod applications;
mod consent;
#[cfg(test)]
mod direct_routing_tests;
mod event_subscriptions;
mod exec;
mod extract;
mod gateways;
mod instances;
mod numbers;
mod parse;
mod reply;
mod sip_credentials;
mod tenants;
mod users;
mod voice_policies;
mod voice_routes;

use axum::Router;

use crate::state::PlatformState;

/// Every (method, path) the provisioning router serves, in the router's path syntax. Tests check
/// it against the resource modules' routers and the OpenAPI document.
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/tenants"),
    ("POST", "/tenants"),
    ("GET", "/tenants/{tenantId}"),
    ("GET", "/tenants/{tenantId}/users"),
    ("POST", "/tenants/{tenantId}/users"),
    ("GET", "/tenants/{tenantId}/users/{userId}"),
    ("DELETE", "/tenants/{tenantId}/users/{userId}"),
    ("GET", "/applications"),
    ("POST", "/applications"),
    ("GET", "/applications/{appId}"),
    ("PATCH", "/applications/{appId}"),
    ("POST", "/applications/{appId}/secrets"),
    ("GET", "/applications/{appId}/secrets/{keyId}"),
    ("DELETE", "/applications/{appId}/secrets/{keyId}"),
    ("GET", "/tenants/{tenantId}/consents"),
    ("GET", "/tenants/{tenantId}/consents/{appId}"),
    ("PUT", "/tenants/{tenantId}/consents/{appId}"),
    ("DELETE", "/tenants/{tenantId}/consents/{appId}"),
    ("GET", "/tenants/{tenantId}/applicationInstances"),
    ("POST", "/tenants/{tenantId}/applicationInstances"),
    (
        "GET",
        "/tenants/{tenantId}/applicationInstances/{instanceId}",
    ),
    (
        "PATCH",
        "/tenants/{tenantId}/applicationInstances/{instanceId}",
    ),
    (
        "POST",
        "/tenants/{tenantId}/applicationInstances/{instanceId}/sync",
    ),
    (
        "PUT",
        "/tenants/{tenantId}/applicationInstances/{instanceId}/telephoneNumber",
    ),
    ("GET", "/tenants/{tenantId}/accounts/{accountId}/licences"),
    ("POST", "/tenants/{tenantId}/accounts/{accountId}/licences"),
    (
        "DELETE",
        "/tenants/{tenantId}/accounts/{accountId}/licences/{licence}",
    ),
    ("GET", "/tenants/{tenantId}/phoneNumbers"),
    ("POST", "/tenants/{tenantId}/phoneNumbers"),
    ("GET", "/tenants/{tenantId}/phoneNumbers/{number}"),
    ("DELETE", "/tenants/{tenantId}/phoneNumbers/{number}"),
    (
        "GET",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    (
        "POST",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    (
        "DELETE",
        "/tenants/{tenantId}/phoneNumbers/{number}/assignment",
    ),
    ("GET", "/acsResources"),
    ("POST", "/acsResources"),
    ("GET", "/acsResources/{acsResourceId}"),
    ("POST", "/acsResources/{acsResourceId}/keys/rotate"),
    ("GET", "/acsResources/{acsResourceId}/eventSubscriptions"),
    ("POST", "/acsResources/{acsResourceId}/eventSubscriptions"),
    (
        "GET",
        "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    ),
    (
        "DELETE",
        "/acsResources/{acsResourceId}/eventSubscriptions/{name}",
    ),
    ("GET", "/tenants/{tenantId}/pstnGateways"),
    ("POST", "/tenants/{tenantId}/pstnGateways"),
    ("GET", "/tenants/{tenantId}/pstnGateways/{fqdn}"),
    ("PATCH", "/tenants/{tenantId}/pstnGateways/{fqdn}"),
    ("DELETE", "/tenants/{tenantId}/pstnGateways/{fqdn}"),
    ("GET", "/tenants/{tenantId}/pstnUsages"),
    ("PATCH", "/tenants/{tenantId}/pstnUsages"),
    ("GET", "/tenants/{tenantId}/voiceRoutes"),
    ("POST", "/tenants/{tenantId}/voiceRoutes"),
    ("GET", "/tenants/{tenantId}/voiceRoutes/{identity}"),
    ("PATCH", "/tenants/{tenantId}/voiceRoutes/{identity}"),
    ("DELETE", "/tenants/{tenantId}/voiceRoutes/{identity}"),
    ("GET", "/tenants/{tenantId}/voiceRoutingPolicies"),
    ("POST", "/tenants/{tenantId}/voiceRoutingPolicies"),
    ("GET", "/tenants/{tenantId}/voiceRoutingPolicies/{identity}"),
    (
        "PATCH",
        "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
    ),
    (
        "DELETE",
        "/tenants/{tenantId}/voiceRoutingPolicies/{identity}",
    ),
    (
        "GET",
        "/tenants/{tenantId}/accounts/{accountId}/voiceRoutingPolicy",
    ),
    (
        "PUT",
        "/tenants/{tenantId}/accounts/{accountId}/voiceRoutingPolicy",
    ),
    ("GET", "/tenants/{tenantId}/users/{userId}/sipCredential"),
    ("PUT", "/tenants/{tenantId}/users/{userId}/sipCredential"),
    ("DELETE", "/tenants/{tenantId}/users/{userId}/sipCredential"),
];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new()
        .merge(tenants::routes())
        .merge(users::routes())
        .merge(applications::routes())
        .merge(consent::routes())
        .merge(instances::routes())
        .merge(numbers::routes())
        .merge(acs::routes())
        .merge(event_subscriptions::routes())
        .merge(gateways::routes())
        .merge(voice_routes::routes())
        .merge(voice_policies::routes())
        .merge(sip_credentials::routes())
}

/// The provisioning API's part of the OpenAPI document (paths relative to `/ringside/v1`).
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    let mut document = tenants::Api::openapi();
    document.merge(users::Api::openapi());
    document.merge(applications::Api::openapi());
    document.merge(consent::Api::openapi());
    document.merge(instances::Api::openapi());
    document.merge(numbers::Api::openapi());
    document.merge(acs::Api::openapi());
    document.merge(event_subscriptions::Api::openapi());
    document.merge(gateways::Api::openapi());
    document.merge(voice_routes::Api::openapi());
    document.merge(voice_policies::Api::openapi());
    document.merge(sip_credentials::Api::openapi());
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_table::routed_paths;
    use std::collections::BTreeSet;

    #[test]
    fn the_routes_table_matches_the_resource_routers() {
        // Every `.route("…"` in a resource module's router is listed in ROUTES, and every ROUTES
        // path is routed.
        let sources = [
            include_str!("tenants.rs"),
            include_str!("users.rs"),
            include_str!("applications.rs"),
            include_str!("consent.rs"),
            include_str!("instances.rs"),
            include_str!("numbers.rs"),
            include_str!("acs.rs"),
            include_str!("event_subscriptions.rs"),
            include_str!("gateways.rs"),
            include_str!("voice_routes.rs"),
            include_str!("voice_policies.rs"),
            include_str!("sip_credentials.rs"),
        ];
        let routed: BTreeSet<String> = sources.into_iter().flat_map(routed_paths).collect();
        let listed: BTreeSet<String> = ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed, listed);
    }
}
