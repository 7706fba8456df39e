//! `new-application`, `get-application`, `set-application` and `set-application-permissions`: app
//! registrations (bots) with their requested permissions, redirect URIs and calling registration.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

use super::api::{nullable, seg, Api, Output};

const APP_COLUMNS: &[&str] = &[
    "appId",
    "displayName",
    "homeTenantId",
    "requestedPermissions",
];

/// Application commands.
#[derive(Subcommand, Debug)]
pub(super) enum ApplicationCommand {
    /// Register an application (bot): permissions, redirect URIs and calling registration.
    NewApplication(NewApplication),
    /// Show one application, or list all (Get-MgApplication).
    GetApplication {
        /// Application (client) id; omit to list.
        #[arg(long)]
        app_id: Option<String>,
    },
    /// Change an application's display name, redirect URIs or calling registration.
    SetApplication(SetApplication),
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
}

// `new-application`'s options.
#[derive(Args, Debug)]
pub(super) struct NewApplication {
    /// Display name.
    #[arg(long)]
    display_name: String,
    /// Home tenant (default: --tenant or the dev tenant).
    #[arg(long)]
    home_tenant_id: Option<String>,
    /// Graph application permission to request, e.g. Calls.Initiate.All (repeatable or comma-separated).
    #[arg(long = "permission", value_delimiter = ',')]
    pub(super) permissions: Vec<String>,
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
}

// `set-application`'s options.
#[derive(Args, Debug)]
pub(super) struct SetApplication {
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
}

pub(super) async fn execute(api: Api<'_>, command: ApplicationCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        ApplicationCommand::NewApplication(args) => new_application(api, args).await?,
        ApplicationCommand::GetApplication {
            app_id: Some(app_id),
        } => Output::Object(
            client
                .get(&format!("/applications/{}", seg(&app_id)))
                .await?,
        ),
        ApplicationCommand::GetApplication { app_id: None } => {
            Output::Table(client.get("/applications").await?, APP_COLUMNS)
        }
        ApplicationCommand::SetApplication(args) => set_application(api, args).await?,
        ApplicationCommand::SetApplicationPermissions {
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
    })
}

/// `POST /applications`; the home tenant defaults to `--tenant` or the dev tenant.
async fn new_application(api: Api<'_>, args: NewApplication) -> Result<Output> {
    let home = match args.home_tenant_id {
        Some(home) => home,
        None => api.tenant()?,
    };
    let mut body = json!({
        "displayName": args.display_name,
        "homeTenantId": home,
        "requestedPermissions": args.permissions,
        "redirectUris": args.redirect_uris,
        "bot": {
            "callingWebhookUrl": args.calling_webhook,
            "callingEnabled": args.calling_enabled,
            "realTimeMediaEnabled": args.real_time_media_enabled,
        },
    });
    if let Some(app_id) = args.app_id {
        body["appId"] = json!(app_id);
    }
    Ok(Output::Object(
        api.client.post("/applications", &body).await?,
    ))
}

/// `PATCH /applications/{appId}` with only the given fields; refused when none is given.
async fn set_application(api: Api<'_>, args: SetApplication) -> Result<Output> {
    let mut body = Map::new();
    if let Some(name) = args.display_name {
        body.insert("displayName".into(), json!(name));
    }
    if let Some(uris) = args.redirect_uris {
        body.insert("redirectUris".into(), json!(uris));
    }
    let mut bot = Map::new();
    if let Some(url) = args.calling_webhook {
        bot.insert("callingWebhookUrl".into(), nullable(&url));
    }
    if let Some(enabled) = args.calling_enabled {
        bot.insert("callingEnabled".into(), json!(enabled));
    }
    if let Some(enabled) = args.real_time_media_enabled {
        bot.insert("realTimeMediaEnabled".into(), json!(enabled));
    }
    if !bot.is_empty() {
        body.insert("bot".into(), Value::Object(bot));
    }
    if body.is_empty() {
        bail!("nothing to change: pass at least one of --display-name, --redirect-uri, --calling-webhook, --calling-enabled, --real-time-media-enabled");
    }
    Ok(Output::Object(
        api.client
            .patch(
                &format!("/applications/{}", seg(&args.app_id)),
                &Value::Object(body),
            )
            .await?,
    ))
}
