//! What the CLI's process tests share: `ringside serve` as a child (dev mode on 127.0.0.1:0, SIP off,
//! optionally on a given store URL and node name) killed when dropped, the dev.json it writes, and an
//! HTTPS client that trusts its CA.
#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Kills the server when dropped, so a failing assertion never leaves it running.
pub(crate) struct ServerProcess {
    child: Option<Child>,
}

impl ServerProcess {
    /// `ringside serve` in dev mode; its store is `store_url` (`RINGSIDE_STORE_URL`) when given.
    pub(crate) fn start(data_dir: &Path, store_url: Option<&str>) -> ServerProcess {
        ServerProcess::start_named(data_dir, store_url, None)
    }

    /// As [`start`](Self::start), with `RINGSIDE_NODE_NAME` set when `name` is given.
    pub(crate) fn start_named(
        data_dir: &Path,
        store_url: Option<&str>,
        name: Option<&str>,
    ) -> ServerProcess {
        let mut env = Vec::new();
        if let Some(url) = store_url {
            env.push(("RINGSIDE_STORE_URL", url.to_string()));
        }
        if let Some(name) = name {
            env.push(("RINGSIDE_NODE_NAME", name.to_string()));
        }
        ServerProcess::start_with(data_dir, "127.0.0.1:0", &env)
    }

    /// `ringside serve` in dev mode on `listen` with `env` set (the store, node name and public
    /// URL variables are removed unless `env` sets them).
    pub(crate) fn start_with(
        data_dir: &Path,
        listen: &str,
        env: &[(&str, String)],
    ) -> ServerProcess {
        let _ = std::fs::remove_file(data_dir.join("dev.json"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_ringside"));
        for name in [
            "RINGSIDE_NODE_NAME",
            "RINGSIDE_STORE_URL",
            "RINGSIDE_PUBLIC_URL",
            "RINGSIDE_INTERNAL_URL",
        ] {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command
            .args([
                "serve",
                "--listen",
                listen,
                "--sip-listen",
                "off",
                "--data-dir",
            ])
            .arg(data_dir)
            .env_remove("RINGSIDE_CONFIG")
            .env_remove("RINGSIDE_LISTEN")
            .env_remove("RINGSIDE_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ringside serve");
        ServerProcess { child: Some(child) }
    }

    /// SIGKILL (std's `Child::kill` is SIGKILL on Unix) and reap.
    pub(crate) fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// What dev.json tells a client.
#[derive(Clone)]
pub(crate) struct Connection {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) tenant: String,
    pub(crate) ca: PathBuf,
    /// The whole file.
    pub(crate) dev: Value,
}

/// Polls for dev.json (written once the server listens); bounded.
pub(crate) fn wait_for_dev_json(data_dir: &Path, server: &mut ServerProcess) -> Connection {
    let path = data_dir.join("dev.json");
    for _ in 0..1200 {
        if let Some(status) = server.exited() {
            panic!("ringside serve exited early: {status}");
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            if let Ok(dev) = serde_json::from_str::<Value>(&text) {
                let field = |key: &str| dev[key].as_str().unwrap_or_default().to_string();
                return Connection {
                    url: field("url"),
                    token: field("adminToken"),
                    tenant: field("tenantId"),
                    ca: PathBuf::from(field("caCertPath")),
                    dev,
                };
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("dev.json did not appear in {}", data_dir.display());
}

pub(crate) fn client(connection: &Connection) -> reqwest::Client {
    let pem = std::fs::read(&connection.ca).expect("CA certificate");
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}
