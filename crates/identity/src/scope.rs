//! The client-credentials `scope` parameter: which resource (Graph or ACS) a token is requested for.

use crate::clip::clip;
use ringside_model::Guid;
use std::fmt;

/// A resource Ringside issues tokens for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Microsoft Graph.
    Graph,
    /// Azure Communication Services (Call Automation with a `TokenCredential`).
    Communication,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 2] = [Resource::Graph, Resource::Communication];

    /// The token's `aud`: the scope minus `/.default`.
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => "https://graph.microsoft.com",
            Resource::Communication => "https://communication.azure.com",
        }
    }

    /// The resource's well-known first-party application id (also accepted as `<guid>/.default`).
    pub fn app_id(self) -> Guid {
        match self {
            // Microsoft Graph: 00000003-0000-0000-c000-000000000000.
            Resource::Graph => Guid::from_u128(0x0000_0003_0000_0000_c000_0000_0000_0000),
            // Azure Communication Services: 1fd5118e-2576-4263-8130-9503064c837a.
            Resource::Communication => Guid::from_u128(0x1fd5_118e_2576_4263_8130_9503_064c_837a),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.audience())
    }
}

/// Why a `scope` value was refused. [`ScopeError::code`] is the AADSTS number Entra uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// The scope is empty (AADSTS900144).
    Missing,
    /// A scope value is not `<resource>/.default`, or no resource is named (AADSTS70011).
    Invalid {
        /// The offending value.
        scope: String,
    },
    /// More than one resource is named (AADSTS70011).
    MultipleResources {
        /// The whole scope parameter.
        scope: String,
    },
    /// The resource is not one Ringside serves (AADSTS500011).
    UnknownResource {
        /// The resource identifier (scope minus `/.default`).
        resource: String,
    },
}

impl ScopeError {
    /// The AADSTS error number.
    pub fn code(&self) -> u32 {
        match self {
            ScopeError::Missing => 900_144,
            ScopeError::Invalid { .. } | ScopeError::MultipleResources { .. } => 70_011,
            ScopeError::UnknownResource { .. } => 500_011,
        }
    }

    /// The OAuth `error` value Entra sends with this code.
    pub fn oauth_error(&self) -> &'static str {
        match self {
            ScopeError::Missing => "invalid_request",
            ScopeError::Invalid { .. } | ScopeError::MultipleResources { .. } => "invalid_scope",
            ScopeError::UnknownResource { .. } => "invalid_resource",
        }
    }

    /// Entra's message, naming the tenant for AADSTS500011.
    pub fn message(&self, tenant: &str) -> String {
        match self {
            ScopeError::Missing => {
                "The request body must contain the following parameter: 'scope'.".to_owned()
            }
            ScopeError::Invalid { scope } => format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. \
                 Client credential flows must have a scope value with /.default suffixed to the resource identifier \
                 (application ID URI)."
            ),
            ScopeError::MultipleResources { scope } => format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. \
                 The scope must name exactly one resource."
            ),
            ScopeError::UnknownResource { resource } => format!(
                "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen \
                 if the application has not been installed by the administrator of the tenant or consented to by any \
                 user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        }
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AADSTS{}: {}", self.code(), self.message("this tenant"))
    }
}

impl std::error::Error for ScopeError {}

/// OIDC scopes that may accompany a `.default` scope and name no resource.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];
const DEFAULT_SUFFIX: &str = "/.default";
const MAX_ECHO: usize = 200;

