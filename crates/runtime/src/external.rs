//! The seam for legs that live outside the process — SIP phones and trunks (issue 15): a gateway
//! attaches with a [`Reach`] (which ringing parties it takes instead of a simulated endpoint) and
//! receives [`ExternalEvent`]s for the legs it drives; it acts on them with
//! [`CallRuntime::external`](crate::CallRuntime::external) requests ([`ExternalRequest`]).
//!
//! To the engine an external leg is an ordinary phone or user leg: it is rung, answers, refuses,
//! presses keys and hangs up through the same `EndpointSignal`s a simulated endpoint sends, so
//! every door renders it as it renders a simulated caller. Its media is whatever the gateway
//! attaches to the leg on the media clock (RTP), built by the gateway for the leg's current
//! conversation ([`ExternalRequest::Media`]), so the runtime knows no media transport.

use std::sync::Arc;

use ringside_engine::{ConversationId, EndReason, EndpointSignal, LegId, LegState};
use ringside_media::{EndpointEvent, MediaCommand};
use ringside_model::{Party, TenantId};
use tokio::sync::mpsc;

use crate::headers::CallHeaders;
use crate::reply::Reply;

/// Which ringing parties a gateway takes (called on the runtime task: answer from memory).
pub trait Reach: Send + Sync + 'static {
    /// Whether the gateway rings `party` (in `tenant`, called by `caller`) instead of a
    /// simulated endpoint: a user with a registered softphone, a number routed to a trunk.
    fn reaches(&self, tenant: TenantId, party: &Party, caller: &Party) -> bool;
}

/// What the runtime tells the attached gateway about its legs (in order, never dropped).
#[derive(Debug)]
pub enum ExternalEvent {
    /// The engine rings `party` on a new leg the gateway now drives: it answers with
    /// [`EndpointSignal::Answered`], [`EndpointSignal::Refused`] or lets the engine time out.
    Ring {
        /// The conversation.
        conversation: ConversationId,
        /// The ringing leg.
        leg: LegId,
        /// The tenant of the call.
        tenant: TenantId,
        /// Who is rung.
        party: Party,
        /// Who calls.
        caller: Party,
    },
    /// A leg the gateway drives changed state (`Established` when the other side answered an
    /// incoming call; `Terminated` with its reason when the engine ended it).
    State {
        /// The conversation.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
        /// Its new state.
        state: LegState,
        /// Why it ended, with `Terminated`.
        reason: Option<EndReason>,
    },
    /// A leg the gateway drives moved into another conversation (a transfer).
    Moved {
        /// The conversation it is in now.
        conversation: ConversationId,
        /// The leg.
        leg: LegId,
    },
    /// A transfer the gateway's leg asked for ([`ExternalRequest::Transfer`]) failed: the leg is
    /// back in the call. (Success ends the leg with `Terminated(Transferred)`.)
    TransferFailed {
        /// The transferor leg.
        leg: LegId,
        /// Why the target did not take the call.
        cause: EndReason,
    },
    /// Media news of a leg the gateway drives (RTP timeout, RTCP BYE, transport figures).
    Media {
        /// The leg.
        leg: LegId,
        /// What happened.
        event: EndpointEvent,
    },
}

/// Builds a media command for a leg's current conversation.
pub type MediaFor = Box<dyn FnOnce(ConversationId) -> MediaCommand + Send>;

/// What a gateway asks of the runtime.
pub enum ExternalRequest {
    /// Attach the gateway (one per runtime; a second attach replaces the first).
    Attach {
        /// Which parties it rings.
        reach: Arc<dyn Reach>,
        /// Where its events go.
        events: mpsc::UnboundedSender<ExternalEvent>,
        /// Done.
        reply: Reply<()>,
    },
    /// A call comes in from outside: `from` calls `to` in `tenant`; the caller's leg is the
    /// gateway's. Replies with the conversation and the caller's leg.
    Dial {
        /// The tenant whose number or user is called.
        tenant: TenantId,
        /// The caller (a PSTN number or a directory user).
        from: Party,
        /// The callee.
        to: Party,
        /// Signalling headers for the ACS IncomingCall (`customContext`).
        custom: CallHeaders,
        /// The conversation and the caller's leg.
        reply: Reply<(ConversationId, LegId)>,
    },
    /// An external leg answered, refused, hung up, held or pressed keys.
    Signal(EndpointSignal),
    /// A media command for an external leg, built for its current conversation.
    Media {
        /// The leg.
        leg: LegId,
        /// The command.
        command: MediaFor,
    },
    /// The external leg transfers its call (a phone's REFER): `target` takes the leg's place
    /// with the other party, as a bot's blind transfer does. Replies once the target rings
    /// (or with why the transfer cannot start); the outcome follows as the leg's
    /// `Terminated(Transferred)` or [`ExternalEvent::TransferFailed`].
    Transfer {
        /// The transferor (the gateway's leg).
        leg: LegId,
        /// Whom the other party is transferred to.
        target: Party,
        /// Started, or why not.
        reply: Reply<()>,
    },
    /// Facts the platform API shows about an external leg (SIP Call-ID, remote address, …).
    Describe {
        /// The leg.
        leg: LegId,
        /// Name/value pairs, replacing earlier ones.
        facts: Vec<(String, String)>,
    },
}

impl std::fmt::Debug for ExternalRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExternalRequest::Attach { .. } => f.write_str("Attach"),
            ExternalRequest::Dial { from, to, .. } => {
                write!(f, "Dial {{ from: {from:?}, to: {to:?} }}")
            }
            ExternalRequest::Signal(signal) => write!(f, "Signal({signal:?})"),
            ExternalRequest::Media { leg, .. } => write!(f, "Media {{ leg: {leg} }}"),
            ExternalRequest::Transfer { leg, target, .. } => {
                write!(f, "Transfer {{ leg: {leg}, target: {target:?} }}")
            }
            ExternalRequest::Describe { leg, facts } => {
                write!(f, "Describe {{ leg: {leg}, facts: {facts:?} }}")
            }
        }
    }
}
