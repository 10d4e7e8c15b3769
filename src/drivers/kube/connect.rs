//! Connecting: the kubeconfig (a given file, else $KUBECONFIG or
//! ~/.kube/config) with an optional context and namespace, or the in-cluster
//! service account when there is no kubeconfig.

use crate::drivers::kube::error::K8sError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::Path;

/// Where the run points, as `k8s::context()` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub server: String,
    pub namespace: String,
    pub user: String,
}

/// A connected cluster.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    pub info: ContextInfo,
}

impl Cluster {
    /// The namespace objects go to when a call names none.
    pub fn namespace(&self) -> &str {
        &self.info.namespace
    }
}

pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    namespace: Option<&str>,
) -> Result<Cluster, K8sError> {
    let file = match kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| {
            K8sError::new(format!(
                "cannot read the kubeconfig {}: {e}",
                path.display()
            ))
        })?),
        None => default_kubeconfig()?,
    };
    let (config, mut info) = match file {
        Some(file) => from_file(file, context).await?,
        None if context.is_some() => {
            return Err(K8sError::new(format!(
                "no kubeconfig to find context \"{}\" in\nhint: set KUBECONFIG, or run with --sim",
                context.unwrap_or_default()
            )))
        }
        None => in_cluster()?,
    };
    let mut config = config;
    if let Some(ns) = namespace {
        config.default_namespace = ns.to_string();
    }
    // Connections that cannot be opened fail fast ([api] connect_timeout).
    config.connect_timeout = Some(
        crate::drivers::kube::calls::current()
            .settings
            .connect_timeout,
    );
    info.namespace = config.default_namespace.clone();
    info.server = config.cluster_url.to_string();
    let client = Client::try_from(config)
        .map_err(|e| K8sError::new(format!("cannot set up a client for {}: {e}", info.server)))?;
    Ok(Cluster { client, info })
}

async fn from_file(
    file: Kubeconfig,
    context: Option<&str>,
) -> Result<(Config, ContextInfo), K8sError> {
    let name = context
        .map(str::to_string)
        .or_else(|| file.current_context.clone())
        .ok_or_else(|| {
            K8sError::new(
                "the kubeconfig has no current context\nhint: pass --context NAME (kubectl config get-contexts lists them)",
            )
        })?;
    let named = file
        .contexts
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = file.contexts.iter().map(|c| c.name.as_str()).collect();
            K8sError::new(format!(
                "no context \"{name}\" in the kubeconfig\nhint: known contexts: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
    let user = named
        .context
        .as_ref()
        .and_then(|c| c.user.clone())
        .unwrap_or_default();
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|e| K8sError::new(format!("cannot use context \"{name}\": {e}")))?;
    let info = ContextInfo {
        name,
        server: String::new(),
        namespace: String::new(),
        user,
    };
    Ok((config, info))
}

/// The kubeconfig of $KUBECONFIG or ~/.kube/config; None when there is
/// none at all. One that is there but does not parse is an error naming it.
fn default_kubeconfig() -> Result<Option<Kubeconfig>, K8sError> {
    let named = std::env::var("KUBECONFIG").ok().filter(|v| !v.is_empty());
    let home = dirs::home_dir()
        .map(|h| h.join(".kube").join("config"))
        .filter(|p| p.exists());
    match Kubeconfig::read() {
        Ok(file) => Ok(Some(file)),
        Err(e) => match (named, home) {
            (Some(files), _) => Err(K8sError::new(format!(
                "cannot read the kubeconfig KUBECONFIG={files}: {e}\nhint: point KUBECONFIG at a kubeconfig file (kubectl config view checks it)"
            ))),
            (None, Some(path)) => Err(K8sError::new(format!(
                "cannot read the kubeconfig {}: {e}\nhint: kubectl config view checks it",
                path.display()
            ))),
            (None, None) => Ok(None),
        },
    }
}

fn in_cluster() -> Result<(Config, ContextInfo), K8sError> {
    let config = Config::incluster().map_err(|e| {
        K8sError::new(format!(
            "no kubeconfig found and not running in a cluster ({e})\nhint: set KUBECONFIG or pass --context; `orion play --sim` runs against a simulated cluster"
        ))
    })?;
    let info = ContextInfo {
        name: "in-cluster".into(),
        server: String::new(),
        namespace: String::new(),
        user: "service account".into(),
    };
    Ok((config, info))
}