/// Parses a client-credentials `scope` parameter into the one resource it names.
///
/// Accepts `<resource>/.default` where the resource is `https://graph.microsoft.com`,
/// `https://communication.azure.com`, a loopback host (`https://127.0.0.1`, `https://localhost`,
/// `https://[::1]`, any port: kiota derives the scope from the request host, so these mean Graph) or
/// the resource's app id GUID. A trailing `/` before `/.default` is allowed (`…com//.default`, as the
/// ACS SDKs send). Space-separated lists are fine if they name one resource; OIDC scopes (`openid`,
/// `profile`, `offline_access`, `email`) are ignored. Matching ignores ASCII case.
pub fn parse_scope(scope: &str) -> Result<Resource, ScopeError> {
    let mut found: Option<Resource> = None;
    let mut any = false;
    for item in scope.split_ascii_whitespace() {
        any = true;
        if OIDC_SCOPES
            .iter()
            .any(|oidc| oidc.eq_ignore_ascii_case(item))
        {
            continue;
        }
        let resource = parse_one(item)?;
        match found {
            Some(existing) if existing != resource => {
                return Err(ScopeError::MultipleResources {
                    scope: clip(scope, MAX_ECHO),
                });
            }
            _ => found = Some(resource),
        }
    }
    match found {
        Some(resource) => Ok(resource),
        None if any => Err(ScopeError::Invalid {
            scope: clip(scope, MAX_ECHO),
        }),
        None => Err(ScopeError::Missing),
    }
}

fn parse_one(item: &str) -> Result<Resource, ScopeError> {
    let lower = item.to_ascii_lowercase();
    let Some(resource) = lower.strip_suffix(DEFAULT_SUFFIX) else {
        return Err(ScopeError::Invalid {
            scope: clip(item, MAX_ECHO),
        });
    };
    let resource = resource.trim_end_matches('/');
    if resource.is_empty() {
        return Err(ScopeError::Invalid {
            scope: clip(item, MAX_ECHO),
        });
    }
    if let Ok(guid) = Guid::parse(resource) {
        return Resource::ALL
            .into_iter()
            .find(|known| known.app_id() == guid)
            .ok_or_else(|| unknown(item));
    }
    if let Some(known) = Resource::ALL
        .into_iter()
        .find(|known| known.audience() == resource)
    {
        return Ok(known);
    }
    if is_loopback_origin(resource) {
        return Ok(Resource::Graph);
    }
    Err(unknown(item))
}

fn unknown(item: &str) -> ScopeError {
    let resource = &item[..item.len() - DEFAULT_SUFFIX.len()];
    ScopeError::UnknownResource {
        resource: clip(resource.trim_end_matches('/'), MAX_ECHO),
    }
}

/// `https://127.0.0.1`, `https://localhost`, `https://[::1]`, each with an optional port.
fn is_loopback_origin(resource: &str) -> bool {
    let Some(authority) = resource.strip_prefix("https://") else {
        return false;
    };
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => match authority.find(':') {
            Some(colon) => authority.split_at(colon),
            None => (authority, ""),
        },
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") && (port.is_empty() || is_port(port))
}

