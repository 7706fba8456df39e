//! The runtime's leg records and what drives each leg (a simulated endpoint or a bot with its
//! log and built-in responder, or a gateway's external leg), with an index of the drivers' deadlines, and the call records.

use super::*;

/// What a leg is driven by.
pub(super) enum Driver {
    /// A simulated user or phone.
    Sim(Box<SimEndpoint>),
    /// A bot leg: the built-in responder when it has no webhook (today: always).
    Bot {
        log: Log,
        responder: Option<Responder>,
    },
    /// A phone or user outside the process (a SIP leg), driven by the attached gateway
    /// ([`crate::external`]); `facts` are what it reported about the leg (Call-ID, address).
    External {
        log: Log,
        facts: Vec<(String, String)>,
    },
}

/// The leg records, with an index of their drivers' deadlines (simulated endpoints' timelines,
/// built-in responders' answer delays) so that finding the next deadline and the due legs does
/// not visit every leg after every input: `get_mut` and `insert` mark a leg as touched, and the
/// touched legs' deadlines are recomputed before the index is read.
#[derive(Default)]
pub(super) struct Legs {
    pub(super) map: HashMap<LegId, LegRecord>,
    pub(super) touched: HashSet<LegId>,
    pub(super) index: BTreeSet<(Instant, LegId)>,
    pub(super) indexed: HashMap<LegId, Instant>,
}

impl Legs {
    pub(super) fn get(&self, leg: &LegId) -> Option<&LegRecord> {
        self.map.get(leg)
    }

    pub(super) fn get_mut(&mut self, leg: &LegId) -> Option<&mut LegRecord> {
        self.touched.insert(*leg);
        self.map.get_mut(leg)
    }

    pub(super) fn contains_key(&self, leg: &LegId) -> bool {
        self.map.contains_key(leg)
    }

    pub(super) fn insert(&mut self, leg: LegId, record: LegRecord) {
        self.touched.insert(leg);
        self.map.insert(leg, record);
    }

    pub(super) fn remove(&mut self, leg: &LegId) {
        self.map.remove(leg);
        self.touched.remove(leg);
        if let Some(at) = self.indexed.remove(leg) {
            self.index.remove(&(at, *leg));
        }
    }

    /// Recomputes the deadlines of the legs touched since the last call.
    pub(super) fn reindex(&mut self) {
        for leg in std::mem::take(&mut self.touched) {
            if let Some(at) = self.indexed.remove(&leg) {
                self.index.remove(&(at, leg));
            }
            let at = self.map.get(&leg).and_then(|record| match &record.driver {
                Driver::Sim(sim) => sim.poll_timeout(),
                Driver::Bot { responder, .. } => {
                    responder.as_ref().and_then(Responder::poll_timeout)
                }
                Driver::External { .. } => None,
            });
            if let Some(at) = at {
                self.index.insert((at, leg));
                self.indexed.insert(leg, at);
            }
        }
    }

    /// The earliest driver deadline.
    pub(super) fn first_deadline(&mut self) -> Option<Instant> {
        self.reindex();
        self.index.first().map(|(at, _)| *at)
    }

    /// The legs whose driver deadline is at or before `now`, earliest first.
    pub(super) fn due(&mut self, now: Instant) -> Vec<LegId> {
        self.reindex();
        self.index
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, leg)| *leg)
            .collect()
    }
}

pub(super) struct LegRecord {
    pub(super) conversation: ConversationId,
    pub(super) party: Party,
    pub(super) kind: &'static str,
    pub(super) direction: Direction,
    pub(super) state: LegState,
    pub(super) created_unix_ms: u64,
    pub(super) driver: Driver,
    /// The dialect of the door that owns this bot leg (it adopted the leg, or placed it and
    /// renders its states); `None` for other legs and for bots no door owns.
    pub(super) dialect: Option<&'static str>,
    pub(super) recording: Option<Arc<Vec<u8>>>,
}

impl LegRecord {
    pub(super) fn log(&self) -> &Log {
        match &self.driver {
            Driver::Sim(sim) => sim.log(),
            Driver::Bot { log, .. } | Driver::External { log, .. } => log,
        }
    }

    pub(super) fn note(&mut self, now: Instant, kind: LogKind) {
        match &mut self.driver {
            Driver::Sim(sim) => sim.note(now, kind),
            Driver::Bot { log, .. } | Driver::External { log, .. } => log.push(now, kind),
        }
    }
}

pub(super) struct CallRecord {
    pub(super) tenant: TenantId,
    pub(super) created_unix_ms: u64,
    /// When the runtime first saw the call, on its monotonic clock (call set-up latency).
    pub(super) created_at: Instant,
    pub(super) legs: Vec<LegId>,
    pub(super) ended_unix_ms: Option<u64>,
}
