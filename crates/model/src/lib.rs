//! Ringside's domain vocabulary: parsed ids, E.164 numbers, Graph permissions, licences, identities,
//! DTMF tones and the media format. Depends on `std` only and has no serde: wire crates own JSON shapes.

mod ids;
mod licence;
mod media;
mod party;
mod permission;
mod phone;
mod tone;

pub use ids::{AcsResourceId, AppId, Guid, GuidParseError, InstanceId, SecretId, TenantId, UserId};
pub use licence::{Licence, LicenceParseError};
pub use media::{FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE};
pub use party::Party;
pub use permission::{Permission, PermissionParseError};
pub use phone::{E164ParseError, NumberType, NumberTypeParseError, E164};
pub use tone::{Tone, ToneParseError};
