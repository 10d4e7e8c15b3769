//! Prometheus query results (`data` of `/api/v1/query` and `query_range`):
//! vectors, matrices and scalars turned into samples and series.

use serde_json::Value;
use std::collections::BTreeMap;

/// One value of an instant query, with its series' labels (empty for a scalar).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    /// Unix time, seconds.
    pub time: f64,
    pub value: f64,
}

/// One series of a range query: (unix time, value) pairs, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<(f64, f64)>,
}

/// `{code="500", path="/"}`, as Prometheus writes a series (`{}` without labels).
pub fn describe(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{name}{{{}}}", rest.join(", "))
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// `[1700000000.5, "0.25"]` → (time, value); values may be "NaN", "+Inf", "-Inf".
fn point(v: &Value) -> Result<(f64, f64), String> {
    let bad = || format!("a sample is [time, \"value\"], not {v}");
    let time = v.get(0).and_then(Value::as_f64).ok_or_else(bad)?;
    let text = v.get(1).and_then(Value::as_str).ok_or_else(bad)?;
    let value = text
        .parse::<f64>()
        .map_err(|_| format!("the value {text:?} is not a number"))?;
    Ok((time, value))
}

fn result_type(data: &Value) -> Result<(&str, &Value), String> {
    let kind = data["resultType"]
        .as_str()
        .ok_or("the answer has no data.resultType")?;
    Ok((kind, &data["result"]))
}

/// The samples of an instant query's `data`.
pub fn instant(data: &Value) -> Result<Vec<Sample>, String> {
    let (kind, result) = result_type(data)?;
    match kind {
        "vector" => result
            .as_array()
            .ok_or("a vector result is an array")?
            .iter()
            .map(|s| {
                let (time, value) = point(&s["value"])?;
                Ok(Sample {
                    labels: labels(&s["metric"]),
                    time,
                    value,
                })
            })
            .collect(),
        "scalar" => {
            let (time, value) = point(result)?;
            Ok(vec![Sample {
                labels: BTreeMap::new(),
                time,
                value,
            }])
        }
        "matrix" => Err("the query gives a range vector (a selector with [5m]), not one value per series\nhint: wrap it in a function such as rate(...[5m]) or avg_over_time(...[5m]), or use query_range".into()),
        other => Err(format!("the query gives a {other}, not numbers")),
    }
}

/// The series of a range query's `data`.
pub fn range(data: &Value) -> Result<Vec<Series>, String> {
    let (kind, result) = result_type(data)?;
    if kind != "matrix" {
        return Err(format!("a range query gives a matrix, this one a {kind}"));
    }
    result
        .as_array()
        .ok_or("a matrix result is an array")?
        .iter()
        .map(|s| {
            Ok(Series {
                labels: labels(&s["metric"]),
                values: s["values"]
                    .as_array()
                    .ok_or("a series has values")?
                    .iter()
                    .map(point)
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vectors_scalars_and_matrices_parse() {
        let v = json!({"resultType": "vector", "result": [
            {"metric": {"__name__": "up", "job": "sim"}, "value": [1700000000.5, "1"]},
            {"metric": {"job": "db"}, "value": [1700000000.5, "NaN"]},
        ]});
        let s = instant(&v).unwrap();
        assert_eq!(s[0].value, 1.0);
        assert_eq!(s[0].time, 1700000000.5);
        assert!(s[1].value.is_nan());
        assert_eq!(describe(&s[0].labels), r#"up{job="sim"}"#);
        let scalar = json!({"resultType": "scalar", "result": [1.0, "+Inf"]});
        assert_eq!(instant(&scalar).unwrap()[0].value, f64::INFINITY);
        let m = json!({"resultType": "matrix", "result": [
            {"metric": {}, "values": [[1.0, "0.5"], [2.0, "-Inf"]]}]});
        assert_eq!(
            range(&m).unwrap()[0].values,
            vec![(1.0, 0.5), (2.0, f64::NEG_INFINITY)]
        );
        assert!(instant(&m).unwrap_err().contains("rate(...[5m])"));
        assert!(range(&scalar).unwrap_err().contains("a scalar"));
        let bad = json!({"resultType": "vector", "result": [{"metric": {}, "value": [1, "x"]}]});
        assert_eq!(
            instant(&bad).unwrap_err(),
            "the value \"x\" is not a number"
        );
    }
}