/// `:` followed by one to five digits.
fn is_port(text: &str) -> bool {
    text.strip_prefix(':').is_some_and(|digits| {
        !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_table() {
        use Resource::{Communication as Acs, Graph};
        let ok: &[(&str, Resource)] = &[
            ("https://graph.microsoft.com/.default", Graph),
            ("https://graph.microsoft.com//.default", Graph),
            ("HTTPS://Graph.Microsoft.com/.Default", Graph),
            ("00000003-0000-0000-c000-000000000000/.default", Graph),
            ("00000003-0000-0000-C000-000000000000//.default", Graph),
            ("https://127.0.0.1/.default", Graph),
            ("https://127.0.0.1:47443/.default", Graph),
            ("https://localhost/.default", Graph),
            ("https://localhost:8443/.default", Graph),
            ("https://[::1]/.default", Graph),
            ("https://communication.azure.com/.default", Acs),
            ("https://communication.azure.com//.default", Acs),
            ("1fd5118e-2576-4263-8130-9503064c837a/.default", Acs),
            ("  https://graph.microsoft.com/.default  ", Graph),
            (
                "openid profile offline_access https://graph.microsoft.com/.default",
                Graph,
            ),
            (
                "https://graph.microsoft.com/.default https://graph.microsoft.com//.default",
                Graph,
            ),
            (
                "https://127.0.0.1/.default https://graph.microsoft.com/.default",
                Graph,
            ),
        ];
        for &(scope, expected) in ok {
            assert_eq!(parse_scope(scope), Ok(expected), "{scope}");
        }

        let bad: &[(&str, u32, &str)] = &[
            ("", 900_144, "invalid_request"),
            ("   ", 900_144, "invalid_request"),
            ("openid profile", 70_011, "invalid_scope"),
            ("https://graph.microsoft.com", 70_011, "invalid_scope"),
            (
                "https://graph.microsoft.com/User.Read",
                70_011,
                "invalid_scope",
            ),
            ("Calls.Initiate.All", 70_011, "invalid_scope"),
            ("/.default", 70_011, "invalid_scope"),
            (
                "https://graph.microsoft.com/.default https://communication.azure.com/.default",
                70_011,
                "invalid_scope",
            ),
            (
                "https://management.azure.com/.default",
                500_011,
                "invalid_resource",
            ),
            (
                "https://graph.microsoft.com.evil.example/.default",
                500_011,
                "invalid_resource",
            ),
            (
                "http://graph.microsoft.com/.default",
                500_011,
                "invalid_resource",
            ),
            (
                "https://127.0.0.1.evil.example/.default",
                500_011,
                "invalid_resource",
            ),
            (
                "https://127.0.0.1:http/.default",
                500_011,
                "invalid_resource",
            ),
            ("https://[::1]x/.default", 500_011, "invalid_resource"),
            (
                "11111111-1111-1111-1111-111111111111/.default",
                500_011,
                "invalid_resource",
            ),
        ];
        for &(scope, code, error) in bad {
            let err = parse_scope(scope).expect_err(scope);
            assert_eq!(
                (err.code(), err.oauth_error()),
                (code, error),
                "{scope}: {err:?}"
            );
        }
    }

    #[test]
    fn unknown_resource_message_names_resource_and_tenant() {
        let err = parse_scope("https://management.azure.com//.default").expect_err("unknown");
        assert_eq!(
            err,
            ScopeError::UnknownResource {
                resource: "https://management.azure.com".to_owned()
            }
        );
        let message = err.message("contoso");
        assert!(message.starts_with(
            "The resource principal named https://management.azure.com was not found in the tenant named contoso."
        ));
        assert!(err
            .to_string()
            .starts_with("AADSTS500011: The resource principal named"));
    }

    #[test]
    fn invalid_scope_message_is_entra_style() {
        let err = parse_scope("https://graph.microsoft.com/User.Read").expect_err("invalid");
        assert!(err
            .message("t")
            .contains("/.default suffixed to the resource identifier"));
        assert!(err
            .message("t")
            .contains("The scope https://graph.microsoft.com/User.Read is not valid."));
    }

    #[test]
    fn audiences_and_app_ids() {
        assert_eq!(Resource::Graph.audience(), "https://graph.microsoft.com");
        assert_eq!(
            Resource::Communication.audience(),
            "https://communication.azure.com"
        );
        assert_eq!(
            Resource::Graph.app_id().to_string(),
            "00000003-0000-0000-c000-000000000000"
        );
        assert_eq!(
            Resource::Communication.app_id().to_string(),
            "1fd5118e-2576-4263-8130-9503064c837a"
        );
    }

    #[test]
    fn long_and_odd_input_never_panics() {
        let long = format!("https://{}/.default", "é".repeat(10_000));
        assert!(matches!(
            parse_scope(&long),
            Err(ScopeError::UnknownResource { .. })
        ));
        for odd in [
            "/.default/.default",
            "é/.default",
            "\u{0}/.default",
            "https:///.default",
            "https://:1/.default",
        ] {
            assert!(parse_scope(odd).is_err(), "{odd}");
        }
    }
}
