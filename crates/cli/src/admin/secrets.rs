//! `new-application-secret` and `remove-application-secret`: client secrets
//! (`Add-MgApplicationPassword`, `Remove-MgApplicationPassword`).

use anyhow::Result;
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Map, Value};

use super::api::{seg, Api, Output};

/// Client secret commands.
#[derive(Subcommand, Debug)]
pub(super) enum SecretCommand {
    /// Add a client secret (Add-MgApplicationPassword); the secret text is shown only once.
    #[command(group(ArgGroup::new("expiry").args(["expires_in_days", "expires_at"])))]
    NewApplicationSecret {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// Description of the secret.
        #[arg(long)]
        display_name: Option<String>,
        /// Lifetime in days (default 180).
        #[arg(long)]
        expires_in_days: Option<i64>,
        /// Expiry as RFC 3339, e.g. 2030-01-31T00:00:00Z.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Remove a client secret (Remove-MgApplicationPassword).
    RemoveApplicationSecret {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// The secret's key id.
        #[arg(long)]
        key_id: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: SecretCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        SecretCommand::NewApplicationSecret {
            app_id,
            display_name,
            expires_in_days,
            expires_at,
        } => {
            let mut body = Map::new();
            if let Some(name) = display_name {
                body.insert("displayName".into(), json!(name));
            }
            if let Some(days) = expires_in_days {
                body.insert("expiresInDays".into(), json!(days));
            }
            if let Some(at) = expires_at {
                body.insert("expiresAt".into(), json!(at));
            }
            let secret = client
                .post(
                    &format!("/applications/{}/secrets", seg(&app_id)),
                    &Value::Object(body),
                )
                .await?;
            eprintln!("Copy secretText now: it is not shown again.");
            Output::Object(secret)
        }
        SecretCommand::RemoveApplicationSecret { app_id, key_id } => {
            client
                .delete(&format!(
                    "/applications/{}/secrets/{}",
                    seg(&app_id),
                    seg(&key_id)
                ))
                .await?;
            Output::Done(format!("Removed secret {key_id} of application {app_id}."))
        }
    })
}
