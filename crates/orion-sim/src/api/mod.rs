//! The HTTP face of the simulated API server: routes a request to discovery,
//! reads (get, list, watch), writes, port-forward or the proxy, and answers
//! errors as `Status` objects.

pub mod discovery;
pub mod faults;
pub mod metrics;
pub mod openapi;
pub mod path;
pub mod portforward;
pub mod proxy;
pub mod read;
pub mod scale;
pub mod table;
pub mod watch;
pub mod write;

use crate::logs::Logs;
use crate::protobuf;
use crate::scenario::ApiFaults;
use crate::status::ApiError;
use crate::store::Store;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use path::{route, Route, Target};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What every handler shares.
pub struct Api {
    pub store: Store,
    /// host:port, as discovery reports it.
    pub server: String,
    /// How often a watch that allows bookmarks gets one.
    pub bookmark_interval: Duration,
    /// Latency and errors the scenario injects.
    pub faults: ApiFaults,
    /// What simulated containers printed.
    pub logs: Logs,
    /// Held while a Service's cluster IP and node ports are chosen and stored.
    pub allocation: std::sync::Mutex<()>,
    /// Requests served so far (for benchmarks and tests of client behaviour).
    pub requests: std::sync::atomic::AtomicU64,
    /// This simulator's loopback address blocks.
    pub addresses: crate::addresses::Addresses,
    /// Pod listeners and Service forwarders.
    pub network: crate::network::Network,
}

/// kube-apiserver's `MaxRequestBodyBytes`: a write whose body is larger is refused with 413.
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// One request, parsed.
pub struct Request {
    pub method: Method,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    /// Empty when the body was over `MAX_REQUEST_BODY_BYTES` (see `body_too_large`).
    pub body: Bytes,
    /// The body was over `MAX_REQUEST_BODY_BYTES` and dropped: a handler that reads it
    /// answers 413 (`body_bytes`).
    pub body_too_large: bool,
}

