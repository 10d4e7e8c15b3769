//! Errors from the cluster, worded for the person running the playbook:
//! what failed, what the API server said, and what to try.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct K8sError {
    pub message: String,
    /// The API's HTTP status, when it answered.
    pub code: Option<u16>,
    /// The API server did not answer: no connection, or no answer in time.
    pub unanswered: bool,
}

impl K8sError {
    pub fn new(message: impl Into<String>) -> K8sError {
        K8sError {
            message: message.into(),
            code: None,
            unanswered: false,
        }
    }

    /// The API server did not answer (`message` says what was tried).
    pub fn unanswered(message: impl Into<String>) -> K8sError {
        K8sError {
            unanswered: true,
            ..K8sError::new(message)
        }
    }

    /// The same error, saying how long the call was tried.
    pub fn with_hint_of_time(mut self, tried: std::time::Duration) -> K8sError {
        let (first, rest) = match self.message.split_once('\n') {
            Some((f, r)) => (f.to_string(), format!("\n{r}")),
            None => (self.message.clone(), String::new()),
        };
        self.message = format!("{first} (tried for {}s){rest}", tried.as_secs());
        self
    }

    pub fn not_found(&self) -> bool {
        self.code == Some(404)
    }

    /// Worth another try: the server was busy or failing, or the connection dropped.
    pub fn transient(&self) -> bool {
        matches!(self.code, Some(429 | 500 | 502 | 503 | 504)) || self.code.is_none()
    }

    /// `err` while doing `what` (e.g. "reading deployment web").
    pub fn from_kube(what: &str, err: kube::Error) -> K8sError {
        match err {
            kube::Error::Api(status) => {
                let code = status.code;
                let mut message = format!("{what}: {} ({code} {})", status.message, status.reason);
                if code == 401 || code == 403 {
                    message.push_str(
                        "\nhint: the kubeconfig's credentials were refused; check the context's user",
                    );
                }
                K8sError {
                    message,
                    code: Some(code),
                    unanswered: false,
                }
            }
            other => {
                let unanswered = matches!(
                    other,
                    kube::Error::HyperError(_)
                        | kube::Error::Service(_)
                        | kube::Error::ReadEvents(_)
                );
                K8sError {
                    unanswered,
                    ..K8sError::new(format!(
                        "{what}: cannot reach the cluster: {other}\nhint: is the context right (kubectl config current-context)? `orion sim` serves a local one"
                    ))
                }
            }
        }
    }
}

impl fmt::Display for K8sError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for K8sError {}
