//! Authenticates Graph requests: an RS256 access token issued by this server for the Graph audience,
//! whose tenant exists; 401 for absent/invalid/expired/wrong-audience tokens, 403 for a missing role or a
//! foreign tenant, 429 when the caller exceeds its rate.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use ringside_identity::{TokenError, Validation};
use ringside_model::{AppId, Permission, TenantId};

use super::state::GraphState;
use ringside_http::bearer_token;
use ringside_http::ApiError;

/// The authenticated application behind a Graph request.
#[derive(Debug, Clone)]
pub(crate) struct GraphCaller {
    pub(crate) tenant: TenantId,
    /// The calling application; the calls API keys calls by it.
    #[allow(dead_code)]
    pub(crate) app: AppId,
    pub(crate) roles: Vec<Permission>,
}

/// Audiences Graph accepts: the resource URI and the well-known Graph app id.
const GRAPH_AUDIENCES: [&str; 3] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

impl GraphCaller {
    /// 403 unless the caller holds one of `roles`.
    pub(crate) fn require_any(&self, roles: &[Permission]) -> Result<(), ApiError> {
        if roles.iter().any(|role| self.roles.contains(role)) {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::forbidden(
            "Forbidden",
            format!(
                "Insufficient privileges to complete the operation: the application needs one of the roles [{}] with admin consent.",
                names.join(", ")
            ),
        ))
    }
}

impl FromRequestParts<GraphState> for GraphCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &GraphState,
    ) -> Result<GraphCaller, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized("InvalidAuthenticationToken", "Access token is empty.")
        })?;
        // The issuer depends on the tenant: read `tid` first, then verify against exactly that issuer.
        let tenant = peek_tenant(token)
            .ok_or_else(|| ApiError::unauthorized("InvalidAuthenticationToken", "Access token validation failure: the token is malformed or has no valid 'tid' claim."))?;
        let now = state.now();
        let claims = match state.cached_graph_token(token, now) {
            Some(claims) => claims,
            None => {
                let issuer = ringside_identity::issuer(state.base_url(), &tenant.to_string());
                let validation = Validation::new(now.max(0) as u64, [issuer], GRAPH_AUDIENCES);
                let claims = std::sync::Arc::new(
                    ringside_identity::verify(token, state.key_set(), &validation)
                        .map_err(token_error)?,
                );
                state.remember_graph_token(token, claims.clone());
                claims
            }
        };
        let app = claims
            .get("appid")
            .or_else(|| claims.get("azp"))
            .and_then(|v| v.as_str())
            .and_then(|s| AppId::parse(s).ok())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "InvalidAuthenticationToken",
                    "The token has no valid 'appid' claim.",
                )
            })?;
        let known = state
            .directory()
            .read(|d| d.tenant(tenant).is_some() && d.application(app).is_some());
        if !known {
            return Err(ApiError::unauthorized(
                "InvalidAuthenticationToken",
                "The token's tenant or application no longer exists.",
            ));
        }
        if let Err(retry_after) = state.rate_limit(&format!("graph:{tenant}:{app}")) {
            return Err(ApiError::too_many_requests(retry_after));
        }
        let roles = claims
            .get("roles")
            .and_then(|v| v.as_array())
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| v.as_str())
                    .filter_map(|s| Permission::parse(s).ok())
                    .collect()
            })
            .unwrap_or_default();
        Ok(GraphCaller { tenant, app, roles })
    }
}

/// The `tid` claim of a token, read without verifying it (verification follows).
fn peek_tenant(token: &str) -> Option<TenantId> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    TenantId::parse(value.get("tid")?.as_str()?).ok()
}

fn token_error(error: TokenError) -> ApiError {
    let message = match error {
        TokenError::Expired { .. } | TokenError::NotYetValid { .. } => {
            "Access token has expired or is not yet valid.".to_string()
        }
        TokenError::WrongAudience(_) => "Invalid audience.".to_string(),
        TokenError::WrongIssuer(_) => "Invalid issuer.".to_string(),
        other => format!("Access token validation failure: {other}."),
    };
    ApiError::unauthorized("InvalidAuthenticationToken", message)
}
