//! `ringside admin …`: provisioning commands named after the Teams PowerShell / Entra cmdlets they
//! replace, each a thin call to `/ringside/v1` with `--json` for scripts and a compact table or
//! `key: value` lines for people.

use anyhow::{anyhow, bail, Result};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{json, Map, Value};

use crate::client::{ApiClient, ConnectArgs};

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

/// Provisioning commands.
#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a tenant (directory) with its domain.
    NewTenant {
        /// Display name, e.g. "Contoso".
        #[arg(long)]
        display_name: String,
        /// DNS domain used in user principal names, e.g. contoso.com.
        #[arg(long)]
        domain: String,
        /// Tenant id to use (default: a fresh GUID).
        #[arg(long)]
        id: Option<String>,
    },
    /// Show one tenant (by id or domain), or list all tenants.
    GetTenant {
        /// Tenant id or domain; omit to list every tenant.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Create a directory (Teams) user (New-MgUser), optionally licensed.
    NewUser {
        /// User principal name, e.g. adele@contoso.com.
        #[arg(long)]
        upn: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Licence to assign: teamsPhone, callingPlan (repeatable).
        #[arg(long = "licence")]
        licences: Vec<String>,
        /// Object id to use (default: a fresh GUID).
        #[arg(long)]
        id: Option<String>,
    },
    /// Show one user (by object id or UPN), or list the tenant's users (Get-MgUser).
    GetUser {
        /// Object id or UPN; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Delete a user (Remove-MgUser); its phone number returns to the inventory.
    RemoveUser {
        /// Object id or UPN.
        #[arg(long)]
        identity: String,
    },
    /// Register an application (bot): permissions, redirect URIs and calling registration.
    NewApplication {
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Home tenant (default: --tenant or the dev tenant).
        #[arg(long)]
        home_tenant_id: Option<String>,
        /// Graph application permission to request, e.g. Calls.Initiate.All (repeatable or comma-separated).
        #[arg(long = "permission", value_delimiter = ',')]
        permissions: Vec<String>,
        /// Redirect URI for the admin-consent flow (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// HTTPS webhook for calling notifications (http only for localhost).
        #[arg(long)]
        calling_webhook: Option<String>,
        /// Enable calling.
        #[arg(long)]
        calling_enabled: bool,
        /// Enable real-time (app-hosted) media.
        #[arg(long)]
        real_time_media_enabled: bool,
        /// Application (client) id to use (default: a fresh GUID).
        #[arg(long)]
        app_id: Option<String>,
    },
    /// Show one application, or list all (Get-MgApplication).
    GetApplication {
        /// Application (client) id; omit to list.
        #[arg(long)]
        app_id: Option<String>,
    },
    /// Change an application's display name, redirect URIs or calling registration.
    SetApplication {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// New display name.
        #[arg(long)]
        display_name: Option<String>,
        /// Replace the redirect URIs (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Option<Vec<String>>,
        /// Calling webhook URL ("null" clears it).
        #[arg(long)]
        calling_webhook: Option<String>,
        /// Enable or disable calling.
        #[arg(long)]
        calling_enabled: Option<bool>,
        /// Enable or disable real-time media.
        #[arg(long)]
        real_time_media_enabled: Option<bool>,
    },
    /// Replace an application's requested permissions. Tenants must grant consent again before tokens
    /// carry the new set (seed 000 "Important").
    SetApplicationPermissions {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// Permission (repeatable or comma-separated); none clears the set.
        #[arg(long = "permission", value_delimiter = ',')]
        permissions: Vec<String>,
    },
    /// Add a client secret (Add-MgApplicationPassword); the secret text is shown only once.
    #[command(group(ArgGroup::new("expiry").args(["expires_in_days", "expires_at"])))]
    NewApplicationSecret {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// Description of the secret.
        #[arg(long)]
        display_name: Option<String>,
        /// Lifetime in days (default 180).
        #[arg(long)]
        expires_in_days: Option<i64>,
        /// Expiry as RFC 3339, e.g. 2030-01-31T00:00:00Z.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Remove a client secret (Remove-MgApplicationPassword).
    RemoveApplicationSecret {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
        /// The secret's key id.
        #[arg(long)]
        key_id: String,
    },
    /// Grant tenant-wide admin consent for exactly the app's currently requested permissions.
    GrantAdminConsent {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
    },
    /// Revoke a tenant's admin consent for an app.
    RevokeAdminConsent {
        /// Application (client) id.
        #[arg(long)]
        app_id: String,
    },
    /// Show requested vs granted permissions of an app in the tenant.
    GetAdminConsent {
        /// Application (client) id; omit to list the tenant's consents.
        #[arg(long)]
        app_id: Option<String>,
    },
    /// New-CsOnlineApplicationInstance: create a resource account bound to a bot application.
    NewApplicationInstance {
        /// User principal name, e.g. bot@contoso.com.
        #[arg(long)]
        upn: String,
        /// The bot's application (client) id.
        #[arg(long)]
        application_id: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
    },
    /// Set-CsOnlineApplicationInstance: change the application, display name or ACS resource binding.
    #[command(group(ArgGroup::new("acs").args(["acs_resource_id", "clear_acs_resource"])))]
    SetApplicationInstance {
        /// Object id or UPN.
        #[arg(long)]
        identity: String,
        /// New application (client) id.
        #[arg(long)]
        application_id: Option<String>,
        /// Bind to this ACS resource (Teams Phone extensibility).
        #[arg(long)]
        acs_resource_id: Option<String>,
        /// Remove the ACS resource binding.
        #[arg(long)]
        clear_acs_resource: bool,
        /// New display name.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Sync-CsOnlineApplicationInstance.
    SyncApplicationInstance {
        /// Object id (or UPN) of the application instance.
        #[arg(long)]
        object_id: String,
    },
    /// Get-CsOnlineApplicationInstance: one instance, or all in the tenant.
    GetApplicationInstance {
        /// Object id or UPN; omit to list.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Set-CsOnlineVoiceApplicationInstance -TelephoneNumber: assign (replacing) or, with "null", unassign.
    SetVoiceApplicationInstance {
        /// Object id or UPN of the application instance.
        #[arg(long)]
        identity: String,
        /// E.164 number, or null (also $null) to unassign.
        #[arg(long)]
        telephone_number: String,
    },
    /// Assign a licence (Set-MgUserLicense): teamsPhoneResourceAccount (resource accounts),
    /// teamsPhone (users), callingPlan (either); SKU names work too.
    SetLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
        /// Licence name or SKU (PHONESYSTEM_VIRTUALUSER, MCOEV, MCOPSTN1).
        #[arg(long)]
        licence: String,
    },
    /// Remove a licence; refused while the account's number depends on it.
    RemoveLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
        /// Licence name or SKU.
        #[arg(long)]
        licence: String,
    },
    /// Show an account's licences.
    GetLicence {
        /// Object id or UPN of a user or application instance.
        #[arg(long)]
        identity: String,
    },
    /// Acquire a number into the tenant's inventory (Teams admin center > Phone numbers > Add).
    NewPhoneNumber {
        /// E.164 number, e.g. +14255550100.
        #[arg(long)]
        phone_number: String,
        /// CallingPlan, DirectRouting or OperatorConnect.
        #[arg(long)]
        number_type: String,
    },
    /// Release an unassigned number from the inventory.
    RemovePhoneNumber {
        /// E.164 number.
        #[arg(long)]
        phone_number: String,
    },
    /// Set-CsPhoneNumberAssignment: give a number to a user or resource account.
    SetPhoneNumberAssignment {
        /// Object id or UPN of the user or application instance.
        #[arg(long)]
        identity: String,
        /// E.164 number from the inventory.
        #[arg(long)]
        phone_number: String,
        /// CallingPlan, DirectRouting or OperatorConnect (default: the number's type).
        #[arg(long)]
        phone_number_type: Option<String>,
    },
    /// Remove-CsPhoneNumberAssignment: take a number away (by number, or the account's number).
    #[command(group(ArgGroup::new("target").args(["identity", "phone_number"]).required(true).multiple(true)))]
    RemovePhoneNumberAssignment {
        /// Object id or UPN whose number to remove.
        #[arg(long)]
        identity: Option<String>,
        /// E.164 number to unassign.
        #[arg(long)]
        phone_number: Option<String>,
    },
    /// Get-CsPhoneNumberAssignment: one number, or the tenant's inventory.
    GetPhoneNumberAssignment {
        /// E.164 number; omit to list.
        #[arg(long)]
        telephone_number: Option<String>,
        /// Only numbers assigned to this object id.
        #[arg(long)]
        assigned_pstn_target_id: Option<String>,
    },
    /// Create an Azure Communication Services resource (endpoint + access keys → connection string).
    NewAcsResource {
        /// Resource name (a DNS label), e.g. contoso-acs.
        #[arg(long)]
        name: String,
        /// Display name (default: the name).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Show one ACS resource with its connection string, or list all.
    GetAcsResource {
        /// Resource id; omit to list.
        #[arg(long)]
        id: Option<String>,
    },
    /// Regenerate an ACS access key.
    RotateAcsKey {
        /// Resource id.
        #[arg(long)]
        id: String,
        /// primary or secondary.
        #[arg(long, value_parser = ["primary", "secondary"])]
        key_type: String,
    },
    /// Subscribe a webhook to an ACS resource's Event Grid events (the webhook must pass the
    /// validation handshake).
    NewEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name (3-64 letters, digits, hyphens).
        #[arg(long)]
        name: String,
        /// Webhook URL (https, or http on loopback).
        #[arg(long)]
        endpoint: String,
        /// Event types (repeatable; default Microsoft.Communication.IncomingCall).
        #[arg(long = "included-event-type", value_parser = [
            "Microsoft.Communication.IncomingCall",
            "Microsoft.Communication.RecordingFileStatusUpdated",
        ])]
        included_event_types: Vec<String>,
        /// Delivery schema.
        #[arg(long, default_value = "EventGridSchema", value_parser = ["EventGridSchema", "CloudEventSchemaV1_0"])]
        event_delivery_schema: String,
        /// Only events whose data.to.rawId is one of these (repeatable), e.g. 28:orgid:<resource account id>.
        #[arg(long = "to-raw-id")]
        to_raw_ids: Vec<String>,
    },
    /// Show one event subscription of an ACS resource, or list them.
    GetEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name; omit to list.
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete an event subscription.
    RemoveEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name.
        #[arg(long)]
        name: String,
    },
}

