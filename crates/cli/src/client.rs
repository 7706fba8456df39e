//! How client subcommands reach a running server: `--data-dir DIR` (reads dev.json for the URL, admin
//! token and CA) or `--url`/`--token` (also `RINGSIDE_URL`/`RINGSIDE_ADMIN_TOKEN`), and a small JSON
//! client that turns error envelopes into readable errors.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Connection options shared by every client subcommand.
#[derive(Args, Debug, Clone)]
pub(crate) struct ConnectArgs {
    /// Data directory of a dev-mode server (its dev.json gives URL, admin token and CA).
    #[arg(
        long,
        env = "RINGSIDE_DATA_DIR",
        default_value = ".ringside",
        global = true
    )]
    pub(crate) data_dir: PathBuf,
    /// Server base URL, e.g. https://127.0.0.1:8443 (overrides dev.json).
    #[arg(long, env = "RINGSIDE_URL", global = true)]
    pub(crate) url: Option<String>,
    /// Admin token (overrides dev.json).
    #[arg(
        long,
        env = "RINGSIDE_ADMIN_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub(crate) token: Option<String>,
    /// PEM CA certificate to trust (default: dev.json's caCertPath).
    #[arg(long, env = "RINGSIDE_CA_CERT", global = true)]
    pub(crate) ca_cert: Option<PathBuf>,
}

/// An authenticated client of `/ringside/v1`.
pub(crate) struct ApiClient {
    base_url: String,
    token: String,
    http: reqwest::Client,
    /// dev.json, when the connection came from a data dir.
    pub(crate) dev: Option<Value>,
}

/// A non-2xx answer.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiFailure {}

impl ApiClient {
    /// Resolves the connection from flags, environment and dev.json.
    pub(crate) fn connect(args: &ConnectArgs) -> Result<ApiClient> {
        let dev_path = args.data_dir.join("dev.json");
        let dev: Option<Value> = match std::fs::read_to_string(&dev_path) {
            Ok(text) => Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", dev_path.display()))?,
            ),
            Err(_) => None,
        };
        let from_dev = |key: &str| {
            dev.as_ref()
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let base_url = args.url.clone().or_else(|| from_dev("url")).ok_or_else(|| {
            anyhow!(
                "no server to talk to: pass --url (or RINGSIDE_URL), or --data-dir pointing at a dev-mode server's data dir ({} not found)",
                dev_path.display()
            )
        })?;
        let token = args
            .token
            .clone()
            .or_else(|| from_dev("adminToken"))
            .ok_or_else(|| anyhow!("no admin token: pass --token or set RINGSIDE_ADMIN_TOKEN"))?;
        let ca_path = args
            .ca_cert
            .clone()
            .or_else(|| from_dev("caCertPath").map(PathBuf::from));
        let mut builder = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
        if let Some(path) = ca_path {
            let pem = std::fs::read(&path)
                .with_context(|| format!("reading CA certificate {}", path.display()))?;
            let certificate =
                reqwest::Certificate::from_pem(&pem).context("parsing the CA certificate")?;
            builder = builder.add_root_certificate(certificate);
        }
        Ok(ApiClient {
            base_url: base_url.trim_end_matches('/').to_string(),
            token,
            http: builder.build().context("building the HTTP client")?,
            dev,
        })
    }

    /// The dev tenant from dev.json, if connected through a data dir.
    pub(crate) fn dev_tenant(&self) -> Option<String> {
        self.dev
            .as_ref()
            .and_then(|d| d.get("tenantId"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Sends a request to `/ringside/v1{path}`; returns the JSON body (Null for empty bodies).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = format!("{}/ringside/v1{}", self.base_url, path);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the response")?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            return Ok(value);
        }
        let error = value.get("error");
        let field = |name: &str| {
            error
                .and_then(|e| e.get(name))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let failure = ApiFailure {
            status,
            code: field("code"),
            message: field("message"),
        };
        if failure.code.is_empty() && failure.message.is_empty() {
            bail!("{method} {url}: HTTP {status}");
        }
        Err(failure.into())
    }

    /// Sends raw bytes (e.g. a WAV upload) to `/ringside/v1{path}`; returns the JSON answer.
    pub(crate) async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Value> {
        let url = format!("{}/ringside/v1{}", self.base_url, path);
        let response = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the response")?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        Err(failure(&method, &url, status, &value))
    }

    /// GETs `/ringside/v1{path}` as raw bytes (e.g. a recording); `Ok(None)` on 404.
    pub(crate) async fn get_bytes(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let url = format!("{}/ringside/v1{}", self.base_url, path);
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the response")?;
        if status.is_success() {
            return Ok(Some(bytes.to_vec()));
        }
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Err(failure(&Method::GET, &url, status, &value))
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Value> {
        self.send(Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Result<Value> {
        self.send(Method::DELETE, path, None).await
    }
}

/// The error for a non-2xx answer: the envelope's code and message, or the bare status.
fn failure(method: &Method, url: &str, status: StatusCode, value: &Value) -> anyhow::Error {
    let error = value.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let failure = ApiFailure {
        status,
        code: field("code"),
        message: field("message"),
    };
    if failure.code.is_empty() && failure.message.is_empty() {
        return anyhow!("{method} {url}: HTTP {status}");
    }
    failure.into()
}
