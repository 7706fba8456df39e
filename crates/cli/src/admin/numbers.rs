//! `new-` and `remove-phone-number` (the tenant's inventory), and `set-`, `remove-` and
//! `get-phone-number-assignment` (`*-CsPhoneNumberAssignment`): which account holds which number.

use anyhow::{anyhow, bail, Result};
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Value};

use super::api::{seg, Api, Output};
use crate::client::ApiClient;

const NUMBER_COLUMNS: &[&str] = &[
    "telephoneNumber",
    "numberType",
    "pstnAssignmentStatus",
    "assignedPstnTargetId",
    "assignedPstnTargetUpn",
];

/// Phone number commands.
#[derive(Subcommand, Debug)]
pub(super) enum NumberCommand {
    /// Acquire a number into the tenant's inventory (Teams admin center > Phone numbers > Add).
    NewPhoneNumber {
        /// E.164 number, e.g. +14255550100.
        #[arg(long)]
        phone_number: String,
        /// CallingPlan, DirectRouting or OperatorConnect.
        #[arg(long)]
        number_type: String,
    },
    /// Release an unassigned number from the inventory.
    RemovePhoneNumber {
        /// E.164 number.
        #[arg(long)]
        phone_number: String,
    },
    /// Set-CsPhoneNumberAssignment: give a number to a user or resource account.
    SetPhoneNumberAssignment {
        /// Object id or UPN of the user or application instance.
        #[arg(long)]
        identity: String,
        /// E.164 number from the inventory (or, with DirectRouting, the customer's own: it joins
        /// the inventory as it is assigned).
        #[arg(long)]
        phone_number: String,
        /// CallingPlan, DirectRouting or OperatorConnect (default: the number's type).
        #[arg(long)]
        phone_number_type: Option<String>,
    },
    /// Remove-CsPhoneNumberAssignment: take a number away (by number, or the account's number).
    #[command(group(ArgGroup::new("target").args(["identity", "phone_number"]).required(true).multiple(true)))]
    RemovePhoneNumberAssignment {
        /// Object id or UPN whose number to remove.
        #[arg(long)]
        identity: Option<String>,
        /// E.164 number to unassign.
        #[arg(long)]
        phone_number: Option<String>,
    },
    /// Get-CsPhoneNumberAssignment: one number, or the tenant's inventory.
    GetPhoneNumberAssignment {
        /// E.164 number; omit to list.
        #[arg(long)]
        telephone_number: Option<String>,
        /// Only numbers assigned to this object id.
        #[arg(long)]
        assigned_pstn_target_id: Option<String>,
    },
}

pub(super) async fn execute(api: Api<'_>, command: NumberCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        NumberCommand::NewPhoneNumber {
            phone_number,
            number_type,
        } => {
            let body = json!({ "phoneNumber": phone_number, "numberType": number_type });
            Output::Object(
                client
                    .post(&format!("{}/phoneNumbers", api.tenant_path()?), &body)
                    .await?,
            )
        }
        NumberCommand::RemovePhoneNumber { phone_number } => {
            client
                .delete(&format!(
                    "{}/phoneNumbers/{}",
                    api.tenant_path()?,
                    seg(&phone_number)
                ))
                .await?;
            Output::Done(format!("Released {phone_number} from the inventory."))
        }
        NumberCommand::SetPhoneNumberAssignment {
            identity,
            phone_number,
            phone_number_type,
        } => {
            let mut body = json!({ "identity": identity });
            if let Some(kind) = phone_number_type {
                body["phoneNumberType"] = json!(kind);
            }
            let path = format!(
                "{}/phoneNumbers/{}/assignment",
                api.tenant_path()?,
                seg(&phone_number)
            );
            Output::Object(client.post(&path, &body).await?)
        }
        NumberCommand::RemovePhoneNumberAssignment {
            identity,
            phone_number,
        } => remove_assignment(api, identity, phone_number).await?,
        NumberCommand::GetPhoneNumberAssignment {
            telephone_number: Some(number),
            ..
        } => Output::Object(
            client
                .get(&format!(
                    "{}/phoneNumbers/{}",
                    api.tenant_path()?,
                    seg(&number)
                ))
                .await?,
        ),
        NumberCommand::GetPhoneNumberAssignment {
            telephone_number: None,
            assigned_pstn_target_id,
        } => list_numbers(api, assigned_pstn_target_id).await?,
    })
}

/// Unassigns `phone_number`, or else the number `identity` holds.
async fn remove_assignment(
    api: Api<'_>,
    identity: Option<String>,
    phone_number: Option<String>,
) -> Result<Output> {
    let number = match (phone_number, identity) {
        (Some(number), _) => number,
        (None, Some(identity)) => {
            account_number(api.client, &api.tenant_path()?, &identity).await?
        }
        (None, None) => bail!("pass --phone-number or --identity"),
    };
    api.client
        .delete(&format!(
            "{}/phoneNumbers/{}/assignment",
            api.tenant_path()?,
            seg(&number)
        ))
        .await?;
    Ok(Output::Done(format!("Unassigned {number}.")))
}

/// The tenant's inventory, optionally only the numbers assigned to one object id (any case).
async fn list_numbers(api: Api<'_>, assigned_pstn_target_id: Option<String>) -> Result<Output> {
    let mut list = api
        .client
        .get(&format!("{}/phoneNumbers", api.tenant_path()?))
        .await?;
    if let (Some(target), Some(items)) = (
        assigned_pstn_target_id,
        list.get_mut("value").and_then(Value::as_array_mut),
    ) {
        items.retain(|n| {
            n["assignedPstnTargetId"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&target))
        });
    }
    Ok(Output::Table(list, NUMBER_COLUMNS))
}

/// The number held by a user or application instance (for remove-phone-number-assignment --identity).
async fn account_number(client: &ApiClient, tenant_path: &str, identity: &str) -> Result<String> {
    let instance = client
        .get(&format!(
            "{tenant_path}/applicationInstances/{}",
            seg(identity)
        ))
        .await;
    let account = match instance {
        Ok(found) => found,
        Err(_) => {
            client
                .get(&format!("{tenant_path}/users/{}", seg(identity)))
                .await?
        }
    };
    account["phoneNumber"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{identity} has no phone number"))
}
