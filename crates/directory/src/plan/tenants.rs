//! Planning tenants: `CreateTenant` (a valid display name and a domain no other tenant holds).

use crate::command::Change;
use crate::directory::Directory;
use crate::error::{conflict, DirectoryError};
use crate::records::Tenant;
use crate::validate;

impl Directory {
    /// `tenant` as requested; its domain is stored lower-cased.
    pub(super) fn plan_create_tenant(
        &self,
        mut tenant: Tenant,
    ) -> Result<Vec<Change>, DirectoryError> {
        validate::display_name("tenant display name", &tenant.display_name)?;
        validate::domain(&tenant.domain)?;
        let (id, domain) = (tenant.id, &tenant.domain);
        if self.tenant(id).is_some() {
            return Err(conflict(format!("tenant {id} already exists")));
        }
        if let Some(other) = self.tenant_by_domain(domain) {
            return Err(conflict(format!(
                "domain '{domain}' already belongs to tenant {}",
                other.id
            )));
        }
        tenant.domain = tenant.domain.to_ascii_lowercase();
        Ok(vec![Change::PutTenant(tenant)])
    }
}
