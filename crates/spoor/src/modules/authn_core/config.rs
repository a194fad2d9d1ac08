//! The directives of mod_authn_core.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::authz_core::config::inside_only;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authn_core.c`, in httpd's `-L` order.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "<AuthnProviderAlias",
        context: Context::Server,
        parse: Parse::Fn(not_yet),
        about: "A named authentication provider with its own settings (not supported yet)",
    },
    DirectiveDef {
        name: "AuthType",
        context: Context::Inside,
        parse: Parse::Fn(auth_type),
        about: "The HTTP authentication scheme (Basic, or None)",
    },
    DirectiveDef {
        name: "AuthName",
        context: Context::Inside,
        parse: Parse::Fn(auth_name),
        about: "The authentication realm the client is told",
    },
];

/// A directive of the module spoor does not carry out yet.
fn not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!(
        "{} is not supported by spoor yet",
        cmd.d.command_name()
    )))
}

/// `AuthType Basic|None`.
fn auth_type(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthType")?;
    nargs(cmd.d, 1, 1, "an HTTP authorization type (e.g., \"Basic\")")?;
    let t = &cmd.d.args[0];
    let basic = if t.eq_ignore_ascii_case("basic") {
        true
    } else if t.eq_ignore_ascii_case("none") {
        false
    } else {
        return Err(cmd.error(format!("AuthType {t} is not supported by spoor yet")));
    };
    cmd.srv.dir.authn.basic = Some(basic);
    cmd.srv.dir.authn.type_name = Some(t.clone());
    Ok(())
}

/// `AuthName realm`.
fn auth_name(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthName")?;
    nargs(
        cmd.d,
        1,
        1,
        "the authentication realm (e.g. \"Members Only\")",
    )?;
    let n = &cmd.d.args[0];
    // httpd reads the realm as an ap_expr string.
    if n.contains("%{") || n.contains('\\') {
        return Err(cmd.error(format!(
            "AuthName with an expression ({n}) is not supported by spoor yet"
        )));
    }
    cmd.srv.dir.authn.name = Some(n.clone());
    Ok(())
}
