//! `new-`, `get-`, `set-` and `remove-pstn-gateway` (`*-CsOnlinePSTNGateway`) and `get-` and
//! `set-pstn-usage` (`*-CsOnlinePstnUsage`): a tenant's Direct Routing trunks and its usage list.

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{json, Map, Value};

use super::api::{seg, Api, Output};

const GATEWAY_COLUMNS: &[&str] = &[
    "fqdn",
    "sipSignalingPort",
    "transport",
    "enabled",
    "maxConcurrentSessions",
    "hasCredentials",
];

/// Gateway and usage commands.
#[derive(Subcommand, Debug)]
pub(super) enum GatewayCommand {
    /// New-CsOnlinePSTNGateway: add an SBC or carrier trunk (disabled unless --enabled true).
    NewPstnGateway {
        /// The SBC's FQDN or IP address (its identity).
        #[arg(long)]
        fqdn: String,
        #[command(flatten)]
        settings: GatewaySettings,
    },
    /// Get-CsOnlinePSTNGateway: one gateway, or the tenant's gateways.
    GetPstnGateway {
        /// FQDN or IP address; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Set-CsOnlinePSTNGateway: change the settings given.
    #[command(group(ArgGroup::new("credentials").args(["username", "clear_credentials"])))]
    SetPstnGateway {
        /// FQDN or IP address.
        #[arg(long)]
        identity: String,
        #[command(flatten)]
        settings: GatewaySettings,
        /// Remove the digest credentials.
        #[arg(long)]
        clear_credentials: bool,
    },
    /// Remove-CsOnlinePSTNGateway (refused while a voice route lists it).
    RemovePstnGateway {
        /// FQDN or IP address.
        #[arg(long)]
        identity: String,
    },
    /// Get-CsOnlinePstnUsage: the tenant's usage list.
    GetPstnUsage,
    /// Set-CsOnlinePstnUsage -Usage @{add=…; remove=…}.
    #[command(group(ArgGroup::new("change").args(["add", "remove"]).required(true).multiple(true)))]
    SetPstnUsage {
        /// Usage to add (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        add: Vec<String>,
        /// Usage to remove (repeatable or comma-separated).
        #[arg(long, value_delimiter = ',')]
        remove: Vec<String>,
    },
}

/// The gateway settings `new-` and `set-pstn-gateway` share (absent: default, or unchanged).
#[derive(Args, Debug)]
pub(super) struct GatewaySettings {
    /// SIP port (default 5061).
    #[arg(long)]
    sip_signaling_port: Option<u32>,
    /// udp, tcp or tls (default tls).
    #[arg(long)]
    transport: Option<String>,
    /// true or false (default false).
    #[arg(long)]
    enabled: Option<bool>,
    /// Most concurrent calls (1 to 100000).
    #[arg(long)]
    max_concurrent_sessions: Option<u32>,
    /// true or false (default true).
    #[arg(long)]
    send_sip_options: Option<bool>,
    /// true or false (default false).
    #[arg(long)]
    forward_pai: Option<bool>,
    /// SIP codes that fail over to the next gateway (default 408,503,504).
    #[arg(long)]
    failover_response_codes: Option<String>,
    /// Seconds before failing over (default 10).
    #[arg(long)]
    failover_time_seconds: Option<u32>,
    /// Free text.
    #[arg(long)]
    description: Option<String>,
    /// Digest username for a carrier that challenges (with --password).
    #[arg(long, requires = "password")]
    username: Option<String>,
    /// Digest password (write-only).
    #[arg(long, requires = "username")]
    password: Option<String>,
}

impl GatewaySettings {
    /// The settings given, as the API's body fields.
    fn body(self) -> Map<String, Value> {
        let mut body = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                body.insert(key.to_string(), value);
            }
        };
        put("sipSignalingPort", self.sip_signaling_port.map(Value::from));
        put("transport", self.transport.map(Value::from));
        put("enabled", self.enabled.map(Value::from));
        put(
            "maxConcurrentSessions",
            self.max_concurrent_sessions.map(Value::from),
        );
        put("sendSipOptions", self.send_sip_options.map(Value::from));
        put("forwardPai", self.forward_pai.map(Value::from));
        put(
            "failoverResponseCodes",
            self.failover_response_codes.map(Value::from),
        );
        put(
            "failoverTimeSeconds",
            self.failover_time_seconds.map(Value::from),
        );
        put("description", self.description.map(Value::from));
        put("username", self.username.map(Value::from));
        put("password", self.password.map(Value::from));
        body
    }
}

pub(super) async fn execute(api: Api<'_>, command: GatewayCommand) -> Result<Output> {
    let client = api.client;
    let gateways = format!("{}/pstnGateways", api.tenant_path()?);
    Ok(match command {
        GatewayCommand::NewPstnGateway { fqdn, settings } => {
            let mut body = settings.body();
            body.insert("fqdn".into(), json!(fqdn));
            Output::Object(client.post(&gateways, &Value::Object(body)).await?)
        }
        GatewayCommand::GetPstnGateway {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!("{gateways}/{}", seg(&identity)))
                .await?,
        ),
        GatewayCommand::GetPstnGateway { identity: None } => {
            Output::Table(client.get(&gateways).await?, GATEWAY_COLUMNS)
        }
        GatewayCommand::SetPstnGateway {
            identity,
            settings,
            clear_credentials,
        } => {
            let mut body = settings.body();
            if clear_credentials {
                body.insert("username".into(), Value::Null);
                body.insert("password".into(), Value::Null);
            }
            let path = format!("{gateways}/{}", seg(&identity));
            Output::Object(client.patch(&path, &Value::Object(body)).await?)
        }
        GatewayCommand::RemovePstnGateway { identity } => {
            client
                .delete(&format!("{gateways}/{}", seg(&identity)))
                .await?;
            Output::Done(format!("Removed the PSTN gateway {identity}."))
        }
        GatewayCommand::GetPstnUsage => Output::Object(
            client
                .get(&format!("{}/pstnUsages", api.tenant_path()?))
                .await?,
        ),
        GatewayCommand::SetPstnUsage { add, remove } => Output::Object(
            client
                .patch(
                    &format!("{}/pstnUsages", api.tenant_path()?),
                    &json!({ "add": add, "remove": remove }),
                )
                .await?,
        ),
    })
}
