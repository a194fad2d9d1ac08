//! The directives of mod_unixd.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::{Cmd, Scope};
use crate::modules::{Context, DirectiveDef, Parse};
use crate::privileges::IdSetting;

/// The directives of `mod_unixd.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "User",
        context: Context::Server,
        parse: Parse::Fn(user_group),
        about: "The account a server started as root serves as",
    },
    DirectiveDef {
        name: "Group",
        context: Context::Server,
        parse: Parse::Fn(user_group),
        about: "The group a server started as root serves as",
    },
];

/// `User` / `Group`: main server only, resolved (and an unknown name
/// refused) as the file is read, as httpd.
fn user_group(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    if cmd.scope == Scope::Dir {
        return Err(cmd.error(format!("{} not allowed in <Directory> context", d.name)));
    }
    cmd.global_only()?;
    let user = cmd.name == "user";
    nargs(
        d,
        1,
        1,
        if user {
            "Effective user id for this server"
        } else {
            "Effective group id for this server"
        },
    )?;
    let spec = &d.args[0];
    let id = if user {
        crate::privileges::resolve_user(spec)
    } else {
        crate::privileges::resolve_group(spec)
    }
    .map_err(|e| cmd.error(e))?;
    let setting = IdSetting {
        spec: spec.clone(),
        id,
        file: d.file.clone(),
        line: d.line,
    };
    if user {
        cmd.settings.user = Some(setting);
    } else {
        cmd.settings.group = Some(setting);
    }
    Ok(())
}
