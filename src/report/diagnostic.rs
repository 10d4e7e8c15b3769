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
                    caret_padding(line, loc.column),
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

/// Whitespace that lines the caret up under `column` (1-based), keeping tabs.
fn caret_padding(line: &str, column: usize) -> String {
    line.chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
