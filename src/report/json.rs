//! `--output json`: one JSON object per event and line on stdout, with a timestamp.

use crate::report::clock::rfc3339_now;
use crate::report::event::{Event, Level};
use crate::report::sink::{Sink, Verbosity};
use serde::Serialize;
use std::io::Write;
use std::sync::Mutex;

pub struct JsonLines {
    verbosity: Verbosity,
    out: Mutex<Box<dyn Write + Send>>,
}

#[derive(Serialize)]
struct Line<'a> {
    ts: String,
    #[serde(flatten)]
    event: &'a Event,
}

impl JsonLines {
    pub fn stdout(verbosity: Verbosity) -> JsonLines {
        JsonLines::new(verbosity, Box::new(std::io::stdout()))
    }

    pub fn new(verbosity: Verbosity, out: Box<dyn Write + Send>) -> JsonLines {
        JsonLines {
            verbosity,
            out: Mutex::new(out),
        }
    }
}

impl Sink for JsonLines {
    fn emit(&self, event: &Event) {
        if let Event::Log {
            level: Level::Debug,
            ..
        } = event
        {
            if self.verbosity < Verbosity::Verbose {
                return;
            }
        }
        let line = Line {
            ts: rfc3339_now(),
            event,
        };
        let Ok(text) = serde_json::to_string(&line) else {
            return;
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}
