//! The directives of mod_log_config.c, as `spoor -L` lists them.

use spoor_log::{Escaping, Format};

use crate::config::error::ConfigError;
use crate::config::model::{flag, nargs, not_in_vhost};
use crate::config::model::{Cmd, LogSpec, Scope};
use crate::modules::{Context, DirectiveDef, Parse};
use crate::setenv::LogCondition;

/// The directives of `mod_log_config.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "BufferedLogs",
        context: Context::Server,
        parse: Parse::Fn(buffered_logs),
        about: "Whether access log lines are buffered before being written",
    },
    DirectiveDef {
        name: "LogFormat",
        context: Context::Server,
        parse: Parse::Fn(log_format),
        about: "An access log format, the default one or a named one",
    },
    DirectiveDef {
        name: "CustomLog",
        context: Context::Server,
        parse: Parse::Fn(custom_log),
        about: "An access log: a file or piped program, a format, an optional condition",
    },
    DirectiveDef {
        name: "TransferLog",
        context: Context::Server,
        parse: Parse::Fn(transfer_log),
        about: "An access log in the server's default format",
    },
    DirectiveDef {
        name: "GlobalLog",
        context: Context::Server,
        parse: Parse::Fn(custom_log),
        about: "An access log that every virtual host writes too",
    },
];

/// `BufferedLogs On|Off`: process-wide, the last one read wins.
fn buffered_logs(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    cmd.settings.buffered_logs = flag(cmd.d, "Enable Buffered Logging (experimental)")?;
    Ok(())
}

/// `LogFormat format [nickname]`, checked by compiling it.
fn log_format(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    let d = cmd.d;
    nargs(
        d,
        1,
        2,
        "a log format string (see docs) and an optional format name",
    )?;
    let items = cmd.settings.log_items();
    Format::apache_registered(d.args[0].as_bytes(), Escaping::Apache, &items)
        .map_err(|e| cmd.error(e.0))?;
    let srv = &mut *cmd.srv;
    match d.args.get(1) {
        Some(nick) => {
            let key = nick.to_ascii_lowercase();
            srv.formats.retain(|(k, _)| *k != key);
            srv.formats.push((key, d.args[0].clone()));
        }
        None => srv.default_format = Some(d.args[0].clone()),
    }
    Ok(())
}

/// `CustomLog`/`GlobalLog target format [env=…|expr=…]`, with spoor's
/// `escape=` and `period=` extensions.
fn custom_log(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    let d = cmd.d;
    let global = cmd.name == "globallog";
    if global && cmd.scope != Scope::Main {
        return Err(not_in_vhost(d));
    }
    let mut args: Vec<&str> = d.args.iter().map(String::as_str).collect();
    let mut escaping = Escaping::Apache;
    if let Some(i) = args
        .iter()
        .skip(2)
        .position(|a| a.to_ascii_lowercase().starts_with("escape="))
    {
        let v = args.remove(i + 2);
        escaping = match v[7..].to_ascii_lowercase().as_str() {
            "json" => Escaping::Json,
            "default" | "apache" => Escaping::Apache,
            _ => return Err(cmd.error(format!("escape= takes json or default, not '{}'", &v[7..]))),
        };
    }
    let period = crate::periodic_log::take_period_arg(d, &mut args)?;
    if args.len() < 2 || args.len() > 3 {
        return Err(cmd.error(format!(
            "{} takes two or three arguments, a file name, a custom log format string or format name, and an optional \"env=\" or \"expr=\" clause (see docs)",
            d.name
        )));
    }
    let items = cmd.settings.log_items();
    Format::apache_registered(args[1].as_bytes(), escaping, &items).map_err(|e| cmd.error(e.0))?;
    let condition = match args.get(2) {
        Some(c) => Some(LogCondition::parse(c).map_err(|m| cmd.error(m))?),
        None => None,
    };
    cmd.srv.logs.push(LogSpec {
        target: args[0].to_string(),
        format: Some(args[1].to_string()),
        condition,
        escaping,
        global,
        period,
        wasd_name: None,
        wasd_format: false,
        file: d.file.clone(),
        line: d.line,
    });
    Ok(())
}

/// `TransferLog target`, in the server's default format.
fn transfer_log(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    let d = cmd.d;
    nargs(d, 1, 1, "the filename of the access log")?;
    cmd.srv.logs.push(LogSpec {
        target: d.args[0].clone(),
        format: None,
        condition: None,
        escaping: Escaping::Apache,
        global: false,
        period: None,
        wasd_name: None,
        wasd_format: false,
        file: d.file.clone(),
        line: d.line,
    });
    Ok(())
}
