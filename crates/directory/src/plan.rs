//! `Directory::plan`: validates one command against the current state and returns its changes.

use std::collections::BTreeSet;

use ringside_model::{Guid, InstanceId, Licence, Permission, TenantId, E164};

use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, precondition, DirectoryError};
use crate::records::{
    Account, AcsKeyKind, AcsResource, AppRegistration, ApplicationInstance, BotRegistration,
    Consent, PhoneNumber, SecretRecord, Tenant, User,
};
use crate::records::{EventSubscription, ACS_EVENT_TYPES, MAX_EVENT_SUBSCRIPTIONS};
use crate::validate;

/// Most secrets one app may hold at once.
pub const MAX_SECRETS: usize = 50;

impl Directory {
    /// Validates `command` against the current state at `now` (unix seconds) and returns the record
    /// changes that carry it out. Never mutates; an empty list means the command is already satisfied.
    pub fn plan(&self, now: i64, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateTenant {
                id,
                display_name,
                domain,
            } => {
                validate::display_name("tenant display name", display_name)?;
                validate::domain(domain)?;
                if self.tenant(*id).is_some() {
                    return Err(conflict(format!("tenant {id} already exists")));
                }
                if let Some(other) = self.tenant_by_domain(domain) {
                    return Err(conflict(format!(
                        "domain '{domain}' already belongs to tenant {}",
                        other.id
                    )));
                }
                Ok(vec![Change::PutTenant(Tenant {
                    id: *id,
                    display_name: display_name.clone(),
                    domain: domain.to_ascii_lowercase(),
                })])
            }

            Command::CreateUser {
                tenant,
                id,
                upn,
                display_name,
            } => {
                self.require_tenant(*tenant)?;
                validate::upn(upn)?;
                validate::display_name("display name", display_name)?;
                self.check_new_account(*tenant, id.guid(), upn)?;
                Ok(vec![Change::PutUser(User {
                    tenant: *tenant,
                    id: *id,
                    upn: upn.clone(),
                    display_name: display_name.clone(),
                    licences: BTreeSet::new(),
                })])
            }

            Command::DeleteUser { tenant, id } => {
                self.require_tenant(*tenant)?;
                let user = self.user(*tenant, *id).ok_or_else(|| {
                    not_found(format!("user {id} does not exist in tenant {tenant}"))
                })?;
                let mut changes = Vec::new();
                if let Some(number) = self.number_of(user.id.guid()) {
                    changes.push(Change::PutNumber(PhoneNumber {
                        assigned_to: None,
                        ..number.clone()
                    }));
                }
                changes.push(Change::DeleteUser {
                    tenant: *tenant,
                    id: *id,
                });
                Ok(changes)
            }

            Command::CreateApplication {
                app_id,
                home_tenant,
                display_name,
                service_principal_id,
                requested,
                redirect_uris,
                bot,
            } => {
                self.require_tenant(*home_tenant)?;
                validate::display_name("application display name", display_name)?;
                check_redirect_uris(redirect_uris)?;
                check_bot(bot)?;
                if self.application(*app_id).is_some() {
                    return Err(conflict(format!("application {app_id} already exists")));
                }
                if let Some(other) = self.application_by_service_principal(*service_principal_id) {
                    return Err(conflict(format!(
                        "service principal id {service_principal_id} is already used by application {}",
                        other.app_id
                    )));
                }
                Ok(vec![Change::PutApplication(AppRegistration {
                    app_id: *app_id,
                    home_tenant: *home_tenant,
                    display_name: display_name.clone(),
                    service_principal_id: *service_principal_id,
                    secrets: Vec::new(),
                    requested: requested.clone(),
                    redirect_uris: dedup(redirect_uris),
                    bot: bot.clone(),
                })])
            }

            Command::UpdateApplication {
                app_id,
                display_name,
                requested,
                redirect_uris,
                bot,
            } => {
                let mut app = self.require_app(*app_id)?.clone();
                if let Some(name) = display_name {
                    validate::display_name("application display name", name)?;
                    app.display_name = name.clone();
                }
                if let Some(uris) = redirect_uris {
                    check_redirect_uris(uris)?;
                    app.redirect_uris = dedup(uris);
                }
                if let Some(bot) = bot {
                    check_bot(bot)?;
                    app.bot = bot.clone();
                }
                if let Some(requested) = requested {
                    // Consent is deliberately left alone (seed 000 "Important").
                    app.requested = requested.clone();
                }
                Ok(vec![Change::PutApplication(app)])
            }

            Command::AddSecret {
                app_id,
                key_id,
                display_name,
                hint,
                hash,
                expires_at,
            } => {
                let mut app = self.require_app(*app_id)?.clone();
                validate::display_name("secret display name", display_name)?;
                if hint.is_empty() || hint.chars().count() > 3 {
                    return Err(invalid(
                        "a secret hint is the first 1 to 3 characters of the secret",
                    ));
                }
                if hash.is_empty() {
                    return Err(invalid("a secret needs a hash"));
                }
                if *expires_at <= now {
                    return Err(invalid(format!(
                        "a secret must expire in the future (expiresAt {expires_at} <= now {now})"
                    )));
                }
                if app.secret(*key_id).is_some() {
                    return Err(conflict(format!(
                        "application {app_id} already has secret {key_id}"
                    )));
                }
                if app.secrets.len() >= MAX_SECRETS {
                    return Err(precondition(format!(
                        "application {app_id} already has {MAX_SECRETS} secrets; remove one first"
                    )));
                }
                app.secrets.push(SecretRecord {
                    key_id: *key_id,
                    display_name: display_name.clone(),
                    hint: hint.clone(),
                    hash: hash.clone(),
                    created_at: now,
                    expires_at: *expires_at,
                });
                Ok(vec![Change::PutApplication(app)])
            }

            Command::RemoveSecret { app_id, key_id } => {
                let mut app = self.require_app(*app_id)?.clone();
                let before = app.secrets.len();
                app.secrets.retain(|s| s.key_id != *key_id);
                if app.secrets.len() == before {
                    return Err(not_found(format!(
                        "application {app_id} has no secret {key_id}"
                    )));
                }
                Ok(vec![Change::PutApplication(app)])
            }

            Command::GrantConsent { tenant, app_id } => {
                self.require_tenant(*tenant)?;
                let app = self.require_app(*app_id)?;
                Ok(vec![Change::PutConsent(Consent {
                    tenant: *tenant,
                    app: *app_id,
                    granted: app.requested.clone(),
                    granted_at: now,
                })])
            }

            Command::RevokeConsent { tenant, app_id } => {
                self.require_tenant(*tenant)?;
                self.require_app(*app_id)?;
                if self.consent(*tenant, *app_id).is_none() {
                    return Err(not_found(format!(
                        "tenant {tenant} has not consented to application {app_id}"
                    )));
                }
                Ok(vec![Change::DeleteConsent {
                    tenant: *tenant,
                    app_id: *app_id,
                }])
            }

            Command::CreateApplicationInstance {
                tenant,
                id,
                upn,
                app_id,
                display_name,
            } => {
                self.require_tenant(*tenant)?;
                validate::upn(upn)?;
                validate::display_name("display name", display_name)?;
                self.require_app(*app_id)?;
                self.check_new_account(*tenant, id.guid(), upn)?;
                Ok(vec![Change::PutInstance(ApplicationInstance {
                    tenant: *tenant,
                    id: *id,
                    upn: upn.clone(),
                    app_id: *app_id,
                    display_name: display_name.clone(),
                    acs_resource: None,
                    licences: BTreeSet::new(),
                    synced_at: None,
                })])
            }

            Command::SetApplicationInstance {
                tenant,
                id,
                app_id,
                display_name,
                acs_resource,
            } => {
                let mut instance = self.require_instance(*tenant, *id)?.clone();
                if let Some(app_id) = app_id {
                    self.require_app(*app_id)?;
                    instance.app_id = *app_id;
                }
                if let Some(name) = display_name {
                    validate::display_name("display name", name)?;
                    instance.display_name = name.clone();
                }
                if let Some(resource) = acs_resource {
                    if let Some(resource) = resource {
                        if self.acs_resource(*resource).is_none() {
                            return Err(not_found(format!(
                                "ACS resource {resource} does not exist"
                            )));
                        }
                    }
                    instance.acs_resource = *resource;
                }
                Ok(vec![Change::PutInstance(instance)])
            }

            Command::SyncApplicationInstance { tenant, id } => {
                let mut instance = self.require_instance(*tenant, *id)?.clone();
                instance.synced_at = Some(now);
                Ok(vec![Change::PutInstance(instance)])
            }

            Command::SetInstanceTelephoneNumber { tenant, id, number } => {
                let instance = self.require_instance(*tenant, *id)?;
                let current = self.number_of(id.guid());
                match number {
                    None => Ok(current
                        .map(|n| {
                            Change::PutNumber(PhoneNumber {
                                assigned_to: None,
                                ..n.clone()
                            })
                        })
                        .into_iter()
                        .collect()),
                    Some(number) => {
                        let record = self.require_number(*tenant, number)?;
                        if current.is_some_and(|c| &c.number == number) {
                            return Ok(Vec::new());
                        }
                        let account = Account::Instance(instance);
                        self.check_number_free_for(record, account)?;
                        check_number_licence(account, number)?;
                        let mut changes = Vec::new();
                        if let Some(old) = current {
                            changes.push(Change::PutNumber(PhoneNumber {
                                assigned_to: None,
                                ..old.clone()
                            }));
                        }
                        changes.push(Change::PutNumber(PhoneNumber {
                            assigned_to: Some(id.guid()),
                            ..record.clone()
                        }));
                        Ok(changes)
                    }
                }
            }

            Command::AssignLicence {
                tenant,
                account,
                licence,
            } => {
                let account = self.require_account(*tenant, *account)?;
                match (account, licence) {
                    (Account::User(_), Licence::TeamsPhoneResourceAccount) => {
                        return Err(invalid(format!(
                            "the teamsPhoneResourceAccount licence is for application instances only, \
                             not {}",
                            account.describe()
                        )))
                    }
                    (Account::Instance(_), Licence::TeamsPhone) => {
                        return Err(invalid(format!(
                            "the teamsPhone licence is for users only, not {}; resource accounts take \
                             teamsPhoneResourceAccount",
                            account.describe()
                        )))
                    }
                    _ => {}
                }
                if account.licences().contains(licence) {
                    return Ok(Vec::new());
                }
                Ok(vec![with_licences(account, |set| {
                    set.insert(*licence);
                })])
            }

            Command::RemoveLicence {
                tenant,
                account,
                licence,
            } => {
                let account = self.require_account(*tenant, *account)?;
                if !account.licences().contains(licence) {
                    return Err(not_found(format!(
                        "{} has no {licence} licence",
                        account.describe()
                    )));
                }
                if let Some(number) = self.number_of(account.id()) {
                    if *licence == account.number_licence() {
                        return Err(precondition(format!(
                            "{} holds {} which needs the {licence} licence; unassign the number first",
                            account.describe(),
                            number.number
                        )));
                    }
                }
                Ok(vec![with_licences(account, |set| {
                    set.remove(licence);
                })])
            }

            Command::AcquireNumber {
                tenant,
                number,
                number_type,
            } => {
                self.require_tenant(*tenant)?;
                if let Some(existing) = self.number(number) {
                    return Err(conflict(if existing.tenant == *tenant {
                        format!("{number} is already in the inventory of tenant {tenant}")
                    } else {
                        format!(
                            "{number} is already held by another tenant ({})",
                            existing.tenant
                        )
                    }));
                }
                Ok(vec![Change::PutNumber(PhoneNumber {
                    tenant: *tenant,
                    number: number.clone(),
                    number_type: *number_type,
                    assigned_to: None,
                    acquired_at: now,
                })])
            }

            Command::ReleaseNumber { tenant, number } => {
                let record = self.require_number(*tenant, number)?;
                if let Some(owner) = record.assigned_to {
                    let who = self
                        .account(*tenant, owner)
                        .map(Account::describe)
                        .unwrap_or_else(|| owner.to_string());
                    return Err(precondition(format!(
                        "{number} is assigned to {who}; unassign the number first"
                    )));
                }
                Ok(vec![Change::DeleteNumber {
                    number: number.clone(),
                }])
            }

            Command::AssignNumber {
                tenant,
                number,
                account,
                number_type,
            } => {
                let record = self.require_number(*tenant, number)?;
                if record.number_type != *number_type {
                    return Err(invalid(format!(
                        "{number} is a {} number, not {number_type}",
                        record.number_type
                    )));
                }
                let account = self.require_account(*tenant, *account)?;
                if record.assigned_to == Some(account.id()) {
                    return Ok(Vec::new());
                }
                self.check_number_free_for(record, account)?;
                if let Some(current) = self.number_of(account.id()) {
                    return Err(conflict(format!(
                        "{} already has the number {}; remove that assignment first",
                        account.describe(),
                        current.number
                    )));
                }
                check_number_licence(account, number)?;
                Ok(vec![Change::PutNumber(PhoneNumber {
                    assigned_to: Some(account.id()),
                    ..record.clone()
                })])
            }

            Command::UnassignNumber { tenant, number } => {
                let record = self.require_number(*tenant, number)?;
                if record.assigned_to.is_none() {
                    return Err(not_found(format!("{number} is not assigned to anyone")));
                }
                Ok(vec![Change::PutNumber(PhoneNumber {
                    assigned_to: None,
                    ..record.clone()
                })])
            }

            Command::CreateAcsResource {
                id,
                tenant,
                name,
                display_name,
                primary_key,
                secondary_key,
            } => {
                self.require_tenant(*tenant)?;
                validate::acs_name(name)?;
                validate::display_name("ACS resource display name", display_name)?;
                validate::access_key("primary key", primary_key)?;
                validate::access_key("secondary key", secondary_key)?;
                if primary_key == secondary_key {
                    return Err(invalid("the primary and secondary keys must differ"));
                }
                if self.acs_resource(*id).is_some() {
                    return Err(conflict(format!("ACS resource {id} already exists")));
                }
                if let Some(other) = self.acs_resource_by_name(name) {
                    return Err(conflict(format!(
                        "an ACS resource named '{name}' already exists ({})",
                        other.id
                    )));
                }
                Ok(vec![Change::PutAcsResource(AcsResource {
                    id: *id,
                    tenant: *tenant,
                    name: name.to_ascii_lowercase(),
                    display_name: display_name.clone(),
                    primary_key: primary_key.clone(),
                    secondary_key: secondary_key.clone(),
                    created_at: now,
                })])
            }

            Command::CreateEventSubscription {
                id,
                resource,
                name,
                endpoint,
                event_types,
                schema,
                to_raw_ids,
            } => {
                if self.acs_resource(*resource).is_none() {
                    return Err(not_found(format!("ACS resource {resource} does not exist")));
                }
                validate::event_subscription_name(name)?;
                validate::https_url("endpoint", endpoint)?;
                if event_types.is_empty() {
                    return Err(invalid(
                        "includedEventTypes must name at least one event type",
                    ));
                }
                if let Some(unknown) = event_types
                    .iter()
                    .find(|t| !ACS_EVENT_TYPES.contains(&t.as_str()))
                {
                    return Err(invalid(format!(
                        "'{}' is not an ACS event type; use {}",
                        validate::clip(unknown),
                        ACS_EVENT_TYPES.join(" or ")
                    )));
                }
                if to_raw_ids.len() > 25 {
                    return Err(invalid("at most 25 data.to.rawId values are allowed"));
                }
                if let Some(bad) = to_raw_ids
                    .iter()
                    .find(|v| v.is_empty() || v.len() > 256 || v.chars().any(char::is_control))
                {
                    return Err(invalid(format!(
                        "'{}' is not a valid rawId filter value",
                        validate::clip(bad)
                    )));
                }
                if self.event_subscription(*resource, name).is_some() {
                    return Err(conflict(format!(
                        "ACS resource {resource} already has an event subscription named '{name}'"
                    )));
                }
                if self.event_subscriptions(*resource).count() >= MAX_EVENT_SUBSCRIPTIONS {
                    return Err(invalid(format!(
                        "an ACS resource may have at most {MAX_EVENT_SUBSCRIPTIONS} event subscriptions"
                    )));
                }
                Ok(vec![Change::PutEventSubscription(EventSubscription {
                    id: *id,
                    resource: *resource,
                    name: name.clone(),
                    endpoint: endpoint.clone(),
                    event_types: event_types.clone(),
                    schema: *schema,
                    to_raw_ids: to_raw_ids.clone(),
                    created_at: now,
                })])
            }

            Command::DeleteEventSubscription { resource, name } => {
                let existing = self.event_subscription(*resource, name).ok_or_else(|| {
                    not_found(format!(
                        "ACS resource {resource} has no event subscription named '{name}'"
                    ))
                })?;
                Ok(vec![Change::DeleteEventSubscription {
                    resource: *resource,
                    name: existing.name.clone(),
                }])
            }

            Command::RotateAcsKey { id, key, new_key } => {
                let mut resource = self
                    .acs_resource(*id)
                    .ok_or_else(|| not_found(format!("ACS resource {id} does not exist")))?
                    .clone();
                validate::access_key("the new key", new_key)?;
                if *new_key == resource.primary_key || *new_key == resource.secondary_key {
                    return Err(invalid("the new key must differ from both current keys"));
                }
                match key {
                    AcsKeyKind::Primary => resource.primary_key = new_key.clone(),
                    AcsKeyKind::Secondary => resource.secondary_key = new_key.clone(),
                }
                Ok(vec![Change::PutAcsResource(resource)])
            }
        }
    }

    /// Plans and applies in one step (for callers without a store: tests, in-memory seeding).
    pub fn execute(&mut self, now: i64, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        let changes = self.plan(now, command)?;
        self.apply(&changes);
        Ok(changes)
    }

    /// Object ids are unique across users and instances of every tenant; UPNs per tenant.
    fn check_new_account(
        &self,
        tenant: TenantId,
        id: Guid,
        upn: &str,
    ) -> Result<(), DirectoryError> {
        if self.object_id_in_use(id) {
            return Err(conflict(format!(
                "object id {id} is already used by another account"
            )));
        }
        if let Some(existing) = self.account_by_upn(tenant, upn) {
            return Err(conflict(format!(
                "user principal name '{upn}' is already used by {}",
                existing.describe()
            )));
        }
        Ok(())
    }

    fn require_instance(
        &self,
        tenant: TenantId,
        id: InstanceId,
    ) -> Result<&ApplicationInstance, DirectoryError> {
        self.require_tenant(tenant)?;
        self.instance(tenant, id).ok_or_else(|| {
            not_found(format!(
                "application instance {id} does not exist in tenant {tenant}"
            ))
        })
    }

    fn require_account(&self, tenant: TenantId, id: Guid) -> Result<Account<'_>, DirectoryError> {
        self.require_tenant(tenant)?;
        self.account(tenant, id).ok_or_else(|| {
            not_found(format!(
                "no user or application instance {id} in tenant {tenant}"
            ))
        })
    }

    /// The number, which must be in this tenant's inventory.
    fn require_number(
        &self,
        tenant: TenantId,
        number: &E164,
    ) -> Result<&PhoneNumber, DirectoryError> {
        self.require_tenant(tenant)?;
        match self.number(number) {
            Some(record) if record.tenant == tenant => Ok(record),
            _ => Err(not_found(format!(
                "{number} is not in the phone number inventory of tenant {tenant}; acquire it first"
            ))),
        }
    }

    /// One number has one owner: refuse a number that another account holds, naming that account.
    fn check_number_free_for(
        &self,
        record: &PhoneNumber,
        account: Account<'_>,
    ) -> Result<(), DirectoryError> {
        match record.assigned_to {
            Some(owner) if owner != account.id() => {
                let who = self
                    .account(record.tenant, owner)
                    .map(Account::describe)
                    .unwrap_or_else(|| owner.to_string());
                Err(conflict(format!(
                    "{} is already assigned to {who}",
                    record.number
                )))
            }
            _ => Ok(()),
        }
    }
}

