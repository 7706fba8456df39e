//! Starting and stopping the server: data dir, TLS, store, keys, dev-mode seeding, the router, and the
//! accept loops (HTTPS with ALPN h2/http1.1, optional plain HTTP) with graceful shutdown.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::config::Config;
use crate::state::AppState;
use crate::tls;
use ringside_platform::devmode::{self, DevInfo};
use ringside_runtime::files::write_private;
use ringside_store::Database;

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Data directory (SQLite file, keys, TLS material, dev.json).
    pub data_dir: PathBuf,
    /// HTTPS listen address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Optional plain-HTTP listener.
    pub insecure_http: Option<SocketAddr>,
    /// `Some` selects production mode (nothing seeded); `None` is dev mode.
    pub config: Option<Config>,
    /// Tick the media plane from a tokio task on tokio's clock instead of real-time threads, so
    /// that a test on paused time (`#[tokio::test(start_paused = true)]`) advances media, timers and
    /// retries together. Off in production.
    pub manual_media_clock: bool,
    /// The SIP gateway's listeners (dev mode: `ringside serve` passes 127.0.0.1:5060; tests leave
    /// it off). `None` falls back to the config file's `[sip]`.
    pub sip: Option<crate::sip::SipConfig>,
}

impl ServeOptions {
    /// Dev mode on `listen` with data in `data_dir` (no plain-HTTP listener, real-time media).
    pub fn dev(data_dir: PathBuf, listen: SocketAddr) -> ServeOptions {
        ServeOptions {
            data_dir,
            listen,
            insecure_http: None,
            config: None,
            manual_media_clock: false,
            sip: None,
        }
    }
}

/// Entry point.
pub struct Server;

/// A started server. Dropping it does not stop the server; call [`RunningServer::shutdown`].
pub struct RunningServer {
    local_addr: SocketAddr,
    insecure_addr: Option<SocketAddr>,
    base_url: String,
    ca_cert_path: PathBuf,
    dev_info: Option<DevInfo>,
    state: AppState,
    sip: Option<ringside_sip_gateway::RunningGateway>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Prepares everything and starts serving; returns once the listeners are bound and, in dev mode,
    /// dev.json is written.
    pub async fn start(options: ServeOptions) -> Result<RunningServer> {
        let dev_mode = options.config.is_none();
        let config = options.config.clone().unwrap_or_default();
        let sip_config = options.sip.clone().unwrap_or_else(|| config.sip.clone());
        ringside_http::set_body_limit(config.max_body_bytes);
        let data_dir = options.data_dir.clone();
        create_private_dir(&data_dir)?;
        let tls = tls::load_or_create(&data_dir, config.tls.as_ref(), &config.extra_hostnames)?;
        let listeners = Listeners::bind(&options).await?;
        let base_url = match public_url(&config)? {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("https://{}", client_visible(listeners.local_addr)),
        };
        let state = crate::compose::compose(crate::compose::Parts {
            admin_token: admin_token(dev_mode, &config, &data_dir)?,
            database: database(&config, &data_dir)?,
            node_name: crate::config::node_name(&config),
            internal_url: internal_url(&config, listeners.local_addr),
            ca_pem: std::fs::read_to_string(&tls.ca_cert_path).unwrap_or_default(),
            data_dir: data_dir.clone(),
            base_url: base_url.clone(),
            local_ca: std::fs::read(&tls.ca_cert_path).ok(),
            manual_media_clock: options.manual_media_clock,
            config,
            dev_mode,
        })?;
        let dev_info = if dev_mode {
            let info = devmode::prepare(state.platform(), &tls.ca_cert_path)
                .context("preparing the dev tenant")?;
            Some(info)
        } else {
            None
        };
        let (local_addr, insecure_addr) = (listeners.local_addr, listeners.insecure_addr);
        let domain = dev_info
            .as_ref()
            .map_or("ringside.local", |info| info.tenant_domain.as_str());
        let sip = crate::sip::start(&sip_config, domain, sip_tls(&tls), &data_dir, &state).await?;
        let (stop, tasks) = listeners.serve(&state, &tls);
        if let Some(info) = &dev_info {
            let sip_json = sip
                .as_ref()
                .map(|g| crate::sip::dev_json(domain, g.bound()));
            devmode::write_dev_json_with_sip(&data_dir, info, sip_json)
                .context("writing dev.json")?;
        }
        tracing::info!(%base_url, "ringside listening");
        Ok(RunningServer {
            local_addr,
            insecure_addr,
            base_url,
            ca_cert_path: tls.ca_cert_path,
            dev_info,
            state,
            sip,
            stop,
            tasks,
        })
    }
}

/// The bound listeners: HTTPS, and plain HTTP when asked for.
struct Listeners {
    tls: TcpListener,
    plain: Option<TcpListener>,
    local_addr: SocketAddr,
    insecure_addr: Option<SocketAddr>,
}

impl Listeners {
    async fn bind(options: &ServeOptions) -> Result<Listeners> {
        let tls = TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("binding {}", options.listen))?;
        let local_addr = tls.local_addr()?;
        let plain = match options.insecure_http {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?,
            ),
            None => None,
        };
        let insecure_addr = match &plain {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        Ok(Listeners {
            tls,
            plain,
            local_addr,
            insecure_addr,
        })
    }

    /// Starts the accept loops with every door's router; the sender stops them.
    fn serve(
        self,
        state: &AppState,
        tls: &tls::TlsMaterial,
    ) -> (watch::Sender<bool>, Vec<JoinHandle<()>>) {
        let limit = state.config().max_body_bytes;
        let router = crate::routes(state.clone(), limit);
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config.clone());
        let door = Door { router, limit };
        tasks.push(tokio::spawn(accept_loop(
            self.tls,
            Some(acceptor),
            door.clone(),
            stop_rx.clone(),
        )));
        if let Some(listener) = self.plain {
            tasks.push(tokio::spawn(accept_loop(listener, None, door, stop_rx)));
        }
        (stop, tasks)
    }
}

