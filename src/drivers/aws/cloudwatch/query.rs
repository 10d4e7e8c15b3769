//! What a playbook asks CloudWatch: one metric (namespace, name,
//! dimensions, statistic) or a metric-math expression over named metrics,
//! at a period, newest value within a look-back — checked here as
//! GetMetricData would check it, and turned into its `MetricDataQuery`s.

use aws_sdk_cloudwatch::types::{Dimension, MetricDataQuery, MetricStat};
use std::time::Duration;

/// The statistics every metric has, as CloudWatch spells them.
const STATS: [&str; 5] = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

/// One metric and the statistic taken of it each period.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub namespace: String,
    pub name: String,
    /// Name and value, in the order given; a metric matches only with
    /// exactly these dimensions.
    pub dimensions: Vec<(String, String)>,
    /// "Average", "Sum", ... or an extended statistic ("p99", "TM(10%:90%)").
    pub stat: String,
}

/// A metric alone, or an expression over metrics named by ids.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Metric(Metric),
    /// Metric math or a Metrics Insights query; `metrics` are the ids it
    /// uses (none for SEARCH or SELECT, which find their own).
    Expression {
        expression: String,
        metrics: Vec<(String, Metric)>,
    },
}

/// A checked query: what, at which period, how far back the newest value
/// may be; with how it is shown in messages and events.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    what: What,
    period: u32,
    lookback: Duration,
    shown: String,
}

/// Whether `seconds` is a period CloudWatch serves: 1, 5, 10, 20, 30 (for
/// high-resolution metrics) or a multiple of 60.
pub fn check_period(what: &str, seconds: u32) -> Result<(), String> {
    if matches!(seconds, 1 | 5 | 10 | 20 | 30) || (seconds > 0 && seconds % 60 == 0) {
        Ok(())
    } else {
        Err(format!(
            "{what} {seconds}s is not a CloudWatch period\nhint: 1s, 5s, 10s, 20s or 30s (high-resolution metrics), or a multiple of 60s"
        ))
    }
}

/// A duration of whole seconds that is a CloudWatch period.
pub fn period_of(what: &str, d: Duration) -> Result<u32, String> {
    let seconds = u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
    if d.subsec_nanos() != 0 {
        return Err(format!(
            "{what} is whole seconds for CloudWatch, not {}",
            crate::duration::format(d)
        ));
    }
    check_period(what, seconds)?;
    Ok(seconds)
}

/// An id of a query: a lowercase letter, then letters, digits, underscores.
fn check_id(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    let ok = id.len() <= 255
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a metric id of an expression\nhint: a lowercase letter, then letters, digits or _ (m1, errors, total_2)",
            id.escape_debug()
        ))
    }
}

/// A statistic as CloudWatch spells it: a basic one in any case ("sum" →
/// "Sum"), or an extended one as given ("p99", "TM(10%:90%)").
fn statistic(text: &str) -> Result<String, String> {
    if let Some(s) = STATS.iter().find(|s| s.eq_ignore_ascii_case(text)) {
        return Ok(s.to_string());
    }
    let extended =
        !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_graphic());
    if !extended {
        return Err(format!(
            "stat {} is not a CloudWatch statistic\nhint: {}, or an extended one such as p99",
            text.escape_debug(),
            STATS.join(", ")
        ));
    }
    Ok(text.to_string())
}

/// Text CloudWatch takes: not empty, at most `max`, no control characters.
fn check_text(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(format!(
            "{what} {} is not 1 to {max} printable characters",
            text.escape_debug()
        ));
    }
    Ok(())
}

impl Metric {
    /// A metric with its names checked; a basic statistic spelled in any
    /// case is spelled as CloudWatch does ("sum" → "Sum").
    pub fn new(
        namespace: &str,
        name: &str,
        dimensions: Vec<(String, String)>,
        stat: &str,
    ) -> Result<Metric, String> {
        check_text("namespace", namespace, 255)?;
        check_text("name", name, 255)?;
        if dimensions.len() > 30 {
            return Err("a metric has at most 30 dimensions".into());
        }
        for (k, v) in &dimensions {
            check_text("a dimension name", k, 255)?;
            check_text(&format!("dimension {k}'s value"), v, 1024)?;
        }
        let stat = statistic(stat)?;
        Ok(Metric {
            namespace: namespace.into(),
            name: name.into(),
            dimensions,
            stat,
        })
    }

    /// `Shop Errors{Service="web"} Sum`.
    fn describe(&self) -> String {
        let dims: Vec<String> = self
            .dimensions
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let dims = if dims.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", dims.join(", "))
        };
        format!("{} {}{dims} {}", self.namespace, self.name, self.stat)
    }

    fn stat(&self, period: u32) -> MetricStat {
        let metric = aws_sdk_cloudwatch::types::Metric::builder()
            .namespace(&self.namespace)
            .metric_name(&self.name)
            .set_dimensions(Some(
                self.dimensions
                    .iter()
                    .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                    .collect(),
            ))
            .build();
        MetricStat::builder()
            .metric(metric)
            .period(period as i32)
            .stat(&self.stat)
            .build()
    }
}

