//! orion's integration tests: one binary, driving the real `orion` executable.

mod support;

mod alb;
mod canary;
mod check;
mod cli;
mod cloudwatch;
mod docker;
mod docs;
mod errors;
mod exhaustion;
mod forward;
mod guard;
mod health;
mod history;
mod interrupt;
mod json;
mod k8s;
mod metrics;
mod monitor;
mod notify;
mod play;
mod playbooks;
mod promises;
mod repl;
mod security;
mod signal;
mod smoke;
mod traffic;
