//! Programs orion runs (nginx, kustomize, kubectl): what one said when it
//! would not do what was asked. Its words go to the operator's log, cut
//! short — never into a value a script can read, since a program pointed at
//! a file may quote it.

/// How much of a program's output is kept for the log.
const SAID: usize = 2000;

/// What a program would not do: orion's words, and the program's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What failed, in orion's words ("nginx -t refused the configuration").
    pub what: String,
    /// The program's stderr, cut short ("" when it said nothing).
    pub said: String,
}

impl Refused {
    /// A refusal with the program's raw stderr.
    pub fn new(what: impl Into<String>, stderr: &[u8]) -> Refused {
        Refused {
            what: what.into(),
            said: crate::drivers::probe::excerpt(&String::from_utf8_lossy(stderr), SAID),
        }
    }

    /// Both, for a person at the operator's terminal (`orion rollback`).
    pub fn shown(&self) -> String {
        if self.said.is_empty() {
            self.what.clone()
        } else {
            format!("{}:\n{}", self.what, self.said)
        }
    }
}
