//! `ringside calls …`: live conversations on a running server (`list`, with `--json` for scripts).

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::client::{ApiClient, ConnectArgs};

/// `ringside calls` options.
#[derive(Args, Debug)]
pub(crate) struct CallsArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: CallsCommand,
}

#[derive(Subcommand, Debug)]
enum CallsCommand {
    /// List live conversations with their legs and states.
    List {
        /// Print the server's JSON response.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `ringside calls …`.
pub(crate) async fn run(args: CallsArgs) -> Result<()> {
    let client = ApiClient::connect(&args.connect)?;
    match args.command {
        CallsCommand::List { json } => {
            let calls = client.get("/calls").await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&calls)?);
                return Ok(());
            }
            let list = calls["value"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!("no live calls");
            }
            for call in &list {
                println!(
                    "{}  {}  since {}",
                    call["id"].as_str().unwrap_or("?"),
                    call["state"].as_str().unwrap_or("?"),
                    call["createdAt"].as_str().unwrap_or("?")
                );
                for leg in call["legs"].as_array().into_iter().flatten() {
                    println!(
                        "    {}  {:<14} {:<9} {:<12} {}",
                        leg["id"].as_str().unwrap_or("?"),
                        leg["kind"].as_str().unwrap_or("?"),
                        leg["direction"].as_str().unwrap_or("?"),
                        leg["state"].as_str().unwrap_or("?"),
                        party(&leg["party"])
                    );
                    if let Some(sip) = leg["external"]["sipCallId"].as_str() {
                        println!(
                            "        sip {}  {} {}",
                            sip,
                            leg["external"]["transport"].as_str().unwrap_or("?"),
                            leg["external"]["remoteAddress"].as_str().unwrap_or("?"),
                        );
                    }
                }
            }
            Ok(())
        }
    }
}

fn party(party: &Value) -> String {
    let name = party["displayName"].as_str();
    let id = party["number"]
        .as_str()
        .or_else(|| party["id"].as_str())
        .unwrap_or("?");
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}
