//! How a run reaches the cluster's own addresses (ClusterIPs, pod IPs):
//! directly, or through port-forwards over the API server. From a laptop or
//! a CI runner those addresses exist only inside the cluster; orion running
//! in a pod reaches them as they are. `auto` (the default) decides by where
//! orion runs; a LoadBalancer's address is reached directly either way.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    /// Directly inside the cluster, through port-forwards outside it.
    #[default]
    Auto,
    /// Connect to ClusterIPs and pod IPs as they are.
    Direct,
    /// Always through port-forwards over the API server.
    Forward,
}

/// What `auto` and the others come to for this process: forward or not.
pub fn forwards(reach: Reach) -> bool {
    match reach {
        Reach::Direct => false,
        Reach::Forward => true,
        Reach::Auto => !in_cluster(),
    }
}

/// Whether orion runs in a pod: the service account's environment and token.
pub fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        && std::path::Path::new("/var/run/secrets/kubernetes.io/serviceaccount/token").exists()
}

/// The line the log says once: how this run reaches the cluster's addresses.
pub fn said(reach: Reach) -> String {
    let how = if forwards(reach) {
        "through port-forwards over the API server"
    } else {
        "directly"
    };
    let why = match reach {
        Reach::Auto if in_cluster() => "reach = auto: orion runs inside the cluster",
        Reach::Auto => "reach = auto: orion runs outside the cluster",
        Reach::Direct => "reach = direct",
        Reach::Forward => "reach = forward",
    };
    format!("the cluster's Service and pod addresses are reached {how} ({why}); LoadBalancer addresses directly")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_forward_are_what_they_say() {
        assert!(!forwards(Reach::Direct));
        assert!(forwards(Reach::Forward));
        assert!(said(Reach::Forward).contains("through port-forwards"));
        assert!(said(Reach::Direct).contains("reached directly"));
    }
}
