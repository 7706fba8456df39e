//! Ringside's directory, sans-IO: tenants, app registrations (secrets, requested permissions, bot
//! calling registration), admin consent, users, application instances (resource accounts), licences,
//! phone numbers and ACS resources — the records and every rule about them.
//!
//! Commands are validated by [`Directory::plan`] into record-level [`Change`]s, which a store persists
//! and [`Directory::apply`] applies. No clock, no randomness, no IO: `now` (unix seconds), new ids,
//! keys and secret hashes are passed in.

mod command;
mod directory;
mod error;
mod plan;
mod records;
pub mod validate;

#[cfg(test)]
mod tests;

pub use command::{Change, Command};
pub use directory::{Directory, ResourceAccountFilter};
pub use error::DirectoryError;
pub use plan::{all_permissions, MAX_SECRETS};
pub use records::{
    Account, AcsKeyKind, AcsResource, AppRegistration, ApplicationInstance, BotRegistration,
    Consent, ConsentState, EventDeliverySchema, EventSubscription, PhoneNumber, ResourceAccount,
    SecretRecord, Tenant, User,
};
pub use records::{ACS_EVENT_TYPES, MAX_EVENT_SUBSCRIPTIONS};
