//! `ringside cluster status`: the servers sharing the answering server's database — each node's
//! name, URL, whether it is live, its calls and last heartbeat, and the outbox backlog (`--json` for
//! scripts).

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::client::{ApiClient, ConnectArgs};

/// `ringside cluster` options.
#[derive(Args, Debug)]
pub(crate) struct ClusterArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Subcommand, Debug)]
enum ClusterCommand {
    /// The nodes as they last reported (every 2 s; silent for 10 s is down) and the outbox backlog.
    Status {
        /// Print the server's JSON response.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `ringside cluster …`.
pub(crate) async fn run(args: ClusterArgs) -> Result<()> {
    let client = ApiClient::connect(&args.connect)?;
    match args.command {
        ClusterCommand::Status { json } => {
            let status = client.get("/cluster").await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", render(&status));
            }
            Ok(())
        }
    }
}

/// The status as a table: one line per node, the backlog last.
fn render(status: &Value) -> String {
    let mut out = format!(
        "{:<24} {:>5} {:<5} {:>6}  {:<34} {}\n",
        "NODE", "TAG", "STATE", "CALLS", "INTERNAL URL", "LAST HEARTBEAT (unix ms)"
    );
    for node in status["nodes"].as_array().into_iter().flatten() {
        let marker = if node["thisNode"].as_bool() == Some(true) {
            "*"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<24} {:>5} {:<5} {:>6}  {:<34} {}\n",
            format!("{}{marker}", node["name"].as_str().unwrap_or("?")),
            format!("{:04x}", node["number"].as_u64().unwrap_or(0)),
            if node["live"].as_bool() == Some(true) {
                "up"
            } else {
                "down"
            },
            node["calls"].as_u64().unwrap_or(0),
            node["internalUrl"]
                .as_str()
                .filter(|url| !url.is_empty())
                .or(node["url"].as_str())
                .unwrap_or("?"),
            node["lastHeartbeatMs"].as_i64().unwrap_or(0),
        ));
    }
    out.push_str(&format!(
        "outbox backlog: {} notification(s) waiting (* = the node that answered)\n",
        status["outboxBacklog"].as_u64().unwrap_or(0)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::render;
    use serde_json::json;

    #[test]
    fn the_table_marks_the_answering_node_and_down_nodes() {
        let table = render(&json!({
            "nodes": [
                {"name": "a", "url": "https://a:8443", "live": true, "calls": 3, "lastHeartbeatMs": 5, "thisNode": true},
                {"name": "b", "url": "https://b:8443", "live": false, "calls": 0, "lastHeartbeatMs": 1, "thisNode": false}
            ],
            "outboxBacklog": 7
        }));
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[1].starts_with("a*") && lines[1].contains(" up ") && lines[1].contains(" 3 ")
        );
        assert!(lines[2].starts_with("b ") && lines[2].contains("down"));
        assert!(lines[3].contains("backlog: 7"));
    }
}
