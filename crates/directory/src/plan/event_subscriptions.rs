//! Planning an ACS resource's Event Grid subscriptions: `CreateEventSubscription` (a valid name unique
//! on the resource, an https webhook, ACS event types, a rawId filter) and `DeleteEventSubscription`.

use std::collections::BTreeSet;

use ringside_model::AcsResourceId;

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::records::{EventSubscription, ACS_EVENT_TYPES, MAX_EVENT_SUBSCRIPTIONS};
use crate::validate;

/// Most `data.to.rawId` values one subscription may filter on.
const MAX_RAW_ID_FILTERS: usize = 25;

impl Directory {
    /// `CreateEventSubscription` (created at `now`) or `DeleteEventSubscription`.
    pub(super) fn plan_event_subscription(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateEventSubscription {
                id,
                resource,
                name,
                endpoint,
                event_types,
                schema,
                to_raw_ids,
            } => self.create_event_subscription(EventSubscription {
                id: *id,
                resource: *resource,
                name: name.clone(),
                endpoint: endpoint.clone(),
                event_types: event_types.clone(),
                schema: *schema,
                to_raw_ids: to_raw_ids.clone(),
                created_at: now,
            }),
            Command::DeleteEventSubscription { resource, name } => {
                self.delete_event_subscription(*resource, name)
            }
            other => Err(misrouted(other)),
        }
    }

    /// `subscription` as requested.
    fn create_event_subscription(
        &self,
        subscription: EventSubscription,
    ) -> Result<Vec<Change>, DirectoryError> {
        let (resource, name) = (subscription.resource, &subscription.name);
        if self.acs_resource(resource).is_none() {
            return Err(not_found(format!("ACS resource {resource} does not exist")));
        }
        validate::event_subscription_name(name)?;
        validate::https_url("endpoint", &subscription.endpoint)?;
        check_event_types(&subscription.event_types)?;
        check_raw_id_filter(&subscription.to_raw_ids)?;
        if self.event_subscription(resource, name).is_some() {
            return Err(conflict(format!(
                "ACS resource {resource} already has an event subscription named '{name}'"
            )));
        }
        if self.event_subscriptions(resource).count() >= MAX_EVENT_SUBSCRIPTIONS {
            return Err(invalid(format!(
                "an ACS resource may have at most {MAX_EVENT_SUBSCRIPTIONS} event subscriptions"
            )));
        }
        Ok(vec![Change::PutEventSubscription(subscription)])
    }

    /// By name (case-insensitive); the change names the subscription as stored.
    fn delete_event_subscription(
        &self,
        resource: AcsResourceId,
        name: &str,
    ) -> Result<Vec<Change>, DirectoryError> {
        let existing = self.event_subscription(resource, name).ok_or_else(|| {
            not_found(format!(
                "ACS resource {resource} has no event subscription named '{name}'"
            ))
        })?;
        Ok(vec![Change::DeleteEventSubscription {
            resource,
            name: existing.name.clone(),
        }])
    }
}

/// At least one type, each from [`ACS_EVENT_TYPES`].
fn check_event_types(event_types: &BTreeSet<String>) -> Result<(), DirectoryError> {
    if event_types.is_empty() {
        return Err(invalid(
            "includedEventTypes must name at least one event type",
        ));
    }
    match event_types
        .iter()
        .find(|t| !ACS_EVENT_TYPES.contains(&t.as_str()))
    {
        Some(unknown) => Err(invalid(format!(
            "'{}' is not an ACS event type; use {}",
            validate::clip(unknown),
            ACS_EVENT_TYPES.join(" or ")
        ))),
        None => Ok(()),
    }
}

/// At most [`MAX_RAW_ID_FILTERS`] values of 1 to 256 bytes without control characters.
fn check_raw_id_filter(to_raw_ids: &BTreeSet<String>) -> Result<(), DirectoryError> {
    if to_raw_ids.len() > MAX_RAW_ID_FILTERS {
        return Err(invalid("at most 25 data.to.rawId values are allowed"));
    }
    match to_raw_ids
        .iter()
        .find(|v| v.is_empty() || v.len() > 256 || v.chars().any(char::is_control))
    {
        Some(bad) => Err(invalid(format!(
            "'{}' is not a valid rawId filter value",
            validate::clip(bad)
        ))),
        None => Ok(()),
    }
}
