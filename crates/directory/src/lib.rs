//! Ringside's directory, sans-IO: tenants, app registrations (secrets, requested permissions, bot
//! calling registration), admin consent, users, application instances (resource accounts), licences,
//! phone numbers, ACS resources and Direct Routing (PSTN gateways, PSTN usages, voice routes, voice
//! routing policies and their grants, users' SIP credentials) — the records and every rule about
//! them, and the queries a SIP gateway asks (inbound trunk, outbound gateways, SIP credentials).
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
mod voice;
mod voice_queries;

#[cfg(test)]
mod tests;

pub use command::{Change, Command};
pub use directory::{Directory, ResourceAccountFilter};
pub use error::DirectoryError;
pub use plan::{
    all_permissions, DEFAULT_NUMBER_PATTERN, MAX_CONCURRENT_SESSIONS, MAX_FAILOVER_SECONDS,
    MAX_SECRETS,
};
pub use records::{
    Account, AcsKeyKind, AcsResource, AppRegistration, ApplicationInstance, BotRegistration,
    Consent, ConsentState, EventDeliverySchema, EventSubscription, PhoneNumber, ResourceAccount,
    SecretRecord, Tenant, User,
};
pub use records::{ACS_EVENT_TYPES, MAX_EVENT_SUBSCRIPTIONS};
pub use voice::{
    compile_number_pattern, join_codes, DigestCredentials, GatewayPatch, PolicyGrant, PstnGateway,
    SipCredential, SipTransport, VoiceRoute, VoiceRoutePatch, VoiceRoutingPolicy, GLOBAL_POLICY,
    MAX_NUMBER_PATTERN,
};
