//! Dev mode, the embedded default: on first start, seed a ready-to-use tenant (three Teams users, a bot
//! app with a secret and every calling permission consented, a licensed resource account with the
//! number +14255550100 for the Graph bot, a second one ("ringside-dev-ccaas", +14255550200) bound to
//! the ACS resource for Teams Phone extensibility, spare numbers), and on every start write
//! `<data-dir>/dev.json` (0600) with everything a client needs, carrying the real port. Direct
//! Routing is seeded too ([`sip`]): a trunk for 127.0.0.1 that may dial any number, and a SIP
//! credential per dev user (dev.json `users[].sip`).
//!
//! Data dirs seeded by older builds (one resource account bound to ACS) are brought to this layout
//! on start: the binding moves from the Graph account to the CCaaS account.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use base64::Engine;
use ringside_directory::{BotRegistration, Command, Directory};
use ringside_model::{
    AcsResourceId, AppId, Guid, InstanceId, Licence, NumberType, Permission, SecretId, TenantId,
    UserId, E164,
};
use serde::{Deserialize, Serialize};

use crate::state::PlatformState;
use ringside_runtime::files::write_private;

mod sip;

/// The dev tenant's domain.
const DEV_DOMAIN: &str = "dev.ringside.test";
/// The Graph bot resource account's number.
const DEV_NUMBER: &str = "+14255550100";
/// The Teams Phone extensibility (ACS-bound) resource account's number.
const CCAAS_NUMBER: &str = "+14255550200";
/// Numbers in the inventory, unassigned, for tests and experiments.
const SPARE_NUMBERS: [&str; 5] = [
    "+14255550101",
    "+14255550102",
    "+14255550103",
    "+14255550104",
    "+14255550105",
];
/// Directory users: (local part, display name).
const DEV_USERS: [(&str, &str); 3] = [
    ("adele", "Adele Vance"),
    ("alex", "Alex Wilber"),
    ("megan", "Megan Bowen"),
];
/// Redirect URI registered on the dev app for the admin-consent URL flow.
const DEV_REDIRECT_URI: &str = "https://localhost/ringside/consent-callback";

/// Ids and secrets chosen when the dev tenant was first seeded, kept in `<data-dir>/dev-state.json`
/// (0600) so that dev.json can show the client secret again on every start; the directory itself keeps
/// only the secret's hash.
#[derive(Debug, Clone)]
struct DevState {
    tenant_id: TenantId,
    app_id: AppId,
    service_principal_id: Guid,
    secret_key_id: SecretId,
    client_secret: String,
    instance_id: InstanceId,
    ccaas_instance_id: InstanceId,
    acs_resource_id: AcsResourceId,
    user_ids: Vec<UserId>,
    /// The dev users' SIP passwords, in `user_ids` order.
    sip_passwords: Vec<String>,
}

/// The file form of [`DevState`] (the model's ids have no serde by design).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DevStateFile {
    tenant_id: String,
    app_id: String,
    service_principal_id: String,
    secret_key_id: String,
    client_secret: String,
    instance_id: String,
    /// Absent in files written before the CCaaS account existed.
    #[serde(default)]
    ccaas_instance_id: Option<String>,
    acs_resource_id: String,
    user_ids: Vec<String>,
    /// Absent in files written before dev users had SIP credentials.
    #[serde(default)]
    sip_passwords: Vec<String>,
}

impl DevState {
    fn to_file(&self) -> DevStateFile {
        DevStateFile {
            tenant_id: self.tenant_id.to_string(),
            app_id: self.app_id.to_string(),
            service_principal_id: self.service_principal_id.to_string(),
            secret_key_id: self.secret_key_id.to_string(),
            client_secret: self.client_secret.clone(),
            instance_id: self.instance_id.to_string(),
            ccaas_instance_id: Some(self.ccaas_instance_id.to_string()),
            acs_resource_id: self.acs_resource_id.to_string(),
            user_ids: self.user_ids.iter().map(ToString::to_string).collect(),
            sip_passwords: self.sip_passwords.clone(),
        }
    }

