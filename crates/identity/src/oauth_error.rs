//! The token endpoint's error body (RFC 6749 §5.2 with Entra's extra fields) and the AADSTS errors Ringside sends.

use crate::clip::clip;
use crate::scope::ScopeError;
use ringside_model::AppId;
use serde::{Deserialize, Serialize};

/// Longest client-supplied text echoed in a description.
const MAX_ECHO: usize = 200;

/// Where Entra points `error_uri`; the code is appended.
pub const ERROR_URI_BASE: &str = "https://login.microsoftonline.com/error?code=";

/// Per-request values every error body carries; the caller generates them (this crate has no clock
/// and no randomness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorContext<'a> {
    /// `trace_id`, a GUID.
    pub trace_id: &'a str,
    /// `correlation_id`, a GUID (the client's `client-request-id` when it sent one).
    pub correlation_id: &'a str,
    /// `timestamp` as Entra writes it: `2026-11-22 06:28:37Z`.
    pub timestamp: &'a str,
}

/// An Entra token-endpoint error body.
///
/// `error_description` reads `AADSTSnnnnn: <message>\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …`.
/// Send it with [`OAuthError::http_status`] and `Content-Type: application/json; charset=utf-8`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    /// The RFC 6749 error code, e.g. `invalid_client`.
    pub error: String,
    /// Human-readable description led by the AADSTS code.
    pub error_description: String,
    /// The AADSTS numbers.
    pub error_codes: Vec<u32>,
    /// When the error happened (`yyyy-mm-dd hh:mm:ssZ`).
    pub timestamp: String,
    /// Server-side trace id.
    pub trace_id: String,
    /// Correlation id.
    pub correlation_id: String,
    /// Link to the code's documentation.
    pub error_uri: String,
}

impl OAuthError {
    /// A general error: `error`, AADSTS `code` and `message` (without the `AADSTSnnnnn: ` prefix).
    pub fn new(error: &str, code: u32, message: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError {
            error: error.to_owned(),
            error_description: format!(
                "AADSTS{code}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                context.trace_id, context.correlation_id, context.timestamp
            ),
            error_codes: vec![code],
            timestamp: context.timestamp.to_owned(),
            trace_id: context.trace_id.to_owned(),
            correlation_id: context.correlation_id.to_owned(),
            error_uri: format!("{ERROR_URI_BASE}{code}"),
        }
    }

