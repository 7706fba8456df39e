//! Dev mode's Direct Routing seed: a softphone or SIPp on this machine is a trunk. An enabled
//! gateway `127.0.0.1` (Ringside dials it on port 5080, UDP: a carrier, a SIPp UAS or a softphone
//! listening there; calls *from* 127.0.0.1 with a `+E.164` caller come in through it), the usage
//! `Dev`, the route `dev-trunk` (the fictional `+1 555 …` numbers through that gateway — every
//! other external number stays a simulated phone), the Global policy with `Dev`, and a SIP
//! credential for each dev user (its password generated once and kept in dev-state.json).

use anyhow::{anyhow, Result};
use ringside_directory::{Command, PstnGateway, SipTransport, GLOBAL_POLICY};
use ringside_model::{TenantId, UserId};

use super::Seeder;

/// The dev trunk: the loopback address.
pub(super) const DEV_GATEWAY: &str = "127.0.0.1";
/// The port Ringside dials it on (Ringside's own SIP listener has 5060).
const DEV_GATEWAY_PORT: u16 = 5080;
/// The dev tenant's one PSTN usage.
pub(super) const DEV_USAGE: &str = "Dev";
/// The route that sends the trunk's numbers to it.
pub(super) const DEV_ROUTE: &str = "dev-trunk";
/// Its pattern: the `+1 555 xxx xxxx` numbers (fictional; no simulated phone uses them).
const DEV_ROUTE_PATTERN: &str = r"^\+1555\d{7}$";

impl Seeder<'_> {
    /// The gateway, usage, route and Global policy, each only when missing (the Global policy's
    /// usages only while it has none: an admin's later choice stays).
    pub(super) fn direct_routing(&self) -> Result<()> {
        let tenant = self.tenant;
        let ours = self.holds(|d| d.pstn_gateway(tenant, DEV_GATEWAY).is_some());
        let theirs = self.holds(|d| d.pstn_gateway_for_host(DEV_GATEWAY).is_some());
        if !ours && !theirs {
            self.execute(Command::NewPstnGateway {
                gateway: PstnGateway {
                    sip_signaling_port: DEV_GATEWAY_PORT,
                    transport: SipTransport::Udp,
                    enabled: true,
                    description: "Dev: a softphone or SIPp on this machine".into(),
                    ..PstnGateway::with_defaults(tenant, DEV_GATEWAY)
                },
            })?;
        }
        if !self.holds(|d| {
            d.pstn_usages(tenant)
                .iter()
                .any(|u| u.eq_ignore_ascii_case(DEV_USAGE))
        }) {
            self.execute(Command::SetPstnUsages {
                tenant,
                add: vec![DEV_USAGE.into()],
                remove: vec![],
            })?;
        }
        let has_gateway = self.holds(|d| d.pstn_gateway(tenant, DEV_GATEWAY).is_some());
        if !self.holds(|d| d.voice_route(tenant, DEV_ROUTE).is_some()) {
            self.execute(Command::NewVoiceRoute {
                tenant,
                identity: DEV_ROUTE.into(),
                number_pattern: Some(DEV_ROUTE_PATTERN.into()),
                gateways: if has_gateway {
                    vec![DEV_GATEWAY.into()]
                } else {
                    vec![]
                },
                priority: None,
                usages: vec![DEV_USAGE.into()],
                description: "Dev: every number to the softphone or SIPp on this machine".into(),
            })?;
        }
        if self.holds(|d| {
            d.voice_routing_policy(tenant, GLOBAL_POLICY)
                .is_some_and(|p| p.usages.is_empty())
        }) {
            self.execute(Command::SetVoiceRoutingPolicy {
                tenant,
                identity: GLOBAL_POLICY.into(),
                usages: Some(vec![DEV_USAGE.into()]),
                description: None,
            })?;
        }
        Ok(())
    }

    /// Each dev user's SIP credential, when it has none: the UPN's local part (or, if another
    /// tenant's user took it, the local part and the tenant's first 8 hex digits) and the
    /// password from dev-state.json.
    pub(super) fn sip_credentials(&self) -> Result<()> {
        let tenant = self.tenant;
        for (user, password) in self.dev.user_ids.iter().zip(&self.dev.sip_passwords) {
            let Some(local) = self.holds_value(|d| {
                d.user(tenant, *user)
                    .filter(|_| d.sip_username_of(tenant, *user).is_none())
                    .map(|u| u.upn.split('@').next().unwrap_or_default().to_string())
            }) else {
                continue;
            };
            let username = if self.holds(|d| d.sip_credential(&local).is_some()) {
                format!("{local}-{}", &tenant.to_string()[..8])
            } else {
                local
            };
            self.execute(Command::SetSipCredential {
                tenant,
                user: *user,
                username: Some(username),
                password: password.clone(),
            })?;
        }
        Ok(())
    }
}

/// One generated SIP password per dev user, for files written before dev users had them.
pub(super) fn fill_passwords(passwords: &mut Vec<String>, users: usize) -> Result<bool> {
    let missing = passwords.len() < users;
    while passwords.len() < users {
        passwords.push(
            crate::state::new_sip_password()
                .ok_or_else(|| anyhow!("the system random generator failed"))?,
        );
    }
    Ok(missing)
}

