//! The directives of mod_mime.c, as `spoor -L` lists them.

use super::dirconf::Field;
use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_mime.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "TypesConfig",
        context: Context::Server,
        parse: Parse::Fn(types_config),
        about: "The file mapping file name extensions to content types",
    },
    DirectiveDef {
        name: "AddType",
        context: Context::Anywhere,
        parse: Parse::Fn(add_mapping),
        about: "A content type for file name extensions",
    },
    DirectiveDef {
        name: "AddEncoding",
        context: Context::Anywhere,
        parse: Parse::Fn(add_mapping),
        about: "A content encoding (Content-Encoding) for file name extensions",
    },
    DirectiveDef {
        name: "AddCharset",
        context: Context::Anywhere,
        parse: Parse::Fn(add_mapping),
        about: "A charset (the Content-Type's parameter) for file name extensions",
    },
    DirectiveDef {
        name: "AddLanguage",
        context: Context::Anywhere,
        parse: Parse::Fn(add_mapping),
        about: "A language (Content-Language) for file name extensions",
    },
    DirectiveDef {
        name: "AddHandler",
        context: Context::Anywhere,
        parse: Parse::Fn(add_mapping),
        about: "A handler for file name extensions (spoor's only handler is the default one)",
    },
    DirectiveDef {
        name: "AddInputFilter",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (filters)",
    },
    DirectiveDef {
        name: "AddOutputFilter",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (filters)",
    },
    DirectiveDef {
        name: "RemoveCharset",
        context: Context::Anywhere,
        parse: Parse::Fn(remove_mapping),
        about: "Extensions whose inherited charset is dropped",
    },
    DirectiveDef {
        name: "RemoveEncoding",
        context: Context::Anywhere,
        parse: Parse::Fn(remove_mapping),
        about: "Extensions whose inherited encoding is dropped",
    },
    DirectiveDef {
        name: "RemoveHandler",
        context: Context::Anywhere,
        parse: Parse::Fn(remove_mapping),
        about: "Extensions whose inherited handler is dropped",
    },
    DirectiveDef {
        name: "RemoveInputFilter",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (filters)",
    },
    DirectiveDef {
        name: "RemoveLanguage",
        context: Context::Anywhere,
        parse: Parse::Fn(remove_mapping),
        about: "Extensions whose inherited language is dropped",
    },
    DirectiveDef {
        name: "RemoveOutputFilter",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (filters)",
    },
    DirectiveDef {
        name: "RemoveType",
        context: Context::Anywhere,
        parse: Parse::Fn(remove_mapping),
        about: "Extensions whose inherited type is dropped",
    },
    DirectiveDef {
        name: "DefaultLanguage",
        context: Context::Anywhere,
        parse: Parse::Fn(default_language),
        about: "The language of files without a language extension",
    },
    DirectiveDef {
        name: "MultiviewsMatch",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (negotiation)",
    },
];

/// `TypesConfig file`, relative to ServerRoot.
fn types_config(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.global_only()?;
    nargs(cmd.d, 1, 1, "the MIME types config file")?;
    cmd.settings.types_config = Some(cmd.settings.root_relative(&cmd.d.args[0]));
    Ok(())
}

/// `AddType`, `AddCharset`, `AddEncoding`, `AddLanguage`, `AddHandler`:
/// `value ext…` (values and extensions lower-cased, a leading dot
/// dropped); a later line for the same extension replaces that part.
fn add_mapping(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    let (field, what) = match cmd.name {
        "addtype" => (
            Field::Type,
            "a mime type followed by one or more file extensions",
        ),
        "addcharset" => (
            Field::Charset,
            "a charset (e.g., iso-2022-jp), followed by one or more file extensions",
        ),
        "addencoding" => (
            Field::Encoding,
            "an encoding (e.g., gzip), followed by one or more file extensions",
        ),
        "addlanguage" => (
            Field::Language,
            "a language (e.g., fr), followed by one or more file extensions",
        ),
        _ => (
            Field::Handler,
            "a handler name followed by one or more file extensions",
        ),
    };
    if d.args.len() < 2 {
        return Err(cmd.error(format!(
            "{} requires at least two arguments, {what}",
            d.name
        )));
    }
    let value = d.args[0].to_ascii_lowercase();
    let mime = &mut cmd.srv.dir.mime;
    for ext in &d.args[1..] {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        *mime.ext_mut(&ext).slot(field) = Some(value.clone());
    }
    Ok(())
}

/// `RemoveType`, `RemoveCharset`, `RemoveEncoding`, `RemoveLanguage`,
/// `RemoveHandler`: `ext…`, that part of the mapping emptied in this
/// scope (see [`super::dirconf::MimeDir::exts`]).
fn remove_mapping(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    let field = match cmd.name {
        "removetype" => Field::Type,
        "removecharset" => Field::Charset,
        "removeencoding" => Field::Encoding,
        "removelanguage" => Field::Language,
        _ => Field::Handler,
    };
    if d.args.is_empty() {
        return Err(cmd.error(format!(
            "{} requires at least one argument, one or more file extensions",
            d.name
        )));
    }
    let mime = &mut cmd.srv.dir.mime;
    for ext in &d.args {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        *mime.ext_mut(&ext).slot(field) = Some(String::new());
    }
    Ok(())
}

/// `DefaultLanguage lang`.
fn default_language(cmd: &mut Cmd) -> Result<(), ConfigError> {
    nargs(
        cmd.d,
        1,
        1,
        "language to use for documents with no other language file extension",
    )?;
    cmd.srv.dir.mime.default_language = Some(cmd.d.args[0].to_ascii_lowercase());
    Ok(())
}

/// mod_mime's filters and negotiation settings: not carried out yet.
fn not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!("{} is not supported by spoor yet", cmd.d.name)))
}
