//! WASD's pieces as a module: [`site`] (services, mapping rules, content
//! types: the running site's WASD part), [`hooks`] (the mapping rules as
//! map-to-storage, and per request the tracking token in and its cookie
//! out), [`track`] (the tracking rules and the connection's token),
//! [`report`] (the server reports that replace Apache's error pages). The
//! service is chosen with the virtual host in the protocol layer; a
//! report is built by core's error response when the server has one.

pub(crate) mod hooks;
pub mod report;
pub mod site;
pub mod track;