/// An account needs its kind's telephony licence before it can hold a number.
fn check_number_licence(account: Account<'_>, number: &E164) -> Result<(), DirectoryError> {
    let needed = account.number_licence();
    if account.licences().contains(&needed) {
        return Ok(());
    }
    Err(precondition(format!(
        "{} needs the {needed} licence ({}) before {number} can be assigned",
        account.describe(),
        needed.display_name()
    )))
}

fn with_licences(account: Account<'_>, edit: impl FnOnce(&mut BTreeSet<Licence>)) -> Change {
    match account {
        Account::User(u) => {
            let mut u = u.clone();
            edit(&mut u.licences);
            Change::PutUser(u)
        }
        Account::Instance(i) => {
            let mut i = i.clone();
            edit(&mut i.licences);
            Change::PutInstance(i)
        }
    }
}

fn check_redirect_uris(uris: &[String]) -> Result<(), DirectoryError> {
    if uris.len() > validate::MAX_REDIRECT_URIS {
        return Err(invalid(format!(
            "at most {} redirect URIs are allowed",
            validate::MAX_REDIRECT_URIS
        )));
    }
    uris.iter()
        .try_for_each(|uri| validate::https_url("redirect URI", uri))
}

fn check_bot(bot: &BotRegistration) -> Result<(), DirectoryError> {
    match &bot.calling_webhook {
        Some(url) => validate::https_url("calling webhook", url),
        None => Ok(()),
    }
}

/// Keeps the first occurrence of each URI, in order.
fn dedup(uris: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    uris.iter()
        .filter(|u| seen.insert(u.as_str()))
        .cloned()
        .collect()
}

/// All permissions, for callers that want to request everything (dev seeding).
pub fn all_permissions() -> BTreeSet<Permission> {
    Permission::ALL.into_iter().collect()
}
