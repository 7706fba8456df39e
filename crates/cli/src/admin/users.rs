//! `new-user`, `get-user` and `remove-user`: directory (Teams) users (`New-MgUser`, `Get-MgUser`,
//! `Remove-MgUser`).

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

const USER_COLUMNS: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "licences",
    "phoneNumber",
];

/// User commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the cmdlets; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum UserCommand {
    /// Create a directory (Teams) user (New-MgUser), optionally licensed.
    NewUser {
        /// User principal name, e.g. adele@contoso.com.
        #[arg(long)]
        upn: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Licence to assign: teamsPhone, callingPlan (repeatable).
        #[arg(long = "licence")]
        licences: Vec<String>,
        /// Object id to use (default: a fresh GUID).
        #[arg(long)]
        id: Option<String>,
    },
    /// Show one user (by object id or UPN), or list the tenant's users (Get-MgUser).
    GetUser {
        /// Object id or UPN; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Delete a user (Remove-MgUser); its phone number returns to the inventory.
    RemoveUser {
        /// Object id or UPN.
        #[arg(long)]
        identity: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: UserCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        UserCommand::NewUser {
            upn,
            display_name,
            licences,
            id,
        } => {
            let mut body = json!({ "userPrincipalName": upn, "displayName": display_name, "licences": licences });
            if let Some(id) = id {
                body["id"] = json!(id);
            }
            Output::Object(
                client
                    .post(&format!("{}/users", api.tenant_path()?), &body)
                    .await?,
            )
        }
        UserCommand::GetUser {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!("{}/users/{}", api.tenant_path()?, seg(&identity)))
                .await?,
        ),
        UserCommand::GetUser { identity: None } => Output::Table(
            client.get(&format!("{}/users", api.tenant_path()?)).await?,
            USER_COLUMNS,
        ),
        UserCommand::RemoveUser { identity } => {
            client
                .delete(&format!("{}/users/{}", api.tenant_path()?, seg(&identity)))
                .await?;
            Output::Done(format!("Removed user {identity}."))
        }
    })
}
