//! The directives of mod_filter.c, as `spoor -L` lists them.

use super::dirconf::{ByType, Provider};
use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_filter.c`.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "AddOutputFilterByType",
        context: Context::Anywhere,
        parse: Parse::Fn(by_type),
        about: "output filter name followed by one or more content-types",
    },
    DirectiveDef {
        name: "FilterDeclare",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (smart filters)",
    },
    DirectiveDef {
        name: "FilterProvider",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (smart filters)",
    },
    DirectiveDef {
        name: "FilterChain",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (smart filters)",
    },
    DirectiveDef {
        name: "FilterProtocol",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (smart filters)",
    },
    DirectiveDef {
        name: "FilterTrace",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (smart filters)",
    },
];

/// Output filters httpd registers that spoor does not have (its core's
/// and those of modules spoor stands in for): named in a configuration,
/// they are refused as not supported rather than unknown.
const NOT_YET: &[&str] = &[
    "inflate",
    "core",
    "content_length",
    "http_header",
    "byterange",
    "http_outerror",
    "chunk",
    "old_write",
    "subreq_core",
];

/// The filter a name stands for (any case), given the loaded modules.
fn provider(cmd: &Cmd, name: &str) -> Result<Provider, ConfigError> {
    let lc = name.to_ascii_lowercase();
    if lc == "deflate" && cmd.settings.loaded.contains(&"deflate_module") {
        return Ok(Provider::Deflate);
    }
    if NOT_YET.contains(&lc.as_str())
        && (lc != "inflate" || cmd.settings.loaded.contains(&"deflate_module"))
    {
        return Err(cmd.error(format!(
            "the output filter {name} is not supported by spoor yet"
        )));
    }
    Err(cmd.error(format!("Unknown filter provider {name}")))
}

/// `AddOutputFilterByType filter[;filter…] type…`: each filter runs for
/// responses of the types (mod_filter's `BYTYPE:` filters). Within one
/// scope the lines for a filter add up; a section's lines for it replace
/// the inherited types.
fn by_type(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let args = cmd.d.args.clone();
    if args.len() < 2 {
        return Err(cmd.error("AddOutputFilterByType requires at least two arguments"));
    }
    for name in args[0].split(';').filter(|n| !n.is_empty()) {
        let p = provider(cmd, name)?;
        let f = &mut cmd.srv.dir.filter;
        match f.declared.iter_mut().find(|d| d.provider == p) {
            Some(d) => d.types.extend(args[1..].iter().cloned()),
            None => {
                f.declared.push(ByType {
                    provider: p,
                    types: args[1..].to_vec(),
                });
                f.chain.push(p);
            }
        }
    }
    cmd.settings.output_filters = true;
    Ok(())
}

/// mod_filter's smart-filter directives: not in spoor yet.
fn not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!("{} is not supported by spoor yet", cmd.d.name)))
}
