//! The directives of mod_autoindex.c: table and parsers, with httpd's
//! messages.

use super::dirconf::{opt, Adjust, AutoindexDir, By, Desc, Item};
use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_autoindex.c`, in `-L` order.
pub const DIRECTIVES: &[DirectiveDef] = &[
    d(
        "AddIcon",
        add_icon,
        "an icon URL followed by one or more filenames",
    ),
    d(
        "AddIconByType",
        add_icon,
        "an icon URL followed by one or more MIME types",
    ),
    d(
        "AddIconByEncoding",
        add_icon,
        "an icon URL followed by one or more content encodings",
    ),
    d(
        "AddAlt",
        add_alt,
        "alternate descriptive text followed by one or more filenames",
    ),
    d(
        "AddAltByType",
        add_alt,
        "alternate descriptive text followed by one or more MIME types",
    ),
    d(
        "AddAltByEncoding",
        add_alt,
        "alternate descriptive text followed by one or more content encodings",
    ),
    d(
        "IndexOptions",
        index_options,
        "one or more index options [+|-][]",
    ),
    d(
        "IndexOrderDefault",
        order_default,
        "{Ascending,Descending} {Name,Size,Description,Date}",
    ),
    d("IndexIgnore", index_ignore, "one or more file extensions"),
    d(
        "IndexIgnoreReset",
        ignore_reset,
        "Reset the inherited list of IndexIgnore filenames",
    ),
    d(
        "AddDescription",
        add_description,
        "Descriptive text followed by one or more filenames",
    ),
    d("HeaderName", string_slot, "a filename"),
    d("ReadmeName", string_slot, "a filename"),
    d(
        "FancyIndexing",
        fancy_indexing,
        "The FancyIndexing directive is no longer supported. Use IndexOptions FancyIndexing.",
    ),
    d("DefaultIcon", string_slot, "an icon URL"),
    d("IndexStyleSheet", string_slot, "URL to style sheet"),
    d(
        "IndexHeadInsert",
        string_slot,
        "String to insert in HTML HEAD section",
    ),
];

const fn d(name: &'static str, f: crate::modules::ParseFn, about: &'static str) -> DirectiveDef {
    DirectiveDef {
        name,
        context: Context::Anywhere,
        parse: Parse::Fn(f),
        about,
    }
}

/// The `-L` text of the directive `cmd` carries out (its usage words in
/// httpd's messages).
fn about(cmd: &Cmd) -> &'static str {
    DIRECTIVES
        .iter()
        .find(|x| x.name.eq_ignore_ascii_case(cmd.name))
        .map_or("", |x| x.about)
}

/// The record of the scope being read.
fn rec<'a>(cmd: &'a mut Cmd) -> &'a mut AutoindexDir {
    let r = &mut cmd.srv.dir.autoindex;
    r.set = true;
    r
}

/// The section path the directive is in (httpd's `cmd->path`, "" at
/// server level), as the prefix of an item's `apply_path`.
fn section_path(cmd: &Cmd) -> String {
    cmd.settings.section_path.clone().unwrap_or_default()
}

/// What a `By::Path` pattern's own spelling asks for (httpd's
/// `ap_is_matchexp`: a `*` or `?`).
fn is_matchexp(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// httpd's `push_item`.
fn item(by: By, to: &str, path: &str, data: &str) -> Item {
    Item {
        by,
        apply_to: if by == By::Path && !is_matchexp(to) {
            format!("*{to}")
        } else {
            to.to_string()
        },
        apply_path: format!("{path}*"),
        data: data.to_string(),
    }
}

/// The kind of the `AddIcon*`/`AddAlt*` directive in `cmd`.
fn by(cmd: &Cmd) -> By {
    if cmd.name.ends_with("bytype") {
        By::Type
    } else if cmd.name.ends_with("byencoding") {
        By::Encoding
    } else {
        By::Path
    }
}

/// The name a `By::Path` or `By::Encoding` line gives, as httpd keeps it.
fn target(by: By, to: &str) -> String {
    match by {
        By::Path if to == "**DIRECTORY**" => "^^DIRECTORY^^".to_string(),
        By::Encoding => to.to_ascii_lowercase(),
        _ => to.to_string(),
    }
}

/// `nargs` for httpd's ITERATE2 directives.
fn at_least_two(cmd: &Cmd) -> Result<(), ConfigError> {
    crate::config::model::nargs(cmd.d, 2, usize::MAX, about(cmd))
}

/// `AddAlt`, `AddAltByType`, `AddAltByEncoding`.
fn add_alt(cmd: &mut Cmd) -> Result<(), ConfigError> {
    at_least_two(cmd)?;
    let (by, path) = (by(cmd), section_path(cmd));
    let args = cmd.d.args.clone();
    for to in &args[1..] {
        let it = item(by, &target(by, to), &path, &args[0]);
        rec(cmd).alts.push(it);
    }
    Ok(())
}

/// `AddIcon`, `AddIconByType`, `AddIconByEncoding`: an icon URL, or
/// `(ALT,url)` which also adds the alt text.
fn add_icon(cmd: &mut Cmd) -> Result<(), ConfigError> {
    at_least_two(cmd)?;
    let (by, path) = (by(cmd), section_path(cmd));
    let args = cmd.d.args.clone();
    let icon = &args[0];
    let (alt, url) = if let Some(rest) = icon.strip_prefix('(') {
        let Some(close) = icon.find(')') else {
            return Err(cmd.error("missing closing paren"));
        };
        // httpd cuts the word at the first comma, then the icon at the
        // closing parenthesis.
        match icon.find(',') {
            Some(comma) if comma < close => (
                Some(icon[1..comma].to_string()),
                icon[comma + 1..close].to_string(),
            ),
            Some(comma) => (Some(rest[..comma - 1].to_string()), String::new()),
            None => (Some(rest.to_string()), String::new()),
        }
    } else {
        (None, icon.clone())
    };
    for to in &args[1..] {
        let to = target(by, to);
        if let Some(alt) = &alt {
            let it = item(by, &to, &path, alt);
            rec(cmd).alts.push(it);
        }
        let it = item(by, &to, &path, &url);
        rec(cmd).icons.push(it);
    }
    Ok(())
}

/// APR's `apr_fnmatch_test`: whether a pattern has wildcards (`*`, `?`,
/// or a `[` closed later by `]`).
fn fnmatch_test(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    let mut open = false;
    while i < b.len() {
        match b[i] {
            b'?' | b'*' => return true,
            b'\\' => i += 1,
            b'[' => open = true,
            b']' if open => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `AddDescription "text" name…`.
fn add_description(cmd: &mut Cmd) -> Result<(), ConfigError> {
    at_least_two(cmd)?;
    let args = cmd.d.args.clone();
    for to in &args[1..] {
        let full_path = to.contains('/');
        let wildcards = full_path || fnmatch_test(to);
        let pattern = if wildcards {
            format!("{}{to}*", if full_path { "*/" } else { "*" })
        } else {
            to.clone()
        };
        rec(cmd).descs.push(Desc {
            pattern,
            description: args[0].clone(),
            full_path,
            wildcards,
        });
    }
    Ok(())
}

/// `IndexIgnore pattern…`.
fn index_ignore(cmd: &mut Cmd) -> Result<(), ConfigError> {
    crate::config::model::nargs(cmd.d, 1, usize::MAX, about(cmd))?;
    let path = section_path(cmd);
    let args = cmd.d.args.clone();
    for to in &args {
        // (httpd's `push_item` with no type: the pattern as written.)
        let it = Item {
            by: By::Type,
            apply_to: to.clone(),
            apply_path: format!("{path}*"),
            data: String::new(),
        };
        rec(cmd).ignore.push(it);
    }
    Ok(())
}

/// `IndexIgnoreReset On|Off`.
fn ignore_reset(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let on = crate::config::model::flag(cmd.d, about(cmd))?;
    rec(cmd).ignore_reset = on;
    Ok(())
}

/// `HeaderName`, `ReadmeName`, `DefaultIcon`, `IndexStyleSheet`,
/// `IndexHeadInsert`: one string each.
fn string_slot(cmd: &mut Cmd) -> Result<(), ConfigError> {
    crate::config::model::nargs(cmd.d, 1, 1, about(cmd))?;
    let v = Some(cmd.d.args[0].clone());
    let name = cmd.name.to_string();
    if (name == "headername" || name == "readmename") && cmd.d.args[0].contains('/') {
        // httpd looks such a name up as a URI of its own (through
        // Alias and the rest); spoor looks for the file in the
        // directory being listed only.
        return Err(cmd.error(format!(
            "{} with a path ({}) is not supported by spoor yet",
            cmd.d.name, cmd.d.args[0]
        )));
    }
    let r = rec(cmd);
    match name.as_str() {
        "headername" => r.header = v,
        "readmename" => r.readme = v,
        "defaulticon" => r.default_icon = v,
        "indexstylesheet" => r.style_sheet = v,
        _ => r.head_insert = v,
    }
    Ok(())
}

/// `FancyIndexing`: httpd's deprecated-directive error.
fn fancy_indexing(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(about(cmd)))
}

/// `IndexOrderDefault Ascending|Descending Name|Date|Size|Description`.
fn order_default(cmd: &mut Cmd) -> Result<(), ConfigError> {
    crate::config::model::nargs(cmd.d, 2, 2, about(cmd))?;
    let (dir, key) = (cmd.d.args[0].clone(), cmd.d.args[1].clone());
    let direction = if dir.eq_ignore_ascii_case("Ascending") {
        b'A'
    } else if dir.eq_ignore_ascii_case("Descending") {
        b'D'
    } else {
        return Err(cmd.error("First keyword must be 'Ascending' or 'Descending'"));
    };
    let key = match key.to_ascii_lowercase().as_str() {
        "name" => b'N',
        "date" => b'M',
        "size" => b'S',
        "description" => b'D',
        _ => {
            return Err(cmd.error("Second keyword must be 'Name', 'Date', 'Size', or 'Description'"))
        }
    };
    let r = rec(cmd);
    r.default_direction = Some(direction);
    r.default_key = Some(key);
    Ok(())
}

/// C's number reading on a word (glibc's `strtol`), kept within an `int`.
fn atoi(s: &str) -> i32 {
    let v = crate::cnum::strtol(s.as_bytes());
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// `IndexOptions [+|-]option…` (httpd's `add_opts`).
fn index_options(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let args = cmd.d.args.clone();
    let r = &mut cmd.srv.dir.autoindex;
    r.set = true;
    let mut opts = r.opts;
    let mut add = r.incremented;
    let mut remove = r.decremented;
    let err = |m: &str| ConfigError::directive(cmd.d, m);
    for w in &args {
        let (action, w) = match w.as_bytes().first() {
            Some(b'+') => (Some(b'+'), &w[1..]),
            Some(b'-') => (Some(b'-'), &w[1..]),
            _ => (None, w.as_str()),
        };
        let lower = w.to_ascii_lowercase();
        let value = |n: usize| &w[n..];
        let option = match lower.as_str() {
            "fancyindexing" => opt::FANCY_INDEXING,
            "foldersfirst" => opt::FOLDERS_FIRST,
            "htmltable" => opt::TABLE_INDEXING,
            "iconsarelinks" => opt::ICONS_ARE_LINKS,
            "ignorecase" => opt::IGNORE_CASE,
            "ignoreclient" => opt::IGNORE_CLIENT,
            "scanhtmltitles" => opt::SCAN_HTML_TITLES,
            "suppresscolumnsorting" => opt::SUPPRESS_COLSORT,
            "suppressdescription" => opt::SUPPRESS_DESC,
            "suppresshtmlpreamble" => opt::SUPPRESS_PREAMBLE,
            "suppressicon" => opt::SUPPRESS_ICON,
            "suppresslastmodified" => opt::SUPPRESS_LAST_MOD,
            "suppresssize" => opt::SUPPRESS_SIZE,
            "suppressrules" => opt::SUPPRESS_RULES,
            "trackmodified" => opt::TRACK_MODIFIED,
            "versionsort" => opt::VERSION_SORT,
            "xhtml" => opt::EMIT_XHTML,
            "showforbidden" => opt::SHOW_FORBIDDEN,
            "addaltclass" => opt::ADDALTCLASS,
            "none" => {
                if action.is_some() {
                    return Err(err("Cannot combine '+' or '-' with 'None' keyword"));
                }
                opts = opt::NO_OPTIONS;
                add = 0;
                remove = 0;
                0
            }
            "iconwidth" => {
                r.icon_width = if action == Some(b'-') { 0 } else { 20 };
                0
            }
            "iconheight" => {
                r.icon_height = if action == Some(b'-') { 0 } else { 22 };
                0
            }
            "namewidth" => {
                if action != Some(b'-') {
                    return Err(err(
                        "NameWidth with no value may only appear as '-NameWidth'",
                    ));
                }
                r.name_width = super::dirconf::DEFAULT_NAME_WIDTH;
                r.name_adjust = Adjust::Fixed;
                0
            }
            "descriptionwidth" => {
                if action != Some(b'-') {
                    return Err(err(
                        "DescriptionWidth with no value may only appear as '-DescriptionWidth'",
                    ));
                }
                r.desc_width = super::dirconf::DEFAULT_DESC_WIDTH;
                r.desc_adjust = Adjust::Fixed;
                0
            }
            "useolddateformat" => {
                r.old_dates = true;
                0
            }
            _ if lower.starts_with("iconwidth=") => {
                if action == Some(b'-') {
                    return Err(err("Cannot combine '-' with IconWidth=n"));
                }
                r.icon_width = atoi(value(10));
                0
            }
            _ if lower.starts_with("iconheight=") => {
                if action == Some(b'-') {
                    return Err(err("Cannot combine '-' with IconHeight=n"));
                }
                r.icon_height = atoi(value(11));
                0
            }
            _ if lower.starts_with("namewidth=") => {
                if action == Some(b'-') {
                    return Err(err("Cannot combine '-' with NameWidth=n"));
                }
                if value(10).starts_with('*') {
                    r.name_adjust = Adjust::Adjust;
                } else {
                    let width = atoi(value(10));
                    if width != 0 && width < 5 {
                        return Err(err("NameWidth value must be greater than 5"));
                    }
                    r.name_width = width;
                    r.name_adjust = Adjust::Fixed;
                }
                0
            }
            _ if lower.starts_with("descriptionwidth=") => {
                if action == Some(b'-') {
                    return Err(err("Cannot combine '-' with DescriptionWidth=n"));
                }
                if value(17).starts_with('*') {
                    r.desc_adjust = Adjust::Adjust;
                } else {
                    let width = atoi(value(17));
                    if width != 0 && width < 12 {
                        return Err(err("DescriptionWidth value must be greater than 12"));
                    }
                    r.desc_width = width;
                    r.desc_adjust = Adjust::Fixed;
                }
                0
            }
            _ if lower.starts_with("type=") => {
                r.ctype = Some(value(5).to_string());
                0
            }
            _ if lower.starts_with("charset=") => {
                r.charset = Some(value(8).to_string());
                0
            }
            _ => return Err(err("Invalid directory indexing option")),
        };
        match action {
            None => {
                opts |= option;
                add = 0;
                remove = 0;
            }
            Some(b'+') => {
                add |= option;
                remove &= !option;
            }
            _ => {
                remove |= option;
                add &= !option;
            }
        }
    }
    if opts & opt::NO_OPTIONS != 0 && opts & !opt::NO_OPTIONS != 0 {
        return Err(err(
            "Cannot combine other IndexOptions keywords with 'None'",
        ));
    }
    r.incremented = add;
    r.decremented = remove;
    r.opts = opts;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_as_c() {
        assert_eq!(atoi("12x"), 12);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi("-3"), -3);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }

    #[test]
    fn fnmatch_test_as_apr() {
        assert!(fnmatch_test("a*"));
        assert!(fnmatch_test("[ab]"));
        assert!(!fnmatch_test("[ab"));
        assert!(!fnmatch_test("a\\*"));
        assert!(!fnmatch_test("plain.txt"));
    }
}
