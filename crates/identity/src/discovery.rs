//! The OpenID Connect discovery document (`/{tenant}/v2.0/.well-known/openid-configuration`) in Entra's v2 shape.

use serde_json::{json, Value};

/// The issuer for a tenant: `{base}/{tenant}/v2.0` (a trailing `/` on `base` is ignored).
///
/// Tokens must carry exactly this `iss`; MSAL's `oidc_authority` mode compares it with the authority.
pub fn issuer(issuer_base: &str, tenant: &str) -> String {
    format!("{}/{tenant}/v2.0", issuer_base.trim_end_matches('/'))
}

/// The discovery document Entra serves for a v2 tenant, with endpoints under `issuer_base`
/// (e.g. `https://127.0.0.1:47443`).
///
/// Clients rely on: `issuer` and `jwks_uri` (msal-node refuses the document without them),
/// `token_endpoint` as an https URL whose first path segment is the tenant (MSAL Python parses it),
/// and `authorization_endpoint`. Metadata that does not point at the token service (`userinfo_endpoint`,
/// `msgraph_host`, `rbac_url`, cloud names) carries Entra's public-cloud values.
pub fn openid_configuration(issuer_base: &str, tenant: &str) -> Value {
    let base = issuer_base.trim_end_matches('/');
    let tenant_base = format!("{base}/{tenant}");
    json!({
        "token_endpoint": format!("{tenant_base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{tenant_base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer(base, tenant),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{tenant_base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{tenant_base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{tenant_base}/oauth2/v2.0/logout"),
        "claims_supported": [
            "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name",
            "tid", "ver", "at_hash", "c_hash", "email"
        ],
        "kerberos_endpoint": format!("{tenant_base}/kerberos"),
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "aaaaaaaa-0000-4000-8000-00000000beef";

    #[test]
    fn endpoints_hang_off_base_and_tenant() {
        for base in ["https://127.0.0.1:47443", "https://127.0.0.1:47443/"] {
            let doc = openid_configuration(base, TENANT);
            let t = format!("https://127.0.0.1:47443/{TENANT}");
            assert_eq!(doc["issuer"], format!("{t}/v2.0"));
            assert_eq!(doc["token_endpoint"], format!("{t}/oauth2/v2.0/token"));
            assert_eq!(
                doc["authorization_endpoint"],
                format!("{t}/oauth2/v2.0/authorize")
            );
            assert_eq!(doc["jwks_uri"], format!("{t}/discovery/v2.0/keys"));
            assert_eq!(
                doc["device_authorization_endpoint"],
                format!("{t}/oauth2/v2.0/devicecode")
            );
            assert_eq!(
                doc["end_session_endpoint"],
                format!("{t}/oauth2/v2.0/logout")
            );
            assert_eq!(doc["kerberos_endpoint"], format!("{t}/kerberos"));
            assert_eq!(doc["issuer"], issuer(base, TENANT));
        }
    }

    #[test]
    fn metadata_matches_entra() {
        let doc = openid_configuration("https://127.0.0.1:47443", TENANT);
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
        assert_eq!(doc["request_uri_parameter_supported"], json!(false));
        assert_eq!(doc["http_logout_supported"], json!(true));
        assert_eq!(doc["frontchannel_logout_supported"], json!(true));
        assert_eq!(doc["subject_types_supported"], json!(["pairwise"]));
        assert_eq!(doc["tenant_region_scope"], "NA");
        assert_eq!(doc["cloud_instance_name"], "microsoftonline.com");
        assert_eq!(doc["msgraph_host"], "graph.microsoft.com");
        assert_eq!(doc["rbac_url"], "https://pas.windows.net");
        assert_eq!(
            doc["userinfo_endpoint"],
            "https://graph.microsoft.com/oidc/userinfo"
        );
        let methods = doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .expect("array");
        for method in ["client_secret_post", "client_secret_basic"] {
            assert!(methods.iter().any(|m| m == method), "{method}");
        }
        // Certificate credentials (client_assertion) are refused by the token endpoint, so not advertised.
        assert!(!methods.iter().any(|m| m == "private_key_jwt"));
        for key in [
            "response_types_supported",
            "scopes_supported",
            "claims_supported",
        ] {
            assert!(doc[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
        }
    }
}
