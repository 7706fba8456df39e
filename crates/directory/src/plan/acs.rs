//! Planning ACS resources: `CreateAcsResource` (a DNS-label name no other resource holds, two
//! different access keys) and `RotateAcsKey`.

use ringside_model::AcsResourceId;

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::records::{AcsKeyKind, AcsResource};
use crate::validate;

impl Directory {
    /// `CreateAcsResource` (created at `now`) or `RotateAcsKey`.
    pub(super) fn plan_acs_resource(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateAcsResource {
                id,
                tenant,
                name,
                display_name,
                primary_key,
                secondary_key,
            } => self.create_acs_resource(AcsResource {
                id: *id,
                tenant: *tenant,
                name: name.clone(),
                display_name: display_name.clone(),
                primary_key: primary_key.clone(),
                secondary_key: secondary_key.clone(),
                created_at: now,
            }),
            Command::RotateAcsKey { id, key, new_key } => self.rotate_acs_key(*id, *key, new_key),
            other => Err(misrouted(other)),
        }
    }

    /// `resource` as requested; its name is stored lower-cased.
    fn create_acs_resource(
        &self,
        mut resource: AcsResource,
    ) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(resource.tenant)?;
        validate::acs_name(&resource.name)?;
        validate::display_name("ACS resource display name", &resource.display_name)?;
        validate::access_key("primary key", &resource.primary_key)?;
        validate::access_key("secondary key", &resource.secondary_key)?;
        if resource.primary_key == resource.secondary_key {
            return Err(invalid("the primary and secondary keys must differ"));
        }
        let (id, name) = (resource.id, &resource.name);
        if self.acs_resource(id).is_some() {
            return Err(conflict(format!("ACS resource {id} already exists")));
        }
        if let Some(other) = self.acs_resource_by_name(name) {
            return Err(conflict(format!(
                "an ACS resource named '{name}' already exists ({})",
                other.id
            )));
        }
        resource.name = resource.name.to_ascii_lowercase();
        Ok(vec![Change::PutAcsResource(resource)])
    }

    /// Replaces one access key with a caller-generated one that differs from both current keys.
    fn rotate_acs_key(
        &self,
        id: AcsResourceId,
        key: AcsKeyKind,
        new_key: &str,
    ) -> Result<Vec<Change>, DirectoryError> {
        let mut resource = self
            .acs_resource(id)
            .ok_or_else(|| not_found(format!("ACS resource {id} does not exist")))?
            .clone();
        validate::access_key("the new key", new_key)?;
        if new_key == resource.primary_key || new_key == resource.secondary_key {
            return Err(invalid("the new key must differ from both current keys"));
        }
        match key {
            AcsKeyKind::Primary => resource.primary_key = new_key.to_string(),
            AcsKeyKind::Secondary => resource.secondary_key = new_key.to_string(),
        }
        Ok(vec![Change::PutAcsResource(resource)])
    }
}
