//! Human output on stderr: timestamped lines, colour on a terminal, the step
//! summary at the end.

use crate::duration;
use crate::report::clock::time_of_day_now;
use crate::report::event::{Event, Level};
use crate::report::sink::{Sink, Verbosity};
use crate::report::step::StepStatus;
use crate::report::style::Style;
use crate::report::summary;
use std::io::Write;
use std::sync::Mutex;

pub struct Console {
    style: Style,
    verbosity: Verbosity,
    out: Mutex<Box<dyn Write + Send>>,
}

impl Console {
    pub fn stderr(verbosity: Verbosity) -> Console {
        Console::new(Style::for_stderr(), verbosity, Box::new(std::io::stderr()))
    }

    pub fn new(style: Style, verbosity: Verbosity, out: Box<dyn Write + Send>) -> Console {
        Console {
            style,
            verbosity,
            out: Mutex::new(out),
        }
    }

    fn line(&self, text: &str) {
        let stamp = self.style.dim(&time_of_day_now());
        self.raw(&format!("{stamp} {text}\n"));
    }

    fn raw(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(text.as_bytes());
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
            Event::Error { diagnostic } => self.raw(&diagnostic.render(s)),
            Event::RunFinished {
                exit_code,
                status,
                duration_ms,
                steps,
            } => {
                if !steps.is_empty() && self.verbosity > Verbosity::Quiet {
                    self.raw(&summary::table(steps, s));
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