    /// Reads the file; `ccaas` supplies the CCaaS account id when an older file lacks it.
    fn from_file(file: DevStateFile, ccaas: impl FnOnce() -> InstanceId) -> Result<DevState> {
        let guid = |text: &str| Guid::parse(text).map_err(|e| anyhow!("dev-state.json: {e}"));
        Ok(DevState {
            tenant_id: TenantId(guid(&file.tenant_id)?),
            app_id: AppId(guid(&file.app_id)?),
            service_principal_id: guid(&file.service_principal_id)?,
            secret_key_id: SecretId(guid(&file.secret_key_id)?),
            client_secret: file.client_secret,
            instance_id: InstanceId(guid(&file.instance_id)?),
            ccaas_instance_id: match &file.ccaas_instance_id {
                Some(id) => InstanceId(guid(id)?),
                None => ccaas(),
            },
            acs_resource_id: AcsResourceId(guid(&file.acs_resource_id)?),
            user_ids: file
                .user_ids
                .iter()
                .map(|id| guid(id).map(UserId))
                .collect::<Result<_>>()?,
            sip_passwords: file.sip_passwords,
        })
    }
}

/// What dev.json holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevInfo {
    /// The dev tenant.
    pub tenant_id: String,
    /// Its domain.
    pub tenant_domain: String,
    /// Server base URL.
    pub url: String,
    /// MSAL authority: `https://127.0.0.1:PORT/<tenantId>`.
    pub authority: String,
    /// azure-identity `authority` / `AZURE_AUTHORITY_HOST`.
    pub authority_host: String,
    /// Graph v1.0 base URL.
    pub graph_base_url: String,
    /// Graph beta base URL.
    pub graph_beta_url: String,
    /// OpenID configuration document.
    pub openid_configuration_url: String,
    /// JWKS of the token signing keys.
    pub jwks_uri: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// The CA certificate to trust.
    pub ca_cert_path: String,
    /// Token for `/ringside/v1`.
    pub admin_token: String,
    /// The web console's one-click sign-in URL (`/console/login?token=…`: sets the console's
    /// cookie and opens the live calls page).
    #[serde(default)]
    pub console: String,
    /// The bot application.
    pub app: DevApp,
    /// The ACS resource.
    pub acs: DevAcs,
    /// Directory users.
    pub users: Vec<DevUser>,
    /// Resource accounts (application instances).
    pub resource_accounts: Vec<DevResourceAccount>,
    /// Unassigned numbers in the tenant's inventory.
    pub spare_numbers: Vec<String>,
    /// The SIP gateway's domain and listen addresses, when the server runs one (set by the
    /// composition root: [`write_dev_json_with_sip`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip: Option<serde_json::Value>,
}

/// dev.json `app`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevApp {
    /// Client (app) id, also the bot id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Display name.
    pub display_name: String,
    /// Consented application permissions.
    pub permissions: Vec<String>,
    /// Redirect URI registered for the admin-consent flow.
    pub redirect_uri: String,
}

/// dev.json `acs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevAcs {
    /// `endpoint=https://…/;accesskey=…`.
    pub connection_string: String,
    /// Immutable resource id.
    pub resource_id: String,
    /// Endpoint URL with a trailing slash.
    pub endpoint: String,
    /// Resource name.
    pub name: String,
    /// Primary access key (base64).
    pub access_key: String,
}

/// dev.json `users[]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevUser {
    /// Object id.
    pub id: String,
    /// UPN.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// The user's SIP credential (a softphone registers with it), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip: Option<DevSip>,
}

/// dev.json `users[].sip`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevSip {
    /// The SIP username (digest and AOR user part).
    pub username: String,
    /// The SIP password.
    pub password: String,
}

/// dev.json `resourceAccounts[]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevResourceAccount {
    /// Application instance object id.
    pub id: String,
    /// UPN.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// E.164 number, if assigned.
    pub phone_number: Option<String>,
    /// Bound ACS resource, if any.
    pub acs_resource_id: Option<String>,
    /// The bot application.
    pub app_id: String,
}

