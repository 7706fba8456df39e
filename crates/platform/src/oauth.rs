//! The Entra-compatible identity front door: OpenID metadata, JWKS, the client-credentials token endpoint
//! and the admin-consent URL flow. Errors use the OAuth error body with AADSTS codes.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use ringside_directory::{AppRegistration, Command, Directory};
use ringside_identity::{AccessTokenClaims, AppOnlyToken, ErrorContext, OAuthError, Resource};
use ringside_model::{AppId, Permission, TenantId};
use serde_json::json;

use crate::state::PlatformState;
use ringside_http::current_request;

/// Routes under `/{tenant}/…`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(jwks))
        .route("/{tenant}/discovery/keys", get(jwks))
        .route("/{tenant}/oauth2/v2.0/token", axum::routing::post(token))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route(
            "/{tenant}/adminconsent",
            get(admin_consent_page).post(admin_consent_submit),
        )
}

/// An OAuth failure rendered with Entra's status for it (401 for `invalid_client`, else 400) or an
/// explicit one (429, 500).
struct OAuthFailure(StatusCode, Box<OAuthError>);

impl OAuthFailure {
    fn from(error: OAuthError) -> OAuthFailure {
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        OAuthFailure(status, Box::new(error))
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(*self.1)).into_response();
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// Trace id, correlation id and Entra-style timestamp for error bodies.
struct Trace {
    trace_id: String,
    correlation_id: String,
    timestamp: String,
}

impl Trace {
    fn current() -> Trace {
        let context = current_request();
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&format)
            .unwrap_or_default();
        let correlation_id = context
            .client_request_id
            .unwrap_or_else(|| context.request_id.clone());
        Trace {
            trace_id: context.request_id,
            correlation_id,
            timestamp,
        }
    }

    fn context(&self) -> ErrorContext<'_> {
        ErrorContext {
            trace_id: &self.trace_id,
            correlation_id: &self.correlation_id,
            timestamp: &self.timestamp,
        }
    }
}

macro_rules! oauth_error {
    ($constructor:ident $(, $arg:expr)*) => {{
        let trace = Trace::current();
        OAuthFailure::from(OAuthError::$constructor($($arg,)* &trace.context()))
    }};
}

/// Finds a tenant by GUID or verified domain.
fn resolve_tenant(directory: &Directory, segment: &str) -> Option<TenantId> {
    if let Ok(id) = TenantId::parse(segment) {
        return directory.tenant(id).map(|t| t.id);
    }
    directory.tenant_by_domain(segment).map(|t| t.id)
}

async fn openid_configuration(
    State(state): State<PlatformState>,
    Path(tenant): Path<String>,
) -> Response {
    let found = state.directory().read(|d| resolve_tenant(d, &tenant));
    match found {
        Some(id) => Json(ringside_identity::openid_configuration(
            state.base_url(),
            &id.to_string(),
        ))
        .into_response(),
        None => oauth_error!(tenant_not_found, &tenant).into_response(),
    }
}

async fn jwks(State(state): State<PlatformState>) -> Response {
    let mut response = Json(state.key_set().to_json()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

async fn authorize() -> Response {
    let trace = Trace::current();
    OAuthFailure::from(OAuthError::new(
        "unsupported_response_type",
        70_003,
        "Interactive sign-in (authorization code) is not supported by Ringside; calling bots use the client credentials grant.",
        &trace.context(),
    ))
    .into_response()
}

/// `POST /{tenant}/oauth2/v2.0/token`: client credentials with a client secret (form body or HTTP Basic).
async fn token(
    State(state): State<PlatformState>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let trace = Trace::current();
            let error = OAuthError::new(
                "invalid_request",
                900_144,
                &format!("The request body could not be read: {rejection}"),
                &trace.context(),
            );
            return OAuthFailure(rejection.status(), Box::new(error)).into_response();
        }
    };
    match issue_token(&state, &tenant_segment, &headers, &body) {
        Ok(response) => response,
        Err(failure) => failure.into_response(),
    }
}

