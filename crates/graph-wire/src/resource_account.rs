//! `/beta/admin/teams/resourceAccounts` (seed 004): a Teams resource account and its number.

use serde::{Deserialize, Serialize};

/// One resource account as Graph beta renders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccount {
    /// The application instance's object id.
    pub id: String,
    /// The account's UPN.
    pub user_principal_name: String,
    /// The bot application the account belongs to.
    pub app_id: String,
    /// Display name.
    pub display_name: String,
    /// `tel:+1…`, or null without a number.
    pub phone_number: Option<String>,
    /// The ACS resource calls are routed to, or null.
    pub acs_resource_id: Option<String>,
}

/// The collection response with OData annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceAccountCollection {
    /// `…/beta/$metadata#admin/teams/resourceAccounts`.
    #[serde(rename = "@odata.context")]
    pub odata_context: String,
    /// The page.
    pub value: Vec<ResourceAccount>,
    /// Link to the next page, when there is one.
    #[serde(
        rename = "@odata.nextLink",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub odata_next_link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_documented_shape() {
        let collection = ResourceAccountCollection {
            odata_context:
                "https://graph.microsoft.com/beta/$metadata#admin/teams/resourceAccounts".into(),
            value: vec![ResourceAccount {
                id: "cc123456-5678-5678-1234-ccc123456789".into(),
                user_principal_name: "ra@contoso.com".into(),
                app_id: "aa123456-1234-1234-1234-aaa123456789".into(),
                display_name: "My RA Name".into(),
                phone_number: Some("tel:+1234567890".into()),
                acs_resource_id: None,
            }],
            odata_next_link: None,
        };
        let json = serde_json::to_value(&collection).unwrap();
        assert_eq!(json["value"][0]["userPrincipalName"], "ra@contoso.com");
        assert_eq!(json["value"][0]["phoneNumber"], "tel:+1234567890");
        assert!(json["value"][0]["acsResourceId"].is_null());
        assert!(json.get("@odata.nextLink").is_none());
        let back: ResourceAccountCollection = serde_json::from_value(json).unwrap();
        assert_eq!(back, collection);
    }
}
