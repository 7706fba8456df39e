//! Starting the bench's own `ringside serve` nodes: one (`--listen 127.0.0.1:0`), or a cluster of
//! N on one PostgreSQL database (`--nodes`): each on a port of its own with its own data dir and
//! `RINGSIDE_NODE_NAME=bench-<i>`, all with node 1's URL as `RINGSIDE_PUBLIC_URL`; then waiting
//! until every node's view of its peers holds them all, and learning each node's number.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use ringside_server::DevInfo;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

/// How long a node may take to print its startup line.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the nodes may take to see each other.
const VIEW_TIMEOUT: Duration = Duration::from_secs(30);

/// A node the bench started.
pub(crate) struct Started {
    pub(crate) node: Node,
    pub(crate) dev: DevInfo,
    pub(crate) process: tokio::process::Child,
    pub(crate) log: PathBuf,
}

/// Starts `count` nodes of `bin` under `dir` (`node-1`, …), one after the other, on the store at
/// `store` (their own SQLite files when `None`).
pub(crate) async fn start(
    bin: &Path,
    dir: &Path,
    store: Option<&str>,
    count: u16,
) -> Result<Vec<Started>> {
    // Every node on a port the OS picks: node 1 first; its URL is the cluster's public URL.
    let mut public: Option<String> = None;
    let mut started = Vec::new();
    for i in 0..count {
        let name = format!("bench-{}", i + 1);
        let mut env = Vec::new();
        if let Some(store) = store {
            env.push(("RINGSIDE_STORE_URL", store.to_string()));
            env.push(("RINGSIDE_NODE_NAME", name.clone()));
        }
        if let Some(public) = &public {
            env.push(("RINGSIDE_PUBLIC_URL", public.clone()));
        }
        let data = dir.join(format!("node-{}", i + 1));
        let node = spawn(bin, &data, "127.0.0.1:0", &env, name).await?;
        public.get_or_insert_with(|| node.node.base.clone());
        started.push(node);
    }
    Ok(started)
}

/// One `ringside serve --json` child; returns once it printed its startup line.
async fn spawn(
    bin: &Path,
    data: &Path,
    listen: &str,
    env: &[(&str, String)],
    name: String,
) -> Result<Started> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let log = data.with_extension("log");
    let log_file = std::fs::File::create(&log).context("creating the server log")?;
    let mut command = tokio::process::Command::new(bin);
    command
        .args([
            "serve",
            "--listen",
            listen,
            "--json",
            "--sip-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(data);
    for name in [
        "RINGSIDE_CONFIG",
        "RINGSIDE_DATA_DIR",
        "RINGSIDE_LISTEN",
        "RINGSIDE_STORE_URL",
        "RINGSIDE_NODE_NAME",
        "RINGSIDE_PUBLIC_URL",
        "RINGSIDE_INTERNAL_URL",
    ] {
        command.env_remove(name);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut process = command
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
    let line = match tokio::time::timeout(START_TIMEOUT, lines.next_line()).await {
        Ok(Ok(Some(line))) => line,
        _ => {
            let _ = process.kill().await;
            bail!(
                "server {name} did not start; its log: {}",
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
    let dev = read_dev(Path::new(dev_path))?;
    // dev.json names the public URL (node 1's in a cluster); the node itself is where it listens.
    let base = started["listen"]
        .as_str()
        .unwrap_or(&dev.url)
        .trim_end_matches('/')
        .to_string();
    let node = Node {
        name,
        base,
        admin_token: dev.admin_token.clone(),
        pid,
        number: 0,
    };
    Ok(Started {
        node,
        dev,
        process,
        log,
    })
}

/// Waits until every node has beaten since the last one joined (its view of the peers then holds
/// them all, so it forwards to and places on each), and fills in each node's number.
pub(crate) async fn join(http: &reqwest::Client, nodes: &mut [Node]) -> Result<()> {
    let started = Instant::now();
    for node in nodes.iter_mut() {
        loop {
            let status = cluster_status(http, node).await?;
            let rows = status["nodes"].as_array().cloned().unwrap_or_default();
            let mine = rows.iter().find(|n| n["thisNode"] == true);
            let last_join = rows.iter().filter_map(|n| n["startedAtMs"].as_i64()).max();
            if let (Some(mine), Some(last_join)) = (mine, last_join) {
                if mine["lastHeartbeatMs"].as_i64().unwrap_or(0) > last_join {
                    node.number = mine["number"]
                        .as_u64()
                        .and_then(|n| u16::try_from(n).ok())
                        .ok_or_else(|| anyhow!("node {} has no number: {status}", node.name))?;
                    break;
                }
            }
            if started.elapsed() > VIEW_TIMEOUT {
                bail!("the nodes did not see each other within 30 s: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

async fn cluster_status(http: &reqwest::Client, node: &Node) -> Result<Value> {
    let url = format!("{}/ringside/v1/cluster", node.base);
    let response = http
        .get(&url)
        .bearer_auth(&node.admin_token)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    super::replies::json_or_error(&reqwest::Method::GET, &url, response).await
}

/// The number of the node that owns a call id (its first four hex digits).
pub(crate) fn owner_of(id: &str) -> Option<u16> {
    u16::from_str_radix(id.get(..4)?, 16).ok()
}

/// One node of the server under load.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// `bench-1`, `bench-2`, … (`RINGSIDE_NODE_NAME` on a database), or `server` for a running one.
    pub(crate) name: String,
    /// Base URL, e.g. `https://127.0.0.1:40123`.
    pub(crate) base: String,
    /// This node's admin token (each dev-mode node has its own).
    pub(crate) admin_token: String,
    pub(crate) pid: Option<u32>,
    /// The cluster number its ids carry in their first four hex digits (0: not in a cluster).
    pub(crate) number: u16,
}

/// dev.json of a dev-mode server.
pub(crate) fn read_dev(path: &std::path::Path) -> Result<DevInfo> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (pass --data-dir of a dev-mode server, or no --data-dir/--url to self-start one)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_ids_first_four_digits_name_its_node() {
        assert_eq!(owner_of("0002a1b2-0000-4000-8000-000000000001"), Some(2));
        assert_eq!(owner_of("zz"), None);
    }
}