impl Query {
    /// What to ask, each `period` (a CloudWatch period, in seconds), the
    /// newest value found within `lookback` (default: 5 periods, as
    /// Flagger reads CloudWatch).
    pub fn new(what: What, period: u32, lookback: Option<Duration>) -> Result<Query, String> {
        check_period("period", period)?;
        let lookback = lookback.unwrap_or(Duration::from_secs(5 * u64::from(period)));
        if lookback < Duration::from_secs(period.into()) {
            return Err(format!(
                "lookback {} is shorter than the period ({period}s): no whole period fits",
                crate::duration::format(lookback)
            ));
        }
        let shown = match &what {
            What::Metric(m) => format!("{} over {period}s", m.describe()),
            What::Expression {
                expression,
                metrics,
            } => {
                check_text("expression", expression, 2048)?;
                let mut ids: Vec<&str> = vec![];
                for (id, _) in metrics {
                    check_id(id)?;
                    if ids.contains(&id.as_str()) {
                        return Err(format!("metric id {id} is given twice"));
                    }
                    ids.push(id);
                }
                let named: Vec<String> = metrics
                    .iter()
                    .map(|(id, m)| format!("{id} = {}", m.describe()))
                    .collect();
                if named.is_empty() {
                    format!("{expression} over {period}s")
                } else {
                    format!("{expression} ({}) over {period}s", named.join(", "))
                }
            }
        };
        Ok(Query {
            what,
            period,
            lookback,
            shown,
        })
    }

    /// How the query is named in messages and events.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn period(&self) -> u32 {
        self.period
    }

    pub fn lookback(&self) -> Duration {
        self.lookback
    }

    /// The GetMetricData queries at `period` (the query's own, or a
    /// compare's step): only the answer's id returns data.
    pub fn requests(&self, period: u32) -> Vec<MetricDataQuery> {
        match &self.what {
            What::Metric(m) => vec![MetricDataQuery::builder()
                .id("m0")
                .metric_stat(m.stat(period))
                .return_data(true)
                .build()],
            What::Expression {
                expression,
                metrics,
            } => {
                let id = (0..)
                    .map(|i| format!("e{i}"))
                    .find(|e| !metrics.iter().any(|(id, _)| id == e))
                    .unwrap_or_default();
                let mut all: Vec<MetricDataQuery> = metrics
                    .iter()
                    .map(|(id, m)| {
                        MetricDataQuery::builder()
                            .id(id)
                            .metric_stat(m.stat(period))
                            .return_data(false)
                            .build()
                    })
                    .collect();
                // Math takes the period of its metrics; SEARCH and SELECT
                // (no metrics of their own) are given it.
                let period = metrics.is_empty().then_some(period as i32);
                all.push(
                    MetricDataQuery::builder()
                        .id(id)
                        .expression(expression)
                        .set_period(period)
                        .return_data(true)
                        .build(),
                );
                all
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors() -> Metric {
        Metric::new(
            "Shop",
            "Errors",
            vec![("Service".into(), "web".into())],
            "sum",
        )
        .unwrap()
    }

    #[test]
    fn periods_are_those_cloudwatch_serves() {
        for ok in [1, 5, 10, 20, 30, 60, 120, 300, 3600] {
            assert!(check_period("period", ok).is_ok(), "{ok}");
        }
        for bad in [0, 2, 15, 45, 90] {
            let e = check_period("step", bad).unwrap_err();
            assert!(
                e.starts_with(&format!("step {bad}s is not a CloudWatch period")),
                "{e}"
            );
        }
        assert_eq!(period_of("step", Duration::from_secs(60)), Ok(60));
        assert!(period_of("step", Duration::from_millis(1500))
            .unwrap_err()
            .contains("whole seconds"));
        assert!(period_of("step", Duration::from_secs(15)).is_err());
    }

    #[test]
    fn metrics_are_checked_and_shown() {
        let m = errors();
        assert_eq!(m.stat, "Sum");
        let q = Query::new(What::Metric(m.clone()), 60, None).unwrap();
        assert_eq!(q.shown(), r#"Shop Errors{Service="web"} Sum over 60s"#);
        assert_eq!(q.lookback(), Duration::from_secs(300));
        assert_eq!(
            Metric::new("Shop", "Latency", vec![], "p99").unwrap().stat,
            "p99"
        );
        assert!(Metric::new("Shop", "", vec![], "Sum").is_err());
        assert!(Metric::new("Shop", "Errors", vec![], "the mean")
            .unwrap_err()
            .contains("Average, Sum"));
        assert!(
            Query::new(What::Metric(m), 60, Some(Duration::from_secs(30)))
                .unwrap_err()
                .contains("no whole period fits")
        );
    }

    #[test]
    fn expressions_ask_their_metrics_without_returning_them() {
        let what = What::Expression {
            expression: "e0 / m1 * 100".into(),
            metrics: vec![("e0".into(), errors()), ("m1".into(), errors())],
        };
        let q = Query::new(what, 300, None).unwrap();
        assert_eq!(
            q.shown(),
            r#"e0 / m1 * 100 (e0 = Shop Errors{Service="web"} Sum, m1 = Shop Errors{Service="web"} Sum) over 300s"#
        );
        let r = q.requests(60);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].return_data(), Some(false));
        assert_eq!(r[0].metric_stat().unwrap().period(), Some(60));
        // The answer's id is one the playbook did not take.
        assert_eq!(r[2].id(), Some("e1"));
        assert_eq!(r[2].return_data(), Some(true));
        assert_eq!(r[2].period(), None);
        let search = Query::new(
            What::Expression {
                expression: "SELECT AVG(CPUUtilization) FROM \"AWS/EC2\"".into(),
                metrics: vec![],
            },
            60,
            None,
        )
        .unwrap();
        assert_eq!(search.requests(120)[0].period(), Some(120));
        for bad in ["M1", "1m", "m-1", ""] {
            let what = What::Expression {
                expression: "m1".into(),
                metrics: vec![(bad.into(), errors())],
            };
            assert!(Query::new(what, 60, None).is_err(), "{bad}");
        }
    }
}