/// Seeds the dev tenant when needed and builds the dev.json content.
pub fn prepare(state: &PlatformState, ca_cert_path: &Path) -> Result<DevInfo> {
    let state_path = state.data_dir().join("dev-state.json");
    let dev_state = match std::fs::read_to_string(&state_path) {
        Ok(text) => {
            let file: DevStateFile = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", state_path.display()))?;
            let upgrade = file.ccaas_instance_id.is_none();
            let mut dev = DevState::from_file(file, || InstanceId(state.new_guid()))?;
            let users = dev.user_ids.len();
            if sip::fill_passwords(&mut dev.sip_passwords, users)? || upgrade {
                write_private(
                    &state_path,
                    serde_json::to_string_pretty(&dev.to_file())?.as_bytes(),
                )?;
            }
            dev
        }
        Err(_) => {
            let fresh = fresh_dev_state(state)?;
            // Written before seeding: a crash half-way resumes with the same ids.
            write_private(
                &state_path,
                serde_json::to_string_pretty(&fresh.to_file())?.as_bytes(),
            )?;
            fresh
        }
    };
    match shared(state, dev_state, &state_path)? {
        Shared::Seed(dev_state) => {
            seed(state, &dev_state)?;
            mark_seeded(state)?;
            Ok(render(state, &dev_state, ca_cert_path))
        }
        Shared::Seeded(dev_state) => {
            wait_until_seeded(state)?;
            Ok(render(state, &dev_state, ca_cert_path))
        }
    }
}

/// Whether this node seeds the dev tenant, or another node of its cluster does.
enum Shared {
    /// This node's own state (or the first of a cluster's): seed it (idempotent after a restart).
    Seed(DevState),
    /// Another node's state: that node seeds it; this one waits and serves it.
    Seeded(DevState),
}

/// The cluster secret that says the first node finished seeding the shared dev tenant.
const SEEDED: &str = "dev-seeded";
/// How long a node waits for the first node of its cluster to seed the dev tenant.
const SEED_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

fn mark_seeded(state: &PlatformState) -> Result<()> {
    let node = state.node();
    if let Some(cluster) = node.cluster().filter(|_| node.shares_database()) {
        cluster
            .secret(SEEDED, b"1")
            .map_err(|e| anyhow!("recording the dev tenant as seeded: {e}"))?;
    }
    Ok(())
}

