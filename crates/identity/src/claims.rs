//! The claims of an Entra-shaped v2 app-only (client credentials) access token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_model::{AppId, Guid, Permission, TenantId};
use serde::{Deserialize, Serialize};

/// Claims of an app-only access token, in the order Entra writes them.
///
/// `appid`/`appidacr` (v1 names) and `azp`/`azpacr` (v2 names) are both present so that code written
/// against either version finds the client. `roles` holds canonical permission names and is omitted
/// when empty, as Entra does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// Audience: the resource, e.g. `https://graph.microsoft.com`.
    pub aud: String,
    /// Issuer: `{base}/{tenant}/v2.0`.
    pub iss: String,
    /// Issued at, unix seconds.
    pub iat: u64,
    /// Not before, unix seconds.
    pub nbf: u64,
    /// Expiry, unix seconds.
    pub exp: u64,
    /// The client app's display name.
    pub app_displayname: String,
    /// The client app id (v1 name).
    pub appid: String,
    /// Client authentication method: `1` = client secret.
    pub appidacr: String,
    /// The client app id (v2 name).
    pub azp: String,
    /// Client authentication method (v2 name): `1` = client secret.
    pub azpacr: String,
    /// Identity type: `app`.
    pub idtyp: String,
    /// Object id of the client's service principal in the tenant.
    pub oid: String,
    /// Granted application permissions (canonical names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Subject: the service principal object id, as for app-only tokens.
    pub sub: String,
    /// Tenant id.
    pub tid: String,
    /// Unique token id (base64url, 22 characters).
    pub uti: String,
    /// Token version: `2.0`.
    pub ver: String,
}

/// Inputs for [`AccessTokenClaims::app_only`].
#[derive(Debug, Clone, Copy)]
pub struct AppOnlyToken<'a> {
    /// `iss`, normally `openid_configuration(…)["issuer"]`: `{base}/{tenant}/v2.0`.
    pub issuer: &'a str,
    /// `aud`, normally [`crate::Resource::audience`].
    pub audience: &'a str,
    /// The tenant the token is issued in.
    pub tenant: TenantId,
    /// The client app.
    pub app: AppId,
    /// The client app's display name.
    pub app_display_name: &'a str,
    /// The client's service principal object id (stable per app and tenant).
    pub service_principal: Guid,
    /// Consented application permissions.
    pub roles: &'a [Permission],
    /// Unique token id, e.g. from [`uti_from_bytes`].
    pub uti: &'a str,
}

