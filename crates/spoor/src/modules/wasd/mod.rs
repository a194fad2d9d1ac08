//! WASD's request-time pieces that run as a module: the mapping rules of
//! a `--wasd-map` file. (Services are chosen with the virtual host, in
//! the protocol layer; reports and tracking are written with the
//! response, `modules/core/response.rs`.)

pub(crate) mod hooks;
