//! `Directory::plan`: validates one command against the current state and returns its changes. This
//! module is the dispatch; each resource's rules live in their own submodule, what several share in
//! `shared`.

mod acs;
mod applications;
mod consent;
mod event_subscriptions;
mod gateways;
mod instances;
mod licences;
mod numbers;
mod secrets;
mod shared;
mod sip_credentials;
mod tenants;
mod users;
mod voice_policies;
mod voice_routes;

use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::DirectoryError;
use crate::records::Tenant;

pub use applications::all_permissions;
pub use gateways::{MAX_CONCURRENT_SESSIONS, MAX_FAILOVER_SECONDS};
pub use secrets::MAX_SECRETS;
pub use voice_routes::DEFAULT_NUMBER_PATTERN;

impl Directory {
    /// Validates `command` against the current state at `now` (unix seconds) and returns the record
    /// changes that carry it out. Never mutates; an empty list means the command is already satisfied.
    pub fn plan(&self, now: i64, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateTenant {
                id,
                display_name,
                domain,
            } => self.plan_create_tenant(Tenant {
                id: *id,
                display_name: display_name.clone(),
                domain: domain.clone(),
            }),
            Command::CreateUser { .. } | Command::DeleteUser { .. } => self.plan_user(command),
            Command::CreateApplication { .. } | Command::UpdateApplication { .. } => {
                self.plan_application(command)
            }
            Command::AddSecret { .. } | Command::RemoveSecret { .. } => {
                self.plan_secret(now, command)
            }
            Command::GrantConsent { .. } | Command::RevokeConsent { .. } => {
                self.plan_consent(now, command)
            }
            Command::CreateApplicationInstance { .. }
            | Command::SetApplicationInstance { .. }
            | Command::SyncApplicationInstance { .. } => self.plan_instance(now, command),
            Command::AssignLicence { .. } | Command::RemoveLicence { .. } => {
                self.plan_licence(command)
            }
            Command::AcquireNumber { .. }
            | Command::ReleaseNumber { .. }
            | Command::AssignNumber { .. }
            | Command::UnassignNumber { .. }
            | Command::SetInstanceTelephoneNumber { .. } => self.plan_number(now, command),
            Command::CreateAcsResource { .. } | Command::RotateAcsKey { .. } => {
                self.plan_acs_resource(now, command)
            }
            Command::CreateEventSubscription { .. } | Command::DeleteEventSubscription { .. } => {
                self.plan_event_subscription(now, command)
            }
            Command::NewPstnGateway { .. }
            | Command::SetPstnGateway { .. }
            | Command::RemovePstnGateway { .. } => self.plan_gateway(command),
            Command::SetPstnUsages { .. }
            | Command::NewVoiceRoute { .. }
            | Command::SetVoiceRoute { .. }
            | Command::RemoveVoiceRoute { .. } => self.plan_voice_route(command),
            Command::NewVoiceRoutingPolicy { .. }
            | Command::SetVoiceRoutingPolicy { .. }
            | Command::RemoveVoiceRoutingPolicy { .. }
            | Command::GrantVoiceRoutingPolicy { .. } => self.plan_voice_policy(command),
            Command::SetSipCredential { .. } | Command::RemoveSipCredential { .. } => {
                self.plan_sip_credential(command)
            }
        }
    }

    /// Plans and applies in one step (for callers without a store: tests, in-memory seeding).
    pub fn execute(&mut self, now: i64, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        let changes = self.plan(now, command)?;
        self.apply(&changes);
        Ok(changes)
    }
}
