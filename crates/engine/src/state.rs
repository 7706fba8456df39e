//! Leg states, endpoint kinds and bot identities, with the engine's own names for states and
//! directions (used in logs, errors and the platform API; each front door maps states to its own
//! wire values).

use ringside_model::{AppId, InstanceId};

use crate::reason::EndReason;

/// A bot application as an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BotIdentity {
    /// The bot's app registration.
    pub app: AppId,
    /// The application instance (resource account) the bot acts as, if any.
    pub instance: Option<InstanceId>,
    /// The bot must send a keep-alive within the keep-alive interval once connected, or its leg
    /// ends ([`EndReason::KeepAliveTimeout`]). Set by the door that places or adopts the leg
    /// ([`Command::RequireKeepAlive`](crate::Command::RequireKeepAlive)).
    pub keep_alive: bool,
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
    /// `incoming` or `outgoing`.
    pub fn name(self) -> &'static str {
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
    /// The state's name: `incoming`, `establishing`, `established`, `hold`, `transferring`,
    /// `transferAccepted`, `redirecting`, `terminating` or `terminated`.
    pub fn name(self) -> &'static str {
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