/// Issues a token. Keep the order of the checks (it decides which error a bad request gets): the
/// request's parameters, the client's throttle, then tenant, scope, client, secret and consent.
fn issue_token(
    state: &PlatformState,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthFailure> {
    let request = TokenRequest::parse(headers, body)?;
    if let Err(retry_after) = state.rate_limit(&format!("token:{}", request.client_id)) {
        return Ok(throttled(retry_after));
    }
    let now = state.now();
    let claims = state
        .directory()
        .read(|directory| mint_claims(state, directory, tenant_segment, &request, now))?;
    token_response(state, &claims)
}

/// A client-credentials request whose parameters are present: from the form body, the client id and
/// secret falling back to HTTP Basic.
struct TokenRequest {
    client_id: String,
    client_secret: String,
    scope: String,
}

impl TokenRequest {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, OAuthFailure> {
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let (basic_id, basic_secret) = basic_credentials(headers).unwrap_or_default();
        let grant_type = form.get("grant_type").map(String::as_str).unwrap_or("");
        if grant_type.is_empty() {
            return Err(oauth_error!(missing_parameter, "grant_type"));
        }
        if grant_type != "client_credentials" {
            return Err(oauth_error!(unsupported_grant_type, grant_type));
        }
        let client_id = form
            .get("client_id")
            .cloned()
            .filter(|s| !s.is_empty())
            .unwrap_or(basic_id);
        if client_id.is_empty() {
            return Err(oauth_error!(missing_parameter, "client_id"));
        }
        if form.contains_key("client_assertion") {
            let trace = Trace::current();
            return Err(OAuthFailure::from(OAuthError::new(
                "invalid_request",
                900_144,
                "Certificate credentials (client_assertion) are not supported by Ringside; use a client secret.",
                &trace.context(),
            )));
        }
        let client_secret = form
            .get("client_secret")
            .cloned()
            .filter(|s| !s.is_empty())
            .unwrap_or(basic_secret);
        if client_secret.is_empty() {
            let trace = Trace::current();
            return Err(OAuthFailure::from(OAuthError::new(
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                &trace.context(),
            )));
        }
        let scope = form.get("scope").cloned().unwrap_or_default();
        Ok(TokenRequest {
            client_id,
            client_secret,
            scope,
        })
    }
}

/// 429 with `Retry-After` for a client over its token-request rate.
fn throttled(retry_after: u64) -> Response {
    let trace = Trace::current();
    let error = OAuthError::new(
        "temporarily_unavailable",
        90_055,
        "The request was throttled: too many token requests from this client. Retry later.",
        &trace.context(),
    );
    let mut response = OAuthFailure(StatusCode::TOO_MANY_REQUESTS, Box::new(error)).into_response();
    if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The app-only token's claims: tenant, then scope, then the client and its secret, then the roles.
fn mint_claims(
    state: &PlatformState,
    directory: &Directory,
    tenant_segment: &str,
    request: &TokenRequest,
    now: i64,
) -> Result<AccessTokenClaims, OAuthFailure> {
    let tenant = resolve_tenant(directory, tenant_segment)
        .ok_or_else(|| oauth_error!(tenant_not_found, tenant_segment))?;
    let resource = ringside_identity::parse_scope(&request.scope)
        .map_err(|error| oauth_error!(invalid_scope, &error, &tenant.to_string()))?;
    let app = authenticate_client(directory, tenant, request, now)?;
    let roles = granted_roles(directory, tenant, app, resource)?;
    let issuer = ringside_identity::issuer(state.base_url(), &tenant.to_string());
    let uti = ringside_identity::uti_from_bytes(state.random_bytes());
    Ok(AccessTokenClaims::app_only(
        AppOnlyToken {
            issuer: &issuer,
            audience: resource.audience(),
            tenant,
            app: app.app_id,
            app_display_name: &app.display_name,
            service_principal: app.service_principal_id,
            roles: &roles,
            uti: &uti,
        },
        now.max(0) as u64,
        state.token_lifetime_secs(),
    ))
}

/// The client app, found in the tenant (its home tenant or one that consented to it), whose secret
/// matches one of the app's and has not expired.
fn authenticate_client<'d>(
    directory: &'d Directory,
    tenant: TenantId,
    request: &TokenRequest,
    now: i64,
) -> Result<&'d AppRegistration, OAuthFailure> {
    let client_id = &request.client_id;
    let app = AppId::parse(client_id)
        .ok()
        .and_then(|id| directory.application(id))
        .filter(|app| app.home_tenant == tenant || directory.consent(tenant, app.app_id).is_some())
        .ok_or_else(|| oauth_error!(app_not_found, client_id, &tenant.to_string()))?;
    let matching = app
        .secrets
        .iter()
        .find(|secret| ringside_identity::verify_secret(&secret.hash, &request.client_secret));
    match matching {
        None => Err(oauth_error!(invalid_client_secret, app.app_id)),
        Some(secret) if secret.expires_at <= now => {
            Err(oauth_error!(expired_client_secret, app.app_id))
        }
        Some(_) => Ok(app),
    }
}

