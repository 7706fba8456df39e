//! What the runtime task tells metrics: which door owns each bot leg (its dialect), and the
//! census of live calls and legs by dialect and state ([`crate::metrics::Census`]).

use super::*;
use crate::metrics::{
    is_connected, kind_label, state_label, CallLabels, Census, LegLabels, CALL_STATES, NO_DIALECT,
};

impl Runtime {
    /// A door said it owns `leg` (it adopted the offer, or renders the leg's states): a bot
    /// leg's dialect is the first such door's.
    pub(super) fn owned_by(&mut self, leg: LegId, owner: Option<&'static str>) {
        let Some(dialect) = owner else {
            return;
        };
        if let Some(record) = self.legs.map.get_mut(&leg) {
            if record.dialect.is_none() && matches!(record.driver, Driver::Bot { .. }) {
                record.dialect = Some(dialect);
            }
        }
    }

    /// Live calls by dialect and state, and their legs that have not ended by dialect, kind and
    /// state. A call's dialect is that of its first door-owned bot leg.
    pub(super) fn census(&self) -> Census {
        let mut census = Census::default();
        for dialect in self.doors.dialects().into_iter().chain([NO_DIALECT]) {
            for state in CALL_STATES {
                census.calls.insert(CallLabels { dialect, state }, 0);
            }
        }
        for call in self.calls.values().filter(|c| c.ended_unix_ms.is_none()) {
            let legs: Vec<&LegRecord> = call.legs.iter().filter_map(|l| self.legs.get(l)).collect();
            let dialect = legs
                .iter()
                .find_map(|record| record.dialect)
                .unwrap_or(NO_DIALECT);
            let state = if legs.iter().any(|record| is_connected(record.state)) {
                "established"
            } else {
                "establishing"
            };
            *census
                .calls
                .entry(CallLabels { dialect, state })
                .or_default() += 1;
            for record in legs.iter().filter(|r| !r.state.is_terminated()) {
                let labels = LegLabels {
                    dialect,
                    kind: kind_label(record.kind),
                    state: state_label(record.state),
                };
                *census.legs.entry(labels).or_default() += 1;
            }
        }
        census
    }
}
