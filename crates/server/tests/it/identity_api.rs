//! The identity and Graph doors over real HTTPS: OpenID metadata, JWKS, the client-credentials token
//! endpoint with every AADSTS failure the issue names, token validation on Graph routes (401/403), the
//! resourceAccounts query, request hygiene (`//`, request ids, 413, 429), HTTP/2, restarts and shutdown.

use std::collections::BTreeSet;

use reqwest::{Client, StatusCode};
use ringside_directory::{BotRegistration, Command};
use ringside_identity::{AccessTokenClaims, AppOnlyToken, KeySet, SigningKey, Validation};
use ringside_model::{AppId, Guid, Permission, SecretId, TenantId};
use ringside_server::{Config, RateLimitConfig};
use ringside_testkit::server::{boot, Reply, TestServer};

use serde_json::Value;

/// A token request with this form.
async fn token_form(h: &TestServer, tenant: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = h
        .http
        .post(h.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn resource_accounts(
    h: &TestServer,
    token: Option<&str>,
    query: &str,
) -> (StatusCode, Value) {
    let mut request = h
        .http
        .get(h.url(&format!("/beta/admin/teams/resourceAccounts{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("graph request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn execute(h: &TestServer, command: Command) {
    let state = h.server.state();
    state
        .directory()
        .execute(state.now(), command)
        .expect("directory command");
}

/// Registers an app in `tenant` requesting `permissions`, with a secret expiring at `expires_at`.
fn new_app(
    h: &TestServer,
    tenant: TenantId,
    permissions: &[Permission],
    expires_at: i64,
) -> (AppId, String) {
    let app = AppId(Guid::from_random_bytes(rand_bytes()));
    execute(
        h,
        Command::CreateApplication {
            app_id: app,
            home_tenant: tenant,
            display_name: "Test bot".into(),
            service_principal_id: Guid::from_random_bytes(rand_bytes()),
            requested: permissions.iter().copied().collect::<BTreeSet<_>>(),
            redirect_uris: vec!["https://localhost/callback".into()],
            bot: BotRegistration::default(),
        },
    );
    let secret = format!("secret-{}", Guid::from_random_bytes(rand_bytes()));
    let state = h.server.state();
    execute(
        h,
        Command::AddSecret {
            app_id: app,
            key_id: SecretId(Guid::from_random_bytes(rand_bytes())),
            display_name: "test".into(),
            hint: secret[..3].to_string(),
            hash: state.hash_secret(&secret),
            expires_at,
        },
    );
    (app, secret)
}

fn dev_tenant(h: &TestServer) -> TenantId {
    TenantId::parse(&h.dev.tenant_id).expect("tenant id")
}

const GRAPH: &str = "https://graph.microsoft.com/.default";

fn rand_bytes() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[8..].copy_from_slice(&nanos.to_be_bytes());
    bytes
}

fn aadsts(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}

fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test(start_paused = true)]
async fn openid_metadata_and_jwks_describe_the_tenant_and_verify_issued_tokens() {
    let h = TestServer::start().await;
    for tenant in [h.dev.tenant_id.clone(), h.dev.tenant_domain.clone()] {
        let meta: Value = h
            .http
            .get(h.url(&format!("/{tenant}/v2.0/.well-known/openid-configuration")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            meta["issuer"],
            format!("{}/{}/v2.0", h.server.base_url(), h.dev.tenant_id)
        );
        assert_eq!(meta["token_endpoint"], h.dev.token_endpoint);
        assert_eq!(meta["jwks_uri"], h.dev.jwks_uri);
    }
    let unknown = h
        .http
        .get(h.url("/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(aadsts(&unknown.json().await.unwrap()), 90002);

    let jwks = h
        .http
        .get(&h.dev.jwks_uri)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys = KeySet::from_jwks_json(&jwks).expect("JWKS parses");
    let token = h.graph_token().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let validation = Validation::new(
        now,
        [format!("{}/{}/v2.0", h.server.base_url(), h.dev.tenant_id)],
        ["https://graph.microsoft.com"],
    );
    let claims: AccessTokenClaims =
        ringside_identity::verify_as(&token, &keys, &validation).expect("token verifies");
    assert_eq!(claims.tid, h.dev.tenant_id);
    assert_eq!(claims.appid, h.dev.app.client_id);
    assert_eq!(claims.azp, h.dev.app.client_id);
    let roles: BTreeSet<&str> = claims.roles.iter().map(String::as_str).collect();
    let all: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(roles, all, "dev app carries every consented permission");
    assert!(claims.exp > now + 3000);
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_accepts_the_sdk_spellings_and_basic_auth() {
    let h = TestServer::start().await;
    for scope in [
        "https://graph.microsoft.com/.default",
        "https://graph.microsoft.com//.default",
        "https://127.0.0.1/.default",
    ] {
        let Reply { status, body, .. } = h
            .token_request(
                &h.dev.tenant_id,
                &h.dev.app.client_id,
                &h.dev.app.client_secret,
                scope,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{scope}: {body}");
        assert_eq!(
            claims_of(body["access_token"].as_str().unwrap())["aud"],
            "https://graph.microsoft.com"
        );
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3599);
    }
    // The ACS SDKs ask for the communication resource with a double slash; no Graph roles ride along.
    let Reply { status, body, .. } = h
        .token_request(
            &h.dev.tenant_id,
            &h.dev.app.client_id,
            &h.dev.app.client_secret,
            "https://communication.azure.com//.default",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://communication.azure.com");
    assert!(claims.get("roles").is_none());
    // MSAL JS puts telemetry in the body; unknown fields are ignored. client_secret_basic works too.
    let response = h
        .http
        .post(&h.dev.token_endpoint)
        .basic_auth(&h.dev.app.client_id, Some(&h.dev.app.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", GRAPH),
            ("x-client-SKU", "msal.js.node"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_failures_use_the_oauth_body_with_aadsts_codes() {
    let h = TestServer::start().await;
    let tenant = h.dev.tenant_id.clone();
    let client = h.dev.app.client_id.clone();
    let secret = h.dev.app.client_secret.clone();

    let Reply { status, body, .. } = h
        .token_request(&tenant, &client, "not-the-secret", GRAPH)
        .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap(), aadsts(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client", 7000215)
    );
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: "));
    assert!(
        body["trace_id"].is_string()
            && body["correlation_id"].is_string()
            && body["timestamp"].is_string()
    );

    let Reply { status, body, .. } = h
        .token_request(
            &tenant,
            "99999999-9999-4999-8999-999999999999",
            &secret,
            GRAPH,
        )
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 700016));

    let Reply { status, body, .. } = h
        .token_request(
            "11111111-2222-4333-8444-555555555555",
            &client,
            &secret,
            GRAPH,
        )
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 90002));

    let Reply { status, body, .. } = h
        .token_request(
            &tenant,
            &client,
            &secret,
            "https://vault.azure.net/.default",
        )
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 500011));
    let Reply { status, body, .. } = h
        .token_request(
            &tenant,
            &client,
            &secret,
            "https://graph.microsoft.com/Calls.Initiate.All",
        )
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 70011));

    let (status, body) = token_form(
        &h,
        &tenant,
        &[
            ("client_id", &client),
            ("client_secret", &secret),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 900144));
    let (status, body) = token_form(
        &h,
        &tenant,
        &[
            ("client_id", &client),
            ("client_secret", &secret),
            ("scope", GRAPH),
            ("grant_type", "password"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap(), aadsts(&body)),
        (StatusCode::BAD_REQUEST, "unsupported_grant_type", 70003)
    );

    // An expired secret is told apart from a wrong one.
    let state_now = h.server.state().now();
    let (app, expired) = new_app(
        &h,
        dev_tenant(&h),
        &[Permission::CallsInitiateAll],
        state_now + 60,
    );
    execute(
        &h,
        Command::GrantConsent {
            tenant: dev_tenant(&h),
            app_id: app,
        },
    );
    let Reply { status, .. } = h
        .token_request(&tenant, &app.to_string(), &expired, GRAPH)
        .await;
    assert_eq!(status, StatusCode::OK, "valid before it expires");
    h.server.state().advance_clock_for_tests(120);
    let Reply { status, body, .. } = h
        .token_request(&tenant, &app.to_string(), &expired, GRAPH)
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::UNAUTHORIZED, 7000222));
}

#[tokio::test(start_paused = true)]
async fn consent_gates_tokens_and_changes_need_consent_again() {
    let h = TestServer::start().await;
    let tenant = dev_tenant(&h);
    let far = h.server.state().now() + 86_400;
    let (app, secret) = new_app(&h, tenant, &[Permission::CallsInitiateAll], far);
    let app_text = app.to_string();

    let Reply { status, body, .. } = h
        .token_request(&h.dev.tenant_id, &app_text, &secret, GRAPH)
        .await;
    assert_eq!(
        (status, body["error"].as_str().unwrap(), aadsts(&body)),
        (StatusCode::BAD_REQUEST, "invalid_grant", 65001)
    );

    execute(
        &h,
        Command::GrantConsent {
            tenant,
            app_id: app,
        },
    );
    let Reply { status, body, .. } = h
        .token_request(&h.dev.tenant_id, &app_text, &secret, GRAPH)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["roles"],
        serde_json::json!(["Calls.Initiate.All"])
    );

    // The app now asks for more; tokens keep the consented set until an admin consents again.
    execute(
        &h,
        Command::UpdateApplication {
            app_id: app,
            display_name: None,
            requested: Some(
                [
                    Permission::CallsInitiateAll,
                    Permission::TeamsResourceAccountReadAll,
                ]
                .into_iter()
                .collect(),
            ),
            redirect_uris: None,
            bot: None,
        },
    );
    let Reply { body, .. } = h
        .token_request(&h.dev.tenant_id, &app_text, &secret, GRAPH)
        .await;
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["roles"],
        serde_json::json!(["Calls.Initiate.All"])
    );
    execute(
        &h,
        Command::GrantConsent {
            tenant,
            app_id: app,
        },
    );
    let Reply { body, .. } = h
        .token_request(&h.dev.tenant_id, &app_text, &secret, GRAPH)
        .await;
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["roles"],
        serde_json::json!(["Calls.Initiate.All", "TeamsResourceAccount.Read.All"])
    );

    // Revoked consent: no more tokens.
    execute(
        &h,
        Command::RevokeConsent {
            tenant,
            app_id: app,
        },
    );
    let Reply { status, body, .. } = h
        .token_request(&h.dev.tenant_id, &app_text, &secret, GRAPH)
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 65001));
}

