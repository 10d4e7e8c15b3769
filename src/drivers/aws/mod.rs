//! AWS through the official SDK: where requests go and as whom (`Account`),
//! an application load balancer's weighted target groups (`alb.rs`),
//! CloudWatch metrics and alarms (`cloudwatch.rs`), SDK errors as messages
//! with hints (`error.rs`) and putting ALB weights back from the journal
//! (`undo.rs`). Credentials come the usual AWS way (environment, profile,
//! web identity) unless a playbook gives keys; keys are never shown,
//! journaled or serialized.

pub mod alb;
pub mod cloudwatch;
pub mod error;
pub mod undo;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long connecting to an endpoint may take.
const CONNECT: Duration = Duration::from_secs(5);
/// How long one call, its retries included, may take.
const OPERATION: Duration = Duration::from_secs(30);

/// Keys a playbook gave in place of the usual credential chain.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({}, ***)", self.access_key_id)
    }
}

/// Where AWS requests go and whose credentials sign them. What is
/// serialized (for the journal) names the region, profile and endpoint,
/// never keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// An emulator's or a private endpoint's URL, in place of AWS's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    #[serde(skip)]
    pub keys: Option<Keys>,
}

impl Account {
    /// Checks what a playbook gave: a region and profile of AWS's own
    /// characters; an endpoint that is https, or http only on loopback
    /// (signed requests in clear text to another host could be read and
    /// replayed).
    pub fn check(&self) -> Result<(), String> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if let Some(r) = self.region.as_deref().filter(|r| !plain(r)) {
            return Err(format!(
                "region {} is not an AWS region\nhint: us-east-1, eu-west-1, ...",
                r.escape_debug()
            ));
        }
        if let Some(p) = self.profile.as_deref().filter(|p| !plain(p)) {
            return Err(format!(
                "profile {} is not a profile name of ~/.aws/config",
                p.escape_debug()
            ));
        }
        if let Some(e) = &self.endpoint_url {
            let shown = crate::mask::secrets(e);
            let url = url::Url::parse(e)
                .map_err(|x| format!("endpoint_url {shown:?} is not a URL ({x})"))?;
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            match url.scheme() {
                "https" => {}
                "http" if loopback => {}
                "http" => return Err(format!(
                    "endpoint_url {shown} is plain http to another host: signed requests would cross the network unencrypted\nhint: https://..., or an emulator on 127.0.0.1"
                )),
                _ => return Err(format!("endpoint_url {shown} is not an http(s) URL")),
            }
            if !url.username().is_empty() || url.password().is_some() {
                return Err(format!(
                    "endpoint_url {shown} carries credentials\nhint: credentials come from the environment, a profile, or credentials: #{{...}}"
                ));
            }
        }
        Ok(())
    }

    /// "AWS us-east-1" or "http://127.0.0.1:5000 (us-east-1)": for messages
    /// (a region from the environment or profile is not named).
    pub fn describe(&self) -> String {
        let endpoint = self.endpoint_url.as_deref().map(crate::mask::secrets);
        match (endpoint, &self.region) {
            (Some(e), Some(r)) => format!("{e} ({r})"),
            (Some(e), None) => e,
            (None, Some(r)) => format!("AWS {r}"),
            (None, None) => "AWS".into(),
        }
    }

    /// The same account with the keys this process was given for it, if
    /// any: an undo in the run that made a change signs as the run did.
    pub fn with_known_keys(mut self) -> Account {
        if self.keys.is_none() {
            let known = KNOWN_KEYS.lock().unwrap_or_else(|e| e.into_inner());
            self.keys = known
                .iter()
                .find(|(a, _)| a.same_place(&self))
                .map(|(_, k)| k.clone());
        }
        self
    }

    fn same_place(&self, other: &Account) -> bool {
        self.region == other.region
            && self.profile == other.profile
            && self.endpoint_url == other.endpoint_url
    }

    /// The SDK's configuration: HTTPS by rustls (certificates verified),
    /// timeouts, standard retries, and credentials resolved the usual way
    /// unless keys were given.
    pub async fn config(&self) -> Result<SdkConfig, String> {
        self.check()?;
        use aws_config::retry::RetryConfig;
        use aws_config::timeout::TimeoutConfig;
        use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT)
                    .operation_timeout(OPERATION)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let Some(e) = &self.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        if let Some(k) = &self.keys {
            loader = loader.credentials_provider(
                aws_sdk_elasticloadbalancingv2::config::Credentials::new(
                    &k.access_key_id,
                    &k.secret_access_key,
                    k.session_token.clone(),
                    None,
                    "orion-playbook",
                ),
            );
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(
                "no AWS region: give region: \"...\", or set AWS_REGION, or a region in the profile"
                    .into(),
            );
        }
        Ok(config)
    }
}

/// An account's configuration, made once and shared by the calls that use it.
#[derive(Debug, Default)]
pub struct Connection {
    pub account: Account,
    config: OnceCell<SdkConfig>,
}

/// Keys playbooks of this process gave, by the account they were given for
/// (never written anywhere).
static KNOWN_KEYS: std::sync::Mutex<Vec<(Account, Keys)>> = std::sync::Mutex::new(Vec::new());

impl Connection {
    pub fn new(account: Account) -> Connection {
        if let Some(k) = &account.keys {
            let mut known = KNOWN_KEYS.lock().unwrap_or_else(|e| e.into_inner());
            known.retain(|(a, _)| !a.same_place(&account));
            known.push((account.clone(), k.clone()));
        }
        Connection {
            account,
            config: OnceCell::new(),
        }
    }

    pub async fn config(&self) -> Result<&SdkConfig, String> {
        self.config
            .get_or_try_init(|| self.account.config())
            .await
            .map_err(|e| format!("{}: {e}", self.account.describe()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(endpoint: &str) -> Account {
        Account {
            region: Some("us-east-1".into()),
            endpoint_url: Some(endpoint.into()),
            ..Account::default()
        }
    }

    #[test]
    fn plain_http_goes_only_to_loopback_and_urls_carry_no_credentials() {
        assert!(at("http://127.0.0.1:5000").check().is_ok());
        assert!(at("http://localhost:5000").check().is_ok());
        assert!(at("https://elb.internal.example").check().is_ok());
        let e = at("http://10.0.0.5:5000").check().unwrap_err();
        assert!(e.contains("unencrypted"), "{e}");
        let e = at("https://AKIA:secret@elb.example").check().unwrap_err();
        assert!(!e.contains("secret"), "{e}");
        assert!(at("file:///etc/passwd").check().is_err());
        let bad_region = Account {
            region: Some("us-east-1\nx".into()),
            ..Account::default()
        };
        assert!(bad_region.check().is_err());
    }

    #[test]
    fn keys_are_neither_serialized_nor_shown() {
        let a = Account {
            region: Some("eu-west-1".into()),
            keys: Some(Keys {
                access_key_id: "AKIAEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI".into(),
                session_token: Some("token-xyz".into()),
            }),
            ..Account::default()
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"region":"eu-west-1"}"#);
        let debug = format!("{a:?}");
        assert!(!debug.contains("wJalrXUtnFEMI") && !debug.contains("token-xyz"));
    }
}
