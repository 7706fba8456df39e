//! `ringside admin …`: provisioning commands named after the Teams PowerShell / Entra cmdlets they
//! replace, each a thin call to `/ringside/v1` with `--json` for scripts and a compact table or
//! `key: value` lines for people. This module holds the options and the dispatch; each resource's
//! commands live in their own submodule, what they share in `api`, the printing in `render`. Direct
//! Routing's commands drop the cmdlets' `CsOnline` as the others do (`new-pstn-gateway` for
//! `New-CsOnlinePSTNGateway`); users' SIP credentials are a Ringside extension.

mod acs;
mod api;
mod applications;
mod consent;
mod event_subscriptions;
mod gateways;
mod instances;
mod licences;
mod numbers;
mod render;
mod secrets;
mod sip_credentials;
mod tenants;
mod users;
mod voice_routes;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::client::{ApiClient, ConnectArgs};
use api::{Api, Output};

/// `ringside admin` options.
#[derive(Args, Debug)]
pub(crate) struct AdminArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Print the server's JSON response instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Tenant id (GUID) or domain; defaults to the dev tenant from dev.json.
    #[arg(long, global = true, env = "RINGSIDE_TENANT")]
    tenant: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

/// Provisioning commands: every resource's subcommands side by side (`ringside admin new-user`, not
/// `ringside admin users new`), in the order the help lists them.
#[derive(Subcommand, Debug)]
enum AdminCommand {
    #[command(flatten)]
    Tenants(tenants::TenantCommand),
    #[command(flatten)]
    Users(users::UserCommand),
    #[command(flatten)]
    Applications(applications::ApplicationCommand),
    #[command(flatten)]
    Secrets(secrets::SecretCommand),
    #[command(flatten)]
    Consent(consent::ConsentCommand),
    #[command(flatten)]
    Instances(instances::InstanceCommand),
    #[command(flatten)]
    Licences(licences::LicenceCommand),
    #[command(flatten)]
    Numbers(numbers::NumberCommand),
    #[command(flatten)]
    Acs(acs::AcsCommand),
    #[command(flatten)]
    EventSubscriptions(event_subscriptions::EventSubscriptionCommand),
    #[command(flatten)]
    Gateways(gateways::GatewayCommand),
    #[command(flatten)]
    VoiceRoutes(voice_routes::VoiceRouteCommand),
    #[command(flatten)]
    SipCredentials(sip_credentials::SipCredentialCommand),
}

pub(crate) async fn run(args: AdminArgs) -> Result<()> {
    let client = ApiClient::connect(&args.connect)?;
    let json_output = args.json;
    let api = Api {
        client: &client,
        tenant: args.tenant.as_deref(),
    };
    let output = execute(api, args.command).await?;
    print!("{}", render::render(&output, json_output));
    Ok(())
}

