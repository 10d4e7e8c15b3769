//! A simulated container's HTTP server: health endpoints, `/metrics`, and
//! every other path answered as the scenario's image behaviour says (an
//! answer of 5xx also printed to the container's log, as an app would).

use super::behaviour::Effective;
use super::rng::Rng;
use super::stats::PodStats;
use crate::scenario::ImageBehaviour;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

const HEALTH_PATHS: [&str; 4] = ["/healthz", "/readyz", "/health", "/ready"];
const METRICS_PATH: &str = "/metrics";
const JSON: &str = "application/json";
const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
const VERSION_HEADER: HeaderName = HeaderName::from_static("x-orion-version");
/// Request bodies are read up to this many bytes.
const MAX_BODY: usize = 1024 * 1024;
/// Pause after a failed accept (e.g. out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(20);

/// Which container of which pod is answering.
#[derive(Debug, Clone, PartialEq)]
pub struct PodIdentity {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    /// The image tag, "latest" if none.
    pub version: String,
}

impl PodIdentity {
    /// The version is taken from the image's tag.
    pub fn new(namespace: &str, pod: &str, container: &str, image: &str) -> PodIdentity {
        PodIdentity {
            namespace: namespace.into(),
            pod: pod.into(),
            container: container.into(),
            image: image.into(),
            version: version_of(image).into(),
        }
    }
}

/// The tag of `image` ("shop/web:2.0" → "2.0"), "latest" if none.
pub fn version_of(image: &str) -> &str {
    let named = image.split('@').next().unwrap_or(image);
    let last = named.rsplit('/').next().unwrap_or(named);
    match last.split_once(':') {
        Some((_, tag)) if !tag.is_empty() => tag,
        _ => "latest",
    }
}

/// A running pod server. Stopping or dropping it closes the listener and
/// every open connection.
#[derive(Debug)]
pub struct PodServer {
    task: JoinHandle<()>,
}

impl PodServer {
    pub fn stop(self) {}
}

impl Drop for PodServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What every connection of one pod shares.
struct Pod {
    id: Arc<PodIdentity>,
    behaviour: Option<ImageBehaviour>,
    stats: Arc<PodStats>,
    started: Instant,
    rng: Mutex<Rng>,
    /// Ordinary (not health, not metrics) requests answered.
    answered: AtomicU64,
    version: Option<HeaderValue>,
}

/// Serves HTTP/1.1 on `listener` until the returned handle is stopped or
/// dropped; stopping closes the listener and every open connection at once
/// (a crashed or deleted pod stops answering). `started` is the container's
/// start, `started_unix` the same in unix seconds. Call it inside a tokio
/// runtime.
pub fn serve(
    listener: TcpListener,
    id: Arc<PodIdentity>,
    behaviour: Option<ImageBehaviour>,
    stats: Arc<PodStats>,
    started: Instant,
    started_unix: f64,
) -> PodServer {
    let rng = Rng::fresh();
    serve_seeded(listener, id, behaviour, stats, started, started_unix, rng)
}

/// [`serve`] with the draws of latency and errors from `rng`.
fn serve_seeded(
    listener: TcpListener,
    id: Arc<PodIdentity>,
    behaviour: Option<ImageBehaviour>,
    stats: Arc<PodStats>,
    started: Instant,
    started_unix: f64,
    rng: Rng,
) -> PodServer {
    stats.set_started_unix(started_unix);
    let pod = Pod {
        version: HeaderValue::from_str(&id.version).ok(),
        id,
        behaviour,
        stats,
        started,
        rng: Mutex::new(rng),
        answered: AtomicU64::new(0),
    };
    PodServer {
        task: tokio::spawn(accept(listener, Arc::new(pod))),
    }
}

/// Accepts until aborted; the connections are owned here, so they end with it.
async fn accept(listener: TcpListener, pod: Arc<Pod>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let pod = pod.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| answer(pod.clone(), req));
                        // A client that goes away mid-request is no concern here.
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What a request asks for.
#[derive(PartialEq)]
enum Kind {
    Health,
    Metrics,
    Ordinary,
}

impl Kind {
    fn of(path: &str) -> Kind {
        if HEALTH_PATHS.contains(&path) {
            Kind::Health
        } else if path == METRICS_PATH {
            Kind::Metrics
        } else {
            Kind::Ordinary
        }
    }
}

async fn answer(
    pod: Arc<Pod>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let begun = Instant::now();
    let _in_flight = pod.stats.begin();
    let (method, path) = (req.method().to_string(), req.uri().path().to_string());
    // Read the body as an app would, so the connection can be kept alive.
    let _ = Limited::new(req.into_body(), MAX_BODY).collect().await;
    let now = Effective::at(pod.behaviour.as_ref(), pod.started.elapsed());
    let kind = Kind::of(&path);
    let mut response = match kind {
        Kind::Health if now.unhealthy => {
            reply(now.unhealthy_status, JSON, status_body("unhealthy"))
        }
        Kind::Health => reply(200, JSON, status_body("healthy")),
        Kind::Metrics => reply(200, METRICS_TYPE, pod.stats.prometheus_text(&pod.id)),
        Kind::Ordinary => {
            let (delay, status) = {
                let mut rng = pod.rng.lock().unwrap_or_else(PoisonError::into_inner);
                (now.delay(&mut rng), now.status(&mut rng))
            };
            tokio::time::sleep(delay).await;
            let id = &pod.id;
            let body = json!({
                "pod": id.pod,
                "namespace": id.namespace,
                "version": id.version,
                "path": path,
                "status": status,
            });
            reply(status, JSON, body.to_string())
        }
    };
    if let Some(version) = &pod.version {
        response
            .headers_mut()
            .insert(VERSION_HEADER, version.clone());
    }
    let code = response.status().as_u16();
    pod.stats.record(code, &method, &path, begun.elapsed());
    if kind == Kind::Ordinary && code >= 500 {
        // As a web app logs a request it failed; before any crash it causes.
        pod.stats
            .print(&format!("ERROR {method} {path} answered {code}"));
    }
    if kind == Kind::Ordinary {
        let answered = pod.answered.fetch_add(1, Ordering::Relaxed) + 1;
        let limit = pod.behaviour.as_ref().and_then(|b| b.crash_after_requests);
        if limit.is_some_and(|limit| answered >= limit) {
            pod.stats.request_crash();
        }
    }
    Ok(response)
}

fn status_body(word: &str) -> String {
    json!({ "status": word }).to_string()
}

fn reply(status: u16, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests;
