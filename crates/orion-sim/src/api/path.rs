//! Which part of the API a request path names.

use crate::resources::{self, Resource};

#[derive(Debug, PartialEq)]
pub enum Route {
    Version,
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/GROUP`
    Group(String),
    /// `/api/v1` or `/apis/GROUP/VERSION`
    GroupVersion(String, String),
    Object(Target),
    /// `/openapi/v3`
    OpenApiIndex,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/GROUP/VERSION`
    OpenApi(String),
    Unknown,
}

/// A resource collection, or one object, or one object's subresource.
#[derive(Debug, PartialEq)]
pub struct Target {
    pub resource: &'static Resource,
    /// The namespace in the path (`None` for cluster-scoped or all-namespaces requests).
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

pub fn route(path: &str) -> Route {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["openapi", "v3"] => Route::OpenApiIndex,
        ["openapi", "v3", rest @ ..] => Route::OpenApi(rest.join("/")),
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["api", "v1"] => Route::GroupVersion(String::new(), "v1".into()),
        ["apis", group] => Route::Group(group.to_string()),
        ["apis", group, version] => Route::GroupVersion(group.to_string(), version.to_string()),
        ["api", "v1", rest @ ..] => object("", "v1", rest),
        ["apis", group, version, rest @ ..] => object(group, version, rest),
        _ => Route::Unknown,
    }
}

fn object(group: &str, version: &str, rest: &[&str]) -> Route {
    let (namespace, rest) = match rest {
        // /namespaces/NS/RESOURCE..., but not /namespaces/NAME[/status|/finalize]
        ["namespaces", ns, resource, more @ ..]
            if !(group.is_empty()
                && more.is_empty()
                && matches!(*resource, "status" | "finalize")) =>
        {
            (Some(ns.to_string()), [&[*resource][..], more].concat())
        }
        _ => (None, rest.to_vec()),
    };
    let (plural, name, sub) = match rest.as_slice() {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(name.to_string()), None),
        [plural, name, sub] => (*plural, Some(name.to_string()), Some(sub.to_string())),
        _ => return Route::Unknown,
    };
    match resources::find(group, version, plural) {
        Some(resource) if namespace.is_none() || resource.namespaced => Route::Object(Target {
            resource,
            namespace,
            name,
            subresource: sub,
        }),
        _ => Route::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::{route, Route};

    fn target(path: &str) -> (String, Option<String>, Option<String>, Option<String>) {
        match route(path) {
            Route::Object(t) => (
                t.resource.plural.to_string(),
                t.namespace,
                t.name,
                t.subresource,
            ),
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn routes_collections_objects_and_subresources() {
        assert_eq!(route("/version"), Route::Version);
        assert_eq!(
            route("/apis/apps/v1"),
            Route::GroupVersion("apps".into(), "v1".into())
        );
        assert_eq!(
            target("/api/v1/namespaces"),
            ("namespaces".into(), None, None, None)
        );
        assert_eq!(
            target("/api/v1/namespaces/shop"),
            ("namespaces".into(), None, Some("shop".into()), None)
        );
        assert_eq!(
            target("/api/v1/namespaces/shop/status"),
            (
                "namespaces".into(),
                None,
                Some("shop".into()),
                Some("status".into())
            )
        );
        assert_eq!(
            target("/api/v1/namespaces/shop/pods"),
            ("pods".into(), Some("shop".into()), None, None)
        );
        assert_eq!(
            target("/apis/apps/v1/namespaces/shop/deployments/web/scale"),
            (
                "deployments".into(),
                Some("shop".into()),
                Some("web".into()),
                Some("scale".into())
            )
        );
        assert_eq!(
            target("/apis/apps/v1/deployments"),
            ("deployments".into(), None, None, None)
        );
        assert_eq!(
            target("/api/v1/nodes/n1"),
            ("nodes".into(), None, Some("n1".into()), None)
        );
        assert_eq!(route("/api/v1/namespaces/shop/nodes"), Route::Unknown);
        assert_eq!(route("/apis/apps/v1/widgets"), Route::Unknown);
    }
}
