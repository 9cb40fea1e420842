//! HTTP requests as Prometheus series: a counter by route template, method, status code and class,
//! a latency histogram by route template and method (1 ms to 30 s), and the requests in flight.
//!
//! The route is the router's template (`/tiles/{source}/{z}/{x}/{y}`), never the raw path, and
//! a request no route matched is `other`; methods outside the standard ones are `other` too. So the
//! number of series is bounded by the routes the server has, whatever clients send.

use std::time::Instant;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};
use serde::Serialize;

/// Latency buckets in seconds: 1 ms to 30 s.
pub const BUCKETS: [f64; 15] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "other";

/// The request series and the registry they (and the process collector) live in.
#[derive(Debug, Clone)]
pub struct RequestMetrics {
    registry: Registry,
    total: IntCounterVec,
    duration: HistogramVec,
    in_flight: IntGauge,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics::new()
    }
}

#[allow(clippy::expect_used)] // the names and labels are constants: registering them cannot fail
impl RequestMetrics {
    pub fn new() -> RequestMetrics {
        let registry = Registry::new();
        let total = IntCounterVec::new(
            Opts::new(
                "qala_http_requests_total",
                "HTTP requests answered, by route template, method and status",
            ),
            &["route", "method", "status", "class"],
        )
        .expect("valid counter");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "qala_http_request_duration_seconds",
                "Time to the response head, by route template and method",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("valid histogram");
        let in_flight = IntGauge::new("qala_http_requests_in_flight", "HTTP requests being answered")
            .expect("valid gauge");
        registry.register(Box::new(total.clone())).expect("registered once");
        registry.register(Box::new(duration.clone())).expect("registered once");
        registry.register(Box::new(in_flight.clone())).expect("registered once");
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
            .expect("registered once");
        RequestMetrics { registry, total, duration, in_flight }
    }

    /// The registry of the request series and the process collector.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A request starts on `route` (its template, or `None` when no route matched); finish it with
    /// [`InFlight::finish`]. A request dropped before it finished (the client went away) leaves
    /// the in-flight gauge all the same and is counted with status `0`.
    pub fn start(&self, route: Option<&str>, method: &str) -> InFlight {
        self.in_flight.inc();
        InFlight {
            metrics: self.clone(),
            route: route.unwrap_or(UNMATCHED).to_string(),
            method: method_label(method),
            started: Instant::now(),
            done: false,
        }
    }

    /// Requests so far, per route and method: the page's table.
    pub fn summary(&self) -> Vec<RouteSummary> {
        let mut out: Vec<RouteSummary> = Vec::new();
        for family in self.registry.gather() {
            match family.name() {
                "qala_http_requests_total" => {
                    for m in family.get_metric() {
                        let label = |n: &str| {
                            m.get_label().iter().find(|l| l.name() == n).map(|l| l.value().to_string())
                        };
                        let (Some(route), Some(method), Some(class)) =
                            (label("route"), label("method"), label("class"))
                        else {
                            continue;
                        };
                        let row = entry(&mut out, &route, &method);
                        let n = m.get_counter().get_value() as u64;
                        row.requests += n;
                        if class == "5xx" {
                            row.server_errors += n;
                        } else if class == "4xx" {
                            row.client_errors += n;
                        }
                    }
                }
                "qala_http_request_duration_seconds" => {
                    for m in family.get_metric() {
                        let label = |n: &str| {
                            m.get_label().iter().find(|l| l.name() == n).map(|l| l.value().to_string())
                        };
                        let (Some(route), Some(method)) = (label("route"), label("method")) else { continue };
                        let h = m.get_histogram();
                        let row = entry(&mut out, &route, &method);
                        let count = h.get_sample_count();
                        row.mean_ms = (count > 0).then(|| h.get_sample_sum() * 1000.0 / count as f64);
                        let buckets: Vec<(f64, u64)> =
                            h.get_bucket().iter().map(|b| (b.upper_bound(), b.cumulative_count())).collect();
                        row.p95_ms = quantile(&buckets, count, 0.95).map(|s| s * 1000.0);
                    }
                }
                _ => {}
            }
        }
        out.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.route.cmp(&b.route)));
        out
    }

    /// Requests being answered now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.get()
    }
}

fn entry<'a>(rows: &'a mut Vec<RouteSummary>, route: &str, method: &str) -> &'a mut RouteSummary {
    let at = match rows.iter().position(|r| r.route == route && r.method == method) {
        Some(i) => i,
        None => {
            rows.push(RouteSummary { route: route.into(), method: method.into(), ..Default::default() });
            rows.len() - 1
        }
    };
    &mut rows[at]
}

/// The upper bound of the bucket the `q` quantile falls in (`None` without samples; `+Inf`'s
/// samples answer the largest finite bound).
///
/// ```
/// # use qala::metrics::requests::quantile;
/// assert_eq!(quantile(&[(0.01, 90), (0.1, 99), (1.0, 100)], 100, 0.95), Some(0.1));
/// assert_eq!(quantile(&[(0.01, 0)], 0, 0.95), None);
/// ```
pub fn quantile(buckets: &[(f64, u64)], count: u64, q: f64) -> Option<f64> {
    if count == 0 {
        return None;
    }
    let rank = (q * count as f64).ceil() as u64;
    buckets.iter().find(|(_, c)| *c >= rank).map(|(b, _)| *b).or_else(|| buckets.last().map(|(b, _)| *b))
}

/// One route and method on the operations page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteSummary {
    pub route: String,
    pub method: String,
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// Mean time to the response head, in milliseconds.
    pub mean_ms: Option<f64>,
    /// The histogram bucket bound under which 95% of the requests were answered, in milliseconds.
    pub p95_ms: Option<f64>,
}

/// The label of a method: the standard ones as they are, anything else `other`.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// The class label of a status code (`2xx`).
fn class_of(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        5 => "5xx",
        _ => "other",
    }
}

/// A request being answered; counted when finished or dropped.
#[derive(Debug)]
pub struct InFlight {
    metrics: RequestMetrics,
    route: String,
    method: &'static str,
    started: Instant,
    done: bool,
}

impl InFlight {
    /// The response head went out with `status`.
    pub fn finish(mut self, status: u16) {
        self.record(status);
    }

    fn record(&mut self, status: u16) {
        if self.done {
            return;
        }
        self.done = true;
        let m = &self.metrics;
        m.in_flight.dec();
        let code = status.to_string();
        m.total.with_label_values(&[self.route.as_str(), self.method, code.as_str(), class_of(status)]).inc();
        m.duration
            .with_label_values(&[self.route.as_str(), self.method])
            .observe(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.record(0);
    }
}
