//! The server harness (feature `server`): a dev-mode Ringside server on 127.0.0.1:0 in a temp dir
//! whose media plane ticks on tokio's clock, an HTTPS client that trusts its CA, its dev.json, and
//! helpers for tokens, the platform API (`/ringside/v1`, admin token), Graph requests and JWT
//! verification; [`Acs`] signs requests as the ACS SDKs do; [`Hook`] is a bot's webhook or Event
//! Grid endpoint, [`MediaSink`] its media WebSocket, [`PromptServer`] its prompt host.
//!
//! Tests run on tokio's paused clock (`#[tokio::test(start_paused = true)]`): whenever every task
//! waits, tokio jumps to the next timer, so a 15 s answer deadline passes in microseconds. Every
//! wait here is therefore measured on tokio's clock (`tokio::time`), never `std::time::Instant` or
//! `std::thread::sleep`: a real-time deadline polled with virtual sleeps would spin virtual time
//! forward and fire every timer.

mod acs;
mod hook;
mod media;
mod wait;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use ringside_server::{Config, DevInfo, RunningServer, ServeOptions, Server};
use serde_json::{json, Value};

pub use acs::{Acs, Signed};
pub use hook::{Hook, Received};
pub use media::{sine_wav, wav, Connection, Frame, Heard, MediaSink, PromptServer};
pub use wait::{poll_until, serve};

/// The scope of a Graph client-credentials token.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Starts a server on 127.0.0.1:0 with its data in `data_dir`: dev mode unless `config` is given;
/// with `manual_media_clock` its media plane ticks on tokio's clock (what tests on paused time
/// need), otherwise on real-time threads. Returns it with an HTTPS client that trusts its CA.
pub async fn boot(
    data_dir: &Path,
    config: Option<Config>,
    manual_media_clock: bool,
) -> (RunningServer, reqwest::Client) {
    boot_with(data_dir, config, manual_media_clock, None).await
}

/// [`boot`] with the SIP gateway's listeners.
pub async fn boot_with(
    data_dir: &Path,
    config: Option<Config>,
    manual_media_clock: bool,
    sip: Option<ringside_server::SipConfig>,
) -> (RunningServer, reqwest::Client) {
    let server = Server::start(ServeOptions {
        data_dir: data_dir.to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config,
        manual_media_clock,
        sip,
    })
    .await
    .expect("server starts");
    let http = client_builder(server.ca_cert_path())
        .build()
        .expect("client");
    (server, http)
}

/// A client builder that trusts the CA in `ca` (PEM), for clients with other settings.
pub fn client_builder(ca: &Path) -> reqwest::ClientBuilder {
    let pem = std::fs::read(ca).expect("CA certificate");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
}

/// A request body: nothing, JSON (`Value::Null` is nothing) or raw bytes sent without a
/// content-type.
#[derive(Debug)]
pub enum Body {
    /// No body.
    None,
    /// JSON, with `content-type: application/json`.
    Json(Value),
    /// These bytes, without a content-type.
    Raw(Vec<u8>),
}

impl From<Value> for Body {
    fn from(value: Value) -> Body {
        if value.is_null() {
            Body::None
        } else {
            Body::Json(value)
        }
    }
}

impl From<Option<Value>> for Body {
    fn from(value: Option<Value>) -> Body {
        value.map_or(Body::None, Body::from)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::Raw(bytes)
    }
}

impl Body {
    fn attach(self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Raw(bytes) => request.body(bytes),
        }
    }
}

/// A reply: status, headers, the raw body and its JSON (`Value::Null` when empty or not JSON).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: Value,
}

