//! The simulated cluster's tests: one binary, driving it through kube-rs
//! (`api`, and `fidelity` where answers must match a real server exactly), the
//! real kubectl (`kubectl`, `kubectl_create`, `logs`), and the HTTP its
//! pods, Services and load balancers serve (`serving`), port-forward and the
//! API server's proxy (`portforward`, `proxy`), and what the host reaches of
//! the pod network in each mode (`pod_network`).

mod api;
mod fidelity;
mod kubectl;
mod kubectl_create;
mod logs;
mod pod_network;
mod portforward;
mod proxy;
mod serving;
