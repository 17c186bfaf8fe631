//! Measurement shared by every mode: live counters that the sampler turns into a per-second series
//! and a progress line every report interval, per-thread HDR histograms (microseconds) merged at the
//! end, a warm-up window excluded from the summary, and the final JSON report on stdout.

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Live {
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    pub requests: AtomicU64,
    /// Partition responses with an error code, and the first such code.
    pub errors: AtomicU64,
    pub first_error: AtomicU64,
    /// Connections lost, or responses that could not be read or did not match their request.
    pub io_errors: AtomicU64,
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
    latency_max_us: AtomicU64,
    /// Set once the warm-up is over: only then do histograms take samples.
    pub measuring: AtomicBool,
    pub stop: AtomicBool,
}

impl Live {
    pub fn add(&self, records: u64, bytes: u64) {
        self.records.fetch_add(records, Relaxed);
        self.bytes.fetch_add(bytes, Relaxed);
        self.requests.fetch_add(1, Relaxed);
    }
    pub fn error(&self, count: u64, code: i16) {
        self.errors.fetch_add(count, Relaxed);
        let _ = self.first_error.compare_exchange(0, code as u16 as u64, Relaxed, Relaxed);
    }
    pub fn broken(&self) {
        self.io_errors.fetch_add(1, Relaxed);
    }
    pub fn latency(&self, us: u64) {
        self.latency_sum_us.fetch_add(us, Relaxed);
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_max_us.fetch_max(us, Relaxed);
    }
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

/// Records `count` samples of `us` when measuring (saturating at the histogram's bound).
pub fn record(h: &mut Histogram<u64>, live: &Live, us: u64, count: u64) {
    if live.measuring.load(Relaxed) {
        h.saturating_record_n(us.max(1), count.max(1));
    }
}

pub struct Point {
    pub t_sec: f64,
    pub records_per_sec: f64,
    pub mb_per_sec: f64,
    pub warmup: bool,
}

pub struct Window {
    pub records: u64,
    pub bytes: u64,
    pub requests: u64,
    pub seconds: f64,
    pub series: Vec<Point>,
}

/// Samples `live` every second until `stop` is set or `warmup + duration` has passed, printing a
/// progress line every `report_every`; sets `measuring` after the warm-up and `stop` at the end, on
/// `live` and on each of `linked` (the producer side of the end-to-end mode).
pub fn sample(live: &Live, linked: &[&Live], warmup: Duration, duration: Duration, report_every: Duration) -> Window {
    let set = |flag: fn(&Live) -> &AtomicBool| {
        flag(live).store(true, Relaxed);
        linked.iter().for_each(|l| flag(l).store(true, Relaxed));
    };
    let start = Instant::now();
    let mut series = Vec::new();
    let (mut last_t, mut last_r, mut last_b) = (start, 0u64, 0u64);
    let (mut report_t, mut report_r, mut report_b) = (start, 0u64, 0u64);
    let (mut lat_sum, mut lat_n) = (0u64, 0u64);
    let mut at_warmup_end: Option<(Instant, u64, u64, u64)> = if warmup.is_zero() {
        set(|l| &l.measuring);
        Some((start, 0, 0, 0))
    } else {
        None
    };
    let deadline = start + warmup + duration;
    loop {
        let next = (last_t + Duration::from_secs(1)).min(deadline);
        while Instant::now() < next && !live.stop.load(Relaxed) {
            std::thread::sleep(Duration::from_millis(20).min(next.saturating_duration_since(Instant::now())));
        }
        let now = Instant::now();
        let (r, b) = (live.records.load(Relaxed), live.bytes.load(Relaxed));
        let dt = now.duration_since(last_t).as_secs_f64().max(1e-9);
        series.push(Point {
            t_sec: now.duration_since(start).as_secs_f64(),
            records_per_sec: (r - last_r) as f64 / dt,
            mb_per_sec: (b - last_b) as f64 / dt / 1_048_576.0,
            warmup: at_warmup_end.is_none(),
        });
        (last_t, last_r, last_b) = (now, r, b);
        if at_warmup_end.is_none() && now >= start + warmup {
            at_warmup_end = Some((now, r, b, live.requests.load(Relaxed)));
            set(|l| &l.measuring);
        }
        if now.duration_since(report_t) >= report_every {
            let (sum, n) = (live.latency_sum_us.load(Relaxed), live.latency_count.load(Relaxed));
            let avg_ms = if n > lat_n { (sum - lat_sum) as f64 / (n - lat_n) as f64 / 1000.0 } else { 0.0 };
            let secs = now.duration_since(report_t).as_secs_f64();
            eprintln!(
                "{} records sent, {:.1} records/sec ({:.2} MB/sec), {:.1} ms avg latency, {:.1} ms max latency.",
                r - report_r,
                (r - report_r) as f64 / secs,
                (b - report_b) as f64 / secs / 1_048_576.0,
                avg_ms,
                live.latency_max_us.swap(0, Relaxed) as f64 / 1000.0
            );
            (report_t, report_r, report_b, lat_sum, lat_n) = (now, r, b, sum, n);
        }
        if now >= deadline || live.stop.load(Relaxed) || linked.iter().any(|l| l.stop.load(Relaxed)) {
            set(|l| &l.stop);
            let (t0, r0, b0, q0) = at_warmup_end.unwrap_or((now, r, b, live.requests.load(Relaxed)));
            return Window {
                records: r - r0,
                bytes: b - b0,
                requests: live.requests.load(Relaxed) - q0,
                seconds: now.duration_since(t0).as_secs_f64(),
                series,
            };
        }
    }
}

pub fn merge(parts: impl IntoIterator<Item = Histogram<u64>>) -> Histogram<u64> {
    let mut all = histogram();
    for h in parts {
        all.add(&h).expect("histograms share bounds");
    }
    all
}

/// Minimal JSON object writer: the report is flat numbers, a few strings and arrays of numbers.
#[derive(Default)]
pub struct Json(String);

impl Json {
    fn key(&mut self, k: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push_str(&format!("\"{k}\":"));
    }
    pub fn num(mut self, k: &str, v: f64) -> Self {
        self.key(k);
        self.0.push_str(&if v.is_finite() { format!("{}", (v * 1000.0).round() / 1000.0) } else { "null".into() });
        self
    }
    pub fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        self.0.push_str(&format!("{v:?}"));
        self
    }
    pub fn raw(mut self, k: &str, v: String) -> Self {
        self.key(k);
        self.0.push_str(&v);
        self
    }
    pub fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// Latency summary in microseconds plus a quantile curve (for the percentile chart).
pub fn latency_json(h: &Histogram<u64>) -> String {
    if h.is_empty() {
        return "null".into();
    }
    let curve: Vec<String> = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0]
        .iter()
        .map(|q| format!("[{q},{}]", h.value_at_quantile(*q)))
        .collect();
    Json::default()
        .num("count", h.len() as f64)
        .num("avg", h.mean())
        .num("p50", h.value_at_quantile(0.5) as f64)
        .num("p95", h.value_at_quantile(0.95) as f64)
        .num("p99", h.value_at_quantile(0.99) as f64)
        .num("p999", h.value_at_quantile(0.999) as f64)
        .num("max", h.max() as f64)
        .raw("quantiles", format!("[{}]", curve.join(",")))
        .finish()
}

