//! Offers to ACS bots: an offer to a resource account bound to an ACS resource (Teams Phone
//! extensibility) is adopted when the resource has an event subscription that takes
//! `Microsoft.Communication.IncomingCall` for the callee's rawId; each such subscription gets the
//! event in its schema through the outbox, and the offer waits for answer/reject/redirect.

use ringside_directory::EventDeliverySchema;
use ringside_engine::{Event, LegId};
use ringside_model::{AcsResourceId, Party, TenantId};
use ringside_store::{NewOutboxRow, RetryPolicy};
use serde_json::json;

use super::{AcsCalls, Offer, CONTEXT_TTL_SECS, EVENT_GRID};
use crate::incoming::{self, identifier, CallContext, IncomingCall};
use crate::wire::{now_rfc3339, server_call_id};
use ringside_runtime::door::DoorEnv;
use ringside_runtime::eventgrid::{delivery_headers, EventSchema};

/// The IncomingCall subscriptions of a resource for a callee: (name, endpoint, schema), the topic
/// and the caller's display name.
type Subscribers = (Vec<(String, String, EventDeliverySchema)>, String, String);

impl AcsCalls {
    /// An offer to an ACS bot: deliver IncomingCall to the resource's subscriptions.
    pub(super) fn adopt(&mut self, env: &mut DoorEnv<'_>, event: &Event) -> bool {
        let Event::CallOffered {
            conversation,
            leg,
            tenant,
            caller,
            callee,
            bot,
            ..
        } = event
        else {
            return false;
        };
        // Calls to a resource account bound to an ACS resource are Teams Phone extensibility calls.
        let bound = bot.instance.and_then(|instance| {
            env.directory
                .read(|d| d.instance_by_id(instance).and_then(|i| i.acs_resource))
        });
        let Some(resource) = bound else {
            return false;
        };
        // A call to a resource account's number is a call to the resource account (seed 004:
        // `to` is `28:orgid:<account id>`).
        let callee = &env.directory.read(|d| match callee {
            Party::Phone(number) => match d.number_owner(number) {
                Some(ringside_directory::Account::Instance(i)) => Party::ApplicationInstance {
                    tenant: i.tenant,
                    instance: i.id,
                },
                _ => callee.clone(),
            },
            other => other.clone(),
        });
        let (subscriptions, topic, display) = subscribers(env, resource, caller, callee);
        if subscriptions.is_empty() {
            return false;
        }
        let context = CallContext {
            resource: resource.to_string(),
            conversation: conversation.to_string(),
            leg: leg.to_string(),
            expires_at: ringside_runtime::node::unix_now() + CONTEXT_TTL_SECS,
        }
        .seal(&self.key);
        let custom = env.call_headers(*conversation);
        let call = IncomingCall {
            to: callee.clone(),
            from: caller.clone(),
            caller_display_name: display,
            server_call_id: server_call_id(*conversation),
            correlation_id: conversation.to_string(),
            incoming_call_context: context,
            sip_headers: custom.sip,
            voip_headers: custom.voip,
        };
        self.deliver_incoming(*leg, *tenant, resource, &topic, subscriptions, &call);
        self.offers.insert(
            *leg,
            Offer {
                conversation: *conversation,
                resource,
                tenant: *tenant,
                caller: caller.clone(),
                callee: callee.clone(),
            },
        );
        true
    }

    /// One IncomingCall per subscription, in its schema, each subscription's deliveries on their
    /// own.
    fn deliver_incoming(
        &mut self,
        leg: LegId,
        tenant: TenantId,
        resource: AcsResourceId,
        topic: &str,
        subscriptions: Vec<(String, String, EventDeliverySchema)>,
        call: &IncomingCall,
    ) {
        let time = now_rfc3339();
        for (name, endpoint, schema) in subscriptions {
            let id = ringside_runtime::ids::new_guid().to_string();
            let (event, schema) = match schema {
                EventDeliverySchema::CloudEvents => (
                    incoming::cloud_event(
                        &id,
                        topic,
                        &call.subject(),
                        "Microsoft.Communication.IncomingCall",
                        &time,
                        call.data(),
                    ),
                    EventSchema::CloudEvents,
                ),
                _ => (
                    incoming::event_grid_event(
                        &id,
                        topic,
                        &call.subject(),
                        "Microsoft.Communication.IncomingCall",
                        &time,
                        call.data(),
                    ),
                    EventSchema::EventGrid,
                ),
            };
            let mut headers = delivery_headers(schema, &name, &id);
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("aeg-delivery-count"));
            self.outbox.enqueue(NewOutboxRow {
                // Each subscription is delivered on its own (Event Grid retries one without
                // holding back another).
                ordering_key: format!("{leg}/{name}"),
                target_url: endpoint,
                dialect: EVENT_GRID.name.into(),
                // No token: the audience names the subscription's resource ([`event_grid_row_wanted`]).
                audience: resource.to_string(),
                tenant: tenant.to_string(),
                headers,
                body: serde_json::to_vec(&json!([event])).unwrap_or_default(),
                retry_policy: RetryPolicy::EventGrid,
                created_at_ms: ringside_runtime::outbox::unix_ms(),
            });
        }
    }
}

/// The resource's subscriptions that take IncomingCall for `callee`, its topic, and the caller's
/// display name.
fn subscribers(
    env: &DoorEnv<'_>,
    resource: AcsResourceId,
    caller: &Party,
    callee: &Party,
) -> Subscribers {
    let to = identifier(callee);
    let to_raw = incoming::raw_id(&to).to_string();
    env.directory.read(|d| {
        let subscriptions: Vec<(String, String, EventDeliverySchema)> = d
            .event_subscriptions(resource)
            .filter(|s| {
                s.event_types
                    .contains("Microsoft.Communication.IncomingCall")
            })
            .filter(|s| s.to_raw_ids.is_empty() || s.to_raw_ids.contains(&to_raw))
            .map(|s| (s.name.clone(), s.endpoint.clone(), s.schema))
            .collect();
        let topic = d
            .acs_resource(resource)
            .map(|r| ringside_runtime::eventgrid::topic(&r.tenant.to_string(), "ringside", &r.name))
            .unwrap_or_default();
        let display = match caller {
            Party::User { tenant, user } => d
                .user(*tenant, *user)
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            Party::Phone(number) => number.as_str().to_string(),
            _ => String::new(),
        };
        (subscriptions, topic, display)
    })
}
