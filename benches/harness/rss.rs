//! The process's peak resident memory during a task: `VmHWM` from `/proc/self/status`,
//! reset before the task by writing `5` to `/proc/self/clear_refs`. Where that write is not
//! permitted, a thread samples `VmRSS` every 2 ms and the peak of those samples is used.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One of the `kB` lines of `/proc/self/status`, in KiB.
fn status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How the peak is measured in this process.
pub fn method() -> &'static str {
    if reset_hwm() {
        "VmHWM after resetting it through /proc/self/clear_refs"
    } else {
        "peak of VmRSS sampled every 2 ms by a thread"
    }
}

fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Watches one task's peak RSS.
pub struct PeakRss {
    sampler: Option<(Arc<AtomicBool>, Arc<AtomicU64>, JoinHandle<()>)>,
}

impl PeakRss {
    /// Starts watching (resets `VmHWM`, or starts the sampling thread).
    pub fn start() -> PeakRss {
        if reset_hwm() {
            return PeakRss { sampler: None };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(status_kib("VmRSS:").unwrap_or(0)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib("VmRSS:") {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        PeakRss {
            sampler: Some((stop, peak, thread)),
        }
    }

    /// The peak since [`PeakRss::start`], MiB.
    pub fn finish(self) -> Option<f64> {
        let kib = match self.sampler {
            None => status_kib("VmHWM:")?,
            Some((stop, peak, thread)) => {
                stop.store(true, Ordering::Relaxed);
                let _ = thread.join();
                peak.load(Ordering::Relaxed)
            }
        };
        Some(kib as f64 / 1024.0)
    }
}
