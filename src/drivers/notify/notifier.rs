//! A run's subscribers and its posts in flight. Every post is a task on the
//! I/O runtime: nothing the run does (least of all undoing a failed run)
//! waits for a webhook. Posts to one webhook go one after another, in the
//! order sent. At the end of the run `drain` waits for the posts still in
//! flight, at most the longest webhook timeout.

use crate::drivers::notify::kind::Kind;
use crate::drivers::notify::notice::Notice;
use crate::drivers::notify::post::{client, post};
use crate::drivers::notify::redact::Redactor;
use crate::drivers::notify::webhook::Webhook;
use crate::report::event::{Event, Level};
use crate::report::sink::Sink;
use futures::future::{FutureExt, Shared};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How much longer than its timeout the end of a run waits for a post.
const GRACE: Duration = Duration::from_millis(250);

pub struct Notifier {
    io: tokio::runtime::Handle,
    sink: Arc<dyn Sink>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The playbook the run runs, for every notice.
    playbook: String,
    client: Option<reqwest::Client>,
    hooks: Vec<Arc<Webhook>>,
    in_flight: Vec<InFlight>,
    redactor: Redactor,
    /// Per webhook (by address), when its latest post is done.
    last: HashMap<usize, Shared<oneshot::Receiver<()>>>,
    /// Secrets whose live values are known, by (namespace, name): the
    /// journal seq they were read after.
    read: HashMap<(String, String), u64>,
}

/// A post not known to be finished: "rollback to https://hooks.slack.com".
struct InFlight {
    what: String,
    timeout: Duration,
    task: JoinHandle<()>,
}

impl Notifier {
    pub fn new(io: tokio::runtime::Handle, sink: Arc<dyn Sink>) -> Notifier {
        Notifier {
            io,
            sink,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new run of `playbook`: no subscribers, no secrets known (posts
    /// in flight go on).
    pub fn reset(&self, playbook: &str) {
        let mut s = self.state();
        s.playbook = playbook.to_string();
        s.hooks.clear();
        s.last.clear();
        s.redactor = Redactor::default();
        s.read.clear();
    }

    /// Adds a subscriber; its URL and header values become secrets.
    pub fn subscribe(&self, hook: Webhook) -> Result<Arc<Webhook>, String> {
        let mut s = self.state();
        if s.client.is_none() {
            s.client = Some(client()?);
        }
        for secret in hook.secrets() {
            s.redactor.add(&secret);
        }
        let hook = Arc::new(hook);
        s.hooks.push(hook.clone());
        Ok(hook)
    }

    pub fn playbook(&self) -> String {
        self.state().playbook.clone()
    }

    /// Whether any subscriber wants notices of `kind`.
    pub fn wants(&self, kind: Kind) -> bool {
        self.state().hooks.iter().any(|h| h.wants(kind))
    }

    /// Remembers secret values to mask in every message from now on.
    pub fn learn(&self, values: impl IntoIterator<Item = String>) {
        let mut s = self.state();
        for v in values {
            s.redactor.add(&v);
        }
    }

    /// The journal seq after which Secret `namespace`/`name` was last read.
    pub fn read_after(&self, namespace: &str, name: &str) -> Option<u64> {
        let key = (namespace.to_string(), name.to_string());
        self.state().read.get(&key).copied()
    }

    pub fn mark_read(&self, namespace: &str, name: &str, seq: u64) {
        let key = (namespace.to_string(), name.to_string());
        self.state().read.insert(key, seq);
    }

    /// `text` with the secrets known so far masked.
    pub fn redact(&self, text: &str) -> String {
        self.state().redactor.redact(text)
    }

    /// Posts `notice` (its message masked) to every subscriber that wants
    /// it, in the background; returns how many posts were started.
    pub fn send(&self, notice: Notice) -> usize {
        let hooks: Vec<Arc<Webhook>> = self.state().hooks.clone();
        hooks
            .into_iter()
            .filter(|h| h.wants(notice.event))
            .map(|h| self.send_to(&h, notice.clone()))
            .count()
    }

    /// Posts `notice` (its message masked) to `hook`, in the background,
    /// after the posts to `hook` sent before it (a channel reads in order).
    pub fn send_to(&self, hook: &Arc<Webhook>, mut notice: Notice) {
        let mut s = self.state();
        let Some(client) = s.client.clone() else {
            return;
        };
        notice.message = notice.message.map(|m| s.redactor.redact(&m));
        let body = notice.body(hook);
        let what = format!("{} to {}", notice.event.as_str(), hook.shown());
        // Each post waits for the one before to this webhook; dropped (done
        // or aborted), `done` lets the next one go.
        let (done, next) = oneshot::channel::<()>();
        let key = Arc::as_ptr(hook) as usize;
        let before = s.last.insert(key, next.shared());
        let (sink, task_hook, task_what) = (self.sink.clone(), hook.clone(), what.clone());
        let task = self.io.spawn(async move {
            let _done = done;
            if let Some(before) = before {
                let _ = before.await;
            }
            if let Err(why) = post(&client, &task_hook, &body).await {
                sink.emit(&Event::Log {
                    level: Level::Warn,
                    message: format!(
                        "notification {task_what} not delivered: {why}; the run goes on"
                    ),
                    at: None,
                });
            }
        });
        s.in_flight.retain(|f| !f.task.is_finished());
        s.in_flight.push(InFlight {
            what,
            timeout: hook.timeout,
            task,
        });
    }

    /// Waits for the posts in flight, at most the longest timeout among
    /// them (and a moment, so a post that times out says so itself) or until
    /// `stop`; drops those still running and returns what they were.
    pub async fn drain(&self, stop: CancellationToken) -> (Vec<String>, Duration) {
        let flights = std::mem::take(&mut self.state().in_flight);
        let longest = flights.iter().map(|f| f.timeout).max();
        let wait = longest.map_or(Duration::ZERO, |t| t + GRACE);
        let deadline = tokio::time::Instant::now() + wait;
        let mut left = Vec::new();
        for mut f in flights {
            let finished = tokio::select! {
                biased;
                _ = stop.cancelled() => false,
                done = tokio::time::timeout_at(deadline, &mut f.task) => done.is_ok(),
            };
            if !finished {
                f.task.abort();
                left.push(f.what);
            }
        }
        (left, wait)
    }
}
