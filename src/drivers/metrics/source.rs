//! One query and the source that answers it — a PromQL expression of a
//! Prometheus server, or a metric or expression of CloudWatch — so that
//! values, asserts, comparisons and monitors are written once for both.

use crate::drivers::aws::cloudwatch::{self, CloudWatch};
use crate::drivers::metrics::error::MetricsError;
use crate::drivers::metrics::no_data::NoData;
use crate::drivers::metrics::prometheus::Prometheus;
use std::sync::Arc;
use std::time::Duration;

/// A query at its source. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Source {
    Prometheus {
        client: Arc<Prometheus>,
        promql: String,
    },
    CloudWatch {
        client: Arc<CloudWatch>,
        query: Arc<cloudwatch::Query>,
    },
}

impl Source {
    /// Where the number comes from: the server's URL, or the AWS account.
    pub fn at(&self) -> &str {
        match self {
            Source::Prometheus { client, .. } => client.url(),
            Source::CloudWatch { client, .. } => client.describe(),
        }
    }

    /// What is asked, as messages and events show it.
    pub fn query(&self) -> &str {
        match self {
            Source::Prometheus { promql, .. } => promql,
            Source::CloudWatch { query, .. } => query.shown(),
        }
    }

    /// The one number the query gives now; `None` for no data.
    pub async fn value(&self) -> Result<Option<f64>, MetricsError> {
        match self {
            Source::Prometheus { client, promql } => client.value(promql).await,
            Source::CloudWatch { client, query } => client.value(query).await,
        }
    }

    /// Every value of the query over the `window` ending now, one per
    /// `step`, all series pooled.
    pub async fn values(&self, window: Duration, step: Duration) -> Result<Vec<f64>, MetricsError> {
        match self {
            Source::Prometheus { client, promql } => Ok(client
                .query_range(promql, window, step)
                .await?
                .iter()
                .flat_map(|s| s.values.iter().map(|(_, v)| *v))
                .collect()),
            Source::CloudWatch { client, query } => client.values(query, window, step).await,
        }
    }

    /// The window and step a comparison takes unless told: 5m every 15s
    /// for Prometheus; 15 periods of the metric for CloudWatch, whose
    /// points come one per period.
    pub fn range_defaults(&self) -> (Duration, Duration) {
        match self {
            Source::Prometheus { .. } => (Duration::from_secs(300), Duration::from_secs(15)),
            Source::CloudWatch { query, .. } => {
                let period = u64::from(query.period());
                (
                    Duration::from_secs(15 * period),
                    Duration::from_secs(period),
                )
            }
        }
    }

    /// The message of no data under `no_data: "error"`.
    pub fn no_data(&self) -> String {
        match self {
            Source::Prometheus { client, promql } => NoData::message(client.url(), promql),
            Source::CloudWatch { client, query } => format!(
                "{} has no data at {}: no data point in the last {}\nhint: check the namespace, name and dimensions (a metric matches only with exactly its dimensions) and the region; or choose what no data means with {}",
                query.shown(),
                client.describe(),
                crate::duration::format(query.lookback()),
                crate::drivers::metrics::no_data::POLICIES
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::aws::cloudwatch::{Metric, What};
    use crate::drivers::aws::Account;

    #[test]
    fn both_sources_name_their_query_and_defaults() {
        fn shared<T: Send + Sync>() {}
        shared::<Source>();
        let p = Source::Prometheus {
            client: Arc::new(Prometheus::new("http://prom:9090").unwrap()),
            promql: "up".into(),
        };
        assert_eq!((p.at(), p.query()), ("http://prom:9090", "up"));
        assert_eq!(p.no_data(), NoData::message("http://prom:9090", "up"));
        assert_eq!(p.range_defaults().1, Duration::from_secs(15));
        let account = Account {
            region: Some("us-east-1".into()),
            ..Account::default()
        };
        let query = cloudwatch::Query::new(
            What::Metric(Metric::new("Shop", "Errors", vec![], "Sum").unwrap()),
            300,
            None,
        )
        .unwrap();
        let c = Source::CloudWatch {
            client: Arc::new(CloudWatch::new(account, Duration::from_secs(5))),
            query: Arc::new(query),
        };
        assert_eq!(c.at(), "AWS us-east-1");
        assert_eq!(c.query(), "Shop Errors Sum over 300s");
        assert_eq!(
            c.range_defaults(),
            (Duration::from_secs(4500), Duration::from_secs(300))
        );
        let m = c.no_data();
        assert!(
            m.starts_with("Shop Errors Sum over 300s has no data at AWS us-east-1: no data point in the last 25m00s"),
            "{m}"
        );
        assert!(m.contains("\"zero\""), "{m}");
    }
}
