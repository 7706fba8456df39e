//! The state of a REFER a phone's call is carrying out (its implicit subscription), kept on the
//! call by the core and driven by `refer.rs`.

use ringside_sip::transaction::TxId;

/// A REFER the call is carrying out: its implicit subscription.
#[derive(Debug, Clone)]
pub(crate) struct Referral {
    /// The REFER's CSeq number (the NOTIFYs' `Event: refer;id=`).
    pub(crate) id: u32,
    /// Our final NOTIFY (success): BYE follows once it is answered.
    pub(crate) bye_after: Option<TxId>,
    /// The phone hung up after the 202 (blind transfer): the transfer goes on without it.
    pub(crate) hung_up: bool,
}

impl Referral {
    /// Whether `tx` is the final NOTIFY whose answer (or failure) releases the phone.
    pub(crate) fn awaits(&self, tx: TxId) -> bool {
        self.bye_after == Some(tx)
    }
}