/// The roles a token for `resource` carries: for Graph, what the tenant consented to (no consent is an
/// error); ACS data-plane tokens carry no Graph roles, access is checked against the ACS resource.
fn granted_roles(
    directory: &Directory,
    tenant: TenantId,
    app: &AppRegistration,
    resource: Resource,
) -> Result<Vec<Permission>, OAuthFailure> {
    match resource {
        Resource::Graph => Ok(directory
            .consent(tenant, app.app_id)
            .ok_or_else(|| oauth_error!(no_consent, app.app_id, &app.display_name))?
            .granted
            .iter()
            .copied()
            .collect()),
        _ => Ok(Vec::new()),
    }
}

/// Signs the claims into the token endpoint's success body (`no-store`).
fn token_response(
    state: &PlatformState,
    claims: &AccessTokenClaims,
) -> Result<Response, OAuthFailure> {
    let token = ringside_identity::sign(state.signing_key(), claims).map_err(|error| {
        tracing::error!(%error, "signing a token");
        let trace = Trace::current();
        OAuthFailure(
            StatusCode::INTERNAL_SERVER_ERROR,
            Box::new(OAuthError::new(
                "server_error",
                50_000,
                "There was an error issuing a token.",
                &trace.context(),
            )),
        )
    })?;
    let lifetime = state.token_lifetime_secs();
    let mut response = Json(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (client_secret_basic).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Query of the admin-consent URL.
#[derive(serde::Deserialize, Default)]
struct ConsentQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
}

/// Validated consent request.
struct ConsentRequest {
    tenant: TenantId,
    app_id: AppId,
    app_name: String,
    redirect_uri: String,
    requested: Vec<(String, String)>,
}

fn validate_consent(
    state: &PlatformState,
    tenant_segment: &str,
    query: &ConsentQuery,
) -> Result<ConsentRequest, String> {
    state.directory().read(|directory| {
        let tenant = resolve_tenant(directory, tenant_segment)
            .ok_or_else(|| format!("AADSTS90002: Tenant '{tenant_segment}' not found."))?;
        let client_id = query.client_id.as_deref().unwrap_or("");
        if client_id.is_empty() {
            return Err("AADSTS900144: The request body must contain the following parameter: 'client_id'.".into());
        }
        let app = AppId::parse(client_id)
            .ok()
            .and_then(|id| directory.application(id))
            .ok_or_else(|| format!("AADSTS700016: Application with identifier '{client_id}' was not found."))?;
        let redirect_uri = match query.redirect_uri.as_deref() {
            Some(uri) if app.redirect_uris.iter().any(|registered| registered == uri) => uri.to_string(),
            Some(uri) => {
                return Err(format!(
                    "AADSTS50011: The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                ))
            }
            None => app.redirect_uris.first().cloned().ok_or_else(|| {
                format!("AADSTS500113: No reply address is registered for the application '{client_id}'.")
            })?,
        };
        Ok(ConsentRequest {
            tenant,
            app_id: app.app_id,
            app_name: app.display_name.clone(),
            redirect_uri,
            requested: app
                .requested
                .iter()
                .map(|p| (p.as_str().to_string(), p.display_name().to_string()))
                .collect(),
        })
    })
}

fn consent_error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Ringside — consent error</title></head>\
         <body><h1>Sign-in error</h1><p>{}</p></body></html>",
        html_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{}", serializer.finish())
}

/// `GET /{tenant}/adminconsent`: shows what the app asks for. A request that already carries the admin
/// token (`Authorization: Bearer`) is granted at once and redirected, which is how scripts use the URL.
async fn admin_consent_page(
    State(state): State<PlatformState>,
    Path(tenant_segment): Path<String>,
    Query(query): Query<ConsentQuery>,
    headers: HeaderMap,
) -> Response {
    let request = match validate_consent(&state, &tenant_segment, &query) {
        Ok(request) => request,
        Err(message) => return consent_error_page(&message),
    };
    if state.check_admin(&headers).is_ok() {
        return grant_and_redirect(
            &state,
            &request,
            query.state.as_deref(),
            query.scope.as_deref(),
        );
    }
    let rows: String = request
        .requested
        .iter()
        .map(|(name, display)| {
            format!(
                "<li><code>{}</code> — {}</li>",
                html_escape(name),
                html_escape(display)
            )
        })
        .collect();
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            html_escape(name),
            html_escape(value)
        )
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Ringside — permissions requested</title></head><body>\
         <h1>Permissions requested</h1><p><b>{app}</b> ({id}) asks tenant <code>{tenant}</code> for these application permissions:</p>\
         <ul>{rows}</ul><p>Consenting grants them to the app for every user of the tenant.</p>\
         <form method=\"post\">{h_client}{h_redirect}{h_state}{h_scope}\
         <label>Admin token <input type=\"password\" name=\"admin_token\" autocomplete=\"off\"></label> \
         <button name=\"decision\" value=\"accept\">Accept</button> <button name=\"decision\" value=\"cancel\">Cancel</button></form>\
         </body></html>",
        app = html_escape(&request.app_name),
        id = request.app_id,
        tenant = request.tenant,
        h_client = hidden("client_id", &request.app_id.to_string()),
        h_redirect = hidden("redirect_uri", &request.redirect_uri),
        h_state = hidden("state", query.state.as_deref().unwrap_or("")),
        h_scope = hidden("scope", query.scope.as_deref().unwrap_or("")),
    );
    Html(body).into_response()
}

