//! A CloudWatch metric as a playbook writes it: a map `#{namespace, name,
//! dimensions: #{Service: "web"}, stat: "Average", period: "1m",
//! lookback: "5m"}`; metric math over such maps, `#{expression: "m1 / m2 *
//! 100", metrics: #{m1: #{...}, m2: #{...}}, period, lookback}`; or a
//! string, an expression alone (SEARCH, a Metrics Insights SELECT).

use super::options;
use crate::drivers::aws::cloudwatch::{period_of, Metric, Query, What};
use crate::primitives::health::options::string;
use rhai::{Dynamic, ImmutableString, Map};
use std::time::Duration;

const METRIC: [&str; 6] = [
    "namespace",
    "name",
    "dimensions",
    "stat",
    "period",
    "lookback",
];
const EXPRESSION: [&str; 4] = ["expression", "metrics", "period", "lookback"];
const INNER: [&str; 4] = ["namespace", "name", "dimensions", "stat"];

/// How a metric is written, for hints.
const FORM: &str = "#{namespace: \"AWS/ApplicationELB\", name: \"HTTPCode_Target_5XX_Count\", dimensions: #{LoadBalancer: \"app/web/...\"}, stat: \"Sum\", period: \"1m\"}, #{expression: \"m1 / m2 * 100\", metrics: #{m1: #{...}, m2: #{...}}}, or an expression string";

/// The query `metric` describes.
pub fn query(metric: &Dynamic) -> Result<Query, String> {
    if let Some(text) = metric.read_lock::<ImmutableString>() {
        let what = What::Expression {
            expression: text.to_string(),
            metrics: vec![],
        };
        return Query::new(what, 60, None);
    }
    let map = metric.read_lock::<Map>().ok_or_else(|| {
        format!(
            "a CloudWatch metric is a map or an expression string, not {}\nhint: {FORM}",
            metric.type_name()
        )
    })?;
    let period = match map.get("period") {
        None => 60,
        Some(p) => match p.as_int() {
            Ok(seconds) => period_of("period", Duration::from_secs(seconds.max(0) as u64))?,
            Err(_) => period_of("period", options::duration(&map, "period", Duration::ZERO)?)?,
        },
    };
    let lookback = match map.get("lookback") {
        None => None,
        Some(_) => Some(options::duration(&map, "lookback", Duration::ZERO)?),
    };
    let what = if map.contains_key("expression") {
        expression(&map)?
    } else {
        options::only(&map, "a CloudWatch metric", &METRIC)?;
        What::Metric(one(&map)?)
    };
    Query::new(what, period, lookback)
}

/// `#{expression, metrics: #{id: #{namespace, name, dimensions, stat}}}`.
fn expression(map: &Map) -> Result<What, String> {
    options::only(map, "a CloudWatch expression", &EXPRESSION)?;
    let expression = string(map, "expression")?.unwrap_or_default();
    let mut metrics = vec![];
    let Some(given) = map.get("metrics") else {
        return Ok(What::Expression {
            expression,
            metrics,
        });
    };
    let given = given.read_lock::<Map>().ok_or(
        "an expression's metrics is a map of ids to metrics: #{m1: #{namespace, name, ...}}",
    )?;
    for (id, inner) in given.iter() {
        let inner = inner.read_lock::<Map>().ok_or_else(|| {
            format!("metric {id} of the expression is a map #{{namespace, name, dimensions, stat}}")
        })?;
        if inner.contains_key("period") || inner.contains_key("lookback") {
            return Err(format!(
                "metric {id} of the expression has its own period or lookback\nhint: they are the expression's: #{{expression, metrics, period: \"5m\", lookback: \"15m\"}}"
            ));
        }
        options::only(&inner, &format!("metric {id} of the expression"), &INNER)?;
        metrics.push((id.to_string(), one(&inner)?));
    }
    Ok(What::Expression {
        expression,
        metrics,
    })
}

