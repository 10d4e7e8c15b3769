//! Human output on stderr: timestamped lines, colour on a terminal, the step
//! summary at the end.

use crate::duration;
use crate::report::clock::time_of_day_now;
use crate::report::event::{Event, Level};
use crate::report::sink::{Sink, Verbosity};
use crate::report::step::StepStatus;
use crate::report::style::Style;
use crate::report::summary;
use crate::report::test_record::TestStatus;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

pub struct Console {
    style: Style,
    verbosity: Verbosity,
    /// Whether progress may redraw one line in place (a terminal).
    live: bool,
    out: Mutex<Box<dyn Write + Send>>,
    /// Progress shown on the live line, by id.
    progress: Mutex<BTreeMap<String, String>>,
}

impl Console {
    pub fn stderr(verbosity: Verbosity) -> Console {
        use std::io::IsTerminal;
        Console::new(Style::for_stderr(), verbosity, Box::new(std::io::stderr()))
            .live(std::io::stderr().is_terminal())
    }

    pub fn new(style: Style, verbosity: Verbosity, out: Box<dyn Write + Send>) -> Console {
        Console {
            style,
            verbosity,
            live: false,
            out: Mutex::new(out),
            progress: Mutex::new(BTreeMap::new()),
        }
    }

    /// Draw progress as one line redrawn in place (for a terminal).
    pub fn live(mut self, on: bool) -> Console {
        self.live = on;
        self
    }

    /// A bar of `width` cells, `done` of `total` filled.
    fn bar(done: u64, total: u64, width: usize) -> String {
        let filled = if total == 0 {
            width
        } else {
            (done.min(total) as usize * width) / total as usize
        };
        format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
    }

    fn progress(&self, id: &str, done: u64, total: u64, message: &str, finished: bool) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        if !self.live {
            if !finished {
                self.line(&format!(
                    "{} {id}: {message} ({done}/{total})",
                    self.style.accent("…    ")
                ));
            }
            return;
        }
        {
            let mut shown = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            if finished {
                shown.remove(id);
            } else {
                shown.insert(
                    id.to_string(),
                    format!(
                        "{id} {} {done}/{total} {message}",
                        Console::bar(done, total, 20)
                    ),
                );
            }
        }
        let text = self.live_text();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = write!(out, "\r\x1b[2K{text}");
        let _ = out.flush();
    }

    fn line(&self, text: &str) {
        let stamp = self.style.dim(&time_of_day_now());
        self.raw(&format!("{stamp} {text}\n"));
    }

    /// The live line's text: every progress in flight.
    fn live_text(&self) -> String {
        let shown = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        shown.values().cloned().collect::<Vec<_>>().join("  |  ")
    }

    fn raw(&self, text: &str) {
        let live = if self.live {
            self.live_text()
        } else {
            String::new()
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if !live.is_empty() {
            // Clear the progress line, print, then draw it again below.
            let _ = out.write_all(b"\r\x1b[2K");
        }
        let _ = out.write_all(text.as_bytes());
        if !live.is_empty() {
            let _ = out.write_all(live.as_bytes());
        }
        let _ = out.flush();
    }

    fn log(&self, level: Level, message: &str, at: Option<&str>) {
        let shown = match level {
            Level::Debug => self.verbosity >= Verbosity::Verbose,
            Level::Info => self.verbosity >= Verbosity::Normal,
            Level::Warn | Level::Error => true,
        };
        if !shown {
            return;
        }
        let tag = match level {
            Level::Debug => self.style.dim("debug"),
            Level::Info => self.style.accent("info "),
            Level::Warn => self.style.warn("warn "),
            Level::Error => self.style.error("error"),
        };
        let at = match (at, self.verbosity >= Verbosity::Verbose) {
            (Some(at), true) => format!(" {}", self.style.dim(&format!("({at})"))),
            _ => String::new(),
        };
        self.line(&format!("{tag} {message}{at}"));
    }
}

