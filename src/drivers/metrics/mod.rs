//! Metrics, the driver side: Prometheus's HTTP API (`prometheus.rs`), a
//! query at its source, Prometheus or CloudWatch (`source.rs`), the
//! comparison operators and no-data policies checks are judged with
//! (`op.rs`, `no_data.rs`, `verdict.rs`), a sustained-breach window
//! (`window.rs`), the Mann-Whitney U test and the canary judgement built on it
//! (`mann_whitney.rs`, `compare.rs`), pod CPU and memory from metrics.k8s.io
//! (`pod_usage.rs`) and a number from a JSON endpoint (`http_value.rs`).
//! Nothing here knows about Rhai.

pub mod compare;
pub mod error;
pub mod http_value;
pub mod mann_whitney;
pub mod no_data;
pub mod op;
pub mod pod_usage;
pub mod prometheus;
pub mod quantity;
pub mod sample;
pub mod source;
pub mod verdict;
pub mod window;

pub use error::MetricsError;
pub use no_data::NoData;
pub use op::Op;
pub use prometheus::Prometheus;
pub use sample::{Sample, Series};
pub use source::Source;
pub use verdict::Verdict;
