//! The sources beside Prometheus: `metrics::pod_usage(selector)` (CPU and
//! memory from metrics.k8s.io in the run's namespace) and
//! `metrics::http_value(url, path)` (a business KPI from a JSON endpoint).

use super::options;
use super::{ask, metric, Result};
use crate::drivers::metrics::http_value::http_value;
use crate::drivers::metrics::pod_usage::pod_usage;
use crate::drivers::probe::http::TlsAndRedirects;
use crate::primitives::error::{cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::primitives::k8s::K8s;
use rhai::{Array, Dynamic, Map, NativeCallContext};
use std::time::Duration;

pub(super) fn pods(h: &Host, ctx: &NativeCallContext, k8s: &K8s, selector: &str) -> Result<Array> {
    let cluster = k8s.connected(ctx)?;
    let ns = cluster.namespace().to_string();
    let client = cluster.client.clone();
    let usage = h
        .block_on(pod_usage(client, &ns, selector))
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))?;
    let cpu: f64 = usage.iter().map(|u| u.cpu_millicores).sum();
    let memory: f64 = usage.iter().map(|u| u.memory_bytes).sum();
    metric(
        h,
        "metrics.k8s.io",
        &format!("pods {selector:?} in {ns}"),
        None,
        None,
        format!(
            "{} pods, {cpu:.0}m CPU, {:.1} MiB in all",
            usage.len(),
            memory / 1048576.0
        ),
    );
    Ok(usage
        .iter()
        .map(|u| {
            let mut m = Map::new();
            m.insert("pod".into(), u.pod.clone().into());
            m.insert("cpu_millicores".into(), u.cpu_millicores.into());
            m.insert("memory_bytes".into(), u.memory_bytes.into());
            Dynamic::from_map(m)
        })
        .collect())
}

pub(super) fn http(
    h: &Host,
    ctx: &NativeCallContext,
    url: &str,
    path: &str,
    opts: &Map,
) -> Result<f64> {
    let bad = |e: String| error_at(ctx, e);
    options::only(opts, "http_value", &["timeout", "headers"]).map_err(bad)?;
    let timeout = options::duration(opts, "timeout", Duration::from_secs(10)).map_err(bad)?;
    let headers = options::headers(opts).map_err(bad)?;
    let client = h
        .http_clients
        .get(&TlsAndRedirects {
            ca_file: None,
            insecure: false,
            follow_redirects: true,
        })
        .map_err(bad)?;
    let shown = crate::mask::secrets(url);
    let value = ask(h, ctx, http_value(&client, url, path, &headers, timeout))?;
    metric(h, &shown, path, Some(value), None, String::new());
    Ok(value)
}
