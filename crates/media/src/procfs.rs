//! Linux `/proc` readings for statistics: CPU time of the calling thread or the process, resident
//! memory. Each returns `None` where `/proc` is unavailable or unreadable.

use std::time::Duration;

/// Kernel clock ticks per second for `/proc/*/stat` times (`USER_HZ`, 100 on every mainstream
/// Linux configuration; reading `sysconf(_SC_CLK_TCK)` would need libc).
const USER_HZ: u64 = 100;

/// utime + stime from a `/proc/.../stat` line.
fn stat_cpu(stat: &str) -> Option<Duration> {
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15 (1-based) → 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// CPU time (user + system) consumed by the calling thread.
pub fn thread_cpu_time() -> Option<Duration> {
    stat_cpu(&std::fs::read_to_string("/proc/thread-self/stat").ok()?)
}

/// CPU time (user + system) consumed by the whole process.
pub fn process_cpu_time() -> Option<Duration> {
    stat_cpu(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// Resident set size of the process in bytes (`VmRSS`).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_names() {
        let line = "1234 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 5 6 7";
        assert_eq!(stat_cpu(line), Some(Duration::from_secs(3)));
        assert_eq!(stat_cpu("garbage"), None);
        assert_eq!(stat_cpu("1 (x) S 1"), None);
    }

    #[test]
    fn reads_this_process_where_proc_exists() {
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(process_cpu_time().is_some());
            assert!(thread_cpu_time().is_some());
            assert!(rss_bytes().is_some_and(|b| b > 0));
        }
    }
}
