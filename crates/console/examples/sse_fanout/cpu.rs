//! CPU time per thread group, from Linux's `/proc/self/task/<tid>/schedstat` (nanoseconds on a
//! CPU) and `comm` (the thread's name): the bench names its threads and sums each group.

use std::collections::HashMap;
use std::fs;

/// Nanoseconds on a CPU so far, summed per thread-name prefix (`fanout-srv`, `fanout-gen`,
/// `fanout-cli`, `fanout-mdl`, and `other` for the rest). Empty where `/proc` is not available.
pub(crate) fn by_group() -> HashMap<&'static str, u64> {
    let mut groups = HashMap::new();
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return groups;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = fs::read_to_string(path.join("comm")).unwrap_or_default();
        let on_cpu = fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .unwrap_or(0);
        let group = ["fanout-srv", "fanout-gen", "fanout-cli", "fanout-mdl"]
            .into_iter()
            .find(|prefix| name.starts_with(prefix))
            .unwrap_or("other");
        *groups.entry(group).or_insert(0) += on_cpu;
    }
    groups
}

/// `after - before` per group.
pub(crate) fn delta(
    before: &HashMap<&'static str, u64>,
    after: &HashMap<&'static str, u64>,
) -> HashMap<&'static str, u64> {
    after
        .iter()
        .map(|(group, ns)| (*group, ns.saturating_sub(*before.get(group).unwrap_or(&0))))
        .collect()
}
