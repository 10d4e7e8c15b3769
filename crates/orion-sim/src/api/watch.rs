//! Watches: replay changes after a resourceVersion (or the current objects as
//! ADDED), then stream live ones; BOOKMARKs when asked; an ERROR event with
//! 410 when the version is no longer kept.

use crate::api::path::Target;
use crate::api::read::selectors;
use crate::api::{table, Api, Request};
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::ApiError;
use crate::store::{Change, ChangeKind};
use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

pub fn requested(req: &Request) -> bool {
    matches!(req.param("watch"), Some("true" | "1"))
}

struct Filter {
    resource: &'static crate::resources::Resource,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn selects(&self, object: &Value) -> bool {
        let ns_ok = self
            .namespace
            .as_deref()
            .is_none_or(|ns| object["metadata"]["namespace"].as_str() == Some(ns));
        ns_ok && self.labels.matches(object) && self.fields.matches(object)
    }

    /// The event type this watch sees for a change, if any: an object moving
    /// out of the selection is DELETED for it, one moving in is ADDED.
    fn event(&self, change: &Change) -> Option<&'static str> {
        if !std::ptr::eq(change.resource, self.resource) {
            return None;
        }
        let now = self.selects(&change.object);
        match (change.kind, &change.old) {
            (ChangeKind::Modified, Some(old)) => match (self.selects(old), now) {
                (true, true) => Some("MODIFIED"),
                (false, true) => Some("ADDED"),
                (true, false) => Some("DELETED"),
                (false, false) => None,
            },
            (kind, _) => now.then_some(kind.as_str()),
        }
    }
}

/// Watch events for `kubectl get --watch`: each object is a one-row Table;
/// only the first carries the column definitions.
struct Printer {
    kind: &'static str,
    api_version: String,
    include: String,
    sent_columns: std::sync::atomic::AtomicBool,
}

impl Printer {
    fn row(&self, event: &str, object: &Value) -> Bytes {
        let rv = object["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default();
        let mut t = table::table(
            self.kind,
            &self.api_version,
            std::slice::from_ref(object),
            rv,
            jiff::Timestamp::now(),
            &self.include,
        );
        if self
            .sent_columns
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            t["columnDefinitions"] = json!([]);
        }
        line(event, &t)
    }
}

/// An event line: as a Table row when the client asked for tables.
fn event_line(printer: Option<&Printer>, kind: &str, object: &Value) -> Bytes {
    match printer {
        Some(p) => p.row(kind, object),
        None => line(kind, object),
    }
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut text =
        serde_json::to_vec(&json!({ "type": kind, "object": object })).unwrap_or_default();
    text.push(b'\n');
    Bytes::from(text)
}

fn bookmark(target: &Target, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({ "resourceVersion": rv.to_string() });
    if initial_end {
        meta["annotations"] = json!({ "k8s.io/initial-events-end": "true" });
    }
    line(
        "BOOKMARK",
        &json!({ "kind": target.resource.kind, "apiVersion": target.resource.api_version(), "metadata": meta }),
    )
}

pub fn watch(api: &Arc<Api>, target: &Target, req: &Request) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(target, req)?;
    let filter = Filter {
        resource: target.resource,
        namespace: target.namespace.clone(),
        labels,
        fields,
    };
    let since: u64 = match req.param("resourceVersion") {
        None | Some("0") => 0,
        Some(v) => v
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion: {v}")))?,
    };
    let bookmarks = matches!(req.param("allowWatchBookmarks"), Some("true" | "1"));
    let initial_events = matches!(req.param("sendInitialEvents"), Some("true" | "1"));
    let asked = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    // A scenario may close watch streams early, as a flaky network or apiserver does.
    let timeout = api
        .faults
        .watch_close_every
        .map_or(asked, |every| every.min(asked));

    let printer = req
        .header(header::ACCEPT)
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
        .then(|| Printer {
            kind: target.resource.kind,
            api_version: target.resource.api_version(),
            include: req.param("includeObject").unwrap_or("Metadata").to_string(),
            sent_columns: Default::default(),
        });
    // Subscribe before reading, so nothing falls between the replay and the live stream.
    let live = api.store.subscribe();
    let mut first: Vec<Bytes> = Vec::new();
    let mut last_sent;
    if since == 0 || initial_events {
        let (objects, rv) = api.store.list(target.resource, target.namespace.as_deref());
        first.extend(
            objects
                .iter()
                .filter(|o| filter.selects(o))
                .map(|o| event_line(printer.as_ref(), "ADDED", o)),
        );
        if initial_events && bookmarks {
            first.push(bookmark(target, rv, true));
        }
        last_sent = rv;
    } else {
        match api.store.changes_since(since) {
            Ok(changes) => {
                last_sent = since;
                for c in changes {
                    if let Some(kind) = filter.event(&c) {
                        first.push(event_line(printer.as_ref(), kind, &c.object));
                    }
                    last_sent = c.rv;
                }
            }
            Err(gone) => {
                let body = line("ERROR", &gone.to_status());
                return Ok(stream_response(Body::from(body)));
            }
        }
    }

    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(256);
    let interval = api.bookmark_interval;
    let current = api.clone();
    let kind_target = (target.resource.kind, target.resource.api_version());
    tokio::spawn(async move {
        for b in first {
            if tx.send(Ok(b)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut live = live;
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            let out = tokio::select! {
                _ = &mut deadline => return,
                _ = ticker.tick(), if bookmarks => {
                    let rv = current.store.current_version().max(last_sent);
                    Some(line("BOOKMARK", &json!({ "kind": kind_target.0, "apiVersion": kind_target.1, "metadata": { "resourceVersion": rv.to_string() } })))
                }
                change = live.recv() => match change {
                    Ok(c) if c.rv <= last_sent => None,
                    Ok(c) => {
                        last_sent = c.rv;
                        filter.event(&c).map(|kind| event_line(printer.as_ref(), kind, &c.object))
                    }
                    // A watcher too slow to keep up is closed; its client re-watches.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            if let Some(bytes) = out {
                if tx.send(Ok(bytes)).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(stream_response(Body::from_stream(ReceiverStream::new(rx))))
}

fn stream_response(body: Body) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}
