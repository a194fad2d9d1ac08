//! The directives of mod_auth_basic.c, as `spoor -L` lists them.

use super::dirconf::Provider;
use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::authz_core::config::inside_only;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_auth_basic.c`, in httpd's `-L` order.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "AuthBasicProvider",
        context: Context::Inside,
        parse: Parse::Fn(provider),
        about: "The authentication providers asked in turn (file)",
    },
    DirectiveDef {
        name: "AuthBasicAuthoritative",
        context: Context::Inside,
        parse: Parse::Fn(authoritative),
        about: "Off: an unknown user is left to later authentication modules",
    },
    DirectiveDef {
        name: "AuthBasicFake",
        context: Context::Inside,
        parse: Parse::Fn(not_yet),
        about: "Fake credentials passed on (not supported yet)",
    },
    DirectiveDef {
        name: "AuthBasicUseDigestAlgorithm",
        context: Context::Inside,
        parse: Parse::Fn(not_yet),
        about: "Look credentials up as Digest would (not supported yet)",
    },
];

/// A directive of the module spoor does not carry out yet.
fn not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!(
        "{} is not supported by spoor yet",
        cmd.d.command_name()
    )))
}

/// `AuthBasicProvider name…`.
fn provider(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthBasicProvider")?;
    nargs(
        cmd.d,
        1,
        usize::MAX,
        "specify the auth providers for a directory or location",
    )?;
    let file_loaded = cmd.settings.loaded.contains(&"authn_file_module");
    let mut list = Vec::new();
    for name in &cmd.d.args {
        match name.as_str() {
            "file" if file_loaded => list.push(Provider::File),
            // httpd's other providers (dbm, dbd, ldap, anon, socache)
            // belong to modules spoor does not have, so they are never
            // loaded: httpd's message for a provider no module offers.
            _ => return Err(cmd.error(format!("Unknown Authn provider: {name}"))),
        }
    }
    cmd.srv.dir.basic.providers = Some(list);
    Ok(())
}

/// `AuthBasicAuthoritative On|Off`.
fn authoritative(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthBasicAuthoritative")?;
    // httpd reads a flag directive's first word (apache2 -t accepts
    // `On Off` as On) and gives one message for any other wrong use.
    let v = match cmd.d.args.first() {
        Some(w) if w.eq_ignore_ascii_case("on") => true,
        Some(w) if w.eq_ignore_ascii_case("off") => false,
        _ => return Err(cmd.error("AuthBasicAuthoritative must be On or Off")),
    };
    cmd.srv.dir.basic.authoritative = Some(v);
    Ok(())
}
