//! `new-`, `set-`, `sync-` and `get-application-instance`, and `set-voice-application-instance`:
//! Teams resource accounts bound to a bot (`*-CsOnlineApplicationInstance`,
//! `Set-CsOnlineVoiceApplicationInstance`).

use anyhow::{bail, Result};
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Map, Value};

use super::api::{nullable, seg, Api, Output};

const INSTANCE_COLUMNS: &[&str] = &[
    "id",
    "userPrincipalName",
    "applicationId",
    "phoneNumber",
    "acsResourceId",
    "licences",
];

/// Application instance (resource account) commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the cmdlets; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum InstanceCommand {
    /// New-CsOnlineApplicationInstance: create a resource account bound to a bot application.
    NewApplicationInstance {
        /// User principal name, e.g. bot@contoso.com.
        #[arg(long)]
        upn: String,
        /// The bot's application (client) id.
        #[arg(long)]
        application_id: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
    },
    /// Set-CsOnlineApplicationInstance: change the application, display name or ACS resource binding.
    #[command(group(ArgGroup::new("acs").args(["acs_resource_id", "clear_acs_resource"])))]
    SetApplicationInstance {
        /// Object id or UPN.
        #[arg(long)]
        identity: String,
        /// New application (client) id.
        #[arg(long)]
        application_id: Option<String>,
        /// Bind to this ACS resource (Teams Phone extensibility).
        #[arg(long)]
        acs_resource_id: Option<String>,
        /// Remove the ACS resource binding.
        #[arg(long)]
        clear_acs_resource: bool,
        /// New display name.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Sync-CsOnlineApplicationInstance.
    SyncApplicationInstance {
        /// Object id (or UPN) of the application instance.
        #[arg(long)]
        object_id: String,
    },
    /// Get-CsOnlineApplicationInstance: one instance, or all in the tenant.
    GetApplicationInstance {
        /// Object id or UPN; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Set-CsOnlineVoiceApplicationInstance -TelephoneNumber: assign (replacing) or, with "null", unassign.
    SetVoiceApplicationInstance {
        /// Object id or UPN of the application instance.
        #[arg(long)]
        identity: String,
        /// E.164 number, or null (also $null) to unassign.
        #[arg(long)]
        telephone_number: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: InstanceCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        InstanceCommand::NewApplicationInstance {
            upn,
            application_id,
            display_name,
        } => {
            let body = json!({ "userPrincipalName": upn, "applicationId": application_id, "displayName": display_name });
            Output::Object(
                client
                    .post(
                        &format!("{}/applicationInstances", api.tenant_path()?),
                        &body,
                    )
                    .await?,
            )
        }
        InstanceCommand::SetApplicationInstance {
            identity,
            application_id,
            acs_resource_id,
            clear_acs_resource,
            display_name,
        } => {
            let body = instance_changes(
                application_id,
                display_name,
                acs_resource_id,
                clear_acs_resource,
            )?;
            let path = format!(
                "{}/applicationInstances/{}",
                api.tenant_path()?,
                seg(&identity)
            );
            Output::Object(client.patch(&path, &body).await?)
        }
        InstanceCommand::SyncApplicationInstance { object_id } => {
            let path = format!(
                "{}/applicationInstances/{}/sync",
                api.tenant_path()?,
                seg(&object_id)
            );
            Output::Object(client.post(&path, &json!({})).await?)
        }
        InstanceCommand::GetApplicationInstance {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!(
                    "{}/applicationInstances/{}",
                    api.tenant_path()?,
                    seg(&identity)
                ))
                .await?,
        ),
        InstanceCommand::GetApplicationInstance { identity: None } => Output::Table(
            client
                .get(&format!("{}/applicationInstances", api.tenant_path()?))
                .await?,
            INSTANCE_COLUMNS,
        ),
        InstanceCommand::SetVoiceApplicationInstance {
            identity,
            telephone_number,
        } => {
            let path = format!(
                "{}/applicationInstances/{}/telephoneNumber",
                api.tenant_path()?,
                seg(&identity)
            );
            let body = json!({ "telephoneNumber": nullable(&telephone_number) });
            Output::Object(client.put(&path, &body).await?)
        }
    })
}

/// `set-application-instance`'s PATCH body: only the given fields; refused when none is given.
fn instance_changes(
    application_id: Option<String>,
    display_name: Option<String>,
    acs_resource_id: Option<String>,
    clear_acs_resource: bool,
) -> Result<Value> {
    let mut body = Map::new();
    if let Some(app) = application_id {
        body.insert("applicationId".into(), json!(app));
    }
    if let Some(name) = display_name {
        body.insert("displayName".into(), json!(name));
    }
    if clear_acs_resource {
        body.insert("acsResourceId".into(), Value::Null);
    } else if let Some(acs) = acs_resource_id {
        body.insert("acsResourceId".into(), nullable(&acs));
    }
    if body.is_empty() {
        bail!("nothing to change: pass --application-id, --display-name, --acs-resource-id or --clear-acs-resource");
    }
    Ok(Value::Object(body))
}
