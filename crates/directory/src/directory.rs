//! The in-memory directory: maps of records, the infallible `apply`, and every read query.

use std::collections::{BTreeMap, BTreeSet};

use ringside_model::{
    AcsResourceId, AppId, Guid, InstanceId, Licence, NumberType, Permission, TenantId, UserId, E164,
};

use crate::command::Change;
use crate::error::{not_found, precondition, DirectoryError};
use crate::records::EventSubscription;
use crate::records::{
    Account, AcsResource, AppRegistration, ApplicationInstance, Consent, ConsentState, PhoneNumber,
    ResourceAccount, Tenant, User,
};
use crate::voice::{
    CompiledPatterns, PolicyGrant, PstnGateway, SipCredential, VoiceRoute, VoiceRoutingPolicy,
};

/// Every directory record, in memory. Mutated only by [`Directory::apply`]; commands are validated by
/// [`Directory::plan`], which never mutates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub(crate) tenants: BTreeMap<TenantId, Tenant>,
    pub(crate) users: BTreeMap<(TenantId, UserId), User>,
    pub(crate) apps: BTreeMap<AppId, AppRegistration>,
    pub(crate) consents: BTreeMap<(TenantId, AppId), Consent>,
    pub(crate) instances: BTreeMap<(TenantId, InstanceId), ApplicationInstance>,
    pub(crate) numbers: BTreeMap<E164, PhoneNumber>,
    pub(crate) acs: BTreeMap<AcsResourceId, AcsResource>,
    /// (resource, lower-cased name) → subscription.
    pub(crate) event_subscriptions: BTreeMap<(AcsResourceId, String), EventSubscription>,
    /// Derived: account object id → its number. Maintained by `apply`.
    pub(crate) number_by_account: BTreeMap<Guid, E164>,
    /// Canonical gateway identity (fqdn or IP) → gateway, across tenants.
    pub(crate) gateways: BTreeMap<String, PstnGateway>,
    /// Each tenant's PSTN usage list, in order (absent: empty).
    pub(crate) pstn_usages: BTreeMap<TenantId, Vec<String>>,
    /// (tenant, lower-cased identity) → route.
    pub(crate) voice_routes: BTreeMap<(TenantId, String), VoiceRoute>,
    /// Derived: the routes' compiled number patterns. Maintained by `apply`.
    pub(crate) route_patterns: CompiledPatterns,
    /// (tenant, lower-cased identity) → policy; Global only once it was set.
    pub(crate) voice_policies: BTreeMap<(TenantId, String), VoiceRoutingPolicy>,
    /// (tenant, account object id) → the policy granted to it.
    pub(crate) policy_grants: BTreeMap<(TenantId, Guid), PolicyGrant>,
    /// Lower-cased SIP username → credential, across tenants.
    pub(crate) sip_credentials: BTreeMap<String, SipCredential>,
    /// Derived: (tenant, user) → lower-cased SIP username. Maintained by `apply`.
    pub(crate) sip_username_by_user: BTreeMap<(TenantId, UserId), String>,
}

