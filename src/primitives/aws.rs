//! What `traffic::alb` and `metrics::cloudwatch` share: the AWS account
//! options of a playbook map — `region`, `profile` or `credentials`
//! (`#{access_key_id, secret_access_key, session_token}`), `endpoint_url` —
//! checked, and the keys given made secrets every notice masks.

use crate::drivers::aws::{Account, Keys};
use crate::primitives::host::Host;
use rhai::Map;

/// The account options every AWS map may carry.
pub const ACCOUNT: [&str; 4] = ["region", "profile", "credentials", "endpoint_url"];

/// The account `opts` describe (keys outside `ACCOUNT` are the caller's).
pub fn account(h: &Host, function: &str, opts: &Map) -> Result<Account, String> {
    let text = |key: &str| opts.get(key).map(|v| v.to_string());
    let keys = match opts.get("credentials") {
        None => None,
        Some(c) => {
            let m = c.read_lock::<Map>().ok_or_else(|| {
                format!("{function}: credentials is #{{access_key_id, secret_access_key, session_token}}")
            })?;
            if let Some(k) = m.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "access_key_id" | "secret_access_key" | "session_token"
                )
            }) {
                return Err(format!(
                    "{function}: credentials has no key \"{k}\"\nhint: access_key_id, secret_access_key, session_token"
                ));
            }
            let get = |k: &str| m.get(k).map(|v| v.to_string()).filter(|v| !v.is_empty());
            let (Some(id), Some(secret)) = (get("access_key_id"), get("secret_access_key")) else {
                return Err(format!(
                    "{function}: credentials needs access_key_id and secret_access_key"
                ));
            };
            let token = get("session_token");
            h.notify
                .learn([secret.clone()].into_iter().chain(token.clone()));
            Some(Keys {
                access_key_id: id,
                secret_access_key: secret,
                session_token: token,
            })
        }
    };
    if keys.is_some() && opts.contains_key("profile") {
        return Err(format!("{function}: give profile or credentials, not both"));
    }
    let account = Account {
        region: text("region"),
        profile: text("profile"),
        endpoint_url: text("endpoint_url"),
        keys,
    };
    account.check().map_err(|e| format!("{function}: {e}"))?;
    Ok(account)
}
