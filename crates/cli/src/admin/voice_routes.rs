//! `new-`, `get-`, `set-` and `remove-voice-route` (`*-CsOnlineVoiceRoute`), the same for
//! `voice-routing-policy` (`*-CsOnlineVoiceRoutingPolicy`), and `grant-voice-routing-policy`.

use anyhow::Result;
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Map, Value};

use super::api::{nullable, seg, Api, Output};

const ROUTE_COLUMNS: &[&str] = &[
    "identity",
    "priority",
    "numberPattern",
    "onlinePstnGatewayList",
    "onlinePstnUsages",
];
const POLICY_COLUMNS: &[&str] = &["identity", "onlinePstnUsages", "description"];

/// Voice route and routing policy commands.
#[derive(Subcommand, Debug)]
pub(super) enum VoiceRouteCommand {
    /// New-CsOnlineVoiceRoute: numbers matching a pattern go out through gateways.
    NewVoiceRoute {
        /// The route's name.
        #[arg(long)]
        identity: String,
        /// Regular expression over the +E.164 number (default .*).
        #[arg(long)]
        number_pattern: Option<String>,
        /// Gateway FQDNs in order (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        online_pstn_gateway_list: Vec<String>,
        /// Lower is tried first (default: after the last route).
        #[arg(long)]
        priority: Option<u32>,
        /// Usages (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        online_pstn_usages: Vec<String>,
        /// Free text.
        #[arg(long)]
        description: Option<String>,
    },
    /// Get-CsOnlineVoiceRoute: one route, or all in routing order.
    GetVoiceRoute {
        /// Route name; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Set-CsOnlineVoiceRoute: change the fields given (a list given replaces the list).
    SetVoiceRoute {
        /// Route name.
        #[arg(long)]
        identity: String,
        #[arg(long)]
        number_pattern: Option<String>,
        #[arg(long, value_delimiter = ',')]
        online_pstn_gateway_list: Option<Vec<String>>,
        #[arg(long)]
        priority: Option<u32>,
        #[arg(long, value_delimiter = ',')]
        online_pstn_usages: Option<Vec<String>>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Remove-CsOnlineVoiceRoute.
    RemoveVoiceRoute {
        /// Route name.
        #[arg(long)]
        identity: String,
    },
    /// New-CsOnlineVoiceRoutingPolicy: an ordered list of usages.
    NewVoiceRoutingPolicy {
        /// The policy's name.
        #[arg(long)]
        identity: String,
        /// Usages in order (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        online_pstn_usages: Vec<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Get-CsOnlineVoiceRoutingPolicy: one policy (Global too), or all.
    GetVoiceRoutingPolicy {
        /// Policy name; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Set-CsOnlineVoiceRoutingPolicy (Global too).
    #[command(group(ArgGroup::new("change").args(["online_pstn_usages", "description"]).required(true).multiple(true)))]
    SetVoiceRoutingPolicy {
        /// Policy name.
        #[arg(long)]
        identity: String,
        #[arg(long, value_delimiter = ',')]
        online_pstn_usages: Option<Vec<String>>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Remove-CsOnlineVoiceRoutingPolicy (not Global, not while granted).
    RemoveVoiceRoutingPolicy {
        /// Policy name.
        #[arg(long)]
        identity: String,
    },
    /// Grant-CsOnlineVoiceRoutingPolicy: give a user or resource account a policy ($null: Global).
    GrantVoiceRoutingPolicy {
        /// Object id or UPN of the user or application instance.
        #[arg(long)]
        identity: String,
        /// Policy name, or $null for Global.
        #[arg(long)]
        policy_name: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: VoiceRouteCommand) -> Result<Output> {
    let client = api.client;
    let tenant = api.tenant_path()?;
    let routes = format!("{tenant}/voiceRoutes");
    let policies = format!("{tenant}/voiceRoutingPolicies");
    Ok(match command {
        VoiceRouteCommand::NewVoiceRoute {
            identity,
            number_pattern,
            online_pstn_gateway_list,
            priority,
            online_pstn_usages,
            description,
        } => {
            let mut body = json!({
                "identity": identity,
                "onlinePstnGatewayList": online_pstn_gateway_list,
                "onlinePstnUsages": online_pstn_usages,
            });
            for (key, value) in [
                ("numberPattern", number_pattern.map(Value::from)),
                ("priority", priority.map(Value::from)),
                ("description", description.map(Value::from)),
            ] {
                if let Some(value) = value {
                    body[key] = value;
                }
            }
            Output::Object(client.post(&routes, &body).await?)
        }
        VoiceRouteCommand::GetVoiceRoute {
            identity: Some(identity),
        } => Output::Object(client.get(&format!("{routes}/{}", seg(&identity))).await?),
        VoiceRouteCommand::GetVoiceRoute { identity: None } => {
            Output::Table(client.get(&routes).await?, ROUTE_COLUMNS)
        }
        VoiceRouteCommand::SetVoiceRoute {
            identity,
            number_pattern,
            online_pstn_gateway_list,
            priority,
            online_pstn_usages,
            description,
        } => {
            let body = fields([
                ("numberPattern", number_pattern.map(Value::from)),
                (
                    "onlinePstnGatewayList",
                    online_pstn_gateway_list.map(Value::from),
                ),
                ("priority", priority.map(Value::from)),
                ("onlinePstnUsages", online_pstn_usages.map(Value::from)),
                ("description", description.map(Value::from)),
            ]);
            let path = format!("{routes}/{}", seg(&identity));
            Output::Object(client.patch(&path, &body).await?)
        }
        VoiceRouteCommand::RemoveVoiceRoute { identity } => {
            client
                .delete(&format!("{routes}/{}", seg(&identity)))
                .await?;
            Output::Done(format!("Removed the voice route {identity}."))
        }
        VoiceRouteCommand::NewVoiceRoutingPolicy {
            identity,
            online_pstn_usages,
            description,
        } => {
            let mut body = json!({ "identity": identity, "onlinePstnUsages": online_pstn_usages });
            if let Some(description) = description {
                body["description"] = json!(description);
            }
            Output::Object(client.post(&policies, &body).await?)
        }
        VoiceRouteCommand::GetVoiceRoutingPolicy {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!("{policies}/{}", seg(&identity)))
                .await?,
        ),
        VoiceRouteCommand::GetVoiceRoutingPolicy { identity: None } => {
            Output::Table(client.get(&policies).await?, POLICY_COLUMNS)
        }
        VoiceRouteCommand::SetVoiceRoutingPolicy {
            identity,
            online_pstn_usages,
            description,
        } => {
            let body = fields([
                ("onlinePstnUsages", online_pstn_usages.map(Value::from)),
                ("description", description.map(Value::from)),
            ]);
            let path = format!("{policies}/{}", seg(&identity));
            Output::Object(client.patch(&path, &body).await?)
        }
        VoiceRouteCommand::RemoveVoiceRoutingPolicy { identity } => {
            client
                .delete(&format!("{policies}/{}", seg(&identity)))
                .await?;
            Output::Done(format!("Removed the voice routing policy {identity}."))
        }
        VoiceRouteCommand::GrantVoiceRoutingPolicy {
            identity,
            policy_name,
        } => {
            let path = format!("{tenant}/accounts/{}/voiceRoutingPolicy", seg(&identity));
            let body = json!({ "policyName": nullable(&policy_name) });
            Output::Object(client.put(&path, &body).await?)
        }
    })
}

/// A JSON object of the fields given.
fn fields<const N: usize>(pairs: [(&str, Option<Value>); N]) -> Value {
    let mut body = Map::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            body.insert(key.to_string(), value);
        }
    }
    Value::Object(body)
}
