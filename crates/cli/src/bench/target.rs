//! The server a bench drives: a child `ringside serve --listen 127.0.0.1:0 --data-dir TMP --json`
//! (so its CPU and memory are its own, apart from the load generator's), or a running dev-mode
//! server named by `--data-dir`/`--url`. Either way the bench reads dev.json, trusts its CA and
//! talks HTTPS.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use ringside_server::DevInfo;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use super::plan::TargetArgs;

/// A server under load.
pub(crate) struct Server {
    /// dev.json.
    pub(crate) dev: DevInfo,
    /// Base URL, e.g. `https://127.0.0.1:40123`.
    pub(crate) base: String,
    /// Client trusting the server's CA.
    pub(crate) http: reqwest::Client,
    /// The server process, where known (CPU and memory come from `/proc/<pid>`).
    pub(crate) pid: Option<u32>,
    child: Option<Child>,
}

struct Child {
    process: tokio::process::Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

/// The HTTP client: the server's CA, many idle connections (calls run in parallel).
pub(crate) fn client(ca_pem: &[u8]) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(ca_pem).context("parsing the CA certificate")?,
        )
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

impl Server {
    /// Starts a child server, or connects to the one `args` names.
    pub(crate) async fn open(args: &TargetArgs) -> Result<Server> {
        if args.data_dir.is_some() || args.url.is_some() {
            let dir = args
                .data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(".ringside"));
            let dev = read_dev(&dir.join("dev.json"))?;
            let base = args
                .url
                .clone()
                .unwrap_or_else(|| dev.url.clone())
                .trim_end_matches('/')
                .to_string();
            let pem = std::fs::read(&dev.ca_cert_path)
                .with_context(|| format!("reading the CA certificate {}", dev.ca_cert_path))?;
            return Ok(Server {
                http: client(&pem)?,
                dev,
                base,
                pid: args.server_pid,
                child: None,
            });
        }
        let bin = match &args.server_bin {
            Some(bin) => bin.clone(),
            None => std::env::current_exe().context("locating the ringside executable")?,
        };
        let dir = tempfile::Builder::new()
            .prefix("ringside-bench-")
            .tempdir()
            .context("creating a temporary data dir")?;
        let data = dir.path().join("data");
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).context("creating the server log")?;
        let mut process = tokio::process::Command::new(&bin)
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data)
            .arg("--json")
            .arg("--sip-listen")
            .arg("127.0.0.1:0")
            .env_remove("RINGSIDE_CONFIG")
            .env_remove("RINGSIDE_DATA_DIR")
            .env_remove("RINGSIDE_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} serve", bin.display()))?;
        let pid = process.id();
        let stdout = process
            .stdout
            .take()
            .ok_or_else(|| anyhow!("the server's stdout is not piped"))?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = match tokio::time::timeout(Duration::from_secs(120), lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            _ => {
                let _ = process.kill().await;
                bail!(
                    "the server did not start; its log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        // Keep reading (and discarding) stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let started: Value = serde_json::from_str(&line)
            .with_context(|| format!("the server's startup line is not JSON: {line}"))?;
        let dev_path = started["devJson"]
            .as_str()
            .ok_or_else(|| anyhow!("the server did not start in dev mode: {line}"))?;
        let dev = read_dev(std::path::Path::new(dev_path))?;
        let pem = std::fs::read(&dev.ca_cert_path)
            .with_context(|| format!("reading the CA certificate {}", dev.ca_cert_path))?;
        Ok(Server {
            http: client(&pem)?,
            base: dev.url.trim_end_matches('/').to_string(),
            dev,
            pid,
            child: Some(Child {
                process,
                _dir: dir,
                log,
            }),
        })
    }

    /// Stops a self-started server (SIGTERM, then kill after 10 s); nothing for a running one.
    pub(crate) async fn stop(mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Some(pid) = child.process.id() {
            let _ = tokio::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        match tokio::time::timeout(Duration::from_secs(10), child.process.wait()).await {
            Ok(Ok(_)) => Ok(()),
            _ => {
                let _ = child.process.kill().await;
                bail!(
                    "the server did not stop within 10 s after SIGTERM (killed); log: {}",
                    child.log.display()
                )
            }
        }
    }

    /// A platform API request (`/ringside/v1{path}`) with the admin token; the JSON answer, or an
    /// error naming the status and body.
    pub(crate) async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = format!("{}/ringside/v1{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.dev.admin_token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        json_or_error(&method, &url, response).await
    }

    /// An app-only Graph access token for the dev bot.
    pub(crate) async fn graph_token(&self) -> Result<String> {
        let response = self
            .http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                self.base, self.dev.tenant_id
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.dev.app.client_id.as_str()),
                ("client_secret", self.dev.app.client_secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .context("requesting a Graph token")?;
        let value = json_or_error(&Method::POST, "token endpoint", response).await?;
        value["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the token endpoint sent no access_token: {value}"))
    }

    /// The dev bot's Graph number (the resource account not bound to ACS).
    pub(crate) fn graph_bot_number(&self) -> Result<String> {
        self.dev
            .resource_accounts
            .iter()
            .find(|r| r.acs_resource_id.is_none() && r.phone_number.is_some())
            .and_then(|r| r.phone_number.clone())
            .ok_or_else(|| anyhow!("dev.json has no Graph resource account with a number"))
    }

    /// The dev CCaaS number (the resource account bound to the dev ACS resource).
    pub(crate) fn acs_number(&self) -> Result<String> {
        self.dev
            .resource_accounts
            .iter()
            .find(|r| r.acs_resource_id.as_deref() == Some(self.dev.acs.resource_id.as_str()))
            .and_then(|r| r.phone_number.clone())
            .ok_or_else(|| anyhow!("dev.json has no resource account bound to the ACS resource"))
    }
}

/// The JSON body (Null when empty or not JSON) of an answer with exactly status `want`, or an error
/// naming `what` with the status and the start of the body.
pub(crate) async fn expect_status(
    response: reqwest::Response,
    want: u16,
    what: &str,
) -> Result<Value> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    if status != want {
        bail!(
            "{what}: HTTP {status} (expected {want}): {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The JSON body of a 2xx answer (Null when empty), or an error with the status and body.
pub(crate) async fn json_or_error(
    method: &Method,
    url: &str,
    response: reqwest::Response,
) -> Result<Value> {
    let status = response.status();
    let bytes = response.bytes().await.context("reading a response")?;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    if status.is_success() {
        return Ok(value);
    }
    let text = String::from_utf8_lossy(&bytes);
    bail!(
        "{method} {url}: HTTP {}: {}",
        status.as_u16(),
        text.chars().take(300).collect::<String>()
    )
}

fn read_dev(path: &std::path::Path) -> Result<DevInfo> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (pass --data-dir of a dev-mode server, or no --data-dir/--url to self-start one)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
