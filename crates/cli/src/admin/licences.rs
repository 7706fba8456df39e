//! `set-licence`, `remove-licence` and `get-licence`: the licences of a user or application instance
//! (`Set-MgUserLicense`).

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

/// Licence commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the cmdlets; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum LicenceCommand {
    /// Assign a licence (Set-MgUserLicense): teamsPhoneResourceAccount (resource accounts),
    /// teamsPhone (users), callingPlan (either); SKU names work too.
    SetLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
        /// Licence name or SKU (PHONESYSTEM_VIRTUALUSER, MCOEV, MCOPSTN1).
        #[arg(long)]
        licence: String,
    },
    /// Remove a licence; refused while the account's number depends on it.
    RemoveLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
        /// Licence name or SKU.
        #[arg(long)]
        licence: String,
    },
    /// Show an account's licences.
    GetLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: LicenceCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        LicenceCommand::SetLicence { identity, licence } => {
            let path = format!(
                "{}/accounts/{}/licences",
                api.tenant_path()?,
                seg(&identity)
            );
            Output::Object(client.post(&path, &json!({ "licence": licence })).await?)
        }
        LicenceCommand::RemoveLicence { identity, licence } => {
            client
                .delete(&format!(
                    "{}/accounts/{}/licences/{}",
                    api.tenant_path()?,
                    seg(&identity),
                    seg(&licence)
                ))
                .await?;
            Output::Done(format!("Removed licence {licence} from {identity}."))
        }
        LicenceCommand::GetLicence { identity } => Output::Object(
            client
                .get(&format!(
                    "{}/accounts/{}/licences",
                    api.tenant_path()?,
                    seg(&identity)
                ))
                .await?,
        ),
    })
}