/// What a command printed: an object, a list with chosen columns, or a confirmation line.
enum Output {
    Object(Value),
    Table(Value, &'static [&'static str]),
    Done(String),
}

const TENANT_COLUMNS: &[&str] = &["id", "domain", "displayName"];
const USER_COLUMNS: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "licences",
    "phoneNumber",
];
const APP_COLUMNS: &[&str] = &[
    "appId",
    "displayName",
    "homeTenantId",
    "requestedPermissions",
];
const CONSENT_COLUMNS: &[&str] = &["appId", "consentRequired", "grantedPermissions"];
const INSTANCE_COLUMNS: &[&str] = &[
    "id",
    "userPrincipalName",
    "applicationId",
    "phoneNumber",
    "acsResourceId",
    "licences",
];
const NUMBER_COLUMNS: &[&str] = &[
    "telephoneNumber",
    "numberType",
    "pstnAssignmentStatus",
    "assignedPstnTargetId",
    "assignedPstnTargetUpn",
];
const ACS_COLUMNS: &[&str] = &["id", "name", "displayName", "endpoint", "tenantId"];
const EVENT_SUBSCRIPTION_COLUMNS: &[&str] =
    &["name", "endpoint", "eventDeliverySchema", "createdAt"];

pub(crate) async fn run(args: AdminArgs) -> Result<()> {
    let client = ApiClient::connect(&args.connect)?;
    let json_output = args.json;
    let output = execute(&client, args.tenant.as_deref(), args.command).await?;
    print!("{}", render(&output, json_output));
    Ok(())
}

