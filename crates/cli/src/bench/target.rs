//! The server a bench drives: child `ringside serve` processes (`nodes`: one, or a cluster on one
//! PostgreSQL database; their CPU and memory are their own, apart from the load generator's) with
//! the throwaway PostgreSQL server `--store postgres` starts, or a running dev-mode server named by
//! `--data-dir`/`--url`. Either way the bench reads dev.json, trusts the CAs and talks HTTPS.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use ringside_server::DevInfo;
use serde_json::Value;

use super::nodes::{self, read_dev, Node};
use super::plan::{Store, TargetArgs};
use super::postgres::Postgres;
use super::replies::json_or_error;

/// A server under load: one node, or the nodes of a cluster (`--nodes`).
pub(crate) struct Server {
    /// dev.json of the first node (the cluster's shared directory: its tenant, app and users).
    pub(crate) dev: DevInfo,
    /// Base URL of the first node, e.g. `https://127.0.0.1:40123`.
    pub(crate) base: String,
    /// Client trusting every node's CA.
    pub(crate) http: reqwest::Client,
    /// The first node's process, where known (CPU and memory come from `/proc/<pid>`).
    pub(crate) pid: Option<u32>,
    /// Every node, the first one first.
    pub(crate) nodes: Vec<Node>,
    /// Where the state lives: `sqlite`, `postgres (throwaway)`, `postgres (URL)`, or `as
    /// configured` (a running server).
    pub(crate) store: &'static str,
    children: Vec<Child>,
    postgres: Option<Postgres>,
    _dir: Option<tempfile::TempDir>,
}

struct Child {
    process: tokio::process::Child,
    log: PathBuf,
}

/// The HTTP client: the servers' CAs, many idle connections (calls run in parallel).
pub(crate) fn client(ca_pems: &[Vec<u8>]) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60));
    for pem in ca_pems {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(pem).context("parsing the CA certificate")?,
        );
    }
    builder.build().context("building the HTTP client")
}

impl Server {
    /// Starts the child server(s), or connects to the one `args` names.
    pub(crate) async fn open(args: &TargetArgs) -> Result<Server> {
        if args.data_dir.is_some() || args.url.is_some() {
            if args.nodes > 1 || args.store != Store::Sqlite {
                bail!("--nodes and --store are for a self-started server (no --data-dir/--url)");
            }
            return Server::running(args);
        }
        let bin = match &args.server_bin {
            Some(bin) => bin.clone(),
            None => std::env::current_exe().context("locating the ringside executable")?,
        };
        let dir = tempfile::Builder::new()
            .prefix("ringside-bench-")
            .tempdir()
            .context("creating a temporary data dir")?;
        let (postgres, store_url, store) = match (&args.store, args.nodes) {
            (Store::Sqlite, 1) => (None, None, "sqlite"),
            (Store::Postgres(Some(url)), _) => (None, Some(url.clone()), "postgres (URL)"),
            (Store::Postgres(None), _) | (Store::Sqlite, _) => {
                let postgres = tokio::task::spawn_blocking(Postgres::start)
                    .await
                    .context("starting PostgreSQL")??;
                let url = postgres.url.clone();
                (Some(postgres), Some(url), "postgres (throwaway)")
            }
        };
        let started = nodes::start(&bin, dir.path(), store_url.as_deref(), args.nodes).await?;
        let pems = started
            .iter()
            .map(|s| read_ca(&s.dev))
            .collect::<Result<Vec<_>>>()?;
        let http = client(&pems)?;
        let dev = started
            .first()
            .map(|s| s.dev.clone())
            .ok_or_else(|| anyhow!("no node started"))?;
        let mut nodes: Vec<Node> = started.iter().map(|s| s.node.clone()).collect();
        let children = started
            .into_iter()
            .map(|s| Child {
                process: s.process,
                log: s.log,
            })
            .collect();
        if store_url.is_some() {
            nodes::join(&http, &mut nodes).await?;
        }
        Ok(Server {
            http,
            base: nodes[0].base.clone(),
            pid: nodes[0].pid,
            dev,
            nodes,
            store,
            children,
            postgres,
            _dir: Some(dir),
        })
    }

    /// The running dev-mode server `args` names.
    fn running(args: &TargetArgs) -> Result<Server> {
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
        let node = Node {
            name: "server".into(),
            base: base.clone(),
            admin_token: dev.admin_token.clone(),
            pid: args.server_pid,
            number: 0,
        };
        Ok(Server {
            http: client(&[read_ca(&dev)?])?,
            dev,
            base,
            pid: args.server_pid,
            nodes: vec![node],
            store: "as configured",
            children: Vec::new(),
            postgres: None,
            _dir: None,
        })
    }

    /// The self-started PostgreSQL server's postmaster, if the bench started one.
    pub(crate) fn postgres_pid(&self) -> Option<u32> {
        self.postgres.as_ref().map(|p| p.pid)
    }

    /// Stops self-started servers (SIGTERM, then kill after 10 s), then the PostgreSQL server the
    /// bench started; nothing for a running one.
    pub(crate) async fn stop(mut self) -> Result<()> {
        let mut failures = Vec::new();
        for child in std::mem::take(&mut self.children) {
            if let Err(error) = stop_child(child).await {
                failures.push(format!("{error:#}"));
            }
        }
        if let Some(postgres) = self.postgres.take() {
            if let Err(error) = tokio::task::spawn_blocking(move || postgres.stop()).await? {
                failures.push(format!("{error:#}"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            bail!("{}", failures.join("; "))
        }
    }

    /// A platform API request (`/ringside/v1{path}`) to the first node with its admin token; the
    /// JSON answer, or an error naming the status and body.
    pub(crate) async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        self.admin_at(&self.nodes[0], method, path, body).await
    }

    /// A platform API request to `node` with its admin token.
    pub(crate) async fn admin_at(
        &self,
        node: &Node,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = format!("{}/ringside/v1{path}", node.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&node.admin_token);
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

async fn stop_child(mut child: Child) -> Result<()> {
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
                "a server did not stop within 10 s after SIGTERM (killed); log: {}",
                child.log.display()
            )
        }
    }
}

fn read_ca(dev: &DevInfo) -> Result<Vec<u8>> {
    std::fs::read(&dev.ca_cert_path)
        .with_context(|| format!("reading the CA certificate {}", dev.ca_cert_path))
}
