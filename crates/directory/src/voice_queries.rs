//! Direct Routing in the in-memory directory: applying its changes, its snapshot and invariants,
//! and the reads — the admin views (gateways, usages, routes, policies, grants, credentials) and
//! the queries a SIP gateway asks: which trunk an inbound INVITE came from, which gateways an
//! outbound call tries (Teams' routing algorithm), and whose SIP credential a username is.

use std::collections::BTreeSet;

use ringside_model::{Guid, TenantId, UserId, E164};

use crate::command::Change;
use crate::directory::Directory;
use crate::validate;
use crate::voice::{
    compile_number_pattern, PstnGateway, SipCredential, VoiceRoute, VoiceRoutingPolicy,
    GLOBAL_POLICY,
};

impl Directory {
    /// Applies one Direct Routing change (the other kinds are applied by `apply` itself).
    pub(crate) fn apply_voice(&mut self, change: &Change) {
        match change {
            Change::PutPstnGateway(g) => {
                self.gateways.insert(g.fqdn.clone(), g.clone());
            }
            Change::DeletePstnGateway { fqdn } => {
                self.gateways.remove(fqdn);
            }
            Change::PutPstnUsages { tenant, usages } => {
                if usages.is_empty() {
                    self.pstn_usages.remove(tenant);
                } else {
                    self.pstn_usages.insert(*tenant, usages.clone());
                }
            }
            Change::PutVoiceRoute(r) => {
                let key = (r.tenant, r.identity.to_ascii_lowercase());
                // A stored pattern always compiled when it was planned; a corrupt one never matches.
                match compile_number_pattern(&r.number_pattern) {
                    Ok(regex) => self.route_patterns.0.insert(key.clone(), regex),
                    Err(_) => self.route_patterns.0.remove(&key),
                };
                self.voice_routes.insert(key, r.clone());
            }
            Change::DeleteVoiceRoute { tenant, identity } => {
                let key = (*tenant, identity.to_ascii_lowercase());
                self.route_patterns.0.remove(&key);
                self.voice_routes.remove(&key);
            }
            Change::PutVoiceRoutingPolicy(p) => {
                self.voice_policies
                    .insert((p.tenant, p.identity.to_ascii_lowercase()), p.clone());
            }
            Change::DeleteVoiceRoutingPolicy { tenant, identity } => {
                self.voice_policies
                    .remove(&(*tenant, identity.to_ascii_lowercase()));
            }
            Change::PutPolicyGrant(g) => {
                self.policy_grants.insert((g.tenant, g.account), g.clone());
            }
            Change::DeletePolicyGrant { tenant, account } => {
                self.policy_grants.remove(&(*tenant, *account));
            }
            Change::PutSipCredential(c) => {
                let key = c.username.to_ascii_lowercase();
                if let Some(old) = self.sip_username_by_user.remove(&(c.tenant, c.user)) {
                    self.sip_credentials.remove(&old);
                }
                self.sip_username_by_user
                    .insert((c.tenant, c.user), key.clone());
                self.sip_credentials.insert(key, c.clone());
            }
            Change::DeleteSipCredential { username } => {
                if let Some(old) = self.sip_credentials.remove(&username.to_ascii_lowercase()) {
                    self.sip_username_by_user.remove(&(old.tenant, old.user));
                }
            }
            _ => {}
        }
    }

    /// Every Direct Routing record as a `Put` change (gateways before the routes naming them).
    pub(crate) fn voice_snapshot(&self) -> Vec<Change> {
        let mut changes: Vec<Change> = Vec::new();
        changes.extend(self.gateways.values().cloned().map(Change::PutPstnGateway));
        changes.extend(
            self.pstn_usages
                .iter()
                .map(|(tenant, usages)| Change::PutPstnUsages {
                    tenant: *tenant,
                    usages: usages.clone(),
                }),
        );
        changes.extend(
            self.voice_routes
                .values()
                .cloned()
                .map(Change::PutVoiceRoute),
        );
        changes.extend(
            self.voice_policies
                .values()
                .cloned()
                .map(Change::PutVoiceRoutingPolicy),
        );
        changes.extend(
            self.policy_grants
                .values()
                .cloned()
                .map(Change::PutPolicyGrant),
        );
        changes.extend(
            self.sip_credentials
                .values()
                .cloned()
                .map(Change::PutSipCredential),
        );
        changes
    }

    // ----- PSTN gateways -----

