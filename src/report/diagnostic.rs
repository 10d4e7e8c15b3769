//! An error as orion reports it: what went wrong, where (file:line:col with the
//! source line and a caret), the chain of calls that led there, and a hint.

use crate::report::style::Style;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One call on the way to the error, innermost first: the label reads into the
/// location ("in `deploy`, called from" x.rhai:3:1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    pub label: String,
    pub at: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The playbook or a module does not compile.
    Syntax,
    /// An error raised while the playbook ran.
    Runtime,
    /// A sandbox limit stopped the playbook (operations, depth, sizes).
    Limit,
    /// An `import` that is missing or not allowed.
    Import,
    /// The operator interrupted the run.
    Cancelled,
    /// A safety guard refused a change; nothing was changed by it.
    Guard,
    /// orion.toml, flags, or a file that could not be read.
    Config,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub kind: Kind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<Frame>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The caret's column in `source_line` when it is not the location's
    /// (the line was masked, and the text before the caret changed length).
    #[serde(skip)]
    caret: Option<usize>,
}

impl Diagnostic {
    pub fn new(kind: Kind, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic {
            kind,
            message: String::new(),
            location: None,
            source_line: None,
            frames: Vec::new(),
            hint: None,
            caret: None,
        };
        d.set_message(&message.into());
        d
    }

    /// Sets the message, lifting a trailing "hint: ..." line into `hint`.
    pub fn set_message(&mut self, text: &str) {
        match text.split_once("\nhint: ") {
            Some((message, hint)) => {
                self.message = message.to_string();
                self.hint = Some(hint.to_string());
            }
            None => self.message = text.to_string(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with `f` applied to every text it shows: message,
    /// source line, hint and frame labels (how secrets are masked). When `f`
    /// changes the source line before the caret, the caret follows; the
    /// location stays the file's.
    pub fn map_text(mut self, f: &dyn Fn(&str) -> String) -> Diagnostic {
        self.message = f(&self.message);
        self.hint = self.hint.map(|h| f(&h));
        if let Some(line) = self.source_line.take() {
            let shown = f(&line);
            if let Some(loc) = &self.location {
                let caret = self.caret.unwrap_or(loc.column);
                let moved = moved_column(&line, &shown, caret, f);
                self.caret = (moved != loc.column).then_some(moved);
            }
            self.source_line = Some(shown);
        }
        for frame in &mut self.frames {
            frame.label = f(&frame.label);
        }
        self
    }

    /// The multi-line report, as printed on stderr.
    pub fn render(&self, style: &Style) -> String {
        let mut out = format!("{} {}\n", style.error("error:"), style.bold(&self.message));
        let gutter = self
            .location
            .as_ref()
            .map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(gutter);
        let bar = style.accent("|");
        if let Some(loc) = &self.location {
            out.push_str(&format!("{pad}{} {loc}\n", style.accent("-->")));
            if let Some(line) = &self.source_line {
                out.push_str(&format!("{pad} {bar}\n"));
                out.push_str(&format!(
                    "{} {bar} {line}\n",
                    style.accent(&loc.line.to_string())
                ));
                out.push_str(&format!(
                    "{pad} {bar} {}{}\n",
                    caret_padding(line, self.caret.unwrap_or(loc.column)),
                    style.error("^")
                ));
            }
        }
        for frame in &self.frames {
            out.push_str(&format!("{pad} = {} {}\n", frame.label, frame.at));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("{pad} = {} {hint}\n", style.bold("hint:")));
        }
        out
    }
}

/// Where `column` (1-based) of `line` is in `shown`, which is `line` through
/// `f`: after what `f` makes of the text before it, when `shown` begins with
/// that; else (the caret is inside what `f` rewrote) where it was.
fn moved_column(line: &str, shown: &str, column: usize, f: &dyn Fn(&str) -> String) -> usize {
    if line == shown {
        return column;
    }
    let before: String = line.chars().take(column.saturating_sub(1)).collect();
    let before = f(&before);
    if shown.starts_with(&before) {
        before.chars().count() + 1
    } else {
        column
    }
}

/// Whitespace that lines the caret up under `column` (1-based), keeping tabs.
fn caret_padding(line: &str, column: usize) -> String {
    line.chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Diagnostic, Frame, Kind, Location, Style};

    #[test]
    fn renders_snippet_frames_and_hint() {
        let mut d = Diagnostic::new(Kind::Runtime, "boom\nhint: try again");
        d.location = Some(Location {
            file: "a.rhai".into(),
            line: 12,
            column: 5,
        });
        d.source_line = Some("\tfoo(1);".into());
        d.frames.push(Frame {
            label: "in `f`, called from".into(),
            at: Location {
                file: "b.rhai".into(),
                line: 3,
                column: 1,
            },
        });
        let text = d.render(&Style::plain());
        assert_eq!(
            text,
            "error: boom\n  --> a.rhai:12:5\n   |\n12 | \tfoo(1);\n   | \t   ^\n   = in `f`, called from b.rhai:3:1\n   = hint: try again\n"
        );
    }

    #[test]
    fn mapped_text_keeps_the_caret_on_its_call() {
        let mut d = Diagnostic::new(Kind::Runtime, "GET http://u:pw@h/: refused");
        d.location = Some(Location {
            file: "a.rhai".into(),
            line: 1,
            column: 31,
        });
        d.source_line = Some(r#"let u = "http://u:secret@h/"; health::http(u);"#.into());
        let d = d.map_text(&crate::mask::secrets);
        assert_eq!(d.message, "GET http://u:***@h/: refused");
        assert_eq!(d.location.as_ref().map(|l| l.column), Some(31));
        assert!(
            d.render(&Style::plain()).ends_with(concat!(
                "1 | let u = \"http://u:***@h/\"; health::http(u);\n",
                "  |                            ^\n"
            )),
            "{}",
            d.render(&Style::plain())
        );
    }
}
