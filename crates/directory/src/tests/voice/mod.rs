//! Direct Routing: this module holds the command builders; [`provisioning`] tests PSTN gateways,
//! the usage list, voice routes and voice routing policies with their grants; [`queries`] the
//! gateway's queries (outbound routing order, inbound trunks), SIP credentials, Direct Routing
//! number assignment and snapshots.

mod provisioning;
mod queries;

use super::*;
use crate::{GatewayPatch, PstnGateway, SipTransport, VoiceRoutePatch, GLOBAL_POLICY};

fn gw(fqdn: &str) -> PstnGateway {
    PstnGateway {
        enabled: true,
        ..PstnGateway::with_defaults(T, fqdn)
    }
}
fn new_gw(fqdn: &str) -> Command {
    Command::NewPstnGateway { gateway: gw(fqdn) }
}
fn usages(add: &[&str], remove: &[&str]) -> Command {
    Command::SetPstnUsages {
        tenant: T,
        add: add.iter().map(|s| s.to_string()).collect(),
        remove: remove.iter().map(|s| s.to_string()).collect(),
    }
}
fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
fn route(
    identity: &str,
    pattern: &str,
    gateways: &[&str],
    priority: Option<u32>,
    u: &[&str],
) -> Command {
    Command::NewVoiceRoute {
        tenant: T,
        identity: identity.into(),
        number_pattern: Some(pattern.into()),
        gateways: strings(gateways),
        priority,
        usages: strings(u),
        description: String::new(),
    }
}
fn policy(identity: &str, u: &[&str]) -> Command {
    Command::NewVoiceRoutingPolicy {
        tenant: T,
        identity: identity.into(),
        usages: strings(u),
        description: String::new(),
    }
}
fn set_policy(identity: &str, u: &[&str]) -> Command {
    Command::SetVoiceRoutingPolicy {
        tenant: T,
        identity: identity.into(),
        usages: Some(strings(u)),
        description: None,
    }
}
fn grant(account: Guid, name: Option<&str>) -> Command {
    Command::GrantVoiceRoutingPolicy {
        tenant: T,
        account,
        policy: name.map(str::to_string),
    }
}
fn credential(user: UserId, username: Option<&str>, password: &str) -> Command {
    Command::SetSipCredential {
        tenant: T,
        user,
        username: username.map(str::to_string),
        password: password.into(),
    }
}
const PASSWORD: &str = "correct-horse-battery";
