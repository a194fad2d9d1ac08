//! The protocol layer: framing only. [`h1`] turns bytes from a transport
//! into request records, runs the request phases on them
//! ([`crate::hooks`]) and writes the responses they build.

pub(crate) mod h1;
