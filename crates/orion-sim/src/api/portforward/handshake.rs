//! Reading a port-forward request's upgrade and answering it: WebSocket
//! (subprotocol, key) or SPDY/3.1 (`X-Stream-Protocol-Version`), the 101 or
//! the refusal in the words of the server that would refuse it.

use crate::portforward::{channel, spdy, tunnel};
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// `Connection: Upgrade` (httpstream's `IsUpgradeRequest`).
pub(super) fn wants_upgrade(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|v| {
        v.to_str()
            .unwrap_or_default()
            .to_ascii_lowercase()
            .contains("upgrade")
    })
}

pub(super) fn header_is(headers: &HeaderMap, name: header::HeaderName, value: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
}

/// The WebSocket subprotocols asked for, in the client's order.
pub(super) fn subprotocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or_default().split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The `ports` query parameters (each may list several, comma-separated),
/// checked with the kubelet's words.
pub(super) fn ports(raw_query: Option<&str>) -> Result<Vec<u16>, String> {
    let given: Vec<String> = url::form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "ports")
        .map(|(_, v)| v.into_owned())
        .collect();
    if given.is_empty() {
        return Err("query parameter \"port\" is required".into());
    }
    let mut ports = Vec::new();
    for value in given {
        if value.is_empty() {
            return Err("query parameter \"port\" cannot be empty".into());
        }
        for p in value.split(',') {
            let port: u16 = p.parse().map_err(|_| {
                format!("unable to parse {value:?} as a port: strconv.ParseUint: parsing {p:?}: invalid syntax")
            })?;
            if port < 1 {
                return Err(format!("port {value:?} must be > 0"));
            }
            ports.push(port);
        }
    }
    Ok(ports)
}

/// The subprotocol chosen as the kubelet chooses (the client's first it
/// serves; none asked is the binary channels) and the 101 for it; or the
/// refusal, as golang.org/x/net/websocket words it.
pub(super) fn websocket_answer(
    headers: &HeaderMap,
    offered: &[String],
    tunnelled: bool,
) -> (String, Response) {
    let refused = |r: Response| (String::new(), r);
    if !header_is(headers, header::SEC_WEBSOCKET_VERSION, "13") {
        let version = [("sec-websocket-version", "13")];
        return refused(plain(
            StatusCode::BAD_REQUEST,
            "bad protocol version",
            &version,
        ));
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return refused(plain(
            StatusCode::BAD_REQUEST,
            "mismatch challenge/response",
            &[],
        ));
    };
    let protocol = if tunnelled {
        tunnel::PROTOCOL.to_string()
    } else if offered.is_empty() {
        String::new()
    } else {
        match offered
            .iter()
            .find(|p| *p == channel::BINARY || *p == channel::BASE64)
        {
            Some(p) => p.clone(),
            None => return refused(plain(StatusCode::FORBIDDEN, "", &[])),
        }
    };
    let mut response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "Upgrade")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        );
    if !protocol.is_empty() {
        response = response.header(header::SEC_WEBSOCKET_PROTOCOL, protocol.as_str());
    }
    (protocol, response.body(Body::empty()).unwrap_or_default())
}

/// The 101 for a SPDY/3.1 upgrade, after httpstream's `Handshake` (the
/// protocol version) and the SPDY upgrader's own check of the headers; or
/// the refusal.
pub(super) fn spdy_answer(headers: &HeaderMap) -> Response {
    let versions: Vec<&str> = headers
        .get_all("x-stream-protocol-version")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if versions.is_empty() {
        return plain(
            StatusCode::BAD_REQUEST,
            "unable to upgrade: X-Stream-Protocol-Version is required",
            &[],
        );
    }
    if !versions.contains(&spdy::PROTOCOL) {
        let why = format!(
            "unable to upgrade: unable to negotiate protocol: client supports [{}], server accepts [{}]",
            versions.join(" "),
            spdy::PROTOCOL
        );
        let accepted = [("x-accepted-stream-protocol-versions", spdy::PROTOCOL)];
        return plain(StatusCode::FORBIDDEN, &format!("{why}\n"), &accepted);
    }
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !upgrade.to_ascii_lowercase().contains("spdy/3.1") {
        return plain(
            StatusCode::BAD_REQUEST,
            "unable to upgrade: missing upgrade headers in request\n",
            &[],
        );
    }
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "SPDY/3.1")
        .header("x-stream-protocol-version", spdy::PROTOCOL)
        .body(Body::empty())
        .unwrap_or_default()
}

/// A plain-text answer, as the kubelet writes its refusals.
pub(super) fn plain(code: StatusCode, text: &str, headers: &[(&str, &str)]) -> Response {
    let mut r = Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::from(text.to_string())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::ports;

    #[test]
    fn ports_are_read_as_the_kubelet_reads_them() {
        assert_eq!(
            ports(Some("ports=8080%2C9090&ports=7")),
            Ok(vec![8080, 9090, 7])
        );
        assert_eq!(
            ports(None),
            Err("query parameter \"port\" is required".into())
        );
        assert_eq!(ports(Some("ports=0")), Err("port \"0\" must be > 0".into()));
        assert_eq!(
            ports(Some("ports=http")),
            Err("unable to parse \"http\" as a port: strconv.ParseUint: parsing \"http\": invalid syntax".into())
        );
    }
}
