//! Leg states, endpoint kinds and dialects, with their Graph `callState` / ACS `callConnectionState`.

use ringside_model::{AcsResourceId, AppId, InstanceId};

use crate::reason::EndReason;

/// Which front door a bot leg belongs to. Decides which timers apply (keepAlive is Graph-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Microsoft Graph `/communications/calls`.
    Graph,
    /// ACS Call Automation.
    Acs,
}

/// A bot application as an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BotIdentity {
    /// The bot's app registration.
    pub app: AppId,
    /// The application instance (resource account) the bot acts as, if any.
    pub instance: Option<InstanceId>,
    /// The ACS resource the bot's calls run on (Teams Phone extensibility), if any.
    pub acs_resource: Option<AcsResourceId>,
    /// Graph or ACS.
    pub dialect: Dialect,
}

/// What is at the end of a leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// A bot; it acts through commands and hears about its leg through events.
    Bot(BotIdentity),
    /// A simulated directory user or ACS identity; it acts through endpoint signals and is told
    /// what to do through actions.
    SimulatedUser,
    /// An external (PSTN) number answered by a simulated phone.
    ExternalPhone,
}

impl Endpoint {
    /// The bot identity, for bot legs.
    pub fn bot(&self) -> Option<BotIdentity> {
        match self {
            Endpoint::Bot(bot) => Some(*bot),
            _ => None,
        }
    }
}

/// Direction of a leg seen from its endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The endpoint is being called.
    Incoming,
    /// The endpoint placed the call.
    Outgoing,
}

impl Direction {
    /// Graph `callDirection`.
    pub fn graph_value(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }
}

/// The state of one leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LegState {
    /// Offered to the endpoint, not yet answered (ringing).
    Incoming,
    /// Placed or answered; waiting for the far end / media.
    Establishing,
    /// Connected.
    Established,
    /// Connected but held (hold music plays to it).
    OnHold,
    /// The bot asked to transfer this call; the target is being called.
    Transferring,
    /// The transfer target accepted; the leg is about to end.
    TransferAccepted,
    /// The bot redirected this offered call; the redirect targets are ringing.
    Redirecting,
    /// Hang-up in progress.
    Terminating,
    /// Ended, with why.
    Terminated(EndReason),
}

impl LegState {
    /// Graph `callState`.
    pub fn graph_call_state(self) -> &'static str {
        match self {
            LegState::Incoming => "incoming",
            LegState::Establishing => "establishing",
            LegState::Established => "established",
            LegState::OnHold => "hold",
            LegState::Transferring => "transferring",
            LegState::TransferAccepted => "transferAccepted",
            LegState::Redirecting => "redirecting",
            LegState::Terminating => "terminating",
            LegState::Terminated(_) => "terminated",
        }
    }

    /// ACS `callConnectionState`. An offered call has no call connection yet on ACS; it renders
    /// as `connecting`, like a redirect in progress renders as `disconnecting`.
    pub fn acs_call_connection_state(self) -> &'static str {
        match self {
            LegState::Incoming | LegState::Establishing => "connecting",
            LegState::Established | LegState::OnHold => "connected",
            LegState::Transferring => "transferring",
            LegState::TransferAccepted => "transferAccepted",
            LegState::Redirecting | LegState::Terminating => "disconnecting",
            LegState::Terminated(_) => "disconnected",
        }
    }

    /// Answered and not yet ended: counts in the roster and hears the mix.
    pub fn is_connected(self) -> bool {
        matches!(
            self,
            LegState::Established
                | LegState::OnHold
                | LegState::Transferring
                | LegState::TransferAccepted
        )
    }

    /// Offered and not yet answered (including a redirect in progress).
    pub fn is_offered(self) -> bool {
        matches!(self, LegState::Incoming | LegState::Redirecting)
    }

    /// Ended.
    pub fn is_terminated(self) -> bool {
        matches!(self, LegState::Terminated(_))
    }

    /// The end reason, once terminated.
    pub fn end_reason(self) -> Option<EndReason> {
        match self {
            LegState::Terminated(reason) => Some(reason),
            _ => None,
        }
    }
}
