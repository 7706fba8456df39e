//! `audioRoutingGroup` (entity): who hears whom inside a call.

use serde::{Deserialize, Serialize};

use crate::enums::RoutingMode;
use crate::odata::{null_as_default, odata_kind, ODataType};

/// `audioRoutingGroup`: body of create (200, not 201) and of GET/PATCH.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AudioRoutingGroup {
    /// The tag.
    #[serde(rename = "@odata.type", default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::odata::schema::tag::<AudioRoutingGroup>))]
    pub odata_type: ODataType<AudioRoutingGroup>,
    /// `@odata.context` on responses.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub odata_context: Option<String>,
    /// Group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `oneToOne` or `multicast`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_mode: Option<RoutingMode>,
    /// Source participant ids (always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<String>,
    /// Receiver participant ids (always emitted).
    #[serde(default, deserialize_with = "null_as_default")]
    pub receivers: Vec<String>,
}
odata_kind!(AudioRoutingGroup, "audioRoutingGroup");
