//! `new-acs-resource`, `get-acs-resource` and `rotate-acs-key`: Azure Communication Services
//! resources (endpoint and access keys, shown as a connection string).

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

const ACS_COLUMNS: &[&str] = &["id", "name", "displayName", "endpoint", "tenantId"];

/// ACS resource commands.
#[derive(Subcommand, Debug)]
pub(super) enum AcsCommand {
    /// Create an Azure Communication Services resource (endpoint + access keys → connection string).
    NewAcsResource {
        /// Resource name (a DNS label), e.g. contoso-acs.
        #[arg(long)]
        name: String,
        /// Display name (default: the name).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Show one ACS resource with its connection string, or list all.
    GetAcsResource {
        /// Resource id; omit to list.
        #[arg(long)]
        id: Option<String>,
    },
    /// Regenerate an ACS access key.
    RotateAcsKey {
        /// Resource id.
        #[arg(long)]
        id: String,
        /// primary or secondary.
        #[arg(long, value_parser = ["primary", "secondary"])]
        key_type: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: AcsCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        AcsCommand::NewAcsResource { name, display_name } => {
            let body =
                json!({ "tenantId": api.tenant()?, "name": name, "displayName": display_name });
            Output::Object(client.post("/acsResources", &body).await?)
        }
        AcsCommand::GetAcsResource { id: Some(id) } => {
            Output::Object(client.get(&format!("/acsResources/{}", seg(&id))).await?)
        }
        AcsCommand::GetAcsResource { id: None } => {
            Output::Table(client.get("/acsResources").await?, ACS_COLUMNS)
        }
        AcsCommand::RotateAcsKey { id, key_type } => {
            let path = format!("/acsResources/{}/keys/rotate", seg(&id));
            Output::Object(client.post(&path, &json!({ "keyType": key_type })).await?)
        }
    })
}
