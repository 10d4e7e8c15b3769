//! Where a proxy request goes, as kube-apiserver's `ResourceLocation`s
//! decide it: the pod (and port) a `pods/` or `services/` proxy reaches.

use crate::api::Api;
use crate::controllers::object::resource;
use crate::serving::rng::Rng;
use crate::status::ApiError;
use serde_json::Value;
use std::net::Ipv4Addr;

/// `utilnet.SplitSchemeNamePort`: (scheme, name, port).
pub(super) fn split_id(id: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = id.split(':').collect();
    let (scheme, name, port) = match parts.as_slice() {
        [name] => ("", *name, ""),
        [name, port] => ("", *name, *port),
        [scheme, name, port] => (*scheme, *name, *port),
        _ => return None,
    };
    (!name.is_empty() && matches!(scheme, "" | "http" | "https")).then_some((scheme, name, port))
}

/// The pod and port `pods/{name}[:port]/proxy` reaches: the port given, or
/// the first one a container declares (else 80).
pub(super) fn pod_location(
    api: &Api,
    ns: &str,
    name: &str,
    port: &str,
) -> Result<(Value, u16), ApiError> {
    let pods = resource("", "pods");
    let pod = api
        .store
        .get(pods, ns, name)
        .ok_or_else(|| ApiError::not_found(pods, name))?;
    if pod["status"]["podIP"]
        .as_str()
        .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
        .is_none()
    {
        return Err(ApiError::bad_request("address not allowed"));
    }
    let declared = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|c| c["ports"][0]["containerPort"].as_u64());
    let port = match port {
        "" => declared.and_then(|p| u16::try_from(p).ok()).unwrap_or(80),
        p => p.parse().map_err(|_| {
            ApiError::service_unavailable(format!(
                "error trying to reach service: dial tcp: lookup tcp/{p}: unknown port"
            ))
        })?,
    };
    Ok((pod, port))
}

/// The endpoint `services/{name}[:port]/proxy` reaches, as the Service
/// registry's `ResourceLocation` picks it: a port number is first turned into
/// the Service port's name; then a random ready address of an Endpoints
/// subset with a port of that name, whose pod exists and has that IP.
pub(super) fn service_location(
    api: &Api,
    ns: &str,
    name: &str,
    port: &str,
    id: &str,
) -> Result<(Value, u16), ApiError> {
    let mut port_name = port.to_string();
    if let Ok(number) = port.parse::<i64>() {
        let services = resource("", "services");
        let svc = api
            .store
            .get(services, ns, name)
            .ok_or_else(|| ApiError::not_found(services, name))?;
        let found = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["port"].as_i64() == Some(number));
        let Some(found) = found else {
            return Err(ApiError::service_unavailable(format!(
                "no service port {number} found for service {name:?}"
            )));
        };
        port_name = found["name"].as_str().unwrap_or_default().to_string();
    }
    let endpoints = resource("", "endpoints");
    let ep = api
        .store
        .get(endpoints, ns, name)
        .ok_or_else(|| ApiError::not_found(endpoints, name))?;
    let subsets = ep["subsets"].as_array().cloned().unwrap_or_default();
    if subsets.is_empty() {
        return Err(ApiError::service_unavailable(format!(
            "no endpoints available for service {name:?}"
        )));
    }
    let mut rng = Rng::fresh();
    let start = rng.next_u64() as usize;
    for i in 0..subsets.len() {
        let subset = &subsets[(start + i) % subsets.len()];
        let addresses = subset["addresses"].as_array().cloned().unwrap_or_default();
        if addresses.is_empty() {
            continue;
        }
        for p in subset["ports"].as_array().into_iter().flatten() {
            if p["name"].as_str().unwrap_or_default() != port_name {
                continue;
            }
            let Some(number) = p["port"].as_u64().and_then(|n| u16::try_from(n).ok()) else {
                continue;
            };
            let first = rng.next_u64() as usize;
            for j in 0..addresses.len() {
                if let Some(pod) = valid_pod(api, &addresses[(first + j) % addresses.len()]) {
                    return Ok((pod, number));
                }
            }
        }
    }
    Err(ApiError::service_unavailable(format!(
        "no endpoints available for service {id:?}"
    )))
}

/// `isValidAddress`: the address names a pod that exists and has its IP.
fn valid_pod(api: &Api, address: &Value) -> Option<Value> {
    let target = &address["targetRef"];
    if target["kind"] != "Pod" {
        return None;
    }
    let pod = api.store.get(
        resource("", "pods"),
        target["namespace"].as_str()?,
        target["name"].as_str()?,
    )?;
    let ip = address["ip"].as_str()?;
    let ips = pod["status"]["podIPs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (pod["status"]["podIP"] == ip || ips.iter().any(|i| i["ip"] == ip)).then_some(pod)
}

#[cfg(test)]
mod tests {
    use super::split_id;

    #[test]
    fn ids_are_split_as_the_real_server_splits_them() {
        assert_eq!(split_id("web"), Some(("", "web", "")));
        assert_eq!(split_id("https:web:443"), Some(("https", "web", "443")));
        assert_eq!(split_id("ftp:web:21"), None);
        assert_eq!(split_id(":80"), None);
    }
}
