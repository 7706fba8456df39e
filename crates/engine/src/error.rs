//! [`EngineError`]: why a command or signal was refused. Refusals never change engine state.

use std::fmt;

use crate::ids::{ConversationId, LegId, OperationId};
use crate::state::LegState;

/// A refused input. Front doors map these to their dialect's error (404 for unknown or ended
/// legs, 400 for bad arguments, 409 for state conflicts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// No such conversation.
    UnknownConversation(ConversationId),
    /// No such leg (never existed, or its conversation has ended and was released).
    UnknownLeg(LegId),
    /// No such operation.
    UnknownOperation(OperationId),
    /// The leg has ended (Graph answers 404 to a keepAlive on an ended call).
    LegTerminated(LegId),
    /// The command is not valid in the leg's current state.
    InvalidState {
        /// The leg.
        leg: LegId,
        /// Its state.
        state: LegState,
        /// What was attempted.
        action: &'static str,
    },
    /// The command needs a bot leg (or, for endpoint signals, a non-bot leg).
    WrongEndpoint {
        /// The leg.
        leg: LegId,
        /// What was attempted.
        action: &'static str,
    },
    /// The participant is not in the same conversation as the acting leg.
    NotInConversation {
        /// The acting leg.
        leg: LegId,
        /// The participant named.
        participant: LegId,
    },
    /// A bad argument (empty or too many targets, out-of-range timeout, …).
    InvalidArgument(&'static str),
    /// Conflicts with something already in progress (another participant on hold, a transfer
    /// already running).
    Conflict(&'static str),
    /// Not supported for this leg (keepAlive on an ACS leg).
    NotSupported(&'static str),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::UnknownConversation(id) => write!(f, "conversation {id} not found"),
            EngineError::UnknownLeg(id) => write!(f, "call leg {id} not found"),
            EngineError::UnknownOperation(id) => write!(f, "operation {id} not found"),
            EngineError::LegTerminated(id) => write!(f, "call leg {id} has ended"),
            EngineError::InvalidState { leg, state, action } => {
                write!(
                    f,
                    "cannot {action} call leg {leg} in state {}",
                    state.name()
                )
            }
            EngineError::WrongEndpoint { leg, action } => {
                write!(f, "cannot {action} on call leg {leg}")
            }
            EngineError::NotInConversation { leg, participant } => {
                write!(
                    f,
                    "participant {participant} is not in the call of leg {leg}"
                )
            }
            EngineError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            EngineError::Conflict(what) => write!(f, "conflict: {what}"),
            EngineError::NotSupported(what) => write!(f, "not supported: {what}"),
        }
    }
}

impl std::error::Error for EngineError {}
