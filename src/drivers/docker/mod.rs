//! Docker, the driver side: the Engine API through bollard, over the
//! daemon's unix socket or TCP (with TLS). Containers are run, waited for
//! (healthy, or running when they have no health check), stopped, kept and
//! removed here; the `docker` primitives take every change through the
//! guard's door first.

pub mod containers;
pub mod daemon;
pub mod names;
pub mod replace;
pub mod spec;
pub mod swarm;
pub mod undo;
