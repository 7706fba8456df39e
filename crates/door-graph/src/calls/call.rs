//! One Graph call as the door keeps it: a bot leg seen from its bot (its callback, the request
//! fields it echoes, its operations, the state last rendered).

use std::collections::{HashMap, HashSet};

use ringside_engine::{BotIdentity, ConversationId, Direction, LegId, LegState, OperationId};
use ringside_graph_wire::{
    CallDirection, CallOptions, CallState, CommsOperation, InvitationParticipantInfo, MediaConfig,
    Modality, ParticipantInfo,
};
use ringside_model::{AppId, TenantId};

/// One Graph call: a bot leg seen from its bot.
#[derive(Debug, Clone)]
pub(crate) struct GraphCall {
    /// The call id (the bot's leg).
    pub(crate) id: LegId,
    /// `callChainId`.
    pub(crate) conversation: ConversationId,
    /// The tenant the call belongs to.
    pub(crate) tenant: TenantId,
    /// The bot.
    pub(crate) bot: BotIdentity,
    /// Where notifications go.
    pub(crate) callback_uri: String,
    /// Seen from the bot.
    pub(crate) direction: CallDirection,
    /// Last state the door rendered.
    pub(crate) state: LegState,
    /// `source` as rendered.
    pub(crate) source: Option<ParticipantInfo>,
    /// `targets` as rendered.
    pub(crate) targets: Vec<InvitationParticipantInfo>,
    /// `requestedModalities`.
    pub(crate) requested_modalities: Vec<Modality>,
    /// From create or answer.
    pub(crate) media_config: Option<MediaConfig>,
    /// From create or answer.
    pub(crate) call_options: Option<CallOptions>,
    /// From create.
    pub(crate) subject: Option<String>,
    /// `Scenario-Id` of its notifications.
    pub(crate) scenario_id: String,
    /// Why it ended, or why a transfer failed.
    pub(crate) result_info: Option<(u16, u32, &'static str)>,
    /// Audio media state once known.
    pub(crate) media_active: Option<bool>,
    /// Operations as last rendered, for `GET …/operations/{id}`.
    pub(crate) operations: HashMap<OperationId, CommsOperation>,
    /// Operations whose HTTP response was already final: no completion notification.
    pub(crate) quiet: HashSet<OperationId>,
    /// Bumped per notification (`@odata.etag`).
    pub(crate) etag: u64,
    /// The bot's last `updateRecordingStatus` (shown as its participant's `recordingInfo`).
    pub(crate) recording_status: Option<ringside_graph_wire::RecordingStatus>,
    /// `audioRoutingGroups` by id, in creation order.
    pub(crate) audio_routing_groups: Vec<ringside_graph_wire::AudioRoutingGroup>,
    /// `mediaConfig.removeFromDefaultAudioGroup`: the bot hears and is heard only through its
    /// audio routing groups.
    pub(crate) out_of_main_mix: bool,
    /// A meeting join's `chatInfo`, echoed.
    pub(crate) chat_info: Option<ringside_graph_wire::ChatInfo>,
    /// A meeting join's `meetingInfo`, echoed.
    pub(crate) meeting_info: Option<ringside_graph_wire::MeetingInfo>,
}

impl GraphCall {
    /// A new table row.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: LegId,
        conversation: ConversationId,
        tenant: TenantId,
        bot: BotIdentity,
        callback_uri: String,
        direction: Direction,
        state: LegState,
    ) -> GraphCall {
        GraphCall {
            id,
            conversation,
            tenant,
            bot,
            callback_uri,
            direction: match direction {
                Direction::Incoming => CallDirection::Incoming,
                Direction::Outgoing => CallDirection::Outgoing,
            },
            state,
            source: None,
            targets: Vec::new(),
            requested_modalities: vec![Modality::Audio],
            media_config: None,
            call_options: None,
            subject: None,
            scenario_id: ringside_runtime::ids::new_guid().to_string(),
            result_info: None,
            media_active: None,
            operations: HashMap::new(),
            quiet: HashSet::new(),
            etag: 0,
            recording_status: None,
            audio_routing_groups: Vec::new(),
            out_of_main_mix: false,
            chat_info: None,
            meeting_info: None,
        }
    }

    /// Graph `callState` of the row.
    pub(crate) fn wire_state(&self) -> CallState {
        crate::codes::call_state(self.state)
    }

    /// Whether the call has ended.
    pub(crate) fn ended(&self) -> bool {
        self.state.is_terminated()
    }

    /// The bot app.
    pub(crate) fn app(&self) -> AppId {
        self.bot.app
    }

    /// Stores an operation as returned to the bot, for `GET …/operations/{id}`. Only remembered
    /// operations get a completion notification.
    pub(crate) fn remember_operation(&mut self, id: OperationId, op: CommsOperation) {
        self.operations.insert(id, op);
    }

    /// The operation's HTTP response was final: its completion event is not notified.
    pub(crate) fn quiet(&mut self, id: OperationId) {
        self.quiet.insert(id);
    }
}
