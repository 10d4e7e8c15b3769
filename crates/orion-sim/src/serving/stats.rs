//! What a simulated pod's server has done: request counts, a latency
//! histogram, the load-driven resource usage, and the lines it printed,
//! shared with readers.

use super::server::PodIdentity;
use crate::logs::{Line, KEEP};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Upper bounds of `http_request_duration_seconds`, in seconds (+Inf follows).
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Paths always recorded as they are.
const NAMED_PATHS: [&str; 5] = ["/healthz", "/readyz", "/health", "/ready", "/metrics"];
/// Other distinct paths recorded before the rest become "other".
const MAX_PATHS: usize = 50;
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
];
/// Seconds the request rate is averaged over.
const WINDOW: u64 = 10;
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Shared by a pod's server and whoever reads its numbers.
#[derive(Debug)]
pub struct PodStats {
    born: Instant,
    started_unix: AtomicU64,
    served: AtomicU64,
    in_flight: AtomicU64,
    crash: AtomicBool,
    inner: Mutex<Inner>,
    /// Lines printed and not yet taken into the pod's log by the kubelet.
    printed: Mutex<VecDeque<Line>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By (code, method, path).
    requests: BTreeMap<(u16, String, String), u64>,
    /// The distinct paths besides the named ones seen so far.
    paths: HashSet<String>,
    /// Per bucket (not cumulative); the last is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    /// (second since `born`, requests in it), a ring indexed by second.
    per_second: [(u64, u64); WINDOW as usize],
}

/// A request being answered: counted in flight until dropped.
pub struct InFlight<'a>(&'a PodStats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for PodStats {
    fn default() -> PodStats {
        PodStats::new()
    }
}