impl Reply {
    /// The error envelope's code (panics with the body if there is none).
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {}", self.body))
    }

    /// The error envelope's message ("" if none).
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// A header's value ("" if absent or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends `request`. A body that says it is JSON (or says nothing) must parse as JSON.
pub async fn send(request: RequestBuilder) -> Reply {
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let url = response.url().to_string();
    let bytes = response.bytes().await.expect("body").to_vec();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let must_be_json = content_type.is_empty() || content_type.contains("json");
    let body = if bytes.is_empty() {
        Value::Null
    } else if must_be_json {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{url}: {status} with a body that is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Reply {
        status,
        headers,
        bytes,
        body,
    }
}

/// A dev-mode server in a temp dir with its media on tokio's clock, an HTTPS client trusting its
/// CA, what dev mode seeded (`dev`), a Graph token of the dev app (`token`) and a webhook receiver
/// (`hook`) that survives restarts.
pub struct TestServer {
    pub server: RunningServer,
    pub http: reqwest::Client,
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    pub dev: DevInfo,
    /// A Graph token of the dev app.
    pub token: String,
    pub hook: Hook,
    dir: tempfile::TempDir,
}

impl TestServer {
    /// A fresh dev-mode server whose media plane ticks on tokio's clock.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        TestServer::open(dir, Hook::start().await, true).await
    }

    /// A fresh dev-mode server whose media plane runs on real-time threads (for figures measured
    /// in wall-clock time, not for tests on paused time).
    pub async fn start_real_time() -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        TestServer::open(dir, Hook::start().await, false).await
    }

    /// A fresh dev-mode server on real-time media with the SIP gateway on free ports of
    /// 127.0.0.1 (UDP and TCP share one; TLS another): for tests with real SIP peers.
    pub async fn start_sip() -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let sip = ringside_server::SipConfig {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..ringside_server::SipConfig::default()
        };
        TestServer::open_with(dir, Hook::start().await, false, Some(sip)).await
    }

    /// The SIP gateway's addresses (servers from [`TestServer::start_sip`]).
    pub fn sip(&self) -> ringside_server::SipBound {
        self.server.sip_bound().expect("the SIP gateway runs")
    }

    async fn open(dir: tempfile::TempDir, hook: Hook, manual_media_clock: bool) -> TestServer {
        TestServer::open_with(dir, hook, manual_media_clock, None).await
    }

    async fn open_with(
        dir: tempfile::TempDir,
        hook: Hook,
        manual_media_clock: bool,
        sip: Option<ringside_server::SipConfig>,
    ) -> TestServer {
        let (server, http) =
            boot_with(&dir.path().join("data"), None, manual_media_clock, sip).await;
        let dev = server.dev_info().expect("dev mode").clone();
        let mut h = TestServer {
            base: server.base_url().to_string(),
            server,
            http,
            dev,
            token: String::new(),
            hook,
            dir,
        };
        h.token = h.graph_token().await;
        h
    }

    /// Stops the server and starts it again on the same data dir, with the same webhook receiver
    /// (a new port, client and token).
    pub async fn restart(self) -> TestServer {
        let TestServer {
            server, hook, dir, ..
        } = self;
        server.shutdown().await;
        TestServer::open(dir, hook, true).await
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// The server's data dir (keys, dev.json, the store).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The platform API's URL for `path` (`/ringside/v1{path}`).
    pub fn api_url(&self, path: &str) -> String {
        format!("{}/ringside/v1{path}", self.base)
    }

    /// A client builder trusting the server's CA.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        client_builder(self.server.ca_cert_path())
    }

    /// A client-credentials token request as MSAL makes it; the token endpoint's reply.
    pub async fn token_request(
        &self,
        tenant: &str,
        client_id: &str,
        secret: &str,
        scope: &str,
    ) -> Reply {
        send(
            self.http
                .post(self.url(&format!("/{tenant}/oauth2/v2.0/token")))
                .form(&[
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("grant_type", "client_credentials"),
                    ("scope", scope),
                ]),
        )
        .await
    }

    /// A Graph token for `client_id` in `tenant` (panics if refused).
    pub async fn token_for(&self, tenant: &str, client_id: &str, secret: &str) -> String {
        let reply = self
            .token_request(tenant, client_id, secret, GRAPH_SCOPE)
            .await;
        reply.body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {} {}", reply.status, reply.body))
            .to_string()
    }

    /// A fresh Graph token of the dev app.
    pub async fn graph_token(&self) -> String {
        self.token_for(
            &self.dev.tenant_id,
            &self.dev.app.client_id,
            &self.dev.app.client_secret,
        )
        .await
    }

    /// A platform API request with the admin token.
    pub async fn admin(&self, method: Method, path: &str, body: impl Into<Body>) -> Reply {
        let request = self
            .http
            .request(method, self.api_url(path))
            .bearer_auth(&self.dev.admin_token);
        send(body.into().attach(request)).await
    }

    /// A Graph request (`path` from the version on) with the dev app's token.
    pub async fn graph(&self, method: Method, path: &str, body: impl Into<Body>) -> Reply {
        self.graph_as(&self.token, method, path, body).await
    }

    /// A Graph request with `token`.
    pub async fn graph_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: impl Into<Body>,
    ) -> Reply {
        let request = self.http.request(method, self.url(path)).bearer_auth(token);
        send(body.into().attach(request)).await
    }

    /// Points the dev app's calling webhook at `url`.
    pub async fn set_webhook(&self, url: &str) {
        let reply = self
            .admin(
                Method::PATCH,
                &format!("/applications/{}", self.dev.app.client_id),
                json!({"bot": {"callingWebhookUrl": url}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// A simulated phone `from` dials `to`; the dial's reply (`callId`, `legId`, `targetLegId`).
    pub async fn dial(&self, from: &str, to: &str) -> Value {
        let reply = self
            .admin(
                Method::POST,
                &format!("/phones/{}/calls", from.replace('+', "%2B")),
                json!({ "to": to }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }

    /// Sets the behaviour of phone or user `phone`.
    pub async fn behaviour(&self, phone: &str, behaviour: Value) {
        let reply = self
            .admin(
                Method::PUT,
                &format!("/phones/{phone}/behaviour"),
                behaviour,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// A leg's recording, waiting (at most 10 s) for the leg to end and its recording to be
    /// written; the last reply either way.
    pub async fn recording(&self, call: &str, leg: &str) -> Reply {
        let path = format!("/calls/{call}/legs/{leg}/recording");
        poll_until(
            std::time::Duration::from_secs(10),
            || self.admin(Method::GET, &path, Body::None),
            |reply| reply.status == StatusCode::OK,
        )
        .await
    }

    /// Creates a tenant; its id.
    pub async fn new_tenant(&self, name: &str, domain: &str) -> String {
        let reply = self
            .admin(
                Method::POST,
                "/tenants",
                json!({"displayName": name, "domain": domain}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().expect("tenant id").to_string()
    }

    /// An admin of `tenant` consents to `app`.
    pub async fn consent(&self, tenant: &str, app: &str) {
        let reply = self
            .admin(
                Method::PUT,
                &format!("/tenants/{tenant}/consents/{app}"),
                Body::Json(json!({})),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }

    /// Registers an app of the dev tenant requesting `permissions`, with a secret; (app id,
    /// secret). Nobody has consented to it yet.
    pub async fn new_app(&self, name: &str, permissions: &[&str]) -> (String, String) {
        let reply = self
            .admin(
                Method::POST,
                "/applications",
                json!({"displayName": name, "homeTenantId": self.dev.tenant_id,
                       "requestedPermissions": permissions}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let app = reply.body["appId"].as_str().expect("appId").to_string();
        let reply = self
            .admin(
                Method::POST,
                &format!("/applications/{app}/secrets"),
                json!({"displayName": "t", "expiresInDays": 1}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let secret = reply.body["secretText"]
            .as_str()
            .expect("secretText")
            .to_string();
        (app, secret)
    }

    /// Verifies `token` against the server's JWKS as issued by it for the dev tenant to
    /// `audience`, now; its claims (panics if it does not verify).
    pub async fn verify_token(&self, token: &str, audience: &str) -> Value {
        let jwks = self
            .http
            .get(&self.dev.jwks_uri)
            .send()
            .await
            .expect("jwks")
            .text()
            .await
            .expect("jwks text");
        let keys = ringside_identity::KeySet::from_jwks_json(&jwks).expect("jwks parses");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let validation = ringside_identity::Validation::new(
            now,
            [format!("{}/{}/v2.0", self.base, self.dev.tenant_id)],
            [audience.to_string()],
        );
        let claims = ringside_identity::verify(token, &keys, &validation)
            .unwrap_or_else(|e| panic!("the token does not verify: {e}"));
        Value::Object(claims)
    }

    /// An ACS client for the dev ACS resource, signing with its key.
    pub fn acs(&self) -> Acs {
        Acs::new(self)
    }
}
