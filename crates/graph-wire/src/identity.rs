//! `identity` (and its communications*Identity subtypes) and `identitySet` / `communicationsIdentitySet`.

use serde::{Deserialize, Serialize};

use crate::enums::EndpointType;
use crate::odata::{AdditionalData, ODataKind, ODataType};

/// One identity (Open). Covers the base `identity` and every communications subtype: the subtype-only
/// fields (`tenantId`, `identityProvider`, `applicationType`, `hidden`, `email`,
/// `azureCommunicationServicesResourceId`) are optional members here. Emitted as
/// `#microsoft.graph.identity`, as real Graph notifications do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Accepts `identity` and any `…Identity` subtype name.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<Identity>))]
    pub odata_type: ODataType<Identity>,
    /// Object id, E.164 number for `phone`, etc. May be missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name; may be missing or stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Tenant (user, applicationInstance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// `"AAD"` on real payloads (user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
    /// communicationsApplicationIdentity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
    /// communicationsApplication(Instance)Identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// communicationsGuestIdentity / communicationsEncryptedIdentity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// azureCommunicationServicesUserIdentity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_communication_services_resource_id: Option<String>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}

impl ODataKind for Identity {
    const ODATA_TYPE: &'static str = "#microsoft.graph.identity";
    fn accepts(short: &str) -> bool {
        short.ends_with("identity")
    }
}

impl Identity {
    /// An identity with an id and a display name.
    pub fn new(id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Identity {
            id: Some(id.into()),
            display_name: Some(display_name.into()),
            ..Default::default()
        }
    }

    /// An identity with just an id (e.g. a phone number).
    pub fn with_id(id: impl Into<String>) -> Self {
        Identity {
            id: Some(id.into()),
            ..Default::default()
        }
    }
}

/// `identitySet` and `communicationsIdentitySet` in one (Open). `@odata.type` is optional on input and
/// accepted as `identitySet` or `communicationsIdentitySet` (with or without `#`); it is always emitted as
/// `#microsoft.graph.identitySet`, which is what Graph's own notifications carry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentitySet {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<IdentitySet>))]
    pub odata_type: ODataType<IdentitySet>,
    /// A Teams/AAD user (communicationsUserIdentity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Identity>,
    /// A bot application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    /// A resource account (application instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_instance: Option<Identity>,
    /// A PSTN number (`id` is E.164).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Identity>,
    /// An anonymous guest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest: Option<Identity>,
    /// An encrypted caller (the app lacks the permissions to see who calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<Identity>,
    /// An ACS user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_communication_services_user: Option<Identity>,
    /// A device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Identity>,
    /// An on-premises user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises: Option<Identity>,
    /// An asserted identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asserted_identity: Option<Identity>,
    /// communicationsIdentitySet.endpointType.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_type: Option<EndpointType>,
    /// Open-type extras.
    #[serde(flatten, deserialize_with = "crate::odata::open_extras")]
    #[cfg_attr(feature = "openapi", schema(value_type = HashMap<String, Value>))]
    pub additional: AdditionalData,
}

impl ODataKind for IdentitySet {
    const ODATA_TYPE: &'static str = "#microsoft.graph.identitySet";
    fn accepts(short: &str) -> bool {
        short == "identityset" || short == "communicationsidentityset"
    }
}

impl IdentitySet {
    /// A set holding only `user`.
    pub fn user(identity: Identity) -> Self {
        IdentitySet {
            user: Some(identity),
            ..Default::default()
        }
    }

    /// A set holding only `application`.
    pub fn application(identity: Identity) -> Self {
        IdentitySet {
            application: Some(identity),
            ..Default::default()
        }
    }

    /// A set holding only `applicationInstance`.
    pub fn application_instance(identity: Identity) -> Self {
        IdentitySet {
            application_instance: Some(identity),
            ..Default::default()
        }
    }

    /// A set holding only `phone` with an E.164 id.
    pub fn phone(e164: impl Into<String>) -> Self {
        IdentitySet {
            phone: Some(Identity::with_id(e164)),
            ..Default::default()
        }
    }

    /// The first identity present, in the order user, application, applicationInstance, phone, guest,
    /// encrypted, azureCommunicationServicesUser, device, onPremises, assertedIdentity; with its key.
    pub fn primary(&self) -> Option<(&'static str, &Identity)> {
        [
            ("user", &self.user),
            ("application", &self.application),
            ("applicationInstance", &self.application_instance),
            ("phone", &self.phone),
            ("guest", &self.guest),
            ("encrypted", &self.encrypted),
            (
                "azureCommunicationServicesUser",
                &self.azure_communication_services_user,
            ),
            ("device", &self.device),
            ("onPremises", &self.on_premises),
            ("assertedIdentity", &self.asserted_identity),
        ]
        .into_iter()
        .find_map(|(k, v)| v.as_ref().map(|i| (k, i)))
    }
}
