//! The provisioning routes' request extractors: percent-decoded path parameters resolved to the
//! model's ids (a tenant by id or domain, an account by id or UPN, an E.164 number), and a JSON
//! body that may be absent. Failures are 400 or 404 in the envelope.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use ringside_directory::Account;
use ringside_model::{AcsResourceId, AppId, Guid, TenantId, E164};
use serde::de::DeserializeOwned;

use super::parse::{clip, parse_guid, parse_number};
use crate::state::PlatformState;
use ringside_http::ApiError;

/// Percent-decoded path parameters by name; undecodable paths are a 400 in the envelope.
pub(super) struct Params(HashMap<String, String>);

impl FromRequestParts<PlatformState> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Params, ApiError> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(map)| Params(map))
            .map_err(|rejection| ApiError::bad_request(format!("Malformed path: {rejection}")))
    }
}

impl Params {
    pub(super) fn raw(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("route has no '{name}' parameter")))
    }

    pub(super) fn guid(&self, name: &str) -> Result<Guid, ApiError> {
        parse_guid(name, self.raw(name)?)
    }

    /// `{tenantId}`: a GUID, or a tenant's domain.
    pub(super) fn tenant(&self, state: &PlatformState) -> Result<TenantId, ApiError> {
        let raw = self.raw("tenantId")?;
        if let Ok(guid) = Guid::parse(raw) {
            return Ok(TenantId(guid));
        }
        state
            .directory()
            .read(|d| d.tenant_by_domain(raw).map(|t| t.id))
            .ok_or_else(|| {
                ApiError::not_found(format!("No tenant has the id or domain '{}'.", clip(raw)))
            })
    }

    /// `{tenantId}` that must exist.
    pub(super) fn existing_tenant(&self, state: &PlatformState) -> Result<TenantId, ApiError> {
        let tenant = self.tenant(state)?;
        if state.directory().read(|d| d.tenant(tenant).is_some()) {
            Ok(tenant)
        } else {
            Err(ApiError::not_found(format!(
                "Tenant {tenant} does not exist."
            )))
        }
    }

    pub(super) fn number(&self) -> Result<E164, ApiError> {
        parse_number(self.raw("number")?)
    }

    /// `{accountId}` (or any identity): an object id or a UPN of a user or application instance.
    pub(super) fn account(
        &self,
        state: &PlatformState,
        tenant: TenantId,
        name: &str,
    ) -> Result<Guid, ApiError> {
        resolve_identity(state, tenant, self.raw(name)?)
    }
}

/// `{appId}`: an app registration's id.
pub(super) fn app_id(params: &Params) -> Result<AppId, ApiError> {
    params.guid("appId").map(AppId)
}

/// `{acsResourceId}`: an ACS resource's id.
pub(super) fn acs_id(params: &Params) -> Result<AcsResourceId, ApiError> {
    params.guid("acsResourceId").map(AcsResourceId)
}

/// A JSON body that may be absent (empty); failures are reported like
/// [`WireJson`](ringside_http::WireJson)'s.
pub(super) struct OptionalJson<T>(pub(super) Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<OptionalJson<T>, ApiError> {
        let bytes = ringside_http::read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        ringside_http::parse_json(&bytes).map(|value| OptionalJson(Some(value)))
    }
}

/// An object id, or the UPN of a user or application instance in the tenant.
pub(super) fn resolve_identity(
    state: &PlatformState,
    tenant: TenantId,
    raw: &str,
) -> Result<Guid, ApiError> {
    if let Ok(guid) = Guid::parse(raw) {
        return Ok(guid);
    }
    if !raw.contains('@') {
        return Err(ApiError::bad_request(format!(
            "Invalid identity '{}': expected an object id (GUID) or a user principal name.",
            clip(raw)
        )));
    }
    state
        .directory()
        .read(|d| d.account_by_upn(tenant, raw).map(Account::id))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No user or application instance '{}' in tenant {tenant}.",
                clip(raw)
            ))
        })
}
