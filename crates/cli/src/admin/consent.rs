//! `grant-admin-consent`, `revoke-admin-consent` and `get-admin-consent`: a tenant's admin consent to
//! an app's requested permissions.

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

const CONSENT_COLUMNS: &[&str] = &["appId", "consentRequired", "grantedPermissions"];

/// Admin consent commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the cmdlets; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum ConsentCommand {
    /// Grant tenant-wide admin consent for exactly the app's currently requested permissions.
    GrantAdminConsent {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
    },
    /// Revoke a tenant's admin consent for an app.
    RevokeAdminConsent {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
    },
    /// Show requested vs granted permissions of an app in the tenant.
    GetAdminConsent {
        /// Application (client) id; omit to list the tenant's consents.
        #[arg(long)]
        app_id: Option<String>,
    },
}

pub(super) async fn execute(api: Api<'_>, command: ConsentCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        ConsentCommand::GrantAdminConsent { app_id } => Output::Object(
            client
                .put(
                    &format!("{}/consents/{}", api.tenant_path()?, seg(&app_id)),
                    &json!({}),
                )
                .await?,
        ),
        ConsentCommand::RevokeAdminConsent { app_id } => {
            client
                .delete(&format!("{}/consents/{}", api.tenant_path()?, seg(&app_id)))
                .await?;
            Output::Done(format!("Revoked admin consent for application {app_id}."))
        }
        ConsentCommand::GetAdminConsent {
            app_id: Some(app_id),
        } => Output::Object(
            client
                .get(&format!("{}/consents/{}", api.tenant_path()?, seg(&app_id)))
                .await?,
        ),
        ConsentCommand::GetAdminConsent { app_id: None } => Output::Table(
            client
                .get(&format!("{}/consents", api.tenant_path()?))
                .await?,
            CONSENT_COLUMNS,
        ),
    })
}