/// A metric's namespace, name, dimensions and statistic.
fn one(map: &Map) -> Result<Metric, String> {
    let need = |key: &str| {
        string(map, key)?.ok_or_else(|| format!("a CloudWatch metric needs a {key}\nhint: {FORM}"))
    };
    let (namespace, name) = (need("namespace")?, need("name")?);
    let stat = string(map, "stat")?.unwrap_or_else(|| "Average".into());
    let mut dimensions = vec![];
    if let Some(d) = map.get("dimensions") {
        let d = d
            .read_lock::<Map>()
            .ok_or("dimensions is a map of names to values: #{LoadBalancer: \"app/web/...\"}")?;
        for (k, v) in d.iter() {
            let v = v
                .clone()
                .into_string()
                .map_err(|t| format!("dimension {k} is a string, not {t}"))?;
            dimensions.push((k.to_string(), v));
        }
    }
    Metric::new(&namespace, &name, dimensions, &stat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Dynamic {
        let m: Map = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect();
        m.into()
    }

    fn errors(extra: &[(&str, Dynamic)]) -> Dynamic {
        let mut pairs = vec![
            ("namespace", "Shop".into()),
            ("name", "Errors".into()),
            ("dimensions", map(&[("Service", "web".into())])),
        ];
        pairs.extend_from_slice(extra);
        map(&pairs)
    }

    #[test]
    fn a_metric_map_with_its_defaults() {
        let q = query(&errors(&[])).unwrap();
        assert_eq!(q.shown(), r#"Shop Errors{Service="web"} Average over 60s"#);
        assert_eq!((q.period(), q.lookback()), (60, Duration::from_secs(300)));
        let q = query(&errors(&[
            ("stat", "Sum".into()),
            ("period", "5m".into()),
            ("lookback", "1h".into()),
        ]))
        .unwrap();
        assert_eq!(q.shown(), r#"Shop Errors{Service="web"} Sum over 300s"#);
        assert_eq!(q.lookback(), Duration::from_secs(3600));
        assert_eq!(
            query(&errors(&[("period", Dynamic::from_int(10))]))
                .unwrap()
                .period(),
            10
        );
    }

    #[test]
    fn wrong_metric_maps_say_what_is_expected() {
        let e = query(&errors(&[("period", "45s".into())])).unwrap_err();
        assert!(
            e.starts_with("period 45s is not a CloudWatch period"),
            "{e}"
        );
        let e = query(&errors(&[("metric", "x".into())])).unwrap_err();
        assert!(
            e.starts_with("a CloudWatch metric has no option \"metric\""),
            "{e}"
        );
        let e = query(&map(&[("namespace", "Shop".into())])).unwrap_err();
        assert!(e.starts_with("a CloudWatch metric needs a name"), "{e}");
        let e = query(&errors(&[(
            "dimensions",
            map(&[("Service", Dynamic::from_int(1))]),
        )]))
        .unwrap_err();
        assert_eq!(e, "dimension Service is a string, not i64");
        let e = query(&Dynamic::from_int(3)).unwrap_err();
        assert!(
            e.starts_with("a CloudWatch metric is a map or an expression string, not i64"),
            "{e}"
        );
    }

    #[test]
    fn expressions_name_their_metrics() {
        let q = query(&map(&[
            ("expression", "m1 * 100".into()),
            ("metrics", map(&[("m1", errors(&[("stat", "Sum".into())]))])),
            ("period", "5m".into()),
        ]))
        .unwrap();
        assert_eq!(
            q.shown(),
            r#"m1 * 100 (m1 = Shop Errors{Service="web"} Sum) over 300s"#
        );
        let alone = query(&"SEARCH('{Shop} Errors', 'Sum', 60)".into()).unwrap();
        assert_eq!(alone.shown(), "SEARCH('{Shop} Errors', 'Sum', 60) over 60s");
        let e = query(&map(&[
            ("expression", "m1".into()),
            (
                "metrics",
                map(&[("m1", errors(&[("period", "5m".into())]))]),
            ),
        ]))
        .unwrap_err();
        assert!(e.contains("they are the expression's"), "{e}");
        let e = query(&map(&[("expression", "m1".into()), ("stat", "Sum".into())])).unwrap_err();
        assert!(
            e.starts_with("a CloudWatch expression has no option \"stat\""),
            "{e}"
        );
    }
}
