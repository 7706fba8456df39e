//! `set-`, `get-` and `remove-sip-credential` (a Ringside extension): the SIP credential a user's
//! softphone registers with. `--identity` (alias `--user`) takes an object id, a UPN, or a bare
//! local part completed with the tenant's domain (`adele`).

use anyhow::{anyhow, Result};
use clap::Subcommand;
use serde_json::{json, Value};

use super::api::{seg, Api, Output};

/// SIP credential commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the resource; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum SipCredentialCommand {
    /// Give a user a SIP credential (replacing any); prints the password once.
    SetSipCredential {
        /// Object id, UPN, or the UPN's local part.
        #[arg(long, visible_alias = "user")]
        identity: String,
        /// SIP username (default: the current one, else the UPN's local part).
        #[arg(long)]
        username: Option<String>,
        /// Password, 12 to 128 characters (default: 24 generated letters and digits).
        #[arg(long)]
        password: Option<String>,
    },
    /// Show a user's SIP username.
    GetSipCredential {
        /// Object id, UPN, or the UPN's local part.
        #[arg(long, visible_alias = "user")]
        identity: String,
    },
    /// Remove a user's SIP credential.
    RemoveSipCredential {
        /// Object id, UPN, or the UPN's local part.
        #[arg(long, visible_alias = "user")]
        identity: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: SipCredentialCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        SipCredentialCommand::SetSipCredential {
            identity,
            username,
            password,
        } => {
            let path = credential_path(api, &identity).await?;
            let mut body = json!({});
            if let Some(username) = username {
                body["username"] = json!(username);
            }
            if let Some(password) = password {
                body["password"] = json!(password);
            }
            Output::Object(client.put(&path, &body).await?)
        }
        SipCredentialCommand::GetSipCredential { identity } => {
            Output::Object(client.get(&credential_path(api, &identity).await?).await?)
        }
        SipCredentialCommand::RemoveSipCredential { identity } => {
            client
                .delete(&credential_path(api, &identity).await?)
                .await?;
            Output::Done(format!("Removed the SIP credential of {identity}."))
        }
    })
}

/// `…/users/{upn or id}/sipCredential`, a bare local part completed with the tenant's domain.
async fn credential_path(api: Api<'_>, identity: &str) -> Result<String> {
    let tenant = api.tenant_path()?;
    let user = if identity.contains('@') || is_guid(identity) {
        identity.to_string()
    } else {
        let domain = api
            .client
            .get(&tenant)
            .await?
            .get("domain")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the tenant has no domain to complete '{identity}' with"))?;
        format!("{identity}@{domain}")
    };
    Ok(format!("{tenant}/users/{}/sipCredential", seg(&user)))
}

/// 8-4-4-4-12 hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_told_from_local_parts() {
        assert!(is_guid("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_guid("adele"));
        assert!(!is_guid("0f8fad5b-d9cb-469f-a165-70867728950"));
    }
}