pub fn window_json(mode: &str, live: &Arc<Live>, w: &Window) -> Json {
    let series: Vec<String> = w
        .series
        .iter()
        .map(|p| {
            Json::default()
                .num("t", p.t_sec)
                .num("recordsPerSec", p.records_per_sec)
                .num("mbPerSec", p.mb_per_sec)
                .raw("warmup", p.warmup.to_string())
                .finish()
        })
        .collect();
    Json::default()
        .str("mode", mode)
        .num("records", w.records as f64)
        .num("bytes", w.bytes as f64)
        .num("requests", w.requests as f64)
        .num("seconds", w.seconds)
        .num("recordsPerSec", w.records as f64 / w.seconds.max(1e-9))
        .num("mbPerSec", w.bytes as f64 / w.seconds.max(1e-9) / 1_048_576.0)
        .num("errors", live.errors.load(Relaxed) as f64)
        .num("firstErrorCode", live.first_error.load(Relaxed) as u16 as i16 as f64)
        .num("ioErrors", live.io_errors.load(Relaxed) as f64)
        .raw("series", format!("[{}]", series.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_samples_are_not_recorded() {
        let live = Live::default();
        let mut h = histogram();
        record(&mut h, &live, 100, 1);
        live.measuring.store(true, Relaxed);
        record(&mut h, &live, 200, 3);
        assert_eq!((h.len(), h.min()), (3, 200));
    }

    #[test]
    fn json_is_well_formed() {
        let s = Json::default().str("mode", "produce").num("x", 1.23456).num("nan", f64::NAN).finish();
        assert_eq!(s, r#"{"mode":"produce","x":1.235,"nan":null}"#);
        let mut h = histogram();
        h.record(10).unwrap();
        assert!(latency_json(&h).starts_with(r#"{"count":1,"avg":10"#));
    }
}
