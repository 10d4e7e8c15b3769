//! SDK errors as messages a user can act on: what was asked, of which
//! account, what AWS said, and a hint for the usual causes (no or bad
//! credentials, a missing permission, an endpoint that does not answer).

use super::Account;
use aws_sdk_elasticloadbalancingv2::config::http::HttpResponse;
use aws_sdk_elasticloadbalancingv2::error::{ProvideErrorMetadata, SdkError};

/// `what` failed against `account`: the message, with a hint where one helps.
pub fn explain<E, R>(what: &str, account: &Account, e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let at = account.describe();
    let text = crate::drivers::causes(e);
    if text.contains("no credentials found") || text.contains("credential provider") {
        return format!(
            "{what} at {at}: no usable AWS credentials\nhint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE (or profile: in the options), or run with a role (web identity, instance profile)"
        );
    }
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            let raw = (s.raw() as &dyn std::any::Any).downcast_ref::<HttpResponse>();
            let body = raw
                .and_then(|r| r.body().bytes())
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let status = raw.map_or(0, |r| r.status().as_u16());
            // An answer the SDK could not read its code from (an emulator's
            // own error format): the code and message as the body has them.
            let code = err
                .code()
                .map(str::to_string)
                .or_else(|| element(&body, "Code"))
                .map(|c| crate::report::printable::printable(&crate::drivers::probe::excerpt(&c, 64)))
                .unwrap_or_else(|| format!("HTTP {status}"));
            let message = err
                .message()
                .map(str::to_string)
                .or_else(|| element(&body, "Message"))
                .unwrap_or_default();
            let message = crate::report::printable::printable(&crate::drivers::probe::excerpt(&message, 300));
            format!("{what} at {at}: {code}: {message}{}", hint(&code, what))
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
            "{what}: cannot reach {at}: {text}\nhint: is the endpoint right and reachable from here (endpoint_url, the region, a proxy)?"
        ),
        _ => format!("{what} at {at}: {text}"),
    }
}

/// The text of the first `<name>` element of an XML or JSON error body.
fn element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_string()).filter(|t| !t.is_empty())
}

fn hint(code: &str, what: &str) -> String {
    match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "HTTP 403" => format!(
            "\nhint: the credentials in use lack a permission {what} needs (see the IAM policy of the user or role)"
        ),
        "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch"
        | "IncompleteSignature" | "AuthFailure" => {
            "\nhint: AWS does not accept these credentials: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile".into()
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            "\nhint: the session has expired: log in again (aws sso login, a new role session)".into()
        }
        "Throttling" | "ThrottlingException" => {
            "\nhint: AWS is throttling these calls; retries gave up".into()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_is_read_from_an_error_body_the_sdk_could_not() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            super::element(body, "Code").as_deref(),
            Some("AccessDenied")
        );
        assert_eq!(
            super::element(body, "Message").as_deref(),
            Some("User: x is not authorized")
        );
        assert_eq!(super::element("<Code></Code>", "Code"), None);
    }
}
