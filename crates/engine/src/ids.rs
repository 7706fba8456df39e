//! Engine identifiers (conversation, leg, operation) and the caller-supplied [`IdSource`].

use std::fmt;

use ringside_model::Guid;

macro_rules! engine_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Guid);

        impl $name {
            /// The underlying GUID.
            pub fn guid(self) -> Guid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

engine_id!(
    /// A conversation: Graph `callChainId`, ACS `serverCallId`. Holds legs and one media mix.
    ConversationId
);
engine_id!(
    /// One endpoint's leg. A bot's leg id is its Graph call `id` / ACS `callConnectionId`; other
    /// legs' ids are participant ids.
    LegId
);
engine_id!(
    /// A media or participant operation (Graph `commsOperation.id`, ACS invitation id).
    OperationId
);

/// Where the engine gets the ids of things it creates. The engine never makes ids itself: the
/// shell passes a source into [`Engine::handle_command`](crate::Engine::handle_command), typically
/// backed by a CSPRNG; tests use [`SequentialIds`].
pub trait IdSource {
    /// A fresh conversation id.
    fn conversation_id(&mut self) -> ConversationId;
    /// A fresh leg id.
    fn leg_id(&mut self) -> LegId;
    /// A fresh operation id.
    fn operation_id(&mut self) -> OperationId;
}

/// Deterministic ids for tests and simulations: a counter, with the kind in the top bits so that
/// the three kinds never collide (`c0000000-…-0001`, `1e900000-…`, `0b000000-…`).
#[derive(Debug, Clone, Default)]
pub struct SequentialIds {
    next: u64,
}

impl SequentialIds {
    /// Starts at 1.
    pub fn new() -> SequentialIds {
        SequentialIds { next: 0 }
    }

    fn bump(&mut self, prefix: u128) -> Guid {
        self.next = self.next.wrapping_add(1);
        Guid::from_u128((prefix << 96) | u128::from(self.next))
    }
}

impl IdSource for SequentialIds {
    fn conversation_id(&mut self) -> ConversationId {
        ConversationId(self.bump(0xc000_0000))
    }

    fn leg_id(&mut self) -> LegId {
        LegId(self.bump(0x1e90_0000))
    }

    fn operation_id(&mut self) -> OperationId {
        OperationId(self.bump(0x0b00_0000))
    }
}
