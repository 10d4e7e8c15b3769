//! The `notify` namespace: `notify::slack(url)` and `notify::webhook(url)`
//! subscribe the run's start, success, failure and rollback to a webhook;
//! `notify::send(message)` posts a text to every subscriber now. Posts go in
//! the background and never fail the run; messages are masked of the secrets
//! the run knows (`hooks.rs`, called by the runtime, sends the run's events).

pub mod hooks;
mod options;

use crate::drivers::notify::{Kind, Webhook};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::sync::Arc;

type Parse = fn(&str, &Map) -> Result<Webhook, String>;

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let mut module = Module::new();
    let kinds: [(&str, Parse, &str); 2] = [
        (
            "slack",
            options::slack,
            "Posts the run's start, success, failure and rollback to a Slack-compatible incoming webhook (also Mattermost, Rocket.Chat). Options: channel, username, timeout (\"5s\"), on ([\"start\", \"success\", \"failure\", \"rollback\"]).",
        ),
        (
            "webhook",
            options::webhook,
            "Posts the run's start, success, failure and rollback as JSON (event, run, playbook, environment, namespace, exit_code, status, message, at) to a webhook. Options: headers, timeout (\"5s\"), on.",
        ),
    ];
    for (name, parse, what) in kinds {
        let h = host.clone();
        doc(name, what, &["url: &str", "()"]).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, url: &str| {
                learn(&h, url, &Map::new());
                subscribe(&h, &ctx, parse(url, &Map::new()))
            },
        );
        let h = host.clone();
        doc(name, what, &["url: &str", "options: Map", "()"]).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, url: &str, opts: Map| {
                learn(&h, url, &opts);
                subscribe(&h, &ctx, parse(url, &opts))
            },
        );
    }
    let h = host.clone();
    doc(
        "send",
        "Posts a text to every webhook subscribed so far, in the background; Secret values the run set are masked. Returns how many posts were started.",
        &["message: ?", "int"],
    )
    .set_into_module(&mut module, move |message: Dynamic| -> i64 {
        if !h.notify.wants(Kind::Message) {
            return 0; // no subscribers: nothing to read back or mask
        }
        let text = hooks::masked(&h, &message.to_string());
        h.notify
            .send(hooks::notice(&h, Kind::Message, "running", None, Some(text))) as i64
    });
    engine.register_static_module("notify", module.into());
}

/// Makes the URL (its path and query: Slack's token) and any header values
/// secrets before anything is checked, so even an error about them — and
/// the source line it quotes — shows them masked.
fn learn(h: &Host, url: &str, opts: &Map) {
    let mut secrets = vec![url.to_string()];
    if let Ok(u) = url::Url::parse(url) {
        if u.path().len() > 1 {
            secrets.push(u.path().to_string());
        }
        secrets.extend(u.query().map(str::to_string));
    }
    if let Some(headers) = opts.get("headers").and_then(|h| h.read_lock::<Map>()) {
        secrets.extend(headers.values().map(|v| v.to_string()));
    }
    h.notify.learn(secrets);
}

/// Adds the webhook; posts "start" to it if it wants it (the run has begun).
fn subscribe(
    host: &Host,
    ctx: &NativeCallContext,
    parsed: Result<Webhook, String>,
) -> Result<(), Box<EvalAltResult>> {
    let hook = parsed.map_err(|e| error_at(ctx, e))?;
    let start = hook.wants(Kind::Start);
    let hook = host.notify.subscribe(hook).map_err(|e| error_at(ctx, e))?;
    if start {
        let notice = hooks::notice(host, Kind::Start, "running", None, None);
        host.notify.send_to(&hook, notice);
    }
    Ok(())
}
