//! The sandbox's promises, each held by the adversarial trial that once broke
//! it: a playbook runs no program and writes no file beyond what its
//! primitives promise (`sandbox`), whatever is read from the cluster cannot
//! make `orion rollback` run or change anything unseen (`summaries`), and no
//! secret reaches what orion shows or writes, however it is spelled (`masking`).

mod masking;
mod sandbox;
mod summaries;
