//! `latency = { ... }` of an `[[image]]`: how long a request takes.

use super::parse_duration;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

const FORMS: &str = "one of latency = { fixed = \"20ms\" }, \
    latency = { uniform = [\"10ms\", \"50ms\"] } or latency = { p50 = \"20ms\", p99 = \"200ms\" }";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    Fixed(Duration),
    /// Evenly spread between the two.
    Uniform {
        min: Duration,
        max: Duration,
    },
    /// Log-normal with this median and 99th percentile.
    LogNormal {
        p50: Duration,
        p99: Duration,
    },
}

/// The table as written, before it is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    fixed: Option<String>,
    uniform: Option<Vec<String>>,
    p50: Option<String>,
    p99: Option<String>,
}

impl TryFrom<Written> for Latency {
    type Error = String;

    fn try_from(w: Written) -> Result<Latency, String> {
        let latency = match (w.fixed, w.uniform, w.p50, w.p99) {
            (Some(fixed), None, None, None) => Latency::Fixed(parse_duration(&fixed)?),
            (None, Some(range), None, None) => uniform(&range)?,
            (None, None, Some(p50), Some(p99)) => log_normal(&p50, &p99)?,
            (None, None, Some(_), None) | (None, None, None, Some(_)) => {
                return Err("latency needs both p50 and p99, e.g. \
                    latency = { p50 = \"20ms\", p99 = \"200ms\" }"
                    .into())
            }
            (None, None, None, None) => return Err(format!("latency is empty; write {FORMS}")),
            _ => return Err(format!("latency mixes forms; write {FORMS}")),
        };
        Ok(latency)
    }
}

fn uniform(range: &[String]) -> Result<Latency, String> {
    let [min, max] = range else {
        return Err("latency.uniform takes two durations, [min, max], e.g. \
            latency = { uniform = [\"10ms\", \"50ms\"] }"
            .into());
    };
    let (min, max) = (parse_duration(min)?, parse_duration(max)?);
    if min > max {
        return Err(format!(
            "latency.uniform: min {min:?} is above max {max:?}; write the smaller first, \
             e.g. latency = {{ uniform = [\"10ms\", \"50ms\"] }}"
        ));
    }
    Ok(Latency::Uniform { min, max })
}

fn log_normal(p50: &str, p99: &str) -> Result<Latency, String> {
    let (p50, p99) = (parse_duration(p50)?, parse_duration(p99)?);
    if p50.is_zero() {
        return Err(
            "latency.p50 must be above 0 (for no latency leave latency out), \
            e.g. latency = { p50 = \"20ms\", p99 = \"200ms\" }"
                .into(),
        );
    }
    if p99 < p50 {
        return Err(format!(
            "latency: p99 {p99:?} is below p50 {p50:?}; the 99th percentile is at least the \
             median, e.g. latency = {{ p50 = \"20ms\", p99 = \"200ms\" }}"
        ));
    }
    Ok(Latency::LogNormal { p50, p99 })
}

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Latency, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = Latency;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(FORMS)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Latency, A::Error> {
                let written = Written::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Latency::try_from(written).map_err(de::Error::custom)
            }
        }
        d.deserialize_map(Table)
    }
}

#[cfg(test)]
mod tests {
    use super::Latency;
    use serde::Deserialize;
    use std::time::Duration;

    #[derive(Deserialize)]
    struct Doc {
        latency: Latency,
    }

    fn parse(text: &str) -> Result<Latency, String> {
        toml::from_str::<Doc>(text)
            .map(|d| d.latency)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_each_form() {
        let ms = Duration::from_millis;
        assert_eq!(
            parse("latency = { fixed = \"20ms\" }"),
            Ok(Latency::Fixed(ms(20)))
        );
        assert_eq!(
            parse("latency = { uniform = [\"10ms\", \"50ms\"] }"),
            Ok(Latency::Uniform {
                min: ms(10),
                max: ms(50)
            })
        );
        assert_eq!(
            parse("latency = { p50 = \"20ms\", p99 = \"200ms\" }"),
            Ok(Latency::LogNormal {
                p50: ms(20),
                p99: ms(200)
            })
        );
    }

    #[test]
    fn says_what_is_wrong() {
        for (text, says) in [
            ("latency = { p50 = \"20ms\", p99 = \"10ms\" }", "below p50"),
            ("latency = { p50 = \"20ms\" }", "needs both p50 and p99"),
            (
                "latency = { uniform = [\"50ms\", \"10ms\"] }",
                "smaller first",
            ),
            ("latency = { uniform = [\"10ms\"] }", "two durations"),
            ("latency = { fixed = \"1s\", p50 = \"1s\" }", "mixes forms"),
            ("latency = {}", "is empty"),
            ("latency = { p90 = \"1s\" }", "unknown field"),
            ("latency = \"20ms\"", "fixed = \"20ms\""),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