/// dev.json `users[].sip`: the user's credential as the directory holds it.
pub(super) fn render_sip(
    d: &ringside_directory::Directory,
    tenant: TenantId,
    user: UserId,
) -> Option<super::DevSip> {
    d.sip_credential_of(tenant, user).map(|c| super::DevSip {
        username: c.username.clone(),
        password: c.password.clone(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ringside_directory::GLOBAL_POLICY;
    use ringside_model::E164;

    use super::*;
    use crate::testing::TestPlatform;

    #[tokio::test]
    async fn dev_mode_seeds_a_loopback_trunk_and_credentials_that_survive_restarts() {
        let p = TestPlatform::start();
        let info = crate::devmode::prepare(&p.state, Path::new("ca.pem")).expect("prepare");
        let tenant = TenantId(ringside_model::Guid::parse(&info.tenant_id).expect("tenant"));
        p.state.directory().read(|d| {
            let gateway = d.pstn_gateway(tenant, DEV_GATEWAY).expect("gateway");
            assert_eq!(
                (
                    gateway.enabled,
                    gateway.sip_signaling_port,
                    gateway.transport
                ),
                (true, 5080, SipTransport::Udp)
            );
            assert_eq!(d.pstn_usages(tenant), [DEV_USAGE]);
            assert_eq!(
                d.voice_routing_policy(tenant, GLOBAL_POLICY)
                    .map(|p| p.usages),
                Some(vec![DEV_USAGE.to_string()])
            );
            let other = E164::parse("+4930123456789").expect("number");
            assert!(
                d.outbound_gateways(tenant, None, &other).is_empty(),
                "other numbers stay simulated phones"
            );
            let number = E164::parse("+15550001234").expect("number");
            let out: Vec<&str> = d
                .outbound_gateways(tenant, None, &number)
                .into_iter()
                .map(|g| g.fqdn.as_str())
                .collect();
            assert_eq!(
                out,
                [DEV_GATEWAY],
                "the trunk's numbers go out through the dev trunk"
            );
            assert_eq!(
                d.pstn_gateway_for_host("127.0.0.1").map(|g| g.tenant),
                Some(tenant)
            );
        });
        assert_eq!(info.users.len(), 3);
        // dev.json lists users by object id (random): find adele by name.
        let index = |info: &crate::DevInfo| {
            info.users
                .iter()
                .position(|u| u.user_principal_name.starts_with("adele@"))
                .expect("adele")
        };
        let at = index(&info);
        assert!(info.users.iter().all(|u| u.sip.is_some()), "every dev user");
        let adele = info.users[at].sip.clone().expect("users[].sip");
        assert_eq!(adele.username, "adele");
        assert!(adele.password.len() >= 24);
        let (_, user, password) = p
            .state
            .directory()
            .read(|d| {
                d.sip_credential("adele")
                    .map(|(t, u, pw)| (t, u, pw.to_string()))
            })
            .expect("credential");
        assert_eq!(
            (user.to_string(), password),
            (info.users[at].id.clone(), adele.password.clone())
        );

        // A second start changes nothing; dev.json shows the same passwords.
        let again = crate::devmode::prepare(&p.state, Path::new("ca.pem")).expect("again");
        assert_eq!(
            again.users[index(&again)].sip.as_ref().map(|s| &s.password),
            Some(&adele.password)
        );

        // An older dev-state.json without passwords gets them on start; existing credentials stay.
        let path = p.state.data_dir().join("dev-state.json");
        let mut file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        file.as_object_mut().expect("object").remove("sipPasswords");
        std::fs::write(&path, file.to_string()).expect("write");
        let upgraded = crate::devmode::prepare(&p.state, Path::new("ca.pem")).expect("upgrade");
        let rewritten: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(rewritten["sipPasswords"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            upgraded.users[index(&upgraded)]
                .sip
                .as_ref()
                .map(|s| &s.password),
            Some(&adele.password)
        );
    }

    #[test]
    fn dev_json_carries_the_sip_object_only_when_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let info: crate::DevInfo = serde_json::from_value(serde_json::json!({
            "tenantId": "t", "tenantDomain": "d", "url": "u", "authority": "a",
            "authorityHost": "h", "graphBaseUrl": "g", "graphBetaUrl": "b",
            "openidConfigurationUrl": "o", "jwksUri": "j", "tokenEndpoint": "e",
            "caCertPath": "c", "adminToken": "k",
            "app": {"clientId": "c", "clientSecret": "s", "displayName": "n", "permissions": [], "redirectUri": "r"},
            "acs": {"connectionString": "c", "resourceId": "r", "endpoint": "e", "name": "n", "accessKey": "k"},
            "users": [], "resourceAccounts": [], "spareNumbers": []
        }))
        .expect("DevInfo");
        let read = |dir: &Path| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join("dev.json")).expect("read"))
                .expect("json")
        };
        crate::devmode::write_dev_json(dir.path(), &info).expect("write");
        assert!(read(dir.path()).get("sip").is_none());
        let sip = serde_json::json!({"domain": "dev.ringside.test", "udp": "127.0.0.1:5060"});
        crate::devmode::write_dev_json_with_sip(dir.path(), &info, Some(sip.clone()))
            .expect("write");
        assert_eq!(read(dir.path())["sip"], sip);
    }
}