    /// The tenant's gateways, by identity.
    pub fn pstn_gateways(&self, tenant: TenantId) -> impl Iterator<Item = &PstnGateway> {
        self.gateways.values().filter(move |g| g.tenant == tenant)
    }

    /// One of the tenant's gateways by identity (any case; an IPv6 literal with or without brackets).
    pub fn pstn_gateway(&self, tenant: TenantId, fqdn: &str) -> Option<&PstnGateway> {
        self.pstn_gateway_for_host(fqdn)
            .filter(|g| g.tenant == tenant)
    }

    /// Inbound trunk identification: the gateway (of any tenant) whose identity is `host` — the
    /// INVITE's source IP (matched to a gateway whose fqdn is that IP literal) or a host name (an
    /// FQDN compared case-insensitively). The caller resolves nothing; enabled or not is the
    /// caller's to judge.
    pub fn pstn_gateway_for_host(&self, host: &str) -> Option<&PstnGateway> {
        let key = validate::ip_literal(host).unwrap_or_else(|| host.to_ascii_lowercase());
        self.gateways.get(&key)
    }

    // ----- usages, routes, policies -----

    /// The tenant's PSTN usages, in order.
    pub fn pstn_usages(&self, tenant: TenantId) -> &[String] {
        self.pstn_usages
            .get(&tenant)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The tenant's voice routes in routing order: ascending priority, ties by identity.
    pub fn voice_routes(&self, tenant: TenantId) -> Vec<&VoiceRoute> {
        let mut routes: Vec<&VoiceRoute> = self
            .voice_routes
            .range((tenant, String::new())..)
            .take_while(|((t, _), _)| *t == tenant)
            .map(|(_, r)| r)
            .collect();
        routes.sort_by_key(|r| (r.priority, r.identity.to_ascii_lowercase()));
        routes
    }

    /// One route by identity (case-insensitive).
    pub fn voice_route(&self, tenant: TenantId, identity: &str) -> Option<&VoiceRoute> {
        self.voice_routes
            .get(&(tenant, identity.to_ascii_lowercase()))
    }

    /// One policy by identity (case-insensitive; Teams' `Tag:` prefix accepted). The Global policy
    /// always exists: empty until it is set.
    pub fn voice_routing_policy(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> Option<VoiceRoutingPolicy> {
        let name = policy_name(identity);
        match self
            .voice_policies
            .get(&(tenant, name.to_ascii_lowercase()))
        {
            Some(policy) => Some(policy.clone()),
            None if name.eq_ignore_ascii_case(GLOBAL_POLICY) && self.tenant(tenant).is_some() => {
                Some(VoiceRoutingPolicy::global(tenant))
            }
            None => None,
        }
    }

    /// The tenant's policies, Global first, then by identity.
    pub fn voice_routing_policies(&self, tenant: TenantId) -> Vec<VoiceRoutingPolicy> {
        let mut policies: Vec<VoiceRoutingPolicy> = self
            .voice_routing_policy(tenant, GLOBAL_POLICY)
            .into_iter()
            .collect();
        policies.extend(
            self.voice_policies
                .range((tenant, String::new())..)
                .take_while(|((t, _), _)| *t == tenant)
                .map(|(_, p)| p)
                .filter(|p| !p.is_global())
                .cloned(),
        );
        policies
    }

    /// The policy explicitly granted to an account (`None`: the account follows Global).
    pub fn granted_voice_routing_policy(&self, tenant: TenantId, account: Guid) -> Option<&str> {
        self.policy_grants
            .get(&(tenant, account))
            .map(|g| g.policy.as_str())
    }

    /// The accounts a policy is granted to.
    pub fn policy_grantees(&self, tenant: TenantId, identity: &str) -> Vec<Guid> {
        self.policy_grants
            .values()
            .filter(|g| g.tenant == tenant && g.policy.eq_ignore_ascii_case(identity))
            .map(|g| g.account)
            .collect()
    }

    /// Outbound routing, as Teams does it: the caller's granted policy (else Global) → its usages
    /// in order → for each usage, the routes carrying it by ascending priority whose pattern
    /// matches the `+E.164` number → their gateways in list order. Enabled gateways only,
    /// each once, order kept. Empty: no route (the call cannot go out).
    pub fn outbound_gateways(
        &self,
        tenant: TenantId,
        caller: Option<Guid>,
        number: &E164,
    ) -> Vec<&PstnGateway> {
        let granted = caller.and_then(|c| self.granted_voice_routing_policy(tenant, c));
        let policy = granted
            .and_then(|name| {
                self.voice_policies
                    .get(&(tenant, name.to_ascii_lowercase()))
            })
            .or_else(|| {
                self.voice_policies
                    .get(&(tenant, GLOBAL_POLICY.to_ascii_lowercase()))
            });
        let Some(policy) = policy else {
            return Vec::new();
        };
        let routes = self.voice_routes(tenant);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for usage in &policy.usages {
            for route in routes.iter().filter(|r| r.usages.contains(usage)) {
                if !self.route_matches(route, number) {
                    continue;
                }
                for fqdn in &route.gateways {
                    let Some(gateway) = self.gateways.get(fqdn) else {
                        continue;
                    };
                    if gateway.enabled && gateway.tenant == tenant && seen.insert(fqdn.as_str()) {
                        out.push(gateway);
                    }
                }
            }
        }
        out
    }

    fn route_matches(&self, route: &VoiceRoute, number: &E164) -> bool {
        self.route_patterns
            .0
            .get(&(route.tenant, route.identity.to_ascii_lowercase()))
            .is_some_and(|regex| regex.is_match(number.as_str()))
    }

    // ----- SIP credentials -----

    /// Whose SIP credential `username` is (case-insensitive), with its password.
    pub fn sip_credential(&self, username: &str) -> Option<(TenantId, UserId, &str)> {
        self.sip_credentials
            .get(&username.to_ascii_lowercase())
            .map(|c| (c.tenant, c.user, c.password.as_str()))
    }

    /// A user's SIP username, if it has a credential.
    pub fn sip_username_of(&self, tenant: TenantId, user: UserId) -> Option<&str> {
        self.sip_credential_of(tenant, user)
            .map(|c| c.username.as_str())
    }

    /// A user's SIP credential record.
    pub fn sip_credential_of(&self, tenant: TenantId, user: UserId) -> Option<&SipCredential> {
        self.sip_username_by_user
            .get(&(tenant, user))
            .and_then(|key| self.sip_credentials.get(key))
    }

    /// The Direct Routing invariants: every record's tenant exists; routes name existing gateways
    /// of their tenant and usages of its list; policies name listed usages; grants name existing
    /// accounts and policies; credentials belong to existing users, one each.
    pub(crate) fn check_voice_invariants(&self) -> Result<(), String> {
        for g in self.gateways.values() {
            if !self.tenants.contains_key(&g.tenant) {
                return Err(format!("gateway {} has no tenant", g.fqdn));
            }
        }
        for r in self.voice_routes.values() {
            let usages = self.pstn_usages(r.tenant);
            if let Some(u) = r.usages.iter().find(|u| !usages.contains(u)) {
                return Err(format!("route {} carries unlisted usage {u}", r.identity));
            }
            if let Some(g) = r.gateways.iter().find(|g| {
                self.gateways
                    .get(g.as_str())
                    .is_none_or(|gw| gw.tenant != r.tenant)
            }) {
                return Err(format!("route {} names missing gateway {g}", r.identity));
            }
        }
        for p in self.voice_policies.values() {
            let usages = self.pstn_usages(p.tenant);
            if let Some(u) = p.usages.iter().find(|u| !usages.contains(u)) {
                return Err(format!("policy {} carries unlisted usage {u}", p.identity));
            }
        }
        for g in self.policy_grants.values() {
            if self.account(g.tenant, g.account).is_none() {
                return Err(format!("policy grant to missing account {}", g.account));
            }
            if !self
                .voice_policies
                .contains_key(&(g.tenant, g.policy.to_ascii_lowercase()))
            {
                return Err(format!("grant of missing policy {}", g.policy));
            }
        }
        for (key, c) in &self.sip_credentials {
            if self.user(c.tenant, c.user).is_none() {
                return Err(format!("SIP credential {} of missing user", c.username));
            }
            if self.sip_username_by_user.get(&(c.tenant, c.user)) != Some(key) {
                return Err(format!("SIP username index is stale for {}", c.username));
            }
        }
        if self.sip_username_by_user.len() != self.sip_credentials.len() {
            return Err("SIP username index has extra entries".to_string());
        }
        Ok(())
    }
}

/// A policy name without Teams' `Tag:` prefix.
pub(crate) fn policy_name(identity: &str) -> &str {
    let trimmed = identity.trim();
    match trimmed.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("tag:") => trimmed[4..].trim(),
        _ => trimmed,
    }
}
