//! Who can be at the end of a call leg: the identities both dialects address.

use crate::{AppId, InstanceId, TenantId, UserId, E164};

/// An endpoint that a leg connects: the same thing Graph calls an identitySet and ACS a
/// CommunicationIdentifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// A directory (Teams) user.
    User { tenant: TenantId, user: UserId },
    /// A bot application.
    Application { app: AppId },
    /// An application instance (resource account) acting for its bot.
    ApplicationInstance {
        tenant: TenantId,
        instance: InstanceId,
    },
    /// A phone number (PSTN).
    Phone(E164),
    /// An ACS identity (`8:acs:…`), kept as its raw id.
    AcsUser(String),
}