/// Percent-encodes one path segment (keeps unreserved characters and `@`).
fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn tenant_of(client: &ApiClient, tenant: Option<&str>) -> Result<String> {
    tenant
        .map(str::to_string)
        .or_else(|| client.dev_tenant())
        .ok_or_else(|| {
            anyhow!(
                "no tenant: pass --tenant (or RINGSIDE_TENANT), or --data-dir of a dev-mode server"
            )
        })
}

/// `"null"`/`"$null"` (any case) → JSON null.
fn nullable(value: &str) -> Value {
    if value.eq_ignore_ascii_case("null") || value.eq_ignore_ascii_case("$null") || value.is_empty()
    {
        Value::Null
    } else {
        Value::String(value.to_string())
    }
}

async fn execute(
    client: &ApiClient,
    tenant: Option<&str>,
    command: AdminCommand,
) -> Result<Output> {
    let t = || tenant_of(client, tenant).map(|t| format!("/tenants/{}", seg(&t)));
    use AdminCommand::*;
    Ok(match command {
        NewTenant {
            display_name,
            domain,
            id,
        } => {
            let mut body = json!({ "displayName": display_name, "domain": domain });
            if let Some(id) = id {
                body["id"] = json!(id);
            }
            Output::Object(client.post("/tenants", &body).await?)
        }
        GetTenant {
            identity: Some(identity),
        } => Output::Object(client.get(&format!("/tenants/{}", seg(&identity))).await?),
        GetTenant { identity: None } => {
            Output::Table(client.get("/tenants").await?, TENANT_COLUMNS)
        }
        NewUser {
            upn,
            display_name,
            licences,
            id,
        } => {
            let mut body = json!({ "userPrincipalName": upn, "displayName": display_name, "licences": licences });
            if let Some(id) = id {
                body["id"] = json!(id);
            }
            Output::Object(client.post(&format!("{}/users", t()?), &body).await?)
        }
        GetUser {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!("{}/users/{}", t()?, seg(&identity)))
                .await?,
        ),
        GetUser { identity: None } => {
            Output::Table(client.get(&format!("{}/users", t()?)).await?, USER_COLUMNS)
        }
        RemoveUser { identity } => {
            client
                .delete(&format!("{}/users/{}", t()?, seg(&identity)))
                .await?;
            Output::Done(format!("Removed user {identity}."))
        }
        NewApplication {
            display_name,
            home_tenant_id,
            permissions,
            redirect_uris,
            calling_webhook,
            calling_enabled,
            real_time_media_enabled,
            app_id,
        } => {
            let home = match home_tenant_id {
                Some(home) => home,
                None => tenant_of(client, tenant)?,
            };
            let mut body = json!({
                "displayName": display_name,
                "homeTenantId": home,
                "requestedPermissions": permissions,
                "redirectUris": redirect_uris,
                "bot": {
                    "callingWebhookUrl": calling_webhook,
                    "callingEnabled": calling_enabled,
                    "realTimeMediaEnabled": real_time_media_enabled,
                },
            });
            if let Some(app_id) = app_id {
                body["appId"] = json!(app_id);
            }
            Output::Object(client.post("/applications", &body).await?)
        }
        GetApplication {
            app_id: Some(app_id),
        } => Output::Object(
            client
                .get(&format!("/applications/{}", seg(&app_id)))
                .await?,
        ),
        GetApplication { app_id: None } => {
            Output::Table(client.get("/applications").await?, APP_COLUMNS)
        }
        SetApplication {
            app_id,
            display_name,
            redirect_uris,
            calling_webhook,
            calling_enabled,
            real_time_media_enabled,
        } => {
            let mut body = Map::new();
            if let Some(name) = display_name {
                body.insert("displayName".into(), json!(name));
            }
            if let Some(uris) = redirect_uris {
                body.insert("redirectUris".into(), json!(uris));
            }
            let mut bot = Map::new();
            if let Some(url) = calling_webhook {
                bot.insert("callingWebhookUrl".into(), nullable(&url));
            }
            if let Some(enabled) = calling_enabled {
                bot.insert("callingEnabled".into(), json!(enabled));
            }
            if let Some(enabled) = real_time_media_enabled {
                bot.insert("realTimeMediaEnabled".into(), json!(enabled));
            }
            if !bot.is_empty() {
                body.insert("bot".into(), Value::Object(bot));
            }
            if body.is_empty() {
                bail!("nothing to change: pass at least one of --display-name, --redirect-uri, --calling-webhook, --calling-enabled, --real-time-media-enabled");
            }
            Output::Object(
                client
                    .patch(
                        &format!("/applications/{}", seg(&app_id)),
                        &Value::Object(body),
                    )
                    .await?,
            )
        }
        SetApplicationPermissions {
            app_id,
            permissions,
        } => {
            let body = json!({ "requestedPermissions": permissions });
            let app = client
                .patch(&format!("/applications/{}", seg(&app_id)), &body)
                .await?;
            eprintln!("Requested permissions changed: run grant-admin-consent in each tenant before tokens carry them.");
            Output::Object(app)
        }
        NewApplicationSecret {
            app_id,
            display_name,
            expires_in_days,
            expires_at,
        } => {
            let mut body = Map::new();
            if let Some(name) = display_name {
                body.insert("displayName".into(), json!(name));
            }
            if let Some(days) = expires_in_days {
                body.insert("expiresInDays".into(), json!(days));
            }
            if let Some(at) = expires_at {
                body.insert("expiresAt".into(), json!(at));
            }
            let secret = client
                .post(
                    &format!("/applications/{}/secrets", seg(&app_id)),
                    &Value::Object(body),
                )
                .await?;
            eprintln!("Copy secretText now: it is not shown again.");
            Output::Object(secret)
        }
        RemoveApplicationSecret { app_id, key_id } => {
            client
                .delete(&format!(
                    "/applications/{}/secrets/{}",
                    seg(&app_id),
                    seg(&key_id)
                ))
                .await?;
            Output::Done(format!("Removed secret {key_id} of application {app_id}."))
        }
        GrantAdminConsent { app_id } => Output::Object(
            client
                .put(&format!("{}/consents/{}", t()?, seg(&app_id)), &json!({}))
                .await?,
        ),
        RevokeAdminConsent { app_id } => {
            client
                .delete(&format!("{}/consents/{}", t()?, seg(&app_id)))
                .await?;
            Output::Done(format!("Revoked admin consent for application {app_id}."))
        }
        GetAdminConsent {
            app_id: Some(app_id),
        } => Output::Object(
            client
                .get(&format!("{}/consents/{}", t()?, seg(&app_id)))
                .await?,
        ),
        GetAdminConsent { app_id: None } => Output::Table(
            client.get(&format!("{}/consents", t()?)).await?,
            CONSENT_COLUMNS,
        ),
        NewApplicationInstance {
            upn,
            application_id,
            display_name,
        } => {
            let body = json!({ "userPrincipalName": upn, "applicationId": application_id, "displayName": display_name });
            Output::Object(
                client
                    .post(&format!("{}/applicationInstances", t()?), &body)
                    .await?,
            )
        }
        SetApplicationInstance {
            identity,
            application_id,
            acs_resource_id,
            clear_acs_resource,
            display_name,
        } => {
            let mut body = Map::new();
            if let Some(app) = application_id {
                body.insert("applicationId".into(), json!(app));
            }
            if let Some(name) = display_name {
                body.insert("displayName".into(), json!(name));
            }
            if clear_acs_resource {
                body.insert("acsResourceId".into(), Value::Null);
            } else if let Some(acs) = acs_resource_id {
                body.insert("acsResourceId".into(), nullable(&acs));
            }
            if body.is_empty() {
                bail!("nothing to change: pass --application-id, --display-name, --acs-resource-id or --clear-acs-resource");
            }
            let path = format!("{}/applicationInstances/{}", t()?, seg(&identity));
            Output::Object(client.patch(&path, &Value::Object(body)).await?)
        }
        SyncApplicationInstance { object_id } => {
            let path = format!("{}/applicationInstances/{}/sync", t()?, seg(&object_id));
            Output::Object(client.post(&path, &json!({})).await?)
        }
        GetApplicationInstance {
            identity: Some(identity),
        } => Output::Object(
            client
                .get(&format!("{}/applicationInstances/{}", t()?, seg(&identity)))
                .await?,
        ),
        GetApplicationInstance { identity: None } => Output::Table(
            client
                .get(&format!("{}/applicationInstances", t()?))
                .await?,
            INSTANCE_COLUMNS,
        ),
        SetVoiceApplicationInstance {
            identity,
            telephone_number,
        } => {
            let path = format!(
                "{}/applicationInstances/{}/telephoneNumber",
                t()?,
                seg(&identity)
            );
            Output::Object(
                client
                    .put(
                        &path,
                        &json!({ "telephoneNumber": nullable(&telephone_number) }),
                    )
                    .await?,
            )
        }
        SetLicence { identity, licence } => {
            let path = format!("{}/accounts/{}/licences", t()?, seg(&identity));
            Output::Object(client.post(&path, &json!({ "licence": licence })).await?)
        }
        RemoveLicence { identity, licence } => {
            client
                .delete(&format!(
                    "{}/accounts/{}/licences/{}",
                    t()?,
                    seg(&identity),
                    seg(&licence)
                ))
                .await?;
            Output::Done(format!("Removed licence {licence} from {identity}."))
        }
        GetLicence { identity } => Output::Object(
            client
                .get(&format!("{}/accounts/{}/licences", t()?, seg(&identity)))
                .await?,
        ),
        NewPhoneNumber {
            phone_number,
            number_type,
        } => {
            let body = json!({ "phoneNumber": phone_number, "numberType": number_type });
            Output::Object(
                client
                    .post(&format!("{}/phoneNumbers", t()?), &body)
                    .await?,
            )
        }
        RemovePhoneNumber { phone_number } => {
            client
                .delete(&format!("{}/phoneNumbers/{}", t()?, seg(&phone_number)))
                .await?;
            Output::Done(format!("Released {phone_number} from the inventory."))
        }
        SetPhoneNumberAssignment {
            identity,
            phone_number,
            phone_number_type,
        } => {
            let mut body = json!({ "identity": identity });
            if let Some(kind) = phone_number_type {
                body["phoneNumberType"] = json!(kind);
            }
            let path = format!("{}/phoneNumbers/{}/assignment", t()?, seg(&phone_number));
            Output::Object(client.post(&path, &body).await?)
        }
        RemovePhoneNumberAssignment {
            identity,
            phone_number,
        } => {
            let number = match (phone_number, identity) {
                (Some(number), _) => number,
                (None, Some(identity)) => account_number(client, &t()?, &identity).await?,
                (None, None) => bail!("pass --phone-number or --identity"),
            };
            client
                .delete(&format!(
                    "{}/phoneNumbers/{}/assignment",
                    t()?,
                    seg(&number)
                ))
                .await?;
            Output::Done(format!("Unassigned {number}."))
        }
        GetPhoneNumberAssignment {
            telephone_number: Some(number),
            ..
        } => Output::Object(
            client
                .get(&format!("{}/phoneNumbers/{}", t()?, seg(&number)))
                .await?,
        ),
        GetPhoneNumberAssignment {
            telephone_number: None,
            assigned_pstn_target_id,
        } => {
            let mut list = client.get(&format!("{}/phoneNumbers", t()?)).await?;
            if let (Some(target), Some(items)) = (
                assigned_pstn_target_id,
                list.get_mut("value").and_then(Value::as_array_mut),
            ) {
                items.retain(|n| {
                    n["assignedPstnTargetId"]
                        .as_str()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&target))
                });
            }
            Output::Table(list, NUMBER_COLUMNS)
        }
        NewAcsResource { name, display_name } => {
            let body = json!({ "tenantId": tenant_of(client, tenant)?, "name": name, "displayName": display_name });
            Output::Object(client.post("/acsResources", &body).await?)
        }
        GetAcsResource { id: Some(id) } => {
            Output::Object(client.get(&format!("/acsResources/{}", seg(&id))).await?)
        }
        GetAcsResource { id: None } => {
            Output::Table(client.get("/acsResources").await?, ACS_COLUMNS)
        }
        RotateAcsKey { id, key_type } => {
            let path = format!("/acsResources/{}/keys/rotate", seg(&id));
            Output::Object(client.post(&path, &json!({ "keyType": key_type })).await?)
        }
        NewEventSubscription {
            acs_resource_id,
            name,
            endpoint,
            included_event_types,
            event_delivery_schema,
            to_raw_ids,
        } => {
            let types = if included_event_types.is_empty() {
                vec!["Microsoft.Communication.IncomingCall".to_string()]
            } else {
                included_event_types
            };
            let filters = if to_raw_ids.is_empty() {
                json!([])
            } else {
                json!([{ "operatorType": "StringIn", "key": "data.to.rawId", "values": to_raw_ids }])
            };
            let body = json!({
                "name": name,
                "endpoint": endpoint,
                "includedEventTypes": types,
                "eventDeliverySchema": event_delivery_schema,
                "advancedFilters": filters,
            });
            let path = format!("/acsResources/{}/eventSubscriptions", seg(&acs_resource_id));
            Output::Object(client.post(&path, &body).await?)
        }
        GetEventSubscription {
            acs_resource_id,
            name: Some(name),
        } => Output::Object(
            client
                .get(&format!(
                    "/acsResources/{}/eventSubscriptions/{}",
                    seg(&acs_resource_id),
                    seg(&name)
                ))
                .await?,
        ),
        GetEventSubscription {
            acs_resource_id,
            name: None,
        } => Output::Table(
            client
                .get(&format!(
                    "/acsResources/{}/eventSubscriptions",
                    seg(&acs_resource_id)
                ))
                .await?,
            EVENT_SUBSCRIPTION_COLUMNS,
        ),
        RemoveEventSubscription {
            acs_resource_id,
            name,
        } => {
            client
                .delete(&format!(
                    "/acsResources/{}/eventSubscriptions/{}",
                    seg(&acs_resource_id),
                    seg(&name)
                ))
                .await?;
            Output::Done(format!("Removed event subscription {name}."))
        }
    })
}