#[tokio::test(start_paused = true)]
async fn admin_consent_url_flow_grants_and_redirects() {
    let h = TestServer::start().await;
    let tenant = dev_tenant(&h);
    let far = h.server.state().now() + 86_400;
    let (app, _) = new_app(&h, tenant, &[Permission::CallsInitiateAll], far);
    let no_redirects = Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(h.server.ca_cert_path()).unwrap())
                .unwrap(),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent_url = |redirect: &str| {
        format!(
            "{}/{}/adminconsent?client_id={app}&redirect_uri={}&state=xyz",
            h.server.base_url(),
            h.dev.tenant_id,
            redirect
        )
    };
    // Unregistered redirect URI: an error page, no redirect.
    let response = no_redirects
        .get(consent_url("https://evil.example/cb"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("AADSTS50011"));
    // The page lists what is asked for.
    let page = no_redirects
        .get(consent_url("https://localhost/callback"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Calls.Initiate.All"));
    // Accepting with the admin token grants consent and redirects back with admin_consent=True.
    let response = no_redirects
        .post(format!(
            "{}/{}/adminconsent",
            h.server.base_url(),
            h.dev.tenant_id
        ))
        .form(&[
            ("client_id", app.to_string().as_str()),
            ("redirect_uri", "https://localhost/callback"),
            ("state", "xyz"),
            ("decision", "accept"),
            ("admin_token", h.dev.admin_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("https://localhost/callback?admin_consent=True&tenant="),
        "{location}"
    );
    assert!(location.ends_with("state=xyz"));
    let granted = h
        .server
        .state()
        .directory()
        .read(|d| d.consent(tenant, app).is_some());
    assert!(granted);
}

#[tokio::test(start_paused = true)]
async fn resource_accounts_query_returns_the_seeded_account_with_its_number() {
    let h = TestServer::start().await;
    let token = h.graph_token().await;
    let filter = format!("?$filter=appId%20eq%20%27{}%27", h.dev.app.client_id);
    let (status, body) = resource_accounts(&h, Some(&token), &filter).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let accounts = body["value"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{body}");
    let by_number = |number: &str| {
        accounts
            .iter()
            .find(|a| a["phoneNumber"] == number)
            .unwrap_or_else(|| panic!("no account has {number}: {body}"))
    };
    // The Graph bot's account: not bound to ACS.
    let account = by_number("tel:+14255550100");
    assert_eq!(account["userPrincipalName"], "bot@dev.ringside.test");
    assert_eq!(account["appId"], h.dev.app.client_id);
    assert!(
        account.get("acsResourceId").is_none_or(|v| v.is_null()),
        "{account}"
    );
    // The Teams Phone extensibility account: bound to the dev ACS resource.
    let ccaas = by_number("tel:+14255550200");
    assert_eq!(ccaas["displayName"], "ringside-dev-ccaas");
    assert_eq!(ccaas["appId"], h.dev.app.client_id);
    assert_eq!(ccaas["acsResourceId"], h.dev.acs.resource_id);
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/beta/$metadata#admin/teams/resourceAccounts"));
    // kiota's double slash and a lowercase segment reach the same route.
    let response = h
        .http
        .get(h.url(&format!("/beta//admin/teams/resourceaccounts{filter}")))
        .bearer_auth(&token)
        .header("client-request-id", "7f3c9d2e-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["client-request-id"],
        "7f3c9d2e-0000-4000-8000-000000000001"
    );
    assert!(response.headers().contains_key("request-id"));
    // A filter naming another app finds nothing; a bad filter is a 400 in the Graph envelope.
    let (status, body) = resource_accounts(
        &h,
        Some(&token),
        "?$filter=appId%20eq%20%2700000000-0000-4000-8000-000000000000%27",
    )
    .await;
    assert_eq!(
        (status, body["value"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
    let (status, body) =
        resource_accounts(&h, Some(&token), "?$filter=displayName%20eq%20%27x%27").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test(start_paused = true)]
async fn graph_rejects_absent_invalid_expired_and_foreign_tokens() {
    let h = TestServer::start().await;
    let response = h
        .http
        .get(h.url("/beta/admin/teams/resourceAccounts"))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer "));
    let (status, body) = resource_accounts(&h, None, "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
    );
    let (status, _) = resource_accounts(&h, Some("not.a.jwt"), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A token for the ACS audience is not a Graph token.
    let Reply { body, .. } = h
        .token_request(
            &h.dev.tenant_id,
            &h.dev.app.client_id,
            &h.dev.app.client_secret,
            "https://communication.azure.com/.default",
        )
        .await;
    let (status, body) =
        resource_accounts(&h, Some(body["access_token"].as_str().unwrap()), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "Invalid audience.");

    // Expired, and signed by a stranger: both 401.
    let pem = std::fs::read_to_string(h.data_dir().join("keys/signing-key.pem")).unwrap();
    let server_key = SigningKey::from_pkcs8_pem(&pem).unwrap();
    let issuer = format!("{}/{}/v2.0", h.server.base_url(), h.dev.tenant_id);
    let roles = [Permission::TeamsResourceAccountReadAll];
    let claims = |now: u64| {
        AccessTokenClaims::app_only(
            AppOnlyToken {
                issuer: &issuer,
                audience: "https://graph.microsoft.com",
                tenant: dev_tenant(&h),
                app: AppId::parse(&h.dev.app.client_id).unwrap(),
                app_display_name: "x",
                service_principal: Guid::from_u128(7),
                roles: &roles,
                uti: "u",
            },
            now,
            600,
        )
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = ringside_identity::sign(&server_key, &claims(now - 7200)).unwrap();
    let (status, body) = resource_accounts(&h, Some(&expired), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error"]["message"],
        "Access token has expired or is not yet valid."
    );
    let stranger = SigningKey::generate().unwrap();
    let forged = ringside_identity::sign(&stranger, &claims(now)).unwrap();
    assert_eq!(
        resource_accounts(&h, Some(&forged), "").await.0,
        StatusCode::UNAUTHORIZED
    );
    // The server's own key still works, proving the two failures above are about expiry and signer.
    let fresh = ringside_identity::sign(&server_key, &claims(now)).unwrap();
    assert_eq!(
        resource_accounts(&h, Some(&fresh), "").await.0,
        StatusCode::OK
    );
}

#[tokio::test(start_paused = true)]
async fn missing_role_is_403_and_tenants_are_isolated() {
    let h = TestServer::start().await;
    let far = h.server.state().now() + 86_400;
    // An app consented only for calls cannot read resource accounts.
    let (app, secret) = new_app(&h, dev_tenant(&h), &[Permission::CallsInitiateAll], far);
    execute(
        &h,
        Command::GrantConsent {
            tenant: dev_tenant(&h),
            app_id: app,
        },
    );
    let Reply { body, .. } = h
        .token_request(&h.dev.tenant_id, &app.to_string(), &secret, GRAPH)
        .await;
    let (status, body) =
        resource_accounts(&h, Some(body["access_token"].as_str().unwrap()), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TeamsResourceAccount.Read.All"));

    // Tenant B with its own app: its token sees none of tenant A's accounts, and the app of tenant A
    // cannot get a token in tenant B without consent there.
    let tenant_b = TenantId(Guid::from_random_bytes(rand_bytes()));
    execute(
        &h,
        Command::CreateTenant {
            id: tenant_b,
            display_name: "B".into(),
            domain: "b.ringside.test".into(),
        },
    );
    let (app_b, secret_b) = new_app(
        &h,
        tenant_b,
        &[Permission::TeamsResourceAccountReadAll],
        far,
    );
    execute(
        &h,
        Command::GrantConsent {
            tenant: tenant_b,
            app_id: app_b,
        },
    );
    let Reply { status, body, .. } = h
        .token_request(&tenant_b.to_string(), &app_b.to_string(), &secret_b, GRAPH)
        .await;
    assert_eq!(status, StatusCode::OK);
    let token_b = body["access_token"].as_str().unwrap().to_string();
    let (status, body) = resource_accounts(&h, Some(&token_b), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["value"].as_array().unwrap().len(),
        0,
        "tenant B sees no accounts of tenant A"
    );
    let Reply { status, body, .. } = h
        .token_request(
            &tenant_b.to_string(),
            &h.dev.app.client_id,
            &h.dev.app.client_secret,
            GRAPH,
        )
        .await;
    assert_eq!((status, aadsts(&body)), (StatusCode::BAD_REQUEST, 700016));
}

#[tokio::test(start_paused = true)]
async fn oversized_bodies_and_unknown_routes_get_envelopes() {
    let h = TestServer::start().await;
    let big = "a".repeat(2 << 20);
    let response = h
        .http
        .post(&h.dev.token_endpoint)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS"));
    let response = h
        .http
        .get(h.url("/v1.0/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string());
}

#[tokio::test(start_paused = true)]
async fn clients_over_their_rate_get_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        admin_token: Some("an-admin-token-for-tests".into()),
        rate_limit: RateLimitConfig {
            requests_per_second: 0.5,
            burst: 2,
        },
        ..Config::default()
    };
    let (server, http) = boot(dir.path(), Some(config), true).await;
    assert!(server.dev_info().is_none(), "production mode seeds nothing");
    let url = format!(
        "{}/00000000-0000-4000-8000-000000000001/oauth2/v2.0/token",
        server.base_url()
    );
    let form = [
        ("client_id", "c"),
        ("client_secret", "s"),
        ("grant_type", "client_credentials"),
        ("scope", GRAPH),
    ];
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..3 {
        let response = http.post(&url).form(&form).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        vec![
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(retry_after.as_deref(), Some("2"));
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn http2_is_offered_by_alpn() {
    let h = TestServer::start().await;
    let response = h.http.get(h.url("/")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], "Ringside");
    let http1 = Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(h.server.ca_cert_path()).unwrap())
                .unwrap(),
        )
        .http1_only()
        .build()
        .unwrap();
    assert_eq!(
        http1.get(h.url("/")).send().await.unwrap().version(),
        reqwest::Version::HTTP_11
    );
}

#[tokio::test(start_paused = true)]
async fn restart_keeps_tenant_keys_certificates_and_tokens() {
    let first = TestServer::start().await;
    let dev = first.dev.clone();
    let ca = std::fs::read(first.server.ca_cert_path()).unwrap();
    // A token the first server issued.
    let token = first.token.clone();
    let second = first.restart().await;
    let again = &second.dev;
    assert_eq!(again.tenant_id, dev.tenant_id);
    assert_eq!(again.app.client_id, dev.app.client_id);
    assert_eq!(again.app.client_secret, dev.app.client_secret);
    assert_eq!(
        again.resource_accounts[0].phone_number.as_deref(),
        Some("+14255550100")
    );
    assert_eq!(
        std::fs::read(second.server.ca_cert_path()).unwrap(),
        ca,
        "the CA is reused"
    );
    assert_ne!(again.url, dev.url, "a new port, and dev.json carries it");
    let written: Value =
        serde_json::from_slice(&std::fs::read(second.data_dir().join("dev.json")).unwrap())
            .unwrap();
    assert_eq!(written["url"], again.url);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(second.data_dir().join("dev.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A token issued before the restart still verifies against the new JWKS: the signing key persisted.
    let http = second.http.clone();
    let jwks = http
        .get(&again.jwks_uri)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys = KeySet::from_jwks_json(&jwks).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let validation = Validation::new(
        now,
        [format!("{}/{}/v2.0", dev.url, dev.tenant_id)],
        ["https://graph.microsoft.com"],
    );
    assert!(ringside_identity::verify(&token, &keys, &validation).is_ok());
    let base = second.base.clone();
    second.shutdown().await;
    assert!(
        http.get(format!("{base}/")).send().await.is_err(),
        "no longer listening after shutdown"
    );
}