/// Filter for [`Directory::resource_accounts`] (Graph's `$filter=appId eq '…'`, or by ACS resource).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceAccountFilter {
    pub app_id: Option<AppId>,
    pub acs_resource: Option<AcsResourceId>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Directory {
        Directory::default()
    }

    /// Applies planned (or loaded) changes. Infallible: a `Put` replaces, a `Delete` of a missing record
    /// is a no-op.
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match change {
                Change::PutTenant(t) => {
                    self.tenants.insert(t.id, t.clone());
                }
                Change::PutUser(u) => {
                    self.users.insert((u.tenant, u.id), u.clone());
                }
                Change::DeleteUser { tenant, id } => {
                    self.users.remove(&(*tenant, *id));
                }
                Change::PutApplication(a) => {
                    self.apps.insert(a.app_id, a.clone());
                }
                Change::PutConsent(c) => {
                    self.consents.insert((c.tenant, c.app), c.clone());
                }
                Change::DeleteConsent { tenant, app_id } => {
                    self.consents.remove(&(*tenant, *app_id));
                }
                Change::PutInstance(i) => {
                    self.instances.insert((i.tenant, i.id), i.clone());
                }
                Change::PutNumber(n) => {
                    self.forget_owner_of(&n.number);
                    if let Some(owner) = n.assigned_to {
                        self.number_by_account.insert(owner, n.number.clone());
                    }
                    self.numbers.insert(n.number.clone(), n.clone());
                }
                Change::DeleteNumber { number } => {
                    self.forget_owner_of(number);
                    self.numbers.remove(number);
                }
                Change::PutAcsResource(r) => {
                    self.acs.insert(r.id, r.clone());
                }
                Change::PutEventSubscription(s) => {
                    self.event_subscriptions
                        .insert((s.resource, s.name.to_ascii_lowercase()), s.clone());
                }
                Change::DeleteEventSubscription { resource, name } => {
                    self.event_subscriptions
                        .remove(&(*resource, name.to_ascii_lowercase()));
                }
                voice => self.apply_voice(voice),
            }
        }
    }

    fn forget_owner_of(&mut self, number: &E164) {
        if let Some(owner) = self.numbers.get(number).and_then(|old| old.assigned_to) {
            if self.number_by_account.get(&owner) == Some(number) {
                self.number_by_account.remove(&owner);
            }
        }
    }

    /// Every record as a `Put` change, in an order that `apply` and a store with foreign keys accept.
    pub fn snapshot(&self) -> Vec<Change> {
        let mut changes = Vec::new();
        changes.extend(self.tenants.values().cloned().map(Change::PutTenant));
        changes.extend(self.acs.values().cloned().map(Change::PutAcsResource));
        changes.extend(self.apps.values().cloned().map(Change::PutApplication));
        changes.extend(self.consents.values().cloned().map(Change::PutConsent));
        changes.extend(self.users.values().cloned().map(Change::PutUser));
        changes.extend(self.instances.values().cloned().map(Change::PutInstance));
        changes.extend(self.numbers.values().cloned().map(Change::PutNumber));
        changes.extend(
            self.event_subscriptions
                .values()
                .cloned()
                .map(Change::PutEventSubscription),
        );
        changes.extend(self.voice_snapshot());
        changes
    }

    // ----- tenants -----

    pub fn tenant(&self, id: TenantId) -> Option<&Tenant> {
        self.tenants.get(&id)
    }

    pub fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.values()
    }

    /// The tenant whose domain is `domain` (case-insensitive).
    pub fn tenant_by_domain(&self, domain: &str) -> Option<&Tenant> {
        self.tenants
            .values()
            .find(|t| t.domain.eq_ignore_ascii_case(domain))
    }

    pub(crate) fn require_tenant(&self, id: TenantId) -> Result<&Tenant, DirectoryError> {
        self.tenant(id)
            .ok_or_else(|| not_found(format!("tenant {id} does not exist")))
    }

    // ----- users -----

    pub fn user(&self, tenant: TenantId, id: UserId) -> Option<&User> {
        self.users.get(&(tenant, id))
    }

    /// The tenant's users, by id.
    pub fn users(&self, tenant: TenantId) -> impl Iterator<Item = &User> {
        self.users.range(range_of(tenant, UserId)).map(|(_, u)| u)
    }

    // ----- applications -----

    pub fn application(&self, app_id: AppId) -> Option<&AppRegistration> {
        self.apps.get(&app_id)
    }

    pub fn applications(&self) -> impl Iterator<Item = &AppRegistration> {
        self.apps.values()
    }

    /// The app whose service principal has this object id.
    pub fn application_by_service_principal(&self, id: Guid) -> Option<&AppRegistration> {
        self.apps.values().find(|a| a.service_principal_id == id)
    }

    pub(crate) fn require_app(&self, app_id: AppId) -> Result<&AppRegistration, DirectoryError> {
        self.application(app_id)
            .ok_or_else(|| not_found(format!("application {app_id} does not exist")))
    }

    // ----- consent -----

    pub fn consent(&self, tenant: TenantId, app_id: AppId) -> Option<&Consent> {
        self.consents.get(&(tenant, app_id))
    }

    /// Every consent granted in a tenant.
    pub fn consents(&self, tenant: TenantId) -> impl Iterator<Item = &Consent> {
        self.consents.range(range_of(tenant, AppId)).map(|(_, c)| c)
    }

    /// The roles a token for `app_id` in `tenant` carries: the permissions granted there (empty without
    /// consent). A requested-but-not-granted permission is not included.
    pub fn roles_for(&self, tenant: TenantId, app_id: AppId) -> BTreeSet<Permission> {
        self.consent(tenant, app_id)
            .map(|c| c.granted.clone())
            .unwrap_or_default()
    }

    /// Requested vs granted for an app in a tenant.
    pub fn consent_state(
        &self,
        tenant: TenantId,
        app_id: AppId,
    ) -> Result<ConsentState, DirectoryError> {
        self.require_tenant(tenant)?;
        let app = self.require_app(app_id)?;
        let consent = self.consent(tenant, app_id);
        let granted = consent.map(|c| c.granted.clone()).unwrap_or_default();
        Ok(ConsentState {
            tenant,
            app: app_id,
            consent_required: consent.is_none() || granted != app.requested,
            requested: app.requested.clone(),
            granted,
            granted_at: consent.map(|c| c.granted_at),
        })
    }

    // ----- application instances -----

    pub fn instance(&self, tenant: TenantId, id: InstanceId) -> Option<&ApplicationInstance> {
        self.instances.get(&(tenant, id))
    }

    /// An application instance by id, whatever its tenant (instance ids are GUIDs).
    pub fn instance_by_id(&self, id: InstanceId) -> Option<&ApplicationInstance> {
        self.tenants().find_map(|t| self.instance(t.id, id))
    }

    /// The tenant's application instances, by id.
    pub fn instances(&self, tenant: TenantId) -> impl Iterator<Item = &ApplicationInstance> {
        self.instances
            .range(range_of(tenant, InstanceId))
            .map(|(_, i)| i)
    }

    /// Graph's `resourceAccounts`: the tenant's instances with their numbers, optionally filtered.
    pub fn resource_accounts(
        &self,
        tenant: TenantId,
        filter: ResourceAccountFilter,
    ) -> Vec<ResourceAccount<'_>> {
        self.instances(tenant)
            .filter(|i| filter.app_id.is_none_or(|a| i.app_id == a))
            .filter(|i| {
                filter
                    .acs_resource
                    .is_none_or(|r| i.acs_resource == Some(r))
            })
            .map(|instance| ResourceAccount {
                instance,
                number: self.number_of(instance.id.guid()),
            })
            .collect()
    }

    // ----- accounts (users and instances) -----

    /// The user or application instance with this object id in the tenant.
    pub fn account(&self, tenant: TenantId, id: Guid) -> Option<Account<'_>> {
        if let Some(u) = self.users.get(&(tenant, UserId(id))) {
            return Some(Account::User(u));
        }
        self.instances
            .get(&(tenant, InstanceId(id)))
            .map(Account::Instance)
    }

    /// The user or application instance with this UPN in the tenant (case-insensitive).
    pub fn account_by_upn(&self, tenant: TenantId, upn: &str) -> Option<Account<'_>> {
        self.users(tenant)
            .find(|u| u.upn.eq_ignore_ascii_case(upn))
            .map(Account::User)
            .or_else(|| {
                self.instances(tenant)
                    .find(|i| i.upn.eq_ignore_ascii_case(upn))
                    .map(Account::Instance)
            })
    }

    /// Is this object id used by any user or instance in any tenant?
    pub(crate) fn object_id_in_use(&self, id: Guid) -> bool {
        self.users.keys().any(|(_, u)| u.guid() == id)
            || self.instances.keys().any(|(_, i)| i.guid() == id)
    }

    // ----- numbers -----

    /// The inventory record of a number, in whichever tenant holds it.
    pub fn number(&self, number: &E164) -> Option<&PhoneNumber> {
        self.numbers.get(number)
    }

    /// The tenant's number inventory, by number.
    pub fn numbers(&self, tenant: TenantId) -> impl Iterator<Item = &PhoneNumber> {
        self.numbers.values().filter(move |n| n.tenant == tenant)
    }

    /// The number assigned to an account (user or instance object id).
    pub fn number_of(&self, account: Guid) -> Option<&PhoneNumber> {
        self.number_by_account
            .get(&account)
            .and_then(|n| self.numbers.get(n))
    }

    /// The account a number is assigned to, if any.
    pub fn number_owner(&self, number: &E164) -> Option<Account<'_>> {
        let record = self.numbers.get(number)?;
        self.account(record.tenant, record.assigned_to?)
    }

    /// Where a call to this number goes: the owning tenant and account.
    pub fn route_number(&self, number: &E164) -> Option<(TenantId, Account<'_>)> {
        self.number_owner(number).map(|a| (a.tenant(), a))
    }

    /// May this instance place outbound PSTN calls? It needs a number, and for a Calling Plan number a
    /// Calling Plan licence.
    pub fn outbound_pstn_allowed(
        &self,
        tenant: TenantId,
        instance: InstanceId,
    ) -> Result<(), DirectoryError> {
        let record = self.instance(tenant, instance).ok_or_else(|| {
            not_found(format!(
                "application instance {instance} does not exist in tenant {tenant}"
            ))
        })?;
        let number = self.number_of(instance.guid()).ok_or_else(|| {
            precondition(format!(
                "application instance '{}' has no phone number; assign one before calling the PSTN",
                record.upn
            ))
        })?;
        if number.number_type == NumberType::CallingPlan
            && !record.licences.contains(&Licence::CallingPlan)
        {
            return Err(precondition(format!(
                "application instance '{}' has the Calling Plan number {} but no callingPlan licence; \
                 assign one before calling the PSTN",
                record.upn, number.number
            )));
        }
        Ok(())
    }

    // ----- ACS resources -----

    pub fn acs_resource(&self, id: AcsResourceId) -> Option<&AcsResource> {
        self.acs.get(&id)
    }

    pub fn acs_resources(&self) -> impl Iterator<Item = &AcsResource> {
        self.acs.values()
    }

    /// The resource with this name (case-insensitive).
    pub fn acs_resource_by_name(&self, name: &str) -> Option<&AcsResource> {
        self.acs
            .values()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// An ACS resource's event subscriptions, by name.
    pub fn event_subscriptions(
        &self,
        resource: AcsResourceId,
    ) -> impl Iterator<Item = &EventSubscription> {
        self.event_subscriptions
            .range((resource, String::new())..)
            .take_while(move |((r, _), _)| *r == resource)
            .map(|(_, s)| s)
    }

    /// One event subscription by name (case-insensitive).
    pub fn event_subscription(
        &self,
        resource: AcsResourceId,
        name: &str,
    ) -> Option<&EventSubscription> {
        self.event_subscriptions
            .get(&(resource, name.to_ascii_lowercase()))
    }

    /// Checks the cross-record invariants the planner maintains; `Err` names the first violation.
    /// Used by tests (here and in the store) after every applied command.
    pub fn check_invariants(&self) -> Result<(), String> {
        for ((tenant, id), u) in &self.users {
            if u.tenant != *tenant || u.id != *id || !self.tenants.contains_key(tenant) {
                return Err(format!("user {id} is keyed wrongly or has no tenant"));
            }
        }
        for ((tenant, id), i) in &self.instances {
            if i.tenant != *tenant || i.id != *id || !self.tenants.contains_key(tenant) {
                return Err(format!("instance {id} is keyed wrongly or has no tenant"));
            }
            if !self.apps.contains_key(&i.app_id) {
                return Err(format!("instance {id} names missing app {}", i.app_id));
            }
            if let Some(r) = i.acs_resource {
                if !self.acs.contains_key(&r) {
                    return Err(format!("instance {id} names missing ACS resource {r}"));
                }
            }
        }
        for tenant in self.tenants.keys() {
            let mut upns = BTreeSet::new();
            let all = self
                .users(*tenant)
                .map(|u| &u.upn)
                .chain(self.instances(*tenant).map(|i| &i.upn));
            for upn in all {
                if !upns.insert(upn.to_ascii_lowercase()) {
                    return Err(format!("UPN {upn} is used twice in tenant {tenant}"));
                }
            }
        }
        let mut owners = BTreeSet::new();
        for n in self.numbers.values() {
            if let Some(owner) = n.assigned_to {
                let account = self.account(n.tenant, owner).ok_or_else(|| {
                    format!("{} is assigned to missing account {owner}", n.number)
                })?;
                if !owners.insert(owner) {
                    return Err(format!("account {owner} holds more than one number"));
                }
                if !account.licences().contains(&account.number_licence()) {
                    return Err(format!(
                        "{} holds {} without its licence",
                        account.describe(),
                        n.number
                    ));
                }
                if self.number_by_account.get(&owner) != Some(&n.number) {
                    return Err(format!("number index is stale for {}", n.number));
                }
            }
        }
        if owners.len() != self.number_by_account.len() {
            return Err("number index has entries for unassigned numbers".to_string());
        }
        for c in self.consents.values() {
            if !self.tenants.contains_key(&c.tenant) || !self.apps.contains_key(&c.app) {
                return Err(format!("consent of {} in {} dangles", c.app, c.tenant));
            }
        }
        self.check_voice_invariants()
    }
}

/// Every key of one tenant in a map keyed by `(TenantId, id)`.
fn range_of<K: Ord>(
    tenant: TenantId,
    make: fn(Guid) -> K,
) -> std::ops::RangeInclusive<(TenantId, K)> {
    (tenant, make(Guid::from_u128(0)))..=(tenant, make(Guid::from_u128(u128::MAX)))
}
