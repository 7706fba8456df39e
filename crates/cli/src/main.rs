//! The `ringside` binary: `serve` runs the platform; `admin` drives provisioning on a running server;
//! `phone` and `calls` drive simulated phones and show live calls; `bench` measures a server under
//! load.

mod admin;
mod bench;
mod calls;
mod client;
mod cluster;
mod phone;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Ringside: a self-hosted cloud-communications platform for calling bots (Graph calls and ACS Call
/// Automation on one call engine, with simulated phones and users).
#[derive(Parser, Debug)]
#[command(name = "ringside", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Run the platform: one HTTPS listener for every front door. Without --config it runs in dev mode
    /// and seeds a ready-to-use tenant, described in <data-dir>/dev.json.
    Serve(serve::ServeArgs),
    /// Provision tenants, users, apps and consent, resource accounts, licences, numbers and ACS resources
    /// on a running server (commands named after the Teams PowerShell cmdlets they replace).
    Admin(admin::AdminArgs),
    /// Simulated phones and users: set how an endpoint answers (`behave`), place a call from a
    /// simulated phone and report what it heard (`dial`).
    Phone(phone::PhoneArgs),
    /// Live conversations on a running server.
    Calls(calls::CallsArgs),
    /// The servers sharing a database: nodes, heartbeats, calls per node, outbox backlog.
    Cluster(cluster::ClusterArgs),
    /// Load generator: drive a self-started (or running) server through its real HTTPS doors and
    /// report calls/s, latency percentiles, CPU, memory and media figures (table or --json).
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Commands::Serve(args) => serve::run(args).await,
            Commands::Admin(args) => admin::run(args).await,
            Commands::Phone(args) => phone::run(args).await,
            Commands::Calls(args) => calls::run(args).await,
            Commands::Cluster(args) => cluster::run(args).await,
            Commands::Bench(args) => bench::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
