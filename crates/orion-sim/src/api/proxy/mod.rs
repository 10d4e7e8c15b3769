//! `services/{name}[:port]/proxy[/path]` and `pods/{name}[:port]/proxy[/path]`:
//! the request passed on to a ready endpoint of the Service, or to the pod,
//! and its answer passed back (status, headers, body), as kube-apiserver's
//! proxy does; where it cannot, its errors in its words. Bodies stream both
//! ways. Not done: rewriting links in HTML answers, upgrades through the proxy.

mod location;

use crate::api::Api;
use crate::status::ApiError;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, Request};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use location::{pod_location, service_location, split_id};
use std::time::Duration;

/// How long the pod may take to start answering.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// What is proxied: `/api/v1/namespaces/NS/{pods,services}/ID/proxy[PATH]`.
pub struct ProxyTarget {
    pub namespace: String,
    /// `pods` or `services`.
    pub plural: &'static str,
    /// `name`, `name:port` or `scheme:name:port`.
    pub id: String,
    /// What follows `/proxy`, as given (empty, or starting with `/`).
    pub path: String,
}

impl ProxyTarget {
    /// The proxy request a path names, if it names one.
    pub fn parse(path: &str) -> Option<ProxyTarget> {
        let rest = path.strip_prefix("/api/v1/namespaces/")?;
        let mut parts = rest.splitn(4, '/');
        let (namespace, plural, id) = (parts.next()?, parts.next()?, parts.next()?);
        let tail = parts.next()?;
        let path = match tail.strip_prefix("proxy") {
            Some("") => "",
            Some(p) if p.starts_with('/') => p,
            _ => return None,
        };
        let plural = match plural {
            "pods" => "pods",
            "services" => "services",
            _ => return None,
        };
        (!namespace.is_empty() && !id.is_empty()).then(|| ProxyTarget {
            namespace: namespace.to_string(),
            plural,
            id: id.to_string(),
            path: path.to_string(),
        })
    }
}

/// Passes the request on and its answer back.
pub async fn serve(
    api: &Api,
    t: &ProxyTarget,
    parts: Parts,
    body: Body,
) -> Result<Response, ApiError> {
    let singular = if t.plural == "pods" { "pod" } else { "service" };
    let (scheme, name, port) = split_id(&t.id)
        .ok_or_else(|| ApiError::bad_request(format!("invalid {singular} request {:?}", t.id)))?;
    let (pod, port) = if t.plural == "pods" {
        pod_location(api, &t.namespace, name, port)?
    } else {
        service_location(api, &t.namespace, name, port, &t.id)?
    };
    let unreachable = |why: String| {
        ApiError::service_unavailable(format!("error trying to reach service: {why}"))
    };
    let dialer = api.network.dialer();
    let address = dialer
        .pod_address(&pod, port)
        .ok_or_else(|| ApiError::bad_request("address not allowed"))?;
    let stream = dialer
        .connect(&address)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if scheme == "https" {
        return Err(unreachable(
            "the simulated cluster's proxy speaks plain HTTP to pods; https was asked for".into(),
        ));
    }
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    tokio::spawn(connection);
    let request = outgoing(t, parts, body);
    let answer = tokio::time::timeout(RESPONSE_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| unreachable("net/http: timeout awaiting response headers".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
    let (mut head, body) = answer.into_parts();
    strip_hop_by_hop(&mut head.headers);
    Ok(Response::from_parts(head, Body::new(body)))
}

/// The request as the pod gets it: the path after `/proxy` and the query,
/// the client's headers less the hop-by-hop ones and its credentials, and
/// the `X-Forwarded-*` headers the API server adds.
fn outgoing(t: &ProxyTarget, parts: Parts, body: Body) -> Request<Body> {
    let path = if t.path.is_empty() {
        "/"
    } else {
        t.path.as_str()
    };
    let uri = match parts.uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    headers.remove(header::AUTHORIZATION);
    let prefix = format!(
        "/api/v1/namespaces/{}/{}/{}/proxy",
        t.namespace, t.plural, t.id
    );
    let forwarded = [
        ("x-forwarded-uri", format!("{prefix}{}", t.path)),
        ("x-forwarded-proto", "http".to_string()),
    ];
    for (name, value) in forwarded {
        if let Ok(v) = value.parse() {
            headers.insert(name, v);
        }
    }
    if let Some(host) = headers.get(header::HOST).cloned() {
        headers.insert("x-forwarded-host", host);
    }
    let mut request = Request::new(body);
    *request.method_mut() = parts.method;
    *request.uri_mut() = uri.parse().unwrap_or_default();
    *request.headers_mut() = headers;
    request
}

/// Removes the headers that describe one connection, not the message.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        HeaderName::from_static("keep-alive"),
        HeaderName::from_static("proxy-connection"),
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_paths_are_read_as_the_real_server_reads_them() {
        let t = ProxyTarget::parse("/api/v1/namespaces/shop/services/gateway:8080/proxy/health")
            .unwrap();
        assert_eq!(
            (
                t.namespace.as_str(),
                t.plural,
                t.id.as_str(),
                t.path.as_str()
            ),
            ("shop", "services", "gateway:8080", "/health")
        );
        assert_eq!(
            ProxyTarget::parse("/api/v1/namespaces/shop/pods/web/proxy")
                .unwrap()
                .path,
            ""
        );
        assert_eq!(
            ProxyTarget::parse("/api/v1/namespaces/shop/pods/web/proxy/")
                .unwrap()
                .path,
            "/"
        );
        assert!(ProxyTarget::parse("/api/v1/namespaces/shop/pods/web/proxyx").is_none());
        assert!(ProxyTarget::parse("/api/v1/namespaces/shop/pods/web/log").is_none());
        assert!(ProxyTarget::parse("/api/v1/namespaces/shop/configmaps/web/proxy").is_none());
    }
}