    /// `invalid_client` AADSTS7000215: the secret does not match any of the app's secrets.
    pub fn invalid_client_secret(app: AppId, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "invalid_client",
            7_000_215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret \
                 value, not the client secret ID, for a secret added to app '{app}'."
            ),
            context,
        )
    }

    /// `invalid_client` AADSTS7000222: the matching secret has expired.
    pub fn expired_client_secret(app: AppId, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "invalid_client",
            7_000_222,
            &format!(
                "The provided client secret keys for app '{app}' are expired. Visit the Azure portal to create new \
                 keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for \
                 added security: https://aka.ms/certCreds."
            ),
            context,
        )
    }

    /// `unauthorized_client` AADSTS700016: no app with this client id in the tenant. `client_id` is
    /// echoed as sent (it may not be a GUID); `tenant` is the tenant id or display name.
    pub fn app_not_found(client_id: &str, tenant: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "unauthorized_client",
            700_016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the \
                 application has not been installed by the administrator of the tenant or consented to by any user \
                 in the tenant. You may have sent your authentication request to the wrong tenant.",
                clip(client_id, MAX_ECHO),
                clip(tenant, MAX_ECHO)
            ),
            context,
        )
    }

    /// `invalid_request` AADSTS90002: the tenant in the path does not exist.
    pub fn tenant_not_found(tenant: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "invalid_request",
            90_002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the \
                 correct cloud. Check with your subscription administrator, this may happen if there are no active \
                 subscriptions for the tenant.",
                clip(tenant, MAX_ECHO)
            ),
            context,
        )
    }

    /// `invalid_grant` AADSTS65001: the app has no admin consent in this tenant for the resource.
    pub fn no_consent(app: AppId, app_name: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "invalid_grant",
            65_001,
            &format!(
                "The user or administrator has not consented to use the application with ID '{app}' named '{}'. \
                 Send an interactive authorization request for this user and resource.",
                clip(app_name, MAX_ECHO)
            ),
            context,
        )
    }

    /// `invalid_request` AADSTS900144: a required form parameter is missing.
    pub fn missing_parameter(name: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "invalid_request",
            900_144,
            &format!(
                "The request body must contain the following parameter: '{}'.",
                clip(name, MAX_ECHO)
            ),
            context,
        )
    }

    /// `unsupported_grant_type` AADSTS70003: only `client_credentials` is served.
    pub fn unsupported_grant_type(grant_type: &str, context: &ErrorContext<'_>) -> OAuthError {
        OAuthError::new(
            "unsupported_grant_type",
            70_003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                clip(grant_type, MAX_ECHO)
            ),
            context,
        )
    }

    /// The error for a refused `scope`: `invalid_scope` AADSTS70011, `invalid_resource` AADSTS500011,
    /// or `invalid_request` AADSTS900144 for an empty scope. `tenant` is named in AADSTS500011.
    pub fn invalid_scope(
        error: &ScopeError,
        tenant: &str,
        context: &ErrorContext<'_>,
    ) -> OAuthError {
        OAuthError::new(
            error.oauth_error(),
            error.code(),
            &error.message(&clip(tenant, MAX_ECHO)),
            context,
        )
    }

    /// The HTTP status Entra uses: 401 for `invalid_client`, 400 otherwise.
    pub fn http_status(&self) -> u16 {
        if self.error == "invalid_client" {
            401
        } else {
            400
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::parse_scope;

    const CONTEXT: ErrorContext<'static> = ErrorContext {
        trace_id: "0f4c3a8e-1b2d-4e5f-8a9b-0c1d2e3f4a5b",
        correlation_id: "1830fdb0-aba4-4ec2-b1f9-4d5cc12fec27",
        timestamp: "2026-11-22 06:28:37Z",
    };

    fn app() -> AppId {
        AppId::parse("11111111-1111-1111-1111-111111111111").expect("guid")
    }

    #[test]
    fn body_has_entra_fields_and_description_layout() {
        let error = OAuthError::invalid_client_secret(app(), &CONTEXT);
        let json = serde_json::to_value(&error).expect("serialize");
        assert_eq!(json["error"], "invalid_client");
        assert_eq!(json["error_codes"], serde_json::json!([7_000_215]));
        assert_eq!(json["timestamp"], CONTEXT.timestamp);
        assert_eq!(json["trace_id"], CONTEXT.trace_id);
        assert_eq!(json["correlation_id"], CONTEXT.correlation_id);
        assert_eq!(
            json["error_uri"],
            "https://login.microsoftonline.com/error?code=7000215"
        );
        let description = json["error_description"].as_str().expect("string");
        assert!(description.starts_with("AADSTS7000215: Invalid client secret provided."));
        assert!(description
            .contains("for a secret added to app '11111111-1111-1111-1111-111111111111'."));
        assert!(description.ends_with(
            "\r\nTrace ID: 0f4c3a8e-1b2d-4e5f-8a9b-0c1d2e3f4a5b\r\nCorrelation ID: \
             1830fdb0-aba4-4ec2-b1f9-4d5cc12fec27\r\nTimestamp: 2026-11-22 06:28:37Z"
        ));
        assert_eq!(error.http_status(), 401);
        assert_eq!(
            serde_json::from_value::<OAuthError>(json).expect("parse"),
            error
        );
    }

    #[test]
    fn constructors_use_entra_codes() {
        let scope = parse_scope("https://example.com/.default").expect_err("unknown");
        let cases: Vec<(OAuthError, &str, u32, u16, &str)> = vec![
            (OAuthError::invalid_client_secret(app(), &CONTEXT), "invalid_client", 7_000_215, 401, "Invalid client secret"),
            (OAuthError::expired_client_secret(app(), &CONTEXT), "invalid_client", 7_000_222, 401, "are expired"),
            (
                OAuthError::app_not_found("nope", "contoso", &CONTEXT),
                "unauthorized_client",
                700_016,
                400,
                "Application with identifier 'nope' was not found in the directory 'contoso'.",
            ),
            (OAuthError::tenant_not_found("t1", &CONTEXT), "invalid_request", 90_002, 400, "Tenant 't1' not found."),
            (
                OAuthError::no_consent(app(), "Echo bot", &CONTEXT),
                "invalid_grant",
                65_001,
                400,
                "The user or administrator has not consented to use the application with ID",
            ),
            (
                OAuthError::missing_parameter("grant_type", &CONTEXT),
                "invalid_request",
                900_144,
                400,
                "The request body must contain the following parameter: 'grant_type'.",
            ),
            (
                OAuthError::unsupported_grant_type("password", &CONTEXT),
                "unsupported_grant_type",
                70_003,
                400,
                "unsupported grant type 'password'",
            ),
            (
                OAuthError::invalid_scope(&scope, "contoso", &CONTEXT),
                "invalid_resource",
                500_011,
                400,
                "The resource principal named https://example.com was not found in the tenant named contoso.",
            ),
            (
                OAuthError::invalid_scope(&parse_scope("User.Read").expect_err("bad"), "contoso", &CONTEXT),
                "invalid_scope",
                70_011,
                400,
                "/.default suffixed",
            ),
        ];
        for (error, name, code, status, fragment) in cases {
            assert_eq!(error.error, name);
            assert_eq!(error.error_codes, [code]);
            assert_eq!(error.http_status(), status, "{name}");
            assert!(
                error
                    .error_description
                    .starts_with(&format!("AADSTS{code}: ")),
                "{}",
                error.error_description
            );
            assert!(
                error.error_description.contains(fragment),
                "{}",
                error.error_description
            );
            assert!(error.error_uri.ends_with(&format!("code={code}")));
        }
    }
}