impl AccessTokenClaims {
    /// Claims for an app-only token valid from `now` for `lifetime_secs`. Roles are sorted and
    /// de-duplicated.
    pub fn app_only(token: AppOnlyToken<'_>, now: u64, lifetime_secs: u64) -> AccessTokenClaims {
        let mut roles = token.roles.to_vec();
        roles.sort();
        roles.dedup();
        let app = token.app.to_string();
        let principal = token.service_principal.to_string();
        AccessTokenClaims {
            aud: token.audience.to_owned(),
            iss: token.issuer.to_owned(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(lifetime_secs),
            app_displayname: token.app_display_name.to_owned(),
            appid: app.clone(),
            appidacr: "1".to_owned(),
            azp: app,
            azpacr: "1".to_owned(),
            idtyp: "app".to_owned(),
            oid: principal.clone(),
            roles: roles
                .into_iter()
                .map(|role| role.as_str().to_owned())
                .collect(),
            sub: principal,
            tid: token.tenant.to_string(),
            uti: token.uti.to_owned(),
            ver: "2.0".to_owned(),
        }
    }

    /// The tenant, if `tid` is a GUID.
    pub fn tenant_id(&self) -> Option<TenantId> {
        TenantId::parse(&self.tid).ok()
    }

    /// The client app, if `appid` is a GUID.
    pub fn app_id(&self) -> Option<AppId> {
        AppId::parse(&self.appid).ok()
    }

    /// The roles that name known permissions (unknown names are skipped).
    pub fn permissions(&self) -> Vec<Permission> {
        self.roles
            .iter()
            .filter_map(|role| Permission::parse(role).ok())
            .collect()
    }

    /// Whether `roles` grants `permission` (exact canonical name).
    pub fn has_role(&self, permission: Permission) -> bool {
        self.roles.iter().any(|role| role == permission.as_str())
    }

    /// Whether this is an app-only token (`idtyp` = `app`).
    pub fn is_app_only(&self) -> bool {
        self.idtyp == "app"
    }
}

/// A `uti` value from 16 caller-supplied random bytes (base64url, 22 characters, as Entra's).
pub fn uti_from_bytes(bytes: [u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AccessTokenClaims {
        AccessTokenClaims::app_only(
            AppOnlyToken {
                issuer: "https://127.0.0.1:47443/aaaaaaaa-0000-4000-8000-00000000beef/v2.0",
                audience: "https://graph.microsoft.com",
                tenant: TenantId::parse("aaaaaaaa-0000-4000-8000-00000000beef").expect("guid"),
                app: AppId::parse("11111111-1111-1111-1111-111111111111").expect("guid"),
                app_display_name: "Echo bot",
                service_principal: Guid::parse("22222222-2222-4222-8222-222222222222")
                    .expect("guid"),
                roles: &[
                    Permission::CallsJoinGroupCallAll,
                    Permission::CallsInitiateAll,
                    Permission::CallsJoinGroupCallAll,
                ],
                uti: &uti_from_bytes([7; 16]),
            },
            1_795_000_000,
            3599,
        )
    }

    #[test]
    fn app_only_claims_look_like_entra() {
        let json = serde_json::to_value(sample()).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({
                "aud": "https://graph.microsoft.com",
                "iss": "https://127.0.0.1:47443/aaaaaaaa-0000-4000-8000-00000000beef/v2.0",
                "iat": 1_795_000_000u64,
                "nbf": 1_795_000_000u64,
                "exp": 1_795_003_599u64,
                "app_displayname": "Echo bot",
                "appid": "11111111-1111-1111-1111-111111111111",
                "appidacr": "1",
                "azp": "11111111-1111-1111-1111-111111111111",
                "azpacr": "1",
                "idtyp": "app",
                "oid": "22222222-2222-4222-8222-222222222222",
                "roles": ["Calls.Initiate.All", "Calls.JoinGroupCall.All"],
                "sub": "22222222-2222-4222-8222-222222222222",
                "tid": "aaaaaaaa-0000-4000-8000-00000000beef",
                "uti": "BwcHBwcHBwcHBwcHBwcHBw",
                "ver": "2.0",
            })
        );
        let text = serde_json::to_string(&sample()).expect("serialize");
        assert!(text.starts_with(r#"{"aud":"#), "{text}");
        assert_eq!(
            serde_json::from_str::<AccessTokenClaims>(&text).expect("parse"),
            sample()
        );
    }

    #[test]
    fn empty_roles_are_omitted_and_default_on_read() {
        let mut claims = sample();
        claims.roles.clear();
        let json = serde_json::to_value(&claims).expect("serialize");
        assert!(json.get("roles").is_none());
        assert_eq!(
            serde_json::from_value::<AccessTokenClaims>(json).expect("parse"),
            claims
        );
    }

    #[test]
    fn typed_accessors() {
        let claims = sample();
        assert!(claims.is_app_only());
        assert_eq!(
            claims.tenant_id().map(|t| t.to_string()).as_deref(),
            Some(claims.tid.as_str())
        );
        assert_eq!(
            claims.app_id().map(|a| a.to_string()).as_deref(),
            Some(claims.appid.as_str())
        );
        assert_eq!(
            claims.permissions(),
            [
                Permission::CallsInitiateAll,
                Permission::CallsJoinGroupCallAll
            ]
        );
        assert!(claims.has_role(Permission::CallsInitiateAll));
        assert!(!claims.has_role(Permission::CallsAccessMediaAll));
        assert_eq!(uti_from_bytes([0; 16]).len(), 22);
    }

    #[test]
    fn lifetime_saturates() {
        let claims = AccessTokenClaims::app_only(
            AppOnlyToken {
                roles: &[],
                ..sample_inputs()
            },
            u64::MAX - 1,
            10,
        );
        assert_eq!(claims.exp, u64::MAX);
    }

    fn sample_inputs() -> AppOnlyToken<'static> {
        AppOnlyToken {
            issuer: "i",
            audience: "a",
            tenant: TenantId(Guid::from_u128(1)),
            app: AppId(Guid::from_u128(2)),
            app_display_name: "n",
            service_principal: Guid::from_u128(3),
            roles: &[],
            uti: "u",
        }
    }
}
