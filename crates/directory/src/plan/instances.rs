//! Planning application instances (Teams resource accounts): `CreateApplicationInstance`,
//! `SetApplicationInstance` (bot app, display name, ACS resource binding) and
//! `SyncApplicationInstance`. Their numbers are planned in `numbers`, their licences in `licences`.

use std::collections::BTreeSet;

use ringside_model::{AcsResourceId, AppId, InstanceId, TenantId};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{not_found, DirectoryError};
use crate::records::ApplicationInstance;
use crate::validate;

impl Directory {
    /// `CreateApplicationInstance`, `SetApplicationInstance` or `SyncApplicationInstance` (at `now`).
    pub(super) fn plan_instance(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateApplicationInstance {
                tenant,
                id,
                upn,
                app_id,
                display_name,
            } => self.create_instance(ApplicationInstance {
                tenant: *tenant,
                id: *id,
                upn: upn.clone(),
                app_id: *app_id,
                display_name: display_name.clone(),
                acs_resource: None,
                licences: BTreeSet::new(),
                synced_at: None,
            }),
            Command::SetApplicationInstance {
                tenant,
                id,
                app_id,
                display_name,
                acs_resource,
            } => self.set_instance(
                *tenant,
                *id,
                *app_id,
                display_name.as_deref(),
                *acs_resource,
            ),
            Command::SyncApplicationInstance { tenant, id } => {
                let mut instance = self.require_instance(*tenant, *id)?.clone();
                instance.synced_at = Some(now);
                Ok(vec![Change::PutInstance(instance)])
            }
            other => Err(misrouted(other)),
        }
    }

    /// The application instance `id` of an existing tenant.
    pub(super) fn require_instance(
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

    fn create_instance(
        &self,
        instance: ApplicationInstance,
    ) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(instance.tenant)?;
        validate::upn(&instance.upn)?;
        validate::display_name("display name", &instance.display_name)?;
        self.require_app(instance.app_id)?;
        self.check_new_account(instance.tenant, instance.id.guid(), &instance.upn)?;
        Ok(vec![Change::PutInstance(instance)])
    }

    /// Replaces the fields given as `Some`; `acs_resource: Some(None)` clears the binding.
    fn set_instance(
        &self,
        tenant: TenantId,
        id: InstanceId,
        app_id: Option<AppId>,
        display_name: Option<&str>,
        acs_resource: Option<Option<AcsResourceId>>,
    ) -> Result<Vec<Change>, DirectoryError> {
        let mut instance = self.require_instance(tenant, id)?.clone();
        if let Some(app_id) = app_id {
            self.require_app(app_id)?;
            instance.app_id = app_id;
        }
        if let Some(name) = display_name {
            validate::display_name("display name", name)?;
            instance.display_name = name.to_string();
        }
        if let Some(resource) = acs_resource {
            if let Some(resource) = resource {
                if self.acs_resource(resource).is_none() {
                    return Err(not_found(format!("ACS resource {resource} does not exist")));
                }
            }
            instance.acs_resource = resource;
        }
        Ok(vec![Change::PutInstance(instance)])
    }
}
