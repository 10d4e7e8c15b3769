//! Replacing a container with one of another image, configured as it was
//! (environment, ports, labels, network, restart policy, health check): the
//! old one is renamed out of the way (`names::kept`) and the new one started
//! under its name. Old and new run side by side until the new one is up,
//! unless the old one publishes host ports the new one needs: then the old
//! one stops first. The old one is stopped, never deleted, once the new one
//! is healthy — it is what an undo puts back.

use super::containers::{create_body, find, remove, rename, stop};
use super::daemon::Daemon;
use super::names::{check_image, kept};
use super::spec::RUN;
use bollard::models::{ContainerCreateBody, ContainerInspectResponse};
use serde_json::Value;
use std::time::Duration;

/// Whether `c` publishes ports on the host (a new container beside it
/// could not bind them).
pub fn publishes(c: &ContainerInspectResponse) -> bool {
    c.host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
        .is_some_and(|ports| {
            ports.values().flatten().flatten().any(|b| {
                b.host_port
                    .as_deref()
                    .is_some_and(|p| !p.is_empty() && p != "0")
            })
        })
}

/// The create body of `old` with `image` (and the run's label) in place of
/// its own. What the old image set by default — its command, entrypoint,
/// health check — is left to the new image.
pub fn body_like(
    old: &ContainerInspectResponse,
    old_image: &Value,
    image: &str,
    run: Option<&str>,
) -> Result<ContainerCreateBody, String> {
    let mut config = serde_json::to_value(&old.config).map_err(|e| e.to_string())?;
    let defaults = &old_image["Config"];
    for key in ["Cmd", "Entrypoint", "Healthcheck", "WorkingDir", "User"] {
        if config[key] == defaults[key] {
            config.as_object_mut().map(|o| o.remove(key));
        }
    }
    if let Some(o) = config.as_object_mut() {
        for key in ["Hostname", "Image", "Domainname"] {
            o.remove(key);
        }
    }
    let mut body: ContainerCreateBody = serde_json::from_value(config)
        .map_err(|e| format!("the container's configuration: {e}"))?;
    body.image = Some(image.to_string());
    body.host_config = old.host_config.clone();
    let labels = body.labels.get_or_insert_with(Default::default);
    match run {
        Some(r) => labels.insert(RUN.into(), r.into()),
        None => labels.remove(RUN),
    };
    Ok(body)
}

/// Starts a container of `image` as `name` in place of `old` (renamed to
/// the kept name; stopped first when it publishes host ports). Returns
/// whether `old` is still running (to stop once the new one is up).
pub async fn start_in_place_of(
    d: &Daemon,
    name: &str,
    old: &ContainerInspectResponse,
    image: &str,
    run: Option<&str>,
    grace: Duration,
) -> Result<bool, String> {
    check_image(image)?;
    super::containers::have_image(d, image).await?;
    let old_image_name = old.image.clone().unwrap_or_default();
    let old_image = match d.docker.inspect_image(&old_image_name).await {
        Ok(i) => serde_json::to_value(i).unwrap_or_default(),
        Err(_) => Value::Null,
    };
    let body = body_like(old, &old_image, image, run)?;
    let keep = kept(name);
    if find(d, &keep).await?.is_some() {
        remove(d, &keep).await?;
    }
    let running = old.state.as_ref().and_then(|s| s.running).unwrap_or(false);
    let stop_first = running && publishes(old);
    if stop_first {
        stop(d, name, grace).await?;
    }
    rename(d, name, &keep).await?;
    create_body(d, name, body).await?;
    Ok(running && !stop_first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_new_body_keeps_the_configuration_but_not_the_old_image_s_defaults() {
        let old: ContainerInspectResponse = serde_json::from_value(json!({
            "Image": "sha256:aaa",
            "Config": {"Hostname": "0123abcd", "Image": "shop/web:1", "Env": ["MODE=blue"],
                "Cmd": ["/bin/httpd", "-f"], "Labels": {"app": "web", "dev.orion.run": "old-run"}},
            "HostConfig": {"PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]},
                "RestartPolicy": {"Name": "always"}}
        }))
        .unwrap();
        let image = json!({"Config": {"Cmd": ["/bin/httpd", "-f"]}});
        let body = body_like(&old, &image, "shop/web:2", Some("new-run")).unwrap();
        assert_eq!(body.image.as_deref(), Some("shop/web:2"));
        assert_eq!(body.env.as_deref(), Some(&["MODE=blue".to_string()][..]));
        assert_eq!(
            body.cmd, None,
            "the old image's command is the new image's to say"
        );
        assert_eq!(body.hostname, None);
        assert_eq!(body.labels.as_ref().unwrap()["dev.orion.run"], "new-run");
        assert!(publishes(&old));
        let custom = json!({"Config": {"Cmd": ["/bin/other"]}});
        assert_eq!(
            body_like(&old, &custom, "x", None).unwrap().cmd.unwrap()[0],
            "/bin/httpd"
        );
    }
}
