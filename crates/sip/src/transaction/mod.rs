//! Sans-IO transactions (RFC 3261 §17, RFC 6026, RFC 4320): the four state machines and the
//! `TransactionLayer` that matches messages to them by branch. Time is passed in (`Instant`);
//! outputs are drained with `poll_transmit`, `poll_event` and `poll_timeout`.

mod client;
mod layer;
mod server;
mod timers;

pub use client::{ack_for_non_2xx, cancel_for, ClientState};
pub use layer::TransactionLayer;
pub use server::ServerState;
pub use timers::{Timer, TimerConfig};

use crate::message::{Message, Request, Response};

/// Identifies a transaction within a `TransactionLayer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(pub u64);

/// A message to put on the wire, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<A> {
    /// Destination given when the transaction started (client) or the request's source (server).
    pub to: A,
    /// The message.
    pub message: Message,
}

/// What the transaction layer tells its user (the UA core / dialog layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// A new request created server transaction `tx` (INVITE or non-INVITE; never ACK/CANCEL).
    Request {
        /// The server transaction to respond on.
        tx: TxId,
        /// The request.
        request: Request,
    },
    /// A response for client transaction `tx`.
    Response {
        /// The client transaction.
        tx: TxId,
        /// The response (1xx, or the final; every 2xx while Accepted).
        response: Response,
    },
    /// A CANCEL matched pending INVITE `invite`; the layer answered the CANCEL 200 and the
    /// INVITE 487.
    Cancelled {
        /// The INVITE's server transaction.
        invite: TxId,
        /// The CANCEL.
        cancel: Request,
    },
    /// The ACK for a 2xx sent on `tx` (first copy only; retransmissions are absorbed).
    AckFor2xx {
        /// The INVITE server transaction.
        tx: TxId,
        /// The ACK.
        ack: Request,
    },
    /// An ACK that matches no transaction (to the dialog layer).
    StrayAck(Request),
    /// A response that matches no client transaction (e.g. a 2xx retransmitted after timer M:
    /// the UA core re-sends its ACK).
    StrayResponse(Response),
    /// Timer B or F (client: no final response) or H (server: no ACK for a non-2xx) fired.
    Timeout {
        /// The transaction.
        tx: TxId,
    },
    /// No ACK arrived for the 2xx sent on `tx` within 64×T1: the UAS should send BYE.
    NoAck {
        /// The INVITE server transaction.
        tx: TxId,
    },
    /// A PRACK acknowledged the reliable provisional response sent on INVITE `invite` (the
    /// layer answered the PRACK 200; a PRACK that matches nothing gets 481 and no event).
    Pracked {
        /// The INVITE server transaction.
        invite: TxId,
        /// The PRACK.
        prack: Request,
    },
    /// No PRACK arrived within 64×T1 for the reliable provisional response sent on `tx`: the
    /// UAS should reject the INVITE with a 5xx (RFC 3262 §3).
    NoPrack {
        /// The INVITE server transaction.
        tx: TxId,
    },
    /// The transport failed for `tx`.
    TransportError {
        /// The transaction.
        tx: TxId,
    },
    /// The transaction is over and forgotten.
    Terminated {
        /// The transaction.
        tx: TxId,
    },
}

/// What a state machine asks the layer to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Send(Message),
    Deliver(Response),
    Timeout,
    NoAck,
    NoPrack,
    TransportError,
    Terminated,
}

/// Why a provisional response could not be sent reliably (RFC 3262).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReliableError {
    /// No such INVITE server transaction, or it already sent its final response.
    NotPending,
    /// Only 101–199 are sent reliably.
    NotProvisional,
    /// An earlier reliable provisional response still waits for its PRACK (§3).
    Unacknowledged,
}

/// Why a request could not start a client transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxError {
    /// ACK never has a transaction (send it with `TransactionLayer::send_stateless`).
    AckHasNoTransaction,
    /// The request has no Via with an RFC 3261 branch, or no CSeq.
    NoBranch,
    /// A transaction with this branch and method exists.
    Duplicate,
}
