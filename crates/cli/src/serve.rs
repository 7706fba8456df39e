//! `ringside serve`: starts the server (and the OTLP span exporter when configured), prints where
//! it listens and how to trust its CA, and stops gracefully on SIGINT or SIGTERM, flushing spans.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use ringside_server::{Config, ServeOptions, Server, Telemetry, TelemetrySettings};

/// `ringside serve` options.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Data directory: SQLite store, keys, TLS material, dev.json.
    #[arg(long, env = "RINGSIDE_DATA_DIR", default_value = ".ringside")]
    data_dir: PathBuf,
    /// HTTPS listen address (port 0 picks a free port).
    #[arg(long, env = "RINGSIDE_LISTEN")]
    listen: Option<SocketAddr>,
    /// Also serve plain HTTP on this address (for tools that want it; official identity clients refuse
    /// http).
    #[arg(long, value_name = "ADDR")]
    insecure_http: Option<SocketAddr>,
    /// TOML config file: selects production mode (nothing seeded; admin token from the file or
    /// RINGSIDE_ADMIN_TOKEN).
    #[arg(long, env = "RINGSIDE_CONFIG")]
    config: Option<PathBuf>,
    /// SIP listen address for UDP and TCP (TLS on the next port); `off` disables SIP. Dev mode's
    /// default is 127.0.0.1:5060 (free ports if it is taken); port 0 picks free ports.
    #[arg(long, env = "RINGSIDE_SIP_LISTEN", value_name = "ADDR|off")]
    sip_listen: Option<String>,
    /// Print one JSON line describing the running server instead of the human summary.
    #[arg(long)]
    json: bool,
    /// Log filter, e.g. `info` or `ringside_server=debug`.
    #[arg(long, env = "RINGSIDE_LOG", default_value = "warn")]
    log: String,
}

pub(crate) async fn run(args: ServeArgs) -> Result<()> {
    let config = match &args.config {
        Some(path) => Some(Config::load(path)?),
        None => None,
    };
    let telemetry = match TelemetrySettings::from_config(config.as_ref())? {
        Some(settings) => Some(Telemetry::start(&settings)?),
        None => None,
    };
    init_logging(&args.log, telemetry.as_ref());
    let data_dir = match config.as_ref().and_then(|c| c.data_dir.clone()) {
        Some(dir)
            if std::env::var_os("RINGSIDE_DATA_DIR").is_none()
                && args.data_dir == std::path::Path::new(".ringside") =>
        {
            dir
        }
        _ => args.data_dir.clone(),
    };
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    let listen = args
        .listen
        .or(config.as_ref().and_then(|c| c.listen))
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8443)));
    let insecure_http = args
        .insecure_http
        .or(config.as_ref().and_then(|c| c.insecure_http));
    let sip = sip_options(args.sip_listen.as_deref(), config.as_ref())?;
    let stop = stop_signal();
    let server = Server::start(ServeOptions {
        data_dir: data_dir.clone(),
        listen,
        insecure_http,
        config,
        manual_media_clock: false,
        sip,
    })
    .await
    .context("starting the server")?;

    let ca = server.ca_cert_path().display().to_string();
    if args.json {
        let line = serde_json::json!({
            "url": server.base_url(),
            "listen": format!("https://{}", server.local_addr()),
            "insecureHttp": server.insecure_addr().map(|a| format!("http://{a}")),
            "dataDir": data_dir.display().to_string(),
            "devJson": server.dev_info().map(|_| data_dir.join("dev.json").display().to_string()),
            "caCertPath": ca,
            "console": server.dev_info().map(|info| info.console.clone()),
            "sip": server.sip_bound().map(|b| serde_json::json!({
                "udp": b.udp.map(|a| a.to_string()),
                "tcp": b.tcp.map(|a| a.to_string()),
                "tls": b.tls.map(|a| a.to_string()),
            })),
        });
        println!("{line}");
    } else {
        println!(
            "Ringside {} — {} mode",
            env!("CARGO_PKG_VERSION"),
            if server.dev_info().is_some() {
                "dev"
            } else {
                "production"
            }
        );
        println!("  listening        {}", server.base_url());
        if let Some(addr) = server.insecure_addr() {
            println!("  plain http       http://{addr}");
        }
        println!("  data dir         {}", data_dir.display());
        if let Some(bound) = server.sip_bound() {
            let show = |a: Option<SocketAddr>| a.map_or("-".to_string(), |a| a.to_string());
            println!(
                "  sip              udp {}  tcp {}  tls {}",
                show(bound.udp),
                show(bound.tcp),
                show(bound.tls)
            );
        }
        if let Some(info) = server.dev_info() {
            println!("  dev.json         {}", data_dir.join("dev.json").display());
            println!("  console          {}", info.console);
            println!(
                "  tenant           {} ({})",
                info.tenant_id, info.tenant_domain
            );
            println!(
                "  bot app          {} ({})",
                info.app.client_id, info.app.display_name
            );
            for account in &info.resource_accounts {
                println!(
                    "  resource account {} {}",
                    account.user_principal_name,
                    account.phone_number.as_deref().unwrap_or("(no number)")
                );
            }
            println!("  graph            {}", info.graph_base_url);
            println!("  authority        {}", info.authority);
        }
        println!("Trust the local CA in your clients:");
        println!("  export REQUESTS_CA_BUNDLE={ca} SSL_CERT_FILE={ca} NODE_EXTRA_CA_CERTS={ca}");
        println!("Press Ctrl-C to stop.");
    }

    stop.await;
    eprintln!("ringside: shutting down");
    server.shutdown().await;
    if let Some(telemetry) = telemetry {
        if let Err(error) = telemetry.shutdown().await {
            eprintln!("ringside: {error:#}");
        }
    }
    Ok(())
}

/// Logs to stderr through `--log`'s filter; with telemetry, Ringside's spans also go to the OTLP
/// exporter (its own filter: the log filter does not limit it).
fn init_logging(log: &str, telemetry: Option<&Telemetry>) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;
    let filter = tracing_subscriber::EnvFilter::try_new(log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(telemetry.map(Telemetry::layer))
        .try_init();
}

/// The SIP listeners: `--sip-listen` (or `off`), else the config file's `[sip]` in production,
/// else dev mode's 127.0.0.1:5060.
fn sip_options(
    flag: Option<&str>,
    config: Option<&ringside_server::Config>,
) -> Result<Option<ringside_server::SipConfig>> {
    let base = config.map(|c| c.sip.clone()).unwrap_or_default();
    match flag {
        Some("off") => Ok(Some(ringside_server::SipConfig {
            listen: None,
            ..base
        })),
        Some(addr) => {
            let listen: SocketAddr = addr
                .parse()
                .with_context(|| format!("--sip-listen {addr}: not an address (or `off`)"))?;
            Ok(Some(ringside_server::SipConfig {
                listen: Some(listen),
                ..base
            }))
        }
        None if config.is_some() => Ok(None),
        None => Ok(Some(ringside_server::SipConfig::dev(SocketAddr::from((
            [127, 0, 0, 1],
            5060,
        ))))),
    }
}

/// Registers for SIGINT and SIGTERM at once — before the server starts, so a signal that comes
/// while it starts (or just after it printed that it is ready) is not lost — and resolves on the
/// first.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let streams = signal(SignalKind::interrupt()).and_then(|interrupt| {
            signal(SignalKind::terminate()).map(|terminate| (interrupt, terminate))
        });
        async move {
            match streams {
                Ok((mut interrupt, mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