/// Waits (bounded) until the node that seeds the shared dev tenant says it is done, then loads
/// what it committed.
fn wait_until_seeded(state: &PlatformState) -> Result<()> {
    let Some(cluster) = state.node().cluster() else {
        return Ok(());
    };
    let deadline = std::time::Instant::now() + SEED_WAIT;
    while cluster
        .read_secret(SEEDED)
        .map_err(|e| anyhow!("reading the cluster's dev state: {e}"))?
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            return Err(anyhow!(
                "another node of the cluster did not finish seeding the dev tenant within {} s",
                SEED_WAIT.as_secs()
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    state
        .node()
        .directory()
        .refresh()
        .map_err(|e| anyhow!("loading the dev tenant: {e}"))?;
    Ok(())
}

/// On a database other nodes share, every dev-mode node serves the same dev tenant: the first
/// node's state is kept in the cluster's secrets and that node seeds it; a later node takes the
/// state (and keeps a copy in its own data directory) and waits for the seeding instead of seeding
/// a tenant of its own — nodes starting together would otherwise seed the same records at once.
fn shared(state: &PlatformState, local: DevState, path: &Path) -> Result<Shared> {
    let Some(cluster) = state
        .node()
        .cluster()
        .filter(|_| state.node().shares_database())
    else {
        return Ok(Shared::Seed(local));
    };
    let text = serde_json::to_string_pretty(&local.to_file())?;
    let stored = cluster
        .secret("dev-state", text.as_bytes())
        .map_err(|e| anyhow!("reading the cluster's dev state: {e}"))?;
    if stored == text.as_bytes() {
        // This node's state is the cluster's: its first start seeds it, a restart re-checks it
        // (idempotent).
        return Ok(Shared::Seed(local));
    }
    let file: DevStateFile =
        serde_json::from_slice(&stored).context("parsing the cluster's dev state")?;
    let dev = DevState::from_file(file, || InstanceId(state.new_guid()))?;
    write_private(path, &stored)?;
    Ok(Shared::Seeded(dev))
}

fn fresh_dev_state(state: &PlatformState) -> Result<DevState> {
    let mut sip_passwords = Vec::new();
    sip::fill_passwords(&mut sip_passwords, DEV_USERS.len())?;
    Ok(DevState {
        tenant_id: TenantId(state.new_guid()),
        app_id: AppId(state.new_guid()),
        service_principal_id: state.new_guid(),
        secret_key_id: SecretId(state.new_guid()),
        client_secret: state.new_client_secret(),
        instance_id: InstanceId(state.new_guid()),
        ccaas_instance_id: InstanceId(state.new_guid()),
        acs_resource_id: AcsResourceId(state.new_guid()),
        user_ids: DEV_USERS.iter().map(|_| UserId(state.new_guid())).collect(),
        sip_passwords,
    })
}

/// Runs each seeding command whose effect is not yet present, so an interrupted seed resumes. Keep the
/// steps in this order: it is the order of the directory commands, and data dirs seeded by older builds
/// are migrated by it (the Graph account's ACS binding is removed before the CCaaS account is bound).
fn seed(state: &PlatformState, dev: &DevState) -> Result<()> {
    let seeder = Seeder {
        state,
        dev,
        tenant: dev.tenant_id,
    };
    seeder.tenant()?;
    let domain = state
        .directory()
        .read(|d| d.tenant(dev.tenant_id).map(|t| t.domain.clone()))
        .unwrap_or_default();
    seeder.users(&domain)?;
    seeder.bot_app()?;
    seeder.acs_resource()?;
    seeder.graph_account(&domain)?;
    seeder.ccaas_account(&domain)?;
    seeder.account_licences()?;
    seeder.acquire_numbers()?;
    seeder.assign_numbers()?;
    seeder.direct_routing()?;
    seeder.sip_credentials()
}

/// One seeding run: the platform, the ids chosen for the dev tenant, and the two moves every step makes
/// (ask the directory whether something holds; run a command).
struct Seeder<'a> {
    state: &'a PlatformState,
    dev: &'a DevState,
    tenant: TenantId,
}

impl Seeder<'_> {
    fn execute(&self, command: Command) -> Result<()> {
        let name = command.name();
        self.state
            .directory()
            .execute(self.state.now(), command)
            .map(|_| ())
            .map_err(|e| anyhow!("seeding ({name}): {e}"))
    }

    fn holds(&self, f: impl FnOnce(&Directory) -> bool) -> bool {
        self.state.directory().read(f)
    }

    fn holds_value<T>(&self, f: impl FnOnce(&Directory) -> Option<T>) -> Option<T> {
        self.state.directory().read(f)
    }

    /// The tenant, on `dev.ringside.test` unless another tenant already has that domain.
    fn tenant(&self) -> Result<()> {
        let tenant = self.tenant;
        if self.holds(|d| d.tenant(tenant).is_some()) {
            return Ok(());
        }
        let domain = if self.holds(|d| d.tenant_by_domain(DEV_DOMAIN).is_some()) {
            format!("dev-{}.ringside.test", &tenant.to_string()[..8])
        } else {
            DEV_DOMAIN.to_string()
        };
        self.execute(Command::CreateTenant {
            id: tenant,
            display_name: "Ringside Dev".into(),
            domain,
        })
    }

    /// The directory users, each with a Teams Phone licence.
    fn users(&self, domain: &str) -> Result<()> {
        let tenant = self.tenant;
        for ((local, display), id) in DEV_USERS.iter().zip(&self.dev.user_ids) {
            if !self.holds(|d| d.user(tenant, *id).is_some()) {
                self.execute(Command::CreateUser {
                    tenant,
                    id: *id,
                    upn: format!("{local}@{domain}"),
                    display_name: display.to_string(),
                })?;
            }
            ensure_licence(self.state, tenant, id.guid(), Licence::TeamsPhone)?;
        }
        Ok(())
    }

    /// The bot application, its client secret, and the tenant's consent to every permission.
    fn bot_app(&self) -> Result<()> {
        let (tenant, dev) = (self.tenant, self.dev);
        if !self.holds(|d| d.application(dev.app_id).is_some()) {
            self.execute(Command::CreateApplication {
                app_id: dev.app_id,
                home_tenant: tenant,
                display_name: "Ringside Dev Bot".into(),
                service_principal_id: dev.service_principal_id,
                requested: Permission::ALL.into_iter().collect::<BTreeSet<_>>(),
                redirect_uris: vec![DEV_REDIRECT_URI.into()],
                bot: BotRegistration {
                    calling_webhook: None,
                    calling_enabled: true,
                    real_time_media_enabled: true,
                },
            })?;
        }
        if !self.holds(|d| {
            d.application(dev.app_id)
                .is_some_and(|a| a.secret(dev.secret_key_id).is_some())
        }) {
            self.execute(Command::AddSecret {
                app_id: dev.app_id,
                key_id: dev.secret_key_id,
                display_name: "dev".into(),
                hint: dev.client_secret.chars().take(3).collect(),
                hash: self.state.hash_secret(&dev.client_secret),
                expires_at: self.state.now() + 2 * 365 * 86_400,
            })?;
        }
        if !self.holds(|d| d.consent(tenant, dev.app_id).is_some()) {
            self.execute(Command::GrantConsent {
                tenant,
                app_id: dev.app_id,
            })?;
        }
        Ok(())
    }

    /// The ACS resource, named `ringside-dev` unless another resource already has that name.
    fn acs_resource(&self) -> Result<()> {
        let id = self.dev.acs_resource_id;
        if self.holds(|d| d.acs_resource(id).is_some()) {
            return Ok(());
        }
        let name = if self.holds(|d| d.acs_resource_by_name("ringside-dev").is_some()) {
            format!("ringside-dev-{}", &id.to_string()[..8])
        } else {
            "ringside-dev".to_string()
        };
        let key =
            || base64::engine::general_purpose::STANDARD.encode(self.state.random_bytes::<32>());
        self.execute(Command::CreateAcsResource {
            id,
            tenant: self.tenant,
            name,
            display_name: "Ringside Dev ACS".into(),
            primary_key: key(),
            secondary_key: key(),
        })
    }

    /// The Graph bot's resource account, not bound to ACS (older seeds bound it: undo that).
    fn graph_account(&self, domain: &str) -> Result<()> {
        let (tenant, id) = (self.tenant, self.dev.instance_id);
        if !self.holds(|d| d.instance(tenant, id).is_some()) {
            self.execute(Command::CreateApplicationInstance {
                tenant,
                id,
                upn: format!("bot@{domain}"),
                app_id: self.dev.app_id,
                display_name: "Ringside Dev Bot".into(),
            })?;
        }
        if self.holds(|d| {
            d.instance(tenant, id)
                .is_some_and(|i| i.acs_resource.is_some())
        }) {
            self.execute(Command::SetApplicationInstance {
                tenant,
                id,
                app_id: None,
                display_name: None,
                acs_resource: Some(None),
            })?;
        }
        Ok(())
    }

    /// The CCaaS (Teams Phone extensibility) resource account, bound to the ACS resource.
    fn ccaas_account(&self, domain: &str) -> Result<()> {
        let (tenant, id, acs) = (
            self.tenant,
            self.dev.ccaas_instance_id,
            self.dev.acs_resource_id,
        );
        if !self.holds(|d| d.instance(tenant, id).is_some()) {
            self.execute(Command::CreateApplicationInstance {
                tenant,
                id,
                upn: format!("ccaas@{domain}"),
                app_id: self.dev.app_id,
                display_name: "ringside-dev-ccaas".into(),
            })?;
        }
        if !self.holds(|d| {
            d.instance(tenant, id)
                .is_some_and(|i| i.acs_resource == Some(acs))
        }) {
            self.execute(Command::SetApplicationInstance {
                tenant,
                id,
                app_id: None,
                display_name: None,
                acs_resource: Some(Some(acs)),
            })?;
        }
        Ok(())
    }

    /// Both resource accounts' licences: Teams Phone Resource Account, then Calling Plan.
    fn account_licences(&self) -> Result<()> {
        for account in [self.dev.instance_id, self.dev.ccaas_instance_id] {
            for licence in [Licence::TeamsPhoneResourceAccount, Licence::CallingPlan] {
                ensure_licence(self.state, self.tenant, account.guid(), licence)?;
            }
        }
        Ok(())
    }

    /// Every dev number into the tenant's inventory: the two accounts' numbers, then the spares.
    fn acquire_numbers(&self) -> Result<()> {
        for number in [DEV_NUMBER, CCAAS_NUMBER]
            .iter()
            .chain(SPARE_NUMBERS.iter())
        {
            let number = E164::parse(number).map_err(|e| anyhow!("{e}"))?;
            if !self.holds(|d| d.number(&number).is_some()) {
                self.execute(Command::AcquireNumber {
                    tenant: self.tenant,
                    number,
                    number_type: NumberType::CallingPlan,
                })?;
            }
        }
        Ok(())
    }

    /// Each resource account's number assigned, then the account synced.
    fn assign_numbers(&self) -> Result<()> {
        let tenant = self.tenant;
        for (number, account) in [
            (DEV_NUMBER, self.dev.instance_id),
            (CCAAS_NUMBER, self.dev.ccaas_instance_id),
        ] {
            let number = E164::parse(number).map_err(|e| anyhow!("{e}"))?;
            if !self.holds(|d| d.number(&number).is_some_and(|n| n.assigned_to.is_some())) {
                self.execute(Command::AssignNumber {
                    tenant,
                    number,
                    account: account.guid(),
                    number_type: NumberType::CallingPlan,
                })?;
            }
            if !self.holds(|d| {
                d.instance(tenant, account)
                    .is_some_and(|i| i.synced_at.is_some())
            }) {
                self.execute(Command::SyncApplicationInstance {
                    tenant,
                    id: account,
                })?;
            }
        }
        Ok(())
    }
}

