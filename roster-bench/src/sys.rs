//! Machine facts and process measurements from `/proc` (Linux).

use std::time::Duration;

use serde::Serialize;

/// A `/proc/self/status` field in bytes (`VmHWM`, `VmRSS`, ...), when readable.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib * 1024)
    })
}

/// Peak resident set size of this process so far (`VmHWM`), in bytes (0 when unknown).
pub fn peak_rss() -> u64 {
    status_bytes("VmHWM").unwrap_or(0)
}

/// Current resident set size (`VmRSS`), in bytes (0 when unknown).
pub fn rss() -> u64 {
    status_bytes("VmRSS").unwrap_or(0)
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> [f64; 3] {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut v = s.split_whitespace().map(|x| x.parse().unwrap_or(f64::NAN));
    [
        v.next().unwrap_or(f64::NAN),
        v.next().unwrap_or(f64::NAN),
        v.next().unwrap_or(f64::NAN),
    ]
}

/// CPU time the calling thread has run (`/proc/thread-self/schedstat`, ns). On a shared
/// machine wall time also counts time other processes held the CPU; this does not.
pub fn thread_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = s
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// Where and how the numbers were taken.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub date_utc: String,
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_gib: f64,
    pub kernel: String,
    pub build_profile: &'static str,
    pub loadavg_start: [f64; 3],
    pub loadavg_end: [f64; 3],
}

impl Machine {
    pub fn now() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|r| r.trim_start_matches([' ', '\t', ':']).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_gib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / (1024.0 * 1024.0));
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string();
        Machine {
            date_utc: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory_gib,
            kernel,
            build_profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            loadavg_start: loadavg(),
            loadavg_end: [f64::NAN; 3],
        }
    }
}

/// The system allocator, counting the bytes live while [`Counting::measure`] runs (requested
/// sizes: malloc's own per-chunk overhead is not included). Off, it costs one relaxed load.
pub struct Counting;

static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static LIVE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters change.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use std::sync::atomic::Ordering::Relaxed;
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(layout.size() as i64, Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        use std::sync::atomic::Ordering::Relaxed;
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        use std::sync::atomic::Ordering::Relaxed;
        if COUNTING.load(Relaxed) {
            LIVE.fetch_add(new as i64 - layout.size() as i64, Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

impl Counting {
    /// Runs `f` and returns its value with the heap bytes it left allocated (its result's,
    /// and anything else it kept). Single-threaded use: other threads' allocations count too.
    pub fn measure<T>(f: impl FnOnce() -> T) -> (T, i64) {
        use std::sync::atomic::Ordering::SeqCst;
        LIVE.store(0, SeqCst);
        COUNTING.store(true, SeqCst);
        let v = f();
        COUNTING.store(false, SeqCst);
        (v, LIVE.load(SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_readings_are_plausible() {
        let v: Vec<u8> = vec![1; 32 << 20];
        let now = rss();
        assert!(now >= 32 << 20, "rss {now}");
        // The high-water mark read after the current size can only be at least as large
        // (other test threads may allocate between two reads, so read in this order).
        let peak = peak_rss();
        assert!(peak >= now, "peak {peak} < rss {now}");
        drop(v);
        let t = thread_cpu();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(thread_cpu() > t);
        assert!(loadavg()[0] >= 0.0);
    }
}
