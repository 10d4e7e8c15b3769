//! The simulated cluster's tests: one binary, driving it through kube-rs
//! (`api`), the real kubectl (`kubectl`, `kubectl_create`), and the HTTP its
//! pods, Services and load balancers serve (`serving`).

mod api;
mod kubectl;
mod kubectl_create;
mod serving;