fn ensure_licence(
    state: &PlatformState,
    tenant: TenantId,
    account: Guid,
    licence: Licence,
) -> Result<()> {
    let present = state.directory().read(|d| {
        d.account(tenant, account).is_some_and(|a| match a {
            ringside_directory::Account::User(u) => u.licences.contains(&licence),
            ringside_directory::Account::Instance(i) => i.licences.contains(&licence),
        })
    });
    if present {
        return Ok(());
    }
    state
        .directory()
        .execute(
            state.now(),
            Command::AssignLicence {
                tenant,
                account,
                licence,
            },
        )
        .map(|_| ())
        .map_err(|e| anyhow!("seeding (assignLicence): {e}"))
}

/// Renders dev.json from the directory's current state (users or accounts added later show up too).
fn render(state: &PlatformState, dev: &DevState, ca_cert_path: &Path) -> DevInfo {
    let base = state.base_url().to_string();
    let tenant = dev.tenant_id.to_string();
    state.directory().read(|d| DevInfo {
        tenant_id: tenant.clone(),
        tenant_domain: d
            .tenant(dev.tenant_id)
            .map(|t| t.domain.clone())
            .unwrap_or_default(),
        url: base.clone(),
        authority: format!("{base}/{tenant}"),
        authority_host: base.clone(),
        graph_base_url: format!("{base}/v1.0"),
        graph_beta_url: format!("{base}/beta"),
        openid_configuration_url: format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        jwks_uri: format!("{base}/{tenant}/discovery/v2.0/keys"),
        token_endpoint: format!("{base}/{tenant}/oauth2/v2.0/token"),
        ca_cert_path: ca_cert_path.display().to_string(),
        admin_token: state.admin_token().to_string(),
        console: console_url(&base, state.admin_token()),
        app: render_app(d, dev),
        acs: render_acs(d, dev, format!("{base}/")),
        users: d
            .users(dev.tenant_id)
            .map(|u| DevUser {
                id: u.id.to_string(),
                user_principal_name: u.upn.clone(),
                display_name: u.display_name.clone(),
                sip: sip::render_sip(d, dev.tenant_id, u.id),
            })
            .collect(),
        resource_accounts: render_resource_accounts(d, dev),
        spare_numbers: d
            .numbers(dev.tenant_id)
            .filter(|n| n.assigned_to.is_none())
            .map(|n| n.number.to_string())
            .collect(),
        sip: None,
    })
}