/// The admin token: dev mode keeps one in the data dir; production takes
/// `RINGSIDE_ADMIN_TOKEN` or the config's.
/// The server's certificate for SIP over TLS (no ALPN: SIP clients offer none).
fn sip_tls(tls: &tls::TlsMaterial) -> std::sync::Arc<rustls::ServerConfig> {
    let mut config = (*tls.server_config).clone();
    config.alpn_protocols.clear();
    std::sync::Arc::new(config)
}

/// The public base URL: `RINGSIDE_PUBLIC_URL`, else `public_url` (the nodes of a cluster behind a
/// load balancer share one, so a token any node issued names the same issuer).
fn public_url(config: &Config) -> Result<Option<String>> {
    match std::env::var("RINGSIDE_PUBLIC_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => Ok(Some(url)),
        Some(_) => Err(anyhow!(
            "RINGSIDE_PUBLIC_URL must start with https:// or http://"
        )),
        None => Ok(config.public_url.clone()),
    }
}

/// Where the other nodes reach this one: `RINGSIDE_INTERNAL_URL`, else `internal_url`, else the
/// HTTPS listener.
fn internal_url(config: &Config, listening: SocketAddr) -> String {
    std::env::var("RINGSIDE_INTERNAL_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .or_else(|| config.internal_url.clone())
        .map(|url| url.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("https://{}", client_visible(listening)))
}

/// The store's database: `RINGSIDE_STORE_URL`, else `[store] url`, else `ringside.db` in the data dir.
fn database(config: &Config, data_dir: &Path) -> Result<Database> {
    let url = std::env::var("RINGSIDE_STORE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .or_else(|| config.store.url.clone());
    match url {
        Some(url) => Database::parse(&url).map_err(|e| anyhow!("[store] url: {e}")),
        None => Ok(Database::sqlite(data_dir.join("ringside.db"))),
    }
}

fn admin_token(dev_mode: bool, config: &Config, data_dir: &Path) -> Result<String> {
    if dev_mode {
        return load_or_create_admin_token(data_dir);
    }
    std::env::var("RINGSIDE_ADMIN_TOKEN")
        .ok()
        .filter(|token| !token.is_empty())
        .or_else(|| config.admin_token.clone())
        .ok_or_else(|| {
            anyhow!("production mode needs an admin token: set admin_token in the config file or RINGSIDE_ADMIN_TOKEN")
        })
}

impl RunningServer {
    /// The bound HTTPS address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound plain-HTTP address, if any.
    pub fn insecure_addr(&self) -> Option<SocketAddr> {
        self.insecure_addr
    }

    /// Base URL clients use, e.g. `https://127.0.0.1:8443`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM file clients must trust.
    pub fn ca_cert_path(&self) -> &Path {
        &self.ca_cert_path
    }

    /// What dev mode seeded (None in production mode).
    pub fn dev_info(&self) -> Option<&DevInfo> {
        self.dev_info.as_ref()
    }

    /// The SIP gateway's listen addresses, when it runs.
    pub fn sip_bound(&self) -> Option<ringside_sip_gateway::Bound> {
        self.sip.as_ref().map(|g| g.bound())
    }

    /// The shared state (for tests that drive the directory directly).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, ends the console's open streams, lets in-flight requests finish (up to
    /// 10 s), and returns.
    pub async fn shutdown(self) {
        if let Some(sip) = &self.sip {
            sip.shutdown();
        }
        self.state.console().shutdown();
        self.state.calls().shutdown();
        self.state.outbox().stop();
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// What every connection serves: the router, behind the body pre-read ([`crate::body`]).
#[derive(Clone)]
struct Door {
    router: Router,
    limit: usize,
}

impl Door {
    /// One request: hygiene, the body read (bounded), the router, `Connection: close` when part
    /// of the body is still on the connection.
    async fn serve(
        self,
        request: hyper::Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> axum::response::Response {
        let mut request = request.map(axum::body::Body::new);
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let version = request.version();
        let read = crate::body::read(crate::http::normalize_request(request), self.limit).await;
        let mut response = self
            .router
            .oneshot(read.request)
            .await
            .unwrap_or_else(|never| match never {});
        crate::body::close_if_unread(version, read.unread, &mut response);
        response
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    door: Door,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let door = door.clone();
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let door = door.clone();
                    async move { Ok::<_, Infallible>(door.serve(request, peer).await) }
                });
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match tls {
                        Some(acceptor) => {
                            let stream = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                Ok(Ok(stream)) => stream,
                                Ok(Err(error)) => {
                                    tracing::debug!(%peer, %error, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => return,
                            };
                            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                            let _ = watcher.watch(connection.into_owned()).await;
                        }
                        None => {
                            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                            let _ = watcher.watch(connection.into_owned()).await;
                        }
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

/// The address a local client should use for a listen address (unspecified → loopback).
fn client_visible(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()).to_string()
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port()).to_string()
        }
        _ => addr.to_string(),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating data dir {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The dev-mode admin token, generated once and kept in `<data-dir>/admin-token`.
fn load_or_create_admin_token(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("admin-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        let token = token.trim().to_string();
        if token.len() >= 16 {
            return Ok(token);
        }
    }
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!(
        "rs_admin_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    write_private(&path, token.as_bytes())?;
    Ok(token)
}

/// Keeps `DefaultBodyLimit` in one place.
pub(crate) fn body_limit_layer(limit: usize) -> DefaultBodyLimit {
    DefaultBodyLimit::max(limit)
}