impl Sink for Console {
    fn emit(&self, event: &Event) {
        let s = &self.style;
        match event {
            Event::RunStarted {
                playbook,
                environment,
                context,
                namespace,
                dry_run,
            } => {
                if self.verbosity == Verbosity::Quiet {
                    return;
                }
                let mut target = Vec::new();
                for (k, v) in [
                    ("env", environment),
                    ("context", context),
                    ("namespace", namespace),
                ] {
                    if let Some(v) = v {
                        target.push(format!("{k} {v}"));
                    }
                }
                if *dry_run {
                    target.push("dry run".into());
                }
                let target = if target.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", target.join(", "))
                };
                self.line(&format!("{} {playbook}{target}", s.bold("run")));
            }
            Event::StepStarted { name, depth } => {
                if self.verbosity > Verbosity::Quiet {
                    let indent = "  ".repeat(*depth);
                    self.line(&format!("{indent}{} {}", s.accent("▶"), s.bold(name)));
                }
            }
            Event::StepFinished { step } => {
                let indent = "  ".repeat(step.depth);
                let took = duration::format(step.duration);
                let mark = match step.status {
                    StepStatus::Ok => s.ok("✓"),
                    StepStatus::Failed => s.error("✗"),
                    StepStatus::Cancelled | StepStatus::Running => s.warn("■"),
                    StepStatus::Skipped => s.dim("○"),
                };
                if step.status != StepStatus::Ok || self.verbosity > Verbosity::Quiet {
                    let status = match step.status {
                        StepStatus::Ok => String::new(),
                        other => format!(" {}", other.as_str()),
                    };
                    self.line(&format!(
                        "{indent}{mark} {}{status} {}",
                        step.name,
                        s.dim(&took)
                    ));
                }
            }
            Event::Log { level, message, at } => self.log(*level, message, at.as_deref()),
            Event::Progress {
                id,
                done,
                total,
                message,
                finished,
            } => self.progress(id, *done, *total, message, *finished),
            Event::Error { diagnostic } => self.raw(&diagnostic.render(s)),
            Event::TestFinished { test } => {
                let took = s.dim(&duration::format(test.duration));
                let name = &test.name;
                match test.status {
                    TestStatus::Passed if self.verbosity > Verbosity::Quiet => {
                        self.line(&format!("{} test {name} {took}", s.ok("✓")))
                    }
                    TestStatus::Passed => {}
                    TestStatus::Failed => self.line(&format!(
                        "{} test {name}{} {took}: {}",
                        if test.soft {
                            s.warn("!")
                        } else {
                            s.error("✗")
                        },
                        if test.soft {
                            " failed (soft)"
                        } else {
                            " failed"
                        },
                        test.reason.as_deref().unwrap_or("")
                    )),
                    TestStatus::Skipped if self.verbosity > Verbosity::Quiet => {
                        self.line(&format!(
                            "{} test {name} skipped: {}",
                            s.dim("–"),
                            test.reason.as_deref().unwrap_or("")
                        ))
                    }
                    TestStatus::Skipped => {}
                }
            }
            Event::Metric {
                source,
                query,
                value,
                verdict,
                detail,
            } => {
                let failed = verdict.as_deref() == Some("fail");
                if failed || self.verbosity > Verbosity::Quiet {
                    self.line(&metric_line(
                        s,
                        source,
                        query,
                        *value,
                        verdict.as_deref(),
                        detail,
                    ));
                }
            }
            Event::RunFinished {
                exit_code,
                status,
                duration_ms,
                steps,
                tests,
            } => {
                if !steps.is_empty() && self.verbosity > Verbosity::Quiet {
                    self.raw(&summary::table(steps, s));
                }
                if !tests.is_empty() {
                    self.raw(&summary::tests(tests, s));
                }
                let took = duration::format(std::time::Duration::from_millis(*duration_ms));
                let text = format!("run {status} in {took} (exit {exit_code})");
                let text = if *exit_code == 0 {
                    s.ok(&text)
                } else {
                    s.error(&text)
                };
                self.line(&text);
            }
        }
    }
}

/// "metric http://prom:9090 sum(up) = 3 pass: < 5".
fn metric_line(
    s: &Style,
    source: &str,
    query: &str,
    value: Option<f64>,
    verdict: Option<&str>,
    detail: &str,
) -> String {
    // Without a value the detail says why (no data, an alarm's state).
    let value = match (value, detail.is_empty()) {
        (Some(v), _) => format!(" = {v}"),
        (None, true) => " = no data".to_string(),
        (None, false) => String::new(),
    };
    let verdict = match verdict {
        Some("pass") => format!(" {}", s.ok("pass")),
        Some("fail") => format!(" {}", s.error("fail")),
        Some(other) => format!(" {}", s.warn(other)),
        None => String::new(),
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" {}", s.dim(&format!("({detail})")))
    };
    format!(
        "{} {query}{value}{verdict}{detail} {}",
        s.accent("metric"),
        s.dim(&format!("@ {source}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer whose text the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn progress(done: u64, finished: bool) -> Event {
        Event::Progress {
            id: "deployment/web".into(),
            done,
            total: 4,
            message: "waiting".into(),
            finished,
        }
    }

    fn log(message: &str) -> Event {
        Event::Log {
            level: Level::Info,
            message: message.into(),
            at: None,
        }
    }

    #[test]
    fn on_a_terminal_progress_is_one_line_redrawn_in_place() {
        let buf = Buffer::default();
        let c = Console::new(Style::plain(), Verbosity::Normal, Box::new(buf.clone())).live(true);
        c.emit(&progress(1, false));
        c.emit(&progress(2, false));
        c.emit(&log("note"));
        c.emit(&progress(4, true));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.starts_with("\r\x1b[2Kdeployment/web [#####---------------] 1/4 waiting"),
            "{text:?}"
        );
        assert!(
            text.contains("\r\x1b[2Kdeployment/web [##########----------] 2/4 waiting"),
            "{text:?}"
        );
        // A log line clears the live line, prints, and draws it again.
        assert!(
            text.contains("info  note\ndeployment/web [##########"),
            "{text:?}"
        );
        assert!(
            text.ends_with("\r\x1b[2K"),
            "finished: the line is cleared: {text:?}"
        );
    }

    #[test]
    fn a_metric_is_one_line_and_a_failed_one_shows_even_when_quiet() {
        let buf = Buffer::default();
        let c = Console::new(Style::plain(), Verbosity::Quiet, Box::new(buf.clone()));
        let metric = |verdict: &str| Event::Metric {
            source: "http://prom:9090".into(),
            query: "sum(up)".into(),
            value: Some(3.0),
            verdict: Some(verdict.into()),
            detail: "< 5".into(),
        };
        c.emit(&metric("pass"));
        c.emit(&metric("fail"));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        assert!(
            text.ends_with("metric sum(up) = 3 fail (< 5) @ http://prom:9090\n"),
            "{text:?}"
        );
    }

    #[test]
    fn elsewhere_progress_is_a_line_per_change() {
        let buf = Buffer::default();
        let c = Console::new(Style::plain(), Verbosity::Normal, Box::new(buf.clone()));
        c.emit(&progress(1, false));
        c.emit(&progress(4, true));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        assert!(
            text.contains("deployment/web: waiting (1/4)") && !text.contains('\r'),
            "{text:?}"
        );
    }
}
