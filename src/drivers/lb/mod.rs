//! Traffic, the driver side: checking that a split reached the data plane by
//! sending real requests through an entry point and counting which backend
//! answered, and for a Service router by reading its Endpoints. (The routers themselves — Service selectors, Gateway API
//! routes, ingress-nginx canaries — are Kubernetes objects changed through
//! the k8s primitives.)

pub mod haproxy;
pub mod nginx;
pub mod routes;
pub mod service_split;
pub mod verify;
