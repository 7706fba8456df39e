//! Who may reach the PSTN from a Graph call. In Teams a bot dials a phone number only as an
//! application instance (a resource account) with a number — and the Calling Plan licence for a
//! Calling Plan number (seed 003; Graph's docs: "Outgoing call from bot (with instance identifier)
//! to a PSTN", "Transfer to PSTN number is supported only for application instance"). A bot on a
//! call without one gets what Graph gives: create 403 `7504`, an invite that fails by notification
//! with 403/10151 "Call does not contain the metadata required for making this PSTN dial out"
//! (microsoft-graph-comms-samples issue 410), a transfer or redirect refused with 403.

use axum::http::StatusCode;
use ringside_directory::Directory;
use ringside_engine::{BotIdentity, LegId, OperationId, OperationKind, OperationStatus, Target};
use ringside_graph_wire::{ChangeType, CommsOperation, InvitationParticipantInfo, ResourceData};
use ringside_http::ApiError;
use ringside_model::{InstanceId, Licence, NumberType, Party, TenantId};
use ringside_runtime::door::DoorCtx;

use super::media_ops::operation_response;
use super::render;
use super::table::GraphCalls;

/// An invite's failure for a bot that cannot dial out (Graph's `resultInfo` of the failed
/// `inviteParticipantsOperation`).
pub(crate) const NO_DIAL_OUT: (u16, u32, &str) = (
    403,
    10151,
    "addParticipants failed: Call does not contain the metadata required for making this PSTN dial out.. DiagCode: 403#10151",
);

/// The application instance has a number it may call out from.
pub(crate) fn instance_dials_out(d: &Directory, tenant: TenantId, instance: InstanceId) -> bool {
    let Some(account) = d.instance(tenant, instance) else {
        return false;
    };
    d.number_of(instance.guid()).is_some_and(|n| {
        n.number_type != NumberType::CallingPlan || account.licences.contains(&Licence::CallingPlan)
    })
}

/// The bot of a call may dial phone numbers.
pub(crate) fn bot_dials_out(d: &Directory, tenant: TenantId, bot: &BotIdentity) -> bool {
    bot.instance
        .is_some_and(|instance| instance_dials_out(d, tenant, instance))
}

/// Some of `targets` is a phone number.
pub(crate) fn any_phone<'a>(mut parties: impl Iterator<Item = &'a Party>) -> bool {
    parties.any(|p| matches!(p, Party::Phone(_)))
}

/// A transfer or redirect to a phone number by a bot that cannot dial out: 403.
pub(crate) fn refuse_transfer(action: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!("{action} to a PSTN number is supported only for an application instance with a phone number (source.identity.applicationInstance, or a call to the resource account)."),
    )
}

/// The invite of a phone number by a bot that cannot dial out: 200 with the running operation (as
/// Graph answers), then its failure as a completion notification, with the invitees named.
pub(super) fn failed_invite(
    ctx: &mut DoorCtx<'_, GraphCalls>,
    leg: LegId,
    invitees: Vec<InvitationParticipantInfo>,
    client_context: &str,
    context: String,
    location: impl FnOnce(OperationId) -> String,
) -> Result<axum::response::Response, ApiError> {
    let id = OperationId(ringside_runtime::ids::new_guid());
    let with_invitees = |status, result| {
        let mut op = render::operation(
            OperationKind::AddParticipants,
            id,
            client_context,
            status,
            result,
        );
        if let CommsOperation::InviteParticipants(invite) = &mut op {
            invite.participants = invitees.clone();
        }
        op
    };
    let running = with_invitees(OperationStatus::Running, None);
    let failed = with_invitees(OperationStatus::Failed, Some(NO_DIAL_OUT));
    if let Some(call) = ctx.door().get_mut(leg) {
        call.remember_operation(id, failed.clone());
    }
    ctx.door().notify(
        leg,
        ChangeType::Deleted,
        render::operation_url(leg, id),
        ResourceData::Operation(Box::new(failed)),
    );
    operation_response(&running, context, location(id))
}

/// The parties of engine targets.
pub(crate) fn parties(targets: &[Target]) -> impl Iterator<Item = &Party> {
    targets.iter().map(|t| &t.party)
}
