//! Planning app registrations: `CreateApplication` and `UpdateApplication` (display name, requested
//! permissions, redirect URIs and the bot calling registration).

use std::collections::BTreeSet;

use ringside_model::{AppId, Permission};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, DirectoryError};
use crate::records::{AppRegistration, BotRegistration};
use crate::validate;

impl Directory {
    /// `CreateApplication` or `UpdateApplication`.
    pub(super) fn plan_application(
        &self,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateApplication {
                app_id,
                home_tenant,
                display_name,
                service_principal_id,
                requested,
                redirect_uris,
                bot,
            } => self.create_application(AppRegistration {
                app_id: *app_id,
                home_tenant: *home_tenant,
                display_name: display_name.clone(),
                service_principal_id: *service_principal_id,
                secrets: Vec::new(),
                requested: requested.clone(),
                redirect_uris: redirect_uris.clone(),
                bot: bot.clone(),
            }),
            Command::UpdateApplication {
                app_id,
                display_name,
                requested,
                redirect_uris,
                bot,
            } => self.update_application(
                *app_id,
                display_name.as_deref(),
                requested.as_ref(),
                redirect_uris.as_deref(),
                bot.as_ref(),
            ),
            other => Err(misrouted(other)),
        }
    }

    /// `app` as requested; its redirect URIs are stored without repeats.
    fn create_application(&self, mut app: AppRegistration) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(app.home_tenant)?;
        validate::display_name("application display name", &app.display_name)?;
        check_redirect_uris(&app.redirect_uris)?;
        check_bot(&app.bot)?;
        let (app_id, service_principal_id) = (app.app_id, app.service_principal_id);
        if self.application(app_id).is_some() {
            return Err(conflict(format!("application {app_id} already exists")));
        }
        if let Some(other) = self.application_by_service_principal(service_principal_id) {
            return Err(conflict(format!(
                "service principal id {service_principal_id} is already used by application {}",
                other.app_id
            )));
        }
        app.redirect_uris = dedup(&app.redirect_uris);
        Ok(vec![Change::PutApplication(app)])
    }

    /// Replaces the fields given as `Some`.
    fn update_application(
        &self,
        app_id: AppId,
        display_name: Option<&str>,
        requested: Option<&BTreeSet<Permission>>,
        redirect_uris: Option<&[String]>,
        bot: Option<&BotRegistration>,
    ) -> Result<Vec<Change>, DirectoryError> {
        let mut app = self.require_app(app_id)?.clone();
        if let Some(name) = display_name {
            validate::display_name("application display name", name)?;
            app.display_name = name.to_string();
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