impl Request {
    /// The body, for a handler that reads it; 413 when it was over the limit, as from
    /// the real server's `limitedReadBody`.
    pub fn body_bytes(&self) -> Result<&Bytes, ApiError> {
        if self.body_too_large {
            return Err(ApiError::request_entity_too_large(MAX_REQUEST_BODY_BYTES));
        }
        Ok(&self.body)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `?dryRun=All`, or (on a delete) `dryRun: ["All"]` in the DeleteOptions body.
    pub fn dry_run(&self) -> bool {
        if self.param("dryRun") == Some("All") {
            return true;
        }
        self.method == Method::DELETE
            && serde_json::from_slice::<Value>(&self.body).is_ok_and(|b| {
                b["dryRun"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|v| v == "All"))
            })
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

pub fn router(api: Arc<Api>) -> Router {
    Router::new().fallback(handle).with_state(api)
}

async fn handle(State(api): State<Arc<Api>>, request: axum::extract::Request) -> Response {
    let (mut parts, body) = request.into_parts();
    api.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::trace!(method = %parts.method, uri = %parts.uri, "simulated API request");
    // The proxy streams the body through; every other request is read whole.
    if let Some(target) = proxy::ProxyTarget::parse(parts.uri.path()) {
        if let Some(fault) = faults::inject(&api.faults).await {
            return fault;
        }
        return proxy::serve(&api, &target, parts, body)
            .await
            .unwrap_or_else(error);
    }
    let query = match Query::<HashMap<String, String>>::try_from_uri(&parts.uri) {
        Ok(Query(q)) => q,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(kept) = read_body(body, MAX_REQUEST_BODY_BYTES).await else {
        return error(ApiError::bad_request("unable to read the request body"));
    };
    let upgrade = parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
    let Parts {
        method,
        uri,
        headers,
        ..
    } = parts;
    let req = Request {
        method,
        query,
        headers,
        body_too_large: kept.is_none(),
        body: kept.unwrap_or_default(),
    };
    let result = match route(uri.path()) {
        Route::Object(target) => match faults::inject(&api.faults).await {
            Some(fault) => return fault,
            None if target.subresource.as_deref() == Some("portforward") => {
                portforward::serve(&api, &target, &req, uri.query(), upgrade)
            }
            None => object(&api, target, &req).await,
        },
        other => discover(&api, other, &req),
    };
    result.unwrap_or_else(error)
}

/// Reads the whole body, keeping it if it is at most `limit` bytes (`None` if not). A longer
/// one is still read to its end, and dropped, so the client gets to read the answer.
async fn read_body(mut body: Body, limit: usize) -> Result<Option<Bytes>, axum::Error> {
    use http_body_util::BodyExt;
    let mut kept = Vec::new();
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if over {
            continue;
        }
        if kept.len() + data.len() > limit {
            over = true;
            kept = Vec::new();
        } else {
            kept.extend_from_slice(&data);
        }
    }
    Ok((!over).then(|| Bytes::from(kept)))
}

fn discover(api: &Api, route: Route, req: &Request) -> Result<Response, ApiError> {
    if req.method != Method::GET {
        return Err(ApiError::method_not_allowed());
    }
    let aggregated = discovery::wants_aggregated(req.header(header::ACCEPT));
    let value = match route {
        Route::Version => discovery::version(),
        Route::CoreVersions if aggregated => {
            return Ok(typed(discovery::aggregated(true), discovery::AGGREGATED))
        }
        Route::Groups if aggregated => {
            return Ok(typed(discovery::aggregated(false), discovery::AGGREGATED))
        }
        Route::CoreVersions => discovery::core_versions(&api.server),
        Route::Groups => discovery::groups(),
        Route::Group(g) => discovery::group(&g).ok_or_else(ApiError::unknown_path)?,
        Route::GroupVersion(g, v) => {
            discovery::resource_list(&g, &v).ok_or_else(ApiError::unknown_path)?
        }
        Route::OpenApiIndex => openapi::index(),
        Route::OpenApi(path) => openapi::document_at(&path).ok_or_else(ApiError::unknown_path)?,
        Route::Object(_) | Route::Unknown => return Err(ApiError::unknown_path()),
    };
    Ok(json(StatusCode::OK, &value))
}

async fn object(api: &Arc<Api>, target: Target, req: &Request) -> Result<Response, ApiError> {
    if target.resource.group == "metrics.k8s.io" {
        return metrics::serve(api, &target, req);
    }
    let sub = target.subresource.as_deref();
    match (&req.method, target.name.is_some(), sub) {
        (&Method::GET, false, None) if watch::requested(req) => watch::watch(api, &target, req),
        (&Method::GET, false, None) => {
            read::list(api, &target, req).map(|v| respond_read(&target, req, v))
        }
        (&Method::GET, true, Some("scale")) => {
            read::get(api, &target).map(|o| json(StatusCode::OK, &scale::to_scale(&o)))
        }
        (&Method::GET, true, Some("log")) => read::log(api, &target, req),
        (&Method::GET, true, None | Some("status")) => {
            read::get(api, &target).map(|v| respond_read(&target, req, v))
        }
        (&Method::POST, false, None) => {
            write::create(api, &target, req).map(|v| json(StatusCode::CREATED, &v))
        }
        (&Method::PUT, true, None | Some("status") | Some("scale")) => {
            write::update(api, &target, req).map(|v| json(StatusCode::OK, &v))
        }
        (&Method::PATCH, true, None | Some("status") | Some("scale")) => {
            write::patch(api, &target, req).map(|v| json(StatusCode::OK, &v))
        }
        (&Method::DELETE, true, None) => {
            write::delete(api, &target, req).map(|v| json(StatusCode::OK, &v))
        }
        (&Method::DELETE, false, None) => {
            write::delete_collection(api, &target, req).map(|v| json(StatusCode::OK, &v))
        }
        (_, _, Some(s)) if !target.resource.subresources.contains(&s) => {
            Err(ApiError::unknown_path())
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// True when the client asks for server-side printing (kubectl get).
fn wants_table(req: &Request) -> bool {
    req.header(header::ACCEPT)
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

/// A read answered as the client asked: the object or list, or a Table of it.
fn respond_read(target: &Target, req: &Request, value: Value) -> Response {
    if !wants_table(req) {
        return json(StatusCode::OK, &value);
    }
    let r = target.resource;
    let (items, rv) = match value["items"].as_array() {
        Some(items) => {
            // List items come without apiVersion and kind; the printers want them.
            let typed: Vec<Value> = items
                .iter()
                .map(|o| {
                    let mut o = o.clone();
                    o["apiVersion"] = Value::String(r.api_version());
                    o["kind"] = Value::String(r.kind.to_string());
                    o
                })
                .collect();
            (
                typed,
                value["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        }
        None => {
            let rv = value["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (vec![value], rv)
        }
    };
    let include = req.param("includeObject").unwrap_or("Metadata");
    let t = table::table(
        r.kind,
        &r.api_version(),
        &items,
        &rv,
        jiff::Timestamp::now(),
        include,
    );
    typed_with(
        StatusCode::OK,
        &t,
        "application/json;as=Table;v=v1;g=meta.k8s.io",
    )
}

pub fn json(code: StatusCode, value: &Value) -> Response {
    typed_with(code, value, "application/json")
}

fn typed(value: Value, content_type: &str) -> Response {
    typed_with(StatusCode::OK, &value, content_type)
}

fn typed_with(code: StatusCode, value: &Value, content_type: &str) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        code,
        [(header::CONTENT_TYPE, content_type.to_string())],
        Body::from(body),
    )
        .into_response()
}

pub fn error(e: ApiError) -> Response {
    let code = StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(code, &e.to_status())
}

/// The request body as JSON. kubectl's typed clients send protobuf, which is
/// decoded; other encodings get 415, as from the real server.
pub fn body_json(req: &Request) -> Result<Value, ApiError> {
    let body = req.body_bytes()?;
    let content_type = req.header(header::CONTENT_TYPE);
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media == protobuf::MEDIA_TYPE {
        return protobuf::to_json(body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body of the request could not be decoded as protobuf: {e}"
            ))
        });
    }
    if !(media.is_empty()
        || media == "application/json"
        || media.ends_with("+json")
        || media == "application/yaml")
    {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got \"{content_type}\""),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body of the request could not be decoded as JSON: {e}"
        ))
    })
}