/// The console's one-click sign-in URL.
fn console_url(base: &str, admin_token: &str) -> String {
    let token: String = form_urlencoded::byte_serialize(admin_token.as_bytes()).collect();
    format!("{base}/console/login?token={token}")
}

/// dev.json `app`: the bot application and the permissions the dev tenant has granted it.
fn render_app(d: &Directory, dev: &DevState) -> DevApp {
    DevApp {
        client_id: dev.app_id.to_string(),
        client_secret: dev.client_secret.clone(),
        display_name: d
            .application(dev.app_id)
            .map(|a| a.display_name.clone())
            .unwrap_or_default(),
        permissions: d
            .roles_for(dev.tenant_id, dev.app_id)
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        redirect_uri: DEV_REDIRECT_URI.to_string(),
    }
}

/// dev.json `acs`: the ACS resource, served at the server's own `endpoint`.
fn render_acs(d: &Directory, dev: &DevState, endpoint: String) -> DevAcs {
    let acs = d.acs_resource(dev.acs_resource_id);
    DevAcs {
        connection_string: acs
            .map(|a| format!("endpoint={endpoint};accesskey={}", a.primary_key))
            .unwrap_or_default(),
        resource_id: dev.acs_resource_id.to_string(),
        endpoint,
        name: acs.map(|a| a.name.clone()).unwrap_or_default(),
        access_key: acs.map(|a| a.primary_key.clone()).unwrap_or_default(),
    }
}

