//! Planning admin consent: `GrantConsent` (exactly the app's currently requested permissions) and
//! `RevokeConsent`.

use ringside_model::{AppId, TenantId};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{not_found, DirectoryError};
use crate::records::Consent;

impl Directory {
    /// `GrantConsent` (granted at `now`) or `RevokeConsent`.
    pub(super) fn plan_consent(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::GrantConsent { tenant, app_id } => self.grant_consent(now, *tenant, *app_id),
            Command::RevokeConsent { tenant, app_id } => self.revoke_consent(*tenant, *app_id),
            other => Err(misrouted(other)),
        }
    }

    /// Replaces an older grant.
    fn grant_consent(
        &self,
        now: i64,
        tenant: TenantId,
        app_id: AppId,
    ) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(tenant)?;
        let app = self.require_app(app_id)?;
        Ok(vec![Change::PutConsent(Consent {
            tenant,
            app: app_id,
            granted: app.requested.clone(),
            granted_at: now,
        })])
    }

    fn revoke_consent(
        &self,
        tenant: TenantId,
        app_id: AppId,
    ) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(tenant)?;
        self.require_app(app_id)?;
        if self.consent(tenant, app_id).is_none() {
            return Err(not_found(format!(
                "tenant {tenant} has not consented to application {app_id}"
            )));
        }
        Ok(vec![Change::DeleteConsent { tenant, app_id }])
    }
}