impl PodStats {
    pub fn new() -> PodStats {
        PodStats {
            born: Instant::now(),
            started_unix: AtomicU64::new(0f64.to_bits()),
            served: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            crash: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
            printed: Mutex::new(VecDeque::new()),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The container's start, unix seconds (`process_start_time_seconds`).
    pub fn set_started_unix(&self, secs: f64) {
        self.started_unix.store(secs.to_bits(), Ordering::Relaxed);
    }

    pub fn started_unix(&self) -> f64 {
        f64::from_bits(self.started_unix.load(Ordering::Relaxed))
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts an answered request.
    pub fn record(&self, code: u16, method: &str, path: &str, took: Duration) {
        self.record_at(Instant::now(), code, method, path, took);
    }

    fn record_at(&self, now: Instant, code: u16, method: &str, path: &str, took: Duration) {
        let method = METHODS.iter().find(|m| **m == method).unwrap_or(&"other");
        let second = now.saturating_duration_since(self.born).as_secs();
        let mut inner = self.inner();
        let path = inner.path_label(path);
        *inner
            .requests
            .entry((code, method.to_string(), path))
            .or_default() += 1;
        let secs = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|le| secs <= *le);
        inner.buckets[bucket.unwrap_or(BUCKETS.len())] += 1;
        inner.sum += secs;
        let slot = &mut inner.per_second[(second % WINDOW) as usize];
        if slot.0 != second {
            *slot = (second, 0);
        }
        slot.1 += 1;
        drop(inner);
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Asks the kubelet to crash the container.
    pub fn request_crash(&self) {
        self.crash.store(true, Ordering::Relaxed);
    }

    pub fn crash_requested(&self) -> bool {
        self.crash.load(Ordering::Relaxed)
    }

    /// Prints `message` now, as `{time} {message}` (the time to the second).
    /// The kubelet takes the lines into the container's log on its next pass;
    /// until then at most [`KEEP`] wait, the oldest dropped first.
    pub fn print(&self, message: &str) {
        let at = Timestamp::now();
        let second = Timestamp::from_second(at.as_second()).unwrap_or(at);
        let mut printed = self.printed.lock().unwrap_or_else(PoisonError::into_inner);
        if printed.len() == KEEP {
            printed.pop_front();
        }
        printed.push_back(Line {
            at,
            text: format!("{second} {message}"),
        });
    }

    /// The lines printed since the last call, oldest first.
    pub fn take_printed(&self) -> Vec<Line> {
        let mut printed = self.printed.lock().unwrap_or_else(PoisonError::into_inner);
        printed.drain(..).collect()
    }

    /// Simulated (CPU millicores, memory bytes), from the load: with `r` the
    /// requests per second averaged over the last 10 s, CPU is 2m + 1m per
    /// request/s, and memory is 24 MiB + 64 KiB per request/s + 256 KiB per
    /// request in flight.
    pub fn usage(&self) -> (u64, u64) {
        self.usage_at(Instant::now())
    }

    fn usage_at(&self, now: Instant) -> (u64, u64) {
        let second = now.saturating_duration_since(self.born).as_secs();
        let recent: u64 = self
            .inner()
            .per_second
            .iter()
            .filter(|(s, _)| *s <= second && second - s < WINDOW)
            .map(|(_, n)| n)
            .sum();
        let rate = recent as f64 / WINDOW as f64;
        let cpu = 2 + rate.round() as u64;
        let memory = 24 * MIB + (64.0 * KIB as f64 * rate) as u64 + 256 * KIB * self.in_flight();
        (cpu, memory)
    }

    /// The Prometheus text exposition (format 0.0.4) of these numbers.
    pub fn prometheus_text(&self, id: &PodIdentity) -> String {
        let inner = self.inner();
        let mut lines = vec![
            "# HELP http_requests_total Requests answered, by status code, method and path."
                .to_string(),
            "# TYPE http_requests_total counter".to_string(),
        ];
        for ((code, method, path), n) in &inner.requests {
            lines.push(format!(
                "http_requests_total{{code=\"{code}\",method=\"{}\",path=\"{}\"}} {n}",
                escape(method),
                escape(path)
            ));
        }
        let name = "http_request_duration_seconds";
        lines.push(format!("# HELP {name} Time taken to answer a request."));
        lines.push(format!("# TYPE {name} histogram"));
        let mut cumulative = 0;
        for (i, n) in inner.buckets.iter().enumerate() {
            cumulative += n;
            let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
            lines.push(format!("{name}_bucket{{le=\"{le}\"}} {cumulative}"));
        }
        lines.push(format!("{name}_sum {}", inner.sum));
        lines.push(format!("{name}_count {cumulative}"));
        drop(inner);
        lines.extend([
            "# HELP process_start_time_seconds Start time of the container since unix epoch \
             in seconds."
                .to_string(),
            "# TYPE process_start_time_seconds gauge".to_string(),
            format!("process_start_time_seconds {}", self.started_unix()),
            "# HELP app_version_info The version the container runs.".to_string(),
            "# TYPE app_version_info gauge".to_string(),
            format!(
                "app_version_info{{version=\"{}\",image=\"{}\"}} 1",
                escape(&id.version),
                escape(&id.image)
            ),
        ]);
        lines.join("\n") + "\n"
    }
}

impl Inner {
    /// `path` itself while few distinct paths have been seen, else "other".
    fn path_label(&mut self, path: &str) -> String {
        if NAMED_PATHS.contains(&path) || self.paths.contains(path) {
            return path.to_string();
        }
        if self.paths.len() < MAX_PATHS {
            self.paths.insert(path.to_string());
            return path.to_string();
        }
        "other".to_string()
    }
}

/// A label value as the text format wants it: `\`, `"` and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PodIdentity {
        PodIdentity::new("shop", "web-1", "web", "shop/web:2.0")
    }

    #[test]
    fn counts_by_code_method_and_path() {
        let stats = PodStats::new();
        stats.set_started_unix(1700000000.5);
        stats.record(200, "GET", "/orders", Duration::from_millis(3));
        stats.record(200, "GET", "/orders", Duration::from_millis(30));
        stats.record(503, "POST", "/orders", Duration::from_secs(20));
        stats.record(200, "BREW", "/healthz", Duration::ZERO);
        let text = stats.prometheus_text(&id());
        for line in [
            "# TYPE http_requests_total counter",
            "http_requests_total{code=\"200\",method=\"GET\",path=\"/orders\"} 2",
            "http_requests_total{code=\"503\",method=\"POST\",path=\"/orders\"} 1",
            "http_requests_total{code=\"200\",method=\"other\",path=\"/healthz\"} 1",
            "# TYPE http_request_duration_seconds histogram",
            "http_request_duration_seconds_bucket{le=\"0.005\"} 2",
            "http_request_duration_seconds_bucket{le=\"0.025\"} 2",
            "http_request_duration_seconds_bucket{le=\"0.05\"} 3",
            "http_request_duration_seconds_bucket{le=\"10\"} 3",
            "http_request_duration_seconds_bucket{le=\"+Inf\"} 4",
            "http_request_duration_seconds_sum 20.033",
            "http_request_duration_seconds_count 4",
            "# TYPE process_start_time_seconds gauge",
            "process_start_time_seconds 1700000000.5",
            "app_version_info{version=\"2.0\",image=\"shop/web:2.0\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
        }
        assert_eq!(stats.served(), 4);
    }

    #[test]
    fn bounds_the_paths() {
        let stats = PodStats::new();
        for i in 0..60 {
            stats.record(200, "GET", &format!("/item/{i}"), Duration::ZERO);
        }
        stats.record(200, "GET", "/item/3", Duration::ZERO);
        stats.record(200, "GET", "/metrics", Duration::ZERO);
        let text = stats.prometheus_text(&id());
        let series = text
            .lines()
            .filter(|l| l.starts_with("http_requests_total{"));
        assert_eq!(series.count(), 52);
        assert!(text.contains("path=\"other\"} 10\n"));
        assert!(text.contains("path=\"/item/3\"} 2\n"));
        assert!(text.contains("path=\"/metrics\"} 1\n"));
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        let stats = PodStats::new();
        stats.record(200, "GET", "/say\"hi\"", Duration::ZERO);
        assert!(stats
            .prometheus_text(&id())
            .contains("path=\"/say\\\"hi\\\"\""));
    }

    #[test]
    fn usage_follows_the_load() {
        let stats = PodStats::new();
        let at = |secs: u64| stats.born + Duration::from_secs(secs);
        assert_eq!(stats.usage_at(at(0)), (2, 24 * MIB));
        for second in 0..10 {
            for _ in 0..50 {
                stats.record_at(at(second), 200, "GET", "/", Duration::ZERO);
            }
        }
        // 50 requests/s.
        assert_eq!(stats.usage_at(at(9)), (52, 24 * MIB + 50 * 64 * KIB));
        let _one = stats.begin();
        let two = stats.begin();
        assert_eq!(
            stats.usage_at(at(9)).1,
            24 * MIB + 50 * 64 * KIB + 512 * KIB
        );
        drop(two);
        assert_eq!(stats.in_flight(), 1);
        // Five seconds later half the window is quiet.
        assert_eq!(stats.usage_at(at(14)).0, 27);
        assert_eq!(stats.usage_at(at(30)).0, 2);
    }

    #[test]
    fn printed_lines_wait_for_the_kubelet_and_are_bounded() {
        let stats = PodStats::new();
        stats.print("ERROR GET / answered 500");
        let lines = stats.take_printed();
        assert_eq!(lines.len(), 1);
        let (stamp, message) = lines[0].text.split_once(' ').unwrap();
        assert_eq!(message, "ERROR GET / answered 500");
        assert_eq!(
            stamp.parse::<Timestamp>().unwrap().as_second(),
            lines[0].at.as_second()
        );
        assert!(stats.take_printed().is_empty(), "taken once");
        for i in 0..KEEP + 3 {
            stats.print(&format!("line {i}"));
        }
        let lines = stats.take_printed();
        assert_eq!(lines.len(), KEEP);
        assert!(lines[0].text.ends_with(" line 3"), "{}", lines[0].text);
    }

    #[test]
    fn crash_flag() {
        let stats = PodStats::new();
        assert!(!stats.crash_requested());
        stats.request_crash();
        assert!(stats.crash_requested());
    }
}