/// dev.json `resourceAccounts`: the Graph bot's account first, then the CCaaS one, then any added later.
fn render_resource_accounts(d: &Directory, dev: &DevState) -> Vec<DevResourceAccount> {
    let mut instances: Vec<_> = d.instances(dev.tenant_id).collect();
    instances.sort_by_key(|i| (i.id != dev.instance_id, i.id != dev.ccaas_instance_id, i.id));
    instances
        .into_iter()
        .map(|i| DevResourceAccount {
            id: i.id.to_string(),
            user_principal_name: i.upn.clone(),
            display_name: i.display_name.clone(),
            phone_number: d.number_of(i.id.guid()).map(|n| n.number.to_string()),
            acs_resource_id: i.acs_resource.map(|r| r.to_string()),
            app_id: i.app_id.to_string(),
        })
        .collect()
}

/// Writes dev.json atomically (temporary file, then rename) with mode 0600.
pub fn write_dev_json(data_dir: &Path, info: &DevInfo) -> Result<()> {
    write_dev_json_with_sip(data_dir, info, None)
}

/// [`write_dev_json`] with the top-level `sip` object (the SIP gateway's domain and listen
/// addresses) when `sip` is `Some`; `None` writes `info` as it is.
pub fn write_dev_json_with_sip(
    data_dir: &Path,
    info: &DevInfo,
    sip: Option<serde_json::Value>,
) -> Result<()> {
    let path = data_dir.join("dev.json");
    let temporary = data_dir.join(".dev.json.tmp");
    let text = match sip {
        Some(sip) => serde_json::to_string_pretty(&DevInfo {
            sip: Some(sip),
            ..info.clone()
        })?,
        None => serde_json::to_string_pretty(info)?,
    };
    write_private(&temporary, text.as_bytes())?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