/// `POST /{tenant}/adminconsent`: the consent form's answer.
async fn admin_consent_submit(
    State(state): State<PlatformState>,
    Path(tenant_segment): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let query = ConsentQuery {
        client_id: form.get("client_id").cloned(),
        redirect_uri: form.get("redirect_uri").cloned(),
        state: form.get("state").cloned().filter(|s| !s.is_empty()),
        scope: form.get("scope").cloned().filter(|s| !s.is_empty()),
    };
    let request = match validate_consent(&state, &tenant_segment, &query) {
        Ok(request) => request,
        Err(message) => return consent_error_page(&message),
    };
    let state_param = query.state.as_deref().unwrap_or("");
    if form.get("decision").map(String::as_str) != Some("accept") {
        let location = with_query(
            &request.redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
                ("state", state_param),
            ],
        );
        return Redirect::to(&location).into_response();
    }
    let token = form.get("admin_token").map(String::as_str).unwrap_or("");
    if !ringside_identity::constant_time_eq(token.as_bytes(), state.admin_token().as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            Html("<!doctype html><p>The admin token is not valid.</p>"),
        )
            .into_response();
    }
    grant_and_redirect(
        &state,
        &request,
        query.state.as_deref(),
        query.scope.as_deref(),
    )
}

fn grant_and_redirect(
    state: &PlatformState,
    request: &ConsentRequest,
    state_param: Option<&str>,
    scope: Option<&str>,
) -> Response {
    let command = Command::GrantConsent {
        tenant: request.tenant,
        app_id: request.app_id,
    };
    if let Err(error) = state.directory().execute(state.now(), command) {
        let location = with_query(
            &request.redirect_uri,
            &[
                ("error", "server_error"),
                ("error_description", &error.to_string()),
                ("state", state_param.unwrap_or("")),
            ],
        );
        return Redirect::to(&location).into_response();
    }
    let tenant = request.tenant.to_string();
    let mut pairs = vec![("admin_consent", "True"), ("tenant", tenant.as_str())];
    if let Some(scope) = scope {
        pairs.push(("scope", scope));
    }
    if let Some(value) = state_param {
        pairs.push(("state", value));
    }
    Redirect::to(&with_query(&request.redirect_uri, &pairs)).into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
