//! `new-tenant` and `get-tenant`: tenants (directories) and their domains.

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

const TENANT_COLUMNS: &[&str] = &["id", "domain", "displayName"];

/// Tenant commands.
#[derive(Subcommand, Debug)]
pub(super) enum TenantCommand {
    /// Create a tenant (directory) with its domain.
    NewTenant {
        /// Display name, e.g. "Contoso".
        #[arg(long)]
        display_name: String,
        /// DNS domain used in user principal names, e.g. contoso.com.
        #[arg(long)]
        domain: String,
        /// Tenant id to use (default: a fresh GUID).
        #[arg(long)]
        id: Option<String>,
    },
    /// Show one tenant (by id or domain), or list all tenants.
    GetTenant {
        /// Tenant id or domain; omit to list every tenant.
        #[arg(long)]
        identity: Option<String>,
    },
}

pub(super) async fn execute(api: Api<'_>, command: TenantCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        TenantCommand::NewTenant {
            display_name,
            domain,
            id,
        } => {
            let mut body = json!({ "displayName": display_name, "domain": domain });
            if let Some(id) = id {
                body["id"] = json!(id);
            }
            Output::Object(client.post("/tenants", &body).await?)
        }
        TenantCommand::GetTenant {
            identity: Some(identity),
        } => Output::Object(client.get(&format!("/tenants/{}", seg(&identity))).await?),
        TenantCommand::GetTenant { identity: None } => {
            Output::Table(client.get("/tenants").await?, TENANT_COLUMNS)
        }
    })
}