/// The number held by a user or application instance (for remove-phone-number-assignment --identity).
async fn account_number(client: &ApiClient, tenant_path: &str, identity: &str) -> Result<String> {
    let instance = client
        .get(&format!(
            "{tenant_path}/applicationInstances/{}",
            seg(identity)
        ))
        .await;
    let account = match instance {
        Ok(found) => found,
        Err(_) => {
            client
                .get(&format!("{tenant_path}/users/{}", seg(identity)))
                .await?
        }
    };
    account["phoneNumber"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{identity} has no phone number"))
}

/// A JSON value as one table cell or line value.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "-".to_string(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `key: value` lines; nested objects are flattened as `parent.child`.
fn key_values(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match item {
                    Value::Object(_) => key_values(item, &name, out),
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        for (index, element) in items.iter().enumerate() {
                            key_values(element, &format!("{name}[{index}]"), out);
                        }
                        if items.is_empty() {
                            out.push((name, "-".into()));
                        }
                    }
                    _ => out.push((name, cell(item))),
                }
            }
        }
        other => out.push((prefix.to_string(), cell(other))),
    }
}

fn table(list: &Value, columns: &[&str]) -> String {
    let empty = Vec::new();
    let items = list
        .get("value")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if items.is_empty() {
        return "(none)\n".to_string();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| cell(&item[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(text, width)| format!("{text:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(columns.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn render(output: &Output, json_output: bool) -> String {
    match output {
        Output::Object(value) | Output::Table(value, _) if json_output => {
            format!(
                "{}\n",
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
            )
        }
        Output::Done(message) if json_output => {
            format!("{}\n", json!({ "ok": true, "message": message }))
        }
        Output::Object(value) => {
            let mut pairs = Vec::new();
            key_values(value, "", &mut pairs);
            let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            pairs
                .iter()
                .map(|(k, v)| format!("{:<width$}  {v}\n", format!("{k}:"), width = width + 1))
                .collect()
        }
        Output::Table(list, columns) => table(list, columns),
        Output::Done(message) => format!("{message}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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
            matches!(args.command, AdminCommand::NewApplicationInstance { ref upn, .. } if upn == "bot@contoso.com")
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
            matches!(args.command, AdminCommand::NewApplication { ref permissions, .. } if permissions.len() == 2)
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
    }

    #[test]
    fn null_spellings_clear() {
        assert_eq!(nullable("$null"), Value::Null);
        assert_eq!(nullable("NULL"), Value::Null);
        assert_eq!(nullable("+14255550100"), json!("+14255550100"));
        assert_eq!(seg("+1425"), "%2B1425");
        assert_eq!(seg("bot@contoso.com"), "bot@contoso.com");
    }

    #[test]
    fn human_output_is_compact() {
        let list = json!({"value": [
            {"telephoneNumber": "+14255550100", "numberType": "CallingPlan", "pstnAssignmentStatus": "Unassigned", "assignedPstnTargetId": null},
            {"telephoneNumber": "+14255550101", "numberType": "DirectRouting", "pstnAssignmentStatus": "UserAssigned", "assignedPstnTargetId": "abc"}
        ]});
        let text = render(
            &Output::Table(
                list,
                &["telephoneNumber", "numberType", "assignedPstnTargetId"],
            ),
            false,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("telephoneNumber  numberType"));
        assert!(lines[1] == "+14255550100     CallingPlan    -", "{text}");
        let object = json!({"id": "x", "bot": {"callingEnabled": true}, "licences": ["a", "b"], "secrets": []});
        let text = render(&Output::Object(object), false);
        assert!(text.contains("bot.callingEnabled:  true"), "{text}");
        assert!(text.contains("licences:            a, b"), "{text}");
        assert_eq!(
            render(&Output::Table(json!({"value": []}), &["id"]), false),
            "(none)\n"
        );
        let json_text = render(&Output::Done("ok".into()), true);
        assert!(serde_json::from_str::<Value>(&json_text).is_ok());
    }
}