/// Runs one command through its resource's module.
async fn execute(api: Api<'_>, command: AdminCommand) -> Result<Output> {
    match command {
        AdminCommand::Tenants(command) => tenants::execute(api, command).await,
        AdminCommand::Users(command) => users::execute(api, command).await,
        AdminCommand::Applications(command) => applications::execute(api, command).await,
        AdminCommand::Secrets(command) => secrets::execute(api, command).await,
        AdminCommand::Consent(command) => consent::execute(api, command).await,
        AdminCommand::Instances(command) => instances::execute(api, command).await,
        AdminCommand::Licences(command) => licences::execute(api, command).await,
        AdminCommand::Numbers(command) => numbers::execute(api, command).await,
        AdminCommand::Acs(command) => acs::execute(api, command).await,
        AdminCommand::EventSubscriptions(command) => {
            event_subscriptions::execute(api, command).await
        }
        AdminCommand::Gateways(command) => gateways::execute(api, command).await,
        AdminCommand::VoiceRoutes(command) => voice_routes::execute(api, command).await,
        AdminCommand::SipCredentials(command) => sip_credentials::execute(api, command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use applications::ApplicationCommand;
    use clap::Parser;
    use instances::InstanceCommand;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        admin: AdminArgs,
    }

    fn parse(args: &[&str]) -> Result<AdminArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("admin").chain(args.iter().copied())).map(|c| c.admin)
    }

    #[test]
    fn commands_are_named_after_the_cmdlets() {
        let args = parse(&[
            "new-application-instance",
            "--upn",
            "bot@contoso.com",
            "--application-id",
            "x",
            "--display-name",
            "Bot",
        ])
        .expect("parses");
        assert!(
            matches!(args.command, AdminCommand::Instances(InstanceCommand::NewApplicationInstance { ref upn, .. }) if upn == "bot@contoso.com")
        );
        let args = parse(&[
            "set-voice-application-instance",
            "--identity",
            "bot@contoso.com",
            "--telephone-number",
            "$null",
            "--json",
        ])
        .expect("parses");
        assert!(args.json);
        let args = parse(&[
            "new-application",
            "--display-name",
            "B",
            "--permission",
            "Calls.Initiate.All,Calls.AccessMedia.All",
        ])
        .expect("parses");
        assert!(
            matches!(args.command, AdminCommand::Applications(ApplicationCommand::NewApplication(ref new)) if new.permissions.len() == 2)
        );
        for name in [
            "sync-application-instance --object-id x",
            "get-application-instance",
            "new-phone-number --phone-number +14255550100 --number-type CallingPlan",
            "set-phone-number-assignment --identity a --phone-number +1 --phone-number-type CallingPlan",
            "remove-phone-number-assignment --phone-number +14255550100",
            "get-phone-number-assignment --telephone-number +14255550100",
            "set-licence --identity a --licence callingPlan",
            "remove-licence --identity a --licence callingPlan",
            "new-user --upn a@b.com --display-name A",
            "get-user",
            "remove-user --identity a",
            "get-application",
            "new-application-secret --app-id x --expires-in-days 3",
            "set-application-permissions --app-id x --permission Calls.Initiate.All",
            "grant-admin-consent --app-id x",
            "revoke-admin-consent --app-id x",
            "new-tenant --display-name C --domain c.com",
            "get-tenant",
            "new-acs-resource --name acs",
            "get-acs-resource",
            "rotate-acs-key --id x --key-type secondary",
            "new-event-subscription --acs-resource-id x --name incoming --endpoint https://a.b/c",
            "new-event-subscription --acs-resource-id x --name in --endpoint https://a.b/c --included-event-type Microsoft.Communication.RecordingFileStatusUpdated --event-delivery-schema CloudEventSchemaV1_0 --to-raw-id 28:orgid:x",
            "get-event-subscription --acs-resource-id x",
            "remove-event-subscription --acs-resource-id x --name incoming",
            "new-pstn-gateway --fqdn sbc.contoso.com --sip-signaling-port 5067 --transport udp --enabled true --max-concurrent-sessions 10 --username u --password p",
            "get-pstn-gateway",
            "set-pstn-gateway --identity sbc.contoso.com --enabled false --clear-credentials",
            "remove-pstn-gateway --identity sbc.contoso.com",
            "get-pstn-usage",
            "set-pstn-usage --add US,EU --remove Old",
            "new-voice-route --identity us --number-pattern ^\\+1 --online-pstn-gateway-list a.b.c,d.e.f --priority 1 --online-pstn-usages US",
            "get-voice-route --identity us",
            "set-voice-route --identity us --priority 0",
            "remove-voice-route --identity us",
            "new-voice-routing-policy --identity Sales --online-pstn-usages US,EU",
            "get-voice-routing-policy --identity Global",
            "set-voice-routing-policy --identity Global --online-pstn-usages US",
            "remove-voice-routing-policy --identity Sales",
            "grant-voice-routing-policy --identity adele@contoso.com --policy-name $null",
            "set-sip-credential --user adele",
            "set-sip-credential --identity adele@contoso.com --username desk --password a-long-password",
            "get-sip-credential --user adele",
            "remove-sip-credential --user adele",
            "set-phone-number-assignment --identity a --phone-number +14255550177 --phone-number-type DirectRouting",
        ] {
            let words: Vec<&str> = name.split(' ').collect();
            parse(&words).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn conflicting_or_missing_options_are_refused() {
        assert!(parse(&[
            "set-application-instance",
            "--identity",
            "a",
            "--acs-resource-id",
            "x",
            "--clear-acs-resource"
        ])
        .is_err());
        assert!(parse(&[
            "new-application-secret",
            "--app-id",
            "x",
            "--expires-in-days",
            "3",
            "--expires-at",
            "2030-01-01T00:00:00Z"
        ])
        .is_err());
        assert!(parse(&["remove-phone-number-assignment"]).is_err());
        assert!(parse(&["rotate-acs-key", "--id", "x", "--key-type", "tertiary"]).is_err());
        assert!(parse(&["new-application-instance", "--upn", "a@b.com"]).is_err());
        assert!(parse(&["set-pstn-usage"]).is_err(), "add or remove needed");
        assert!(parse(&["new-pstn-gateway", "--fqdn", "a.b.c", "--username", "u"]).is_err());
        assert!(parse(&[
            "set-pstn-gateway",
            "--identity",
            "a.b.c",
            "--username",
            "u",
            "--password",
            "p",
            "--clear-credentials"
        ])
        .is_err());
        assert!(parse(&["new-pstn-gateway", "--fqdn", "a.b.c", "--enabled", "maybe"]).is_err());
        assert!(parse(&["set-voice-routing-policy", "--identity", "Global"]).is_err());
    }

    #[test]
    fn direct_routing_options_reach_the_commands() {
        let args = parse(&["set-pstn-usage", "--add", "US,EU", "--add", "APAC"]).expect("parses");
        assert!(
            matches!(args.command, AdminCommand::Gateways(gateways::GatewayCommand::SetPstnUsage { ref add, .. }) if add == &["US", "EU", "APAC"])
        );
        let args = parse(&["set-sip-credential", "--user", "adele"]).expect("parses");
        assert!(
            matches!(args.command, AdminCommand::SipCredentials(sip_credentials::SipCredentialCommand::SetSipCredential { ref identity, password: None, .. }) if identity == "adele")
        );
    }
}
