//! CloudWatch metrics (GetMetricData) and alarms (DescribeAlarms). A
//! query's value is its newest data point within its look-back (none: no
//! data); a range is every point over a window, one per step. Each call
//! has the client's timeout on top of the SDK's own. `CloudWatch` is
//! Send + Sync: share it in an `Arc` across tasks.

mod query;

pub use query::{check_period, period_of, Metric, Query, What};

use super::error::explain;
use super::{Account, Connection};
use crate::drivers::metrics::error::{ErrorKind, MetricsError};
use aws_sdk_cloudwatch::error::SdkError;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{AlarmType, MetricDataResult, StateValue, StatusCode};
use aws_sdk_cloudwatch::Client;
use std::future::Future;
use std::time::{Duration, SystemTime};
use tokio::sync::OnceCell;

/// Calls wait this long for an answer unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Pages of one GetMetricData read at most (each holds up to 100,800 points).
const PAGES: usize = 20;

/// One series an answer holds: (unix time, value) pairs, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: String,
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// An alarm's state as DescribeAlarms tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub name: String,
    /// "OK", "ALARM" or "INSUFFICIENT_DATA".
    pub state: String,
    pub reason: String,
}

/// A CloudWatch client for one account and region.
#[derive(Debug)]
pub struct CloudWatch {
    connection: Connection,
    /// The account as messages show it.
    shown: String,
    timeout: Duration,
    client: OnceCell<Client>,
}

impl CloudWatch {
    pub fn new(account: Account, timeout: Duration) -> CloudWatch {
        CloudWatch {
            shown: account.describe(),
            connection: Connection::new(account),
            timeout,
            client: OnceCell::new(),
        }
    }

    /// "AWS us-east-1", or an endpoint and its region: for messages and events.
    pub fn describe(&self) -> &str {
        &self.shown
    }

    async fn client(&self) -> Result<&Client, MetricsError> {
        self.client
            .get_or_try_init(|| async {
                let config = self.connection.config().await?;
                Ok(Client::new(config))
            })
            .await
            .map_err(|e: String| MetricsError::new(ErrorKind::Refused, e))
    }

