//! `new-`, `get-` and `remove-event-subscription`: an ACS resource's Event Grid subscriptions (a
//! webhook, event types, delivery schema and an optional `data.to.rawId` filter).

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::api::{seg, Api, Output};

const EVENT_SUBSCRIPTION_COLUMNS: &[&str] =
    &["name", "endpoint", "eventDeliverySchema", "createdAt"];

/// Event subscription commands.
#[derive(Subcommand, Debug)]
// The variants are the subcommands, named after the cmdlets; they share a suffix.
#[allow(clippy::enum_variant_names)]
pub(super) enum EventSubscriptionCommand {
    /// Subscribe a webhook to an ACS resource's Event Grid events (the webhook must pass the
    /// validation handshake).
    NewEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name (3-64 letters, digits, hyphens).
        #[arg(long)]
        name: String,
        /// Webhook URL (https, or http on loopback).
        #[arg(long)]
        endpoint: String,
        /// Event types (repeatable; default Microsoft.Communication.IncomingCall).
        #[arg(long = "included-event-type", value_parser = [
            "Microsoft.Communication.IncomingCall",
            "Microsoft.Communication.RecordingFileStatusUpdated",
        ])]
        included_event_types: Vec<String>,
        /// Delivery schema.
        #[arg(long, default_value = "EventGridSchema", value_parser = ["EventGridSchema", "CloudEventSchemaV1_0"])]
        event_delivery_schema: String,
        /// Only events whose data.to.rawId is one of these (repeatable), e.g. 28:orgid:<resource account id>.
        #[arg(long = "to-raw-id")]
        to_raw_ids: Vec<String>,
    },
    /// Show one event subscription of an ACS resource, or list them.
    GetEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name; omit to list.
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete an event subscription.
    RemoveEventSubscription {
        /// ACS resource id.
        #[arg(long)]
        acs_resource_id: String,
        /// Subscription name.
        #[arg(long)]
        name: String,
    },
}

pub(super) async fn execute(api: Api<'_>, command: EventSubscriptionCommand) -> Result<Output> {
    let client = api.client;
    Ok(match command {
        EventSubscriptionCommand::NewEventSubscription {
            acs_resource_id,
            name,
            endpoint,
            included_event_types,
            event_delivery_schema,
            to_raw_ids,
        } => {
            let types = if included_event_types.is_empty() {
                vec!["Microsoft.Communication.IncomingCall".to_string()]
            } else {
                included_event_types
            };
            let filters = if to_raw_ids.is_empty() {
                json!([])
            } else {
                json!([{ "operatorType": "StringIn", "key": "data.to.rawId", "values": to_raw_ids }])
            };
            let body = json!({
                "name": name,
                "endpoint": endpoint,
                "includedEventTypes": types,
                "eventDeliverySchema": event_delivery_schema,
                "advancedFilters": filters,
            });
            let path = format!("/acsResources/{}/eventSubscriptions", seg(&acs_resource_id));
            Output::Object(client.post(&path, &body).await?)
        }
        EventSubscriptionCommand::GetEventSubscription {
            acs_resource_id,
            name: Some(name),
        } => Output::Object(
            client
                .get(&format!(
                    "/acsResources/{}/eventSubscriptions/{}",
                    seg(&acs_resource_id),
                    seg(&name)
                ))
                .await?,
        ),
        EventSubscriptionCommand::GetEventSubscription {
            acs_resource_id,
            name: None,
        } => Output::Table(
            client
                .get(&format!(
                    "/acsResources/{}/eventSubscriptions",
                    seg(&acs_resource_id)
                ))
                .await?,
            EVENT_SUBSCRIPTION_COLUMNS,
        ),
        EventSubscriptionCommand::RemoveEventSubscription {
            acs_resource_id,
            name,
        } => {
            client
                .delete(&format!(
                    "/acsResources/{}/eventSubscriptions/{}",
                    seg(&acs_resource_id),
                    seg(&name)
                ))
                .await?;
            Output::Done(format!("Removed event subscription {name}."))
        }
    })
}
