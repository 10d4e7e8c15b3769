//! `pods/{name}/portforward` (GET or POST, always an upgrade): the pod checked
//! as kube-apiserver and its kubelet check it, then the protocol the client
//! asked for — WebSocket channels (kube-rs), SPDY tunnelled through a
//! WebSocket (kubectl since 1.31) or a SPDY/3.1 upgrade (kubectl's fallback)
//! — answered with 101 and served by `crate::portforward`. What the kubelet
//! refuses comes back as its plain-text answers, as through a real server.

mod handshake;

use crate::api::path::Target;
use crate::api::{read, Api, Request};
use crate::portforward::{channel, spdy, tunnel, PodTarget};
use crate::status::ApiError;
use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use handshake::{
    header_is, plain, ports, spdy_answer, subprotocols, wants_upgrade, websocket_answer,
};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

/// How the upgraded connection is spoken.
enum Mode {
    Channels(channel::Encoding, Vec<u16>),
    Tunnel,
    Spdy,
}

pub fn serve(
    api: &Api,
    target: &Target,
    req: &Request,
    raw_query: Option<&str>,
    upgrade: Option<OnUpgrade>,
) -> Result<Response, ApiError> {
    if !matches!(req.method, Method::GET | Method::POST) {
        return Err(ApiError::method_not_allowed());
    }
    let pod = read::get(api, target)?;
    let name = target.name.as_deref().unwrap_or_default();
    if pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let Some(upgrade) = upgrade.filter(|_| wants_upgrade(&req.headers)) else {
        return Err(ApiError::bad_request("Upgrade request required"));
    };
    let websocket = header_is(&req.headers, header::UPGRADE, "websocket");
    let offered = subprotocols(&req.headers);
    let tunnelled = websocket && offered.iter().any(|p| p == tunnel::PROTOCOL);
    // The kubelet reads the ports of a WebSocket request from its query.
    let ports = match (websocket && !tunnelled).then(|| ports(raw_query)) {
        Some(Err(why)) => return Ok(plain(StatusCode::BAD_REQUEST, &why, &[])),
        Some(Ok(p)) => p,
        None => vec![],
    };
    if pod["status"]["podIP"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        let (ns, uid) = (
            pod["metadata"]["namespace"].as_str().unwrap_or_default(),
            pod["metadata"]["uid"].as_str().unwrap_or_default(),
        );
        let why = format!("failed to find sandboxID for pod {name}_{ns}({uid})");
        return Ok(plain(StatusCode::INTERNAL_SERVER_ERROR, &why, &[]));
    }
    let (mode, response) = if !websocket {
        (Mode::Spdy, spdy_answer(&req.headers))
    } else {
        let (protocol, response) = websocket_answer(&req.headers, &offered, tunnelled);
        let mode = match protocol.as_str() {
            tunnel::PROTOCOL => Mode::Tunnel,
            channel::BASE64 => Mode::Channels(channel::Encoding::Base64, ports),
            _ => Mode::Channels(channel::Encoding::Binary, ports),
        };
        (mode, response)
    };
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return Ok(response);
    }
    let pod = Arc::new(PodTarget::new(pod, api.network.dialer().clone()));
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let io = TokioIo::new(upgraded);
        match mode {
            Mode::Spdy => spdy::serve(io, pod).await,
            Mode::Tunnel => {
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                spdy::serve(tunnel::stream(ws), pod).await;
            }
            Mode::Channels(encoding, ports) => {
                let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                channel::serve(ws, encoding, ports, pod).await;
            }
        }
    });
    Ok(response)
}