    /// Runs one call within the timeout; an SDK error explained.
    async fn call<T, E, R>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, MetricsError>
    where
        E: aws_sdk_cloudwatch::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let kind = match e {
                    SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                        ErrorKind::Unreachable
                    }
                    _ => ErrorKind::Refused,
                };
                Err(MetricsError::new(
                    kind,
                    explain(what, &self.connection.account, &e),
                ))
            }
            Err(_) => Err(MetricsError::new(
                ErrorKind::Unreachable,
                format!(
                    "{what}: no answer from {} within {}\nhint: is the endpoint reachable from here? a longer timeout: metrics::cloudwatch(#{{timeout: \"30s\", ...}})",
                    self.shown,
                    crate::duration::format(self.timeout)
                ),
            )),
        }
    }

    /// Every series of `q` asked at `period` over the `window` ending now.
    async fn series(
        &self,
        q: &Query,
        period: u32,
        window: Duration,
    ) -> Result<Vec<Series>, MetricsError> {
        let client = self.client().await?;
        let end = SystemTime::now();
        let start = end - window;
        let requests = q.requests(period);
        let what = format!("GetMetricData {}", q.shown());
        let mut found: Vec<Series> = vec![];
        let mut token: Option<String> = None;
        for _ in 0..PAGES {
            let page = self
                .call(
                    &what,
                    client
                        .get_metric_data()
                        .set_metric_data_queries(Some(requests.clone()))
                        .start_time(DateTime::from(start))
                        .end_time(DateTime::from(end))
                        .set_next_token(token.take())
                        .send(),
                )
                .await?;
            for r in page.metric_data_results() {
                self.take(q, r, &mut found)?;
            }
            match page.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        if token.is_some() {
            return Err(MetricsError::new(
                ErrorKind::BadAnswer,
                format!(
                    "{what} at {}: more than {PAGES} pages of data points\nhint: a shorter window or a longer step",
                    self.shown
                ),
            ));
        }
        for s in &mut found {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Ok(found)
    }

    /// Adds the points of one result to `found`; a result CloudWatch could
    /// not compute is an error with its messages.
    fn take(
        &self,
        q: &Query,
        r: &MetricDataResult,
        found: &mut Vec<Series>,
    ) -> Result<(), MetricsError> {
        if let Some(code @ (StatusCode::Forbidden | StatusCode::InternalError)) = r.status_code() {
            let said: Vec<String> = r
                .messages()
                .iter()
                .map(|m| format!("{}: {}", m.code().unwrap_or("?"), m.value().unwrap_or("")))
                .collect();
            return Err(MetricsError::new(
                ErrorKind::Refused,
                format!(
                    "GetMetricData {} at {}: {} {}\nhint: {}",
                    q.shown(),
                    self.shown,
                    code.as_str(),
                    said.join("; "),
                    if *code == StatusCode::Forbidden {
                        "the credentials lack cloudwatch:GetMetricData for this metric (or a cross-account permission)"
                    } else {
                        "CloudWatch could not compute it; try again, or check the expression"
                    }
                ),
            ));
        }
        let id = r.id().unwrap_or_default().to_string();
        let label = r.label().unwrap_or(&id).to_string();
        let points = r
            .timestamps()
            .iter()
            .map(DateTime::as_secs_f64)
            .zip(r.values().iter().copied());
        match found.iter_mut().find(|s| s.id == id && s.label == label) {
            Some(s) => s.points.extend(points),
            None => found.push(Series {
                id,
                label,
                points: points.collect(),
            }),
        }
        Ok(())
    }

    /// The newest value of `q` within its look-back: `None` when there is
    /// none (or it is NaN); an error when the query gives several series.
    pub async fn value(&self, q: &Query) -> Result<Option<f64>, MetricsError> {
        let found = self.series(q, q.period(), q.lookback()).await?;
        let with_data: Vec<&Series> = found.iter().filter(|s| !s.points.is_empty()).collect();
        match &with_data[..] {
            [] => Ok(None),
            [one] => Ok(one.points.last().map(|(_, v)| *v).filter(|v| !v.is_nan())),
            many => {
                let names: Vec<&str> = many.iter().take(5).map(|s| s.label.as_str()).collect();
                Err(MetricsError::new(
                    ErrorKind::Ambiguous,
                    format!(
                        "{} gives {} series, not one number: {}{}\nhint: aggregate them in the expression (SUM(...), MAX(...)) or narrow the search",
                        q.shown(),
                        many.len(),
                        names.join(", "),
                        if many.len() > 5 { ", ..." } else { "" }
                    ),
                ))
            }
        }
    }

    /// Every value of `q` over the `window` ending now, one per `step`
    /// (the period of every metric it asks), all series pooled.
    pub async fn values(
        &self,
        q: &Query,
        window: Duration,
        step: Duration,
    ) -> Result<Vec<f64>, MetricsError> {
        let period =
            period_of("step", step).map_err(|e| MetricsError::new(ErrorKind::BadAnswer, e))?;
        let found = self.series(q, period, window).await?;
        Ok(found
            .iter()
            .flat_map(|s| s.points.iter().map(|(_, v)| *v))
            .collect())
    }

    /// The state of the metric or composite alarm `name`; an error when
    /// there is none of that name.
    pub async fn alarm(&self, name: &str) -> Result<Alarm, MetricsError> {
        let client = self.client().await?;
        let what = format!("DescribeAlarms {name}");
        let out = self
            .call(
                &what,
                client
                    .describe_alarms()
                    .alarm_names(name)
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .send(),
            )
            .await?;
        let metric = out
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(name))
            .map(|a| (a.state_value(), a.state_reason()));
        let composite = || {
            out.composite_alarms()
                .iter()
                .find(|a| a.alarm_name() == Some(name))
                .map(|a| (a.state_value(), a.state_reason()))
        };
        let Some((state, reason)) = metric.or_else(composite) else {
            return Err(MetricsError::new(
                ErrorKind::Refused,
                format!(
                    "no alarm named {name:?} at {}\nhint: alarm names are case-sensitive; is the region right?",
                    self.shown
                ),
            ));
        };
        Ok(Alarm {
            name: name.to_string(),
            state: state
                .map_or("INSUFFICIENT_DATA", StateValue::as_str)
                .to_string(),
            reason: reason.unwrap_or_default().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_across_tasks_and_named_by_its_account() {
        fn shared<T: Send + Sync>() {}
        fn sendable<T: Send>(_: &T) {}
        shared::<CloudWatch>();
        let account = Account {
            region: Some("eu-west-1".into()),
            ..Account::default()
        };
        let cw = CloudWatch::new(account, DEFAULT_TIMEOUT);
        assert_eq!(cw.describe(), "AWS eu-west-1");
        let q = Query::new(
            What::Metric(Metric::new("Shop", "Errors", vec![], "Sum").unwrap()),
            60,
            None,
        )
        .unwrap();
        sendable(&cw.value(&q));
        sendable(&cw.alarm("a"));
    }
}
