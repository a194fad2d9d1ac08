//! Tests of the whole reader. Every expectation was checked against
//! Apache httpd 2.4.71 (`apache2 -t -f FILE`, and `-D DUMP_RUN_CFG` to read
//! back `Define` values) unless a comment says otherwise; the quoted httpd
//! output is given beside the assertions, with the test directory's path
//! shortened.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A scratch directory removed again on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "spoor-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    fn mkdir(&self, rel: &str) {
        fs::create_dir_all(self.0.join(rel)).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn opts() -> ReadOptions {
    let mut o = ReadOptions::new("/nonexistent-root");
    o.env = Some(HashMap::from([("HOME".to_owned(), "/root".to_owned())]));
    o
}

fn read(text: &str) -> Result<Config, ConfigError> {
    read_config_str(text, Path::new("t.conf"), &opts())
}

fn ok(text: &str) -> Config {
    read(text).unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn err(text: &str) -> String {
    match read(text) {
        Ok(c) => panic!("expected an error, got {:?}", c.directives),
        Err(e) => e.to_string(),
    }
}

fn value(c: &Config, name: &str) -> Option<String> {
    c.defines
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.clone())
}

/// Names of the top-level directives (sections prefixed by `<`).
fn names(c: &Config) -> Vec<String> {
    c.directives.iter().map(|d| d.command_name()).collect()
}

// ---------------------------------------------------------------- basics

#[test]
fn directives_args_and_line_numbers() {
    let c = ok("# comment\n\n  LogFormat \"%h %l\" common  \nCustomLog \\\n  logs/x \"a\\tb\"\n");
    assert_eq!(c.directives.len(), 2);
    let lf = &c.directives[0];
    assert_eq!(lf.name, "LogFormat");
    assert_eq!(lf.args, vec!["%h %l", "common"]);
    assert_eq!(lf.raw_args, "\"%h %l\" common");
    assert_eq!(lf.line, 3);
    assert_eq!(lf.file, Path::new("t.conf"));
    // A continued line is numbered by its last physical line (httpd
    // reported `Fo\` + `o` as "Invalid command 'Foo'" on line 7 of a file
    // where `Fo\` was line 6).
    let cl = &c.directives[1];
    assert_eq!(cl.line, 5);
    // `"a\tb"` keeps the backslash and the t.
    assert_eq!(cl.args, vec!["logs/x", r"a\tb"]);
}

#[test]
fn directive_names_keep_their_spelling() {
    let c = ok("customlog a b\n");
    assert_eq!(c.directives[0].name, "customlog");
    assert!(c.directives[0].is("CustomLog"));
}

#[test]
fn comment_only_at_start_of_line() {
    // `# comment \` followed by `Define V6 x`: the comment swallows the
    // continued line, V6 stays undefined.
    let c = ok("# comment \\\nDefine V6 x\nA b # not a comment\n");
    assert_eq!(value(&c, "V6"), None);
    assert_eq!(c.directives[0].args, vec!["b", "#", "not", "a", "comment"]);
}

#[test]
fn empty_quoted_directive_name_is_ignored() {
    // A line `"" Foo` passes `apache2 -t`.
    let c = ok("\"\" Foo\n\"\"\n");
    assert!(c.directives.is_empty());
}

// -------------------------------------------------------------- sections

#[test]
fn sections_nest() {
    let c = ok("<VirtualHost *:80 [::1]:80>\n  <Directory \"/a b\">\n    X 1\n  </Directory>\n  Y\n</VirtualHost>\nZ\n");
    assert_eq!(names(&c), vec!["<VirtualHost", "Z"]);
    let vh = &c.directives[0];
    assert!(vh.section);
    assert_eq!(vh.args, vec!["*:80", "[::1]:80"]);
    assert_eq!(vh.raw_args, "*:80 [::1]:80>");
    assert_eq!(vh.line, 1);
    assert_eq!(vh.children.len(), 2);
    let dir = &vh.children[0];
    assert_eq!(dir.name, "Directory");
    assert_eq!(dir.args, vec!["/a b"]);
    assert_eq!(dir.children[0].name, "X");
    assert_eq!(vh.children[1].name, "Y");
}

#[test]
fn close_tag_is_case_insensitive_and_may_be_quoted_or_followed_by_text() {
    // `</virtualhost>`, `"</VirtualHost>"` and `</VirtualHost> foo` all
    // close `<VirtualHost *:80>` (Syntax OK).
    ok("<VirtualHost *:80>\n</virtualhost>\n<VIRTUALHOST *:81>\n</virtualHOST>\n");
    ok("<VirtualHost *:80>\n\"</VirtualHost>\"\n");
    ok("<VirtualHost *:80>\n</VirtualHost> foo\n");
}

#[test]
fn close_without_open() {
    // apache2: Syntax error on line 6 of t.conf: </VirtualHost> without
    // matching <VirtualHost> section
    assert_eq!(
        err("Define A\n</VirtualHost>\n"),
        "Syntax error on line 2 of t.conf: </VirtualHost> without matching <VirtualHost> section"
    );
    // `</Foo bar>` and `</Foo` -> `</Foo without matching <Foo section`;
    // `</>` -> `</> without matching <> section`; written case is kept.
    assert!(err("</Foo bar>\n").ends_with(": </Foo without matching <Foo section"));
    assert!(err("</Foo\n").ends_with(": </Foo without matching <Foo section"));
    assert!(err("</>\n").ends_with(": </> without matching <> section"));
    assert!(err("</virtualhost>\n")
        .ends_with(": </virtualhost> without matching <virtualhost> section"));
}

#[test]
fn mismatched_close() {
    // Expected </VirtualHost> but saw </Directory> (line of the close tag),
    // with httpd's spelling of the open section's name.
    assert_eq!(
        err("<virtualhost *:80>\n</Directory>\n"),
        "Syntax error on line 2 of t.conf: Expected </VirtualHost> but saw </Directory>"
    );
    assert!(err("<VirtualHost *:80>\n<Directory />\n</VirtualHost>\n")
        .ends_with("line 3 of t.conf: Expected </Directory> but saw </VirtualHost>"));
    assert!(err("<VirtualHost *:80>\n</VirtualHost>>\n")
        .ends_with("Expected </VirtualHost> but saw </VirtualHost>>"));
    assert!(err("<FOO x>\n</bar>\n").ends_with("Expected </FOO> but saw </bar>"));
}

#[test]
fn close_tag_missing_bracket() {
    // `</VirtualHost`, `</VirtualHost >`, `</VirtualHost foo>` with an open
    // VirtualHost: </VirtualHost> directive missing closing '>'
    for close in [
        "</VirtualHost",
        "</VirtualHost >",
        "</VirtualHost foo>",
        "</VirtualHost\t>",
    ] {
        assert_eq!(
            err(&format!("<VirtualHost *:80>\n{close}\n")),
            "Syntax error on line 2 of t.conf: </VirtualHost> directive missing closing '>'"
        );
    }
    assert!(err("<VirtualHost *:80>\n</Directory\n")
        .ends_with(": </Directory> directive missing closing '>'"));
}

#[test]
fn unclosed_sections() {
    // apache2: Syntax error on line 8 of t.conf: t.conf:8: <VirtualHost> was
    // not closed.
    assert_eq!(
        err("Define A\nDefine B\n<virtualhost *:80>\nDefine C\n"),
        "Syntax error on line 3 of t.conf: t.conf:3: <VirtualHost> was not closed."
    );
    // Two open: innermost first, joined by a newline that httpd's log
    // prints as `\n`; the line is the outermost section's.
    // "...line 6 of t.conf: t.conf:8: <Directory> was not closed.\nt.conf:6:
    // <VirtualHost> was not closed."
    assert_eq!(
        err("<VirtualHost *:80>\nFoo\n<Directory />\nFoo\n"),
        "Syntax error on line 1 of t.conf: t.conf:3: <Directory> was not closed.\\nt.conf:1: \
         <VirtualHost> was not closed."
    );
    let e = read("<VirtualHost *:80>\nFoo\n<Directory />\n").unwrap_err();
    assert_eq!(e.line(), 1);
    assert_eq!(
        e.message(),
        "t.conf:3: <Directory> was not closed.\nt.conf:1: <VirtualHost> was not closed."
    );
    // `<>`, `<` and `< Foo>` open a section with an empty name.
    assert!(err("< Foo>\n").ends_with("t.conf:1: <> was not closed."));
    // Without `>` the section is still opened.
    assert!(err("<VirtualHost *:80\n").ends_with("t.conf:1: <VirtualHost> was not closed."));
}

#[test]
fn section_name_with_bracket_in_word() {
    // `<VirtualHost>` alone: the handler gets `>` ("requires additional
    // arguments" comes later, from the handler).
    let c = ok("<VirtualHost>\n</VirtualHost>\n");
    let vh = &c.directives[0];
    assert_eq!(vh.name, "VirtualHost");
    assert!(vh.args.is_empty());
    assert_eq!(vh.raw_args, ">");
    // `<VirtualHost> *:80`: args `*:80` without `>` ("missing closing '>'"
    // from the handler).
    let c = ok("<VirtualHost> *:80\n</VirtualHost>\n");
    assert!(c.directives[0].missing_closing_bracket());
    // `<VirtualHost>x` opens a section named `VirtualHost>x`:
    // Expected </VirtualHost>x> but saw </VirtualHost>
    assert!(err("<VirtualHost>x\n</VirtualHost>\n")
        .ends_with("Expected </VirtualHost>x> but saw </VirtualHost>"));
    assert!(err("<VirtualHost>>\n</VirtualHost>\n")
        .ends_with("Expected </VirtualHost>> but saw </VirtualHost>"));
    // Text after the last `>` is ignored (`<VirtualHost *:80>x`, Syntax OK).
    let c = ok("<VirtualHost *:80>x\n</VirtualHost>\n");
    assert_eq!(c.directives[0].args, vec!["*:80"]);
}

// -------------------------------------------------------------- IfDefine

#[test]
fn ifdefine_true_and_false() {
    let c = ok("Define X\n<IfDefine X>\nA\n</IfDefine>\n<IfDefine !X>\nB\n</IfDefine>\n<IfDefine Y>\nC\n</IfDefine>\n<IfDefine !Y>\nD\n</IfDefine>\n");
    assert_eq!(names(&c), vec!["A", "D"]);
    // The contents of a true section are spliced in place, keeping lines.
    assert_eq!(c.directives[0].line, 3);
}

#[test]
fn ifdefine_argument_forms() {
    // With DUMP_RUN_CFG defined: `DUMP_RUN_CFG Y` true (first word),
    // `"DUMP_RUN_CFG"` true, `! DUMP_RUN_CFG` false, `!!DUMP_RUN_CFG` true
    // and `!!NOTDEF` true (only one `!` is taken), `"!DUMP_RUN_CFG"` false
    // (the `!` must come first, unquoted), `DUMP_RUN_CFG>x` false (cut at
    // the last `>`), `dump_run_cfg` false (case-sensitive).
    let mut o = opts();
    o.defines.push("D".into());
    let t = |arg: &str| {
        let text = format!("<IfDefine {arg}>\nIn\n</IfDefine>\n");
        !read_config_str(&text, Path::new("t.conf"), &o)
            .unwrap()
            .directives
            .is_empty()
    };
    assert!(t("D"));
    assert!(t("D Y"));
    assert!(t("\"D\""));
    assert!(!t("! D"));
    assert!(!t("!D"));
    assert!(t("!!D"));
    assert!(t("!!NOTDEF"));
    assert!(!t("\"!D\""));
    assert!(t("!\"NOTDEF\""));
    assert!(!t("D>x"));
    assert!(!t("d"));
    // `<IfDefine> !X>`: the word's `>` is dropped and the rest is the
    // argument.
    let c = read_config_str("<IfDefine> !X>\nIn\n</IfDefine>\n", Path::new("t.conf"), &o).unwrap();
    assert_eq!(names(&c), vec!["In"]);
}

#[test]
fn ifdefine_argument_errors() {
    // apache2: Syntax error on line 6 of t.conf: <IfDefine> directive
    // requires additional arguments  (for `<IfDefine>` and `<IfDefine !>`)
    assert_eq!(
        err("<IfDefine>\n</IfDefine>\n"),
        "Syntax error on line 1 of t.conf: <IfDefine> directive requires additional arguments"
    );
    assert!(err("<IfDefine !>\n</IfDefine>\n")
        .ends_with("<IfDefine> directive requires additional arguments"));
    // `<ifdefine X` -> <IfDefine> directive missing closing '>'
    assert_eq!(
        err("<ifdefine X\n</IfDefine>\n"),
        "Syntax error on line 1 of t.conf: <IfDefine> directive missing closing '>'"
    );
}

#[test]
fn false_section_is_skipped_but_checked() {
    // Nothing inside is evaluated: no Define, no Include, no ${} warning.
    let c = ok("<IfDefine X>\nDefine A 1\nInclude /nonexistent\nFoo ${NOPE}\n<Bar x>\n</Bar>\n</IfDefine>\n");
    assert!(c.directives.is_empty());
    assert!(c.defines.is_empty());
    assert!(c.warnings.is_empty());
    // `</IfDefine> x` and `</ifdefine>` end a false section.
    ok("<IfDefine X>\n</IfDefine> x\n");
    ok("<IfDefine X>\n</ifdefine>\n");
}

#[test]
fn false_section_errors_name_the_ifdefine_line() {
    // Expected </Bar> but saw </Baz>  -- on the <IfDefine> line (6 there).
    assert_eq!(
        err("A\n<IfDefine X>\n<Bar>\n</Baz>\n</IfDefine>\n"),
        "Syntax error on line 2 of t.conf: Expected </Bar> but saw </Baz>"
    );
    // Expected </IfDefine> but saw </Baz>
    assert!(err("<IfDefine X>\n</Baz>\n</IfDefine>\n")
        .ends_with("line 1 of t.conf: Expected </IfDefine> but saw </Baz>"));
    // Expected </Bar> before end of configuration
    assert!(err("<IfDefine X>\n<Bar>\n")
        .ends_with("line 1 of t.conf: Expected </Bar> before end of configuration"));
    // Expected </IfDefine> before end of configuration
    assert!(err("<IfDefine X>\nDefine A\n")
        .ends_with("line 1 of t.conf: Expected </IfDefine> before end of configuration"));
    // The last character of the close word is dropped, whatever it is:
    // `</IfDefine foo>` -> Expected </IfDefine> but saw </IfDefin>
    assert!(
        err("<IfDefine X>\n</IfDefine foo>\n").ends_with("Expected </IfDefine> but saw </IfDefin>")
    );
    // `<Bar x>` ... `</Ba>` -> Expected </Bar> but saw </Ba>
    assert!(err("<IfDefine X>\n<Bar x>\n</Ba>\n</IfDefine>\n")
        .ends_with("Expected </Bar> but saw </Ba>"));
    ok("<IfDefine X>\n<Bar x\n</Bar>\n</IfDefine>\n");
    // A false section nested in a true one: the inner line (7 there).
    assert!(
        err("<IfDefine !X>\n<IfDefine X>\n</Baz>\n</IfDefine>\n</IfDefine>\n")
            .ends_with("line 2 of t.conf: Expected </IfDefine> but saw </Baz>")
    );
}

#[test]
fn true_section_body_rules() {
    // The end tag must be the whole line: `</IfDefine> x` is then a
    // stray close -> `</IfDefine> without matching <IfDefine> section`
    // (line of that close tag).
    assert_eq!(
        err("<IfDefine !X>\n</IfDefine> x\n"),
        "Syntax error on line 2 of t.conf: </IfDefine> without matching <IfDefine> section"
    );
    assert!(err("<IfDefine !X>\n</IfDefine >\n")
        .ends_with("</IfDefine without matching <IfDefine section"));
    // Case-insensitive, surrounding whitespace ignored, continuation joined.
    ok("<IfDefine !X>\n  </ifdefine>  \n");
    ok("<IfDefine !X>\n</IfDefine\\\n>\n");
    // Sections opened outside cannot be closed inside.
    assert!(err(
        "<VirtualHost *:80>\n<IfDefine !X>\n</VirtualHost>\n</IfDefine>\n</VirtualHost>\n"
    )
    .ends_with("line 3 of t.conf: </VirtualHost> without matching <VirtualHost> section"));
    // And a section opened inside must be closed before the end tag.
    assert!(
        err("<IfDefine !X>\n<VirtualHost *:80>\n</IfDefine>\n</VirtualHost>\n")
            .ends_with("line 3 of t.conf: Expected </VirtualHost> but saw </IfDefine>")
    );
    // The end tag is recognised before `${}` substitution.
    assert!(err("Define N Define\n<If${N} !X>\n</If${N}>\n")
        .ends_with("line 3 of t.conf: </IfDefine> without matching <IfDefine> section"));
}

#[test]
fn true_section_may_stay_open_at_end_of_file() {
    // `<IfDefine !X>` + `Define A` and `<IfDefine !X>` + `<Bar>`: no read
    // error (the second fails later with Invalid command '<Bar').
    let c = ok("<IfDefine !X>\nDefine A\n");
    assert_eq!(c.defines, vec![("A".to_owned(), None)]);
    let c = ok("<IfDefine !X>\n<Bar>\nIn\n");
    assert_eq!(names(&c), vec!["<Bar"]);
    assert_eq!(c.directives[0].children[0].name, "In");
}

#[test]
fn conditional_inside_section_splices_into_it() {
    let c = ok("<VirtualHost *:80>\n<IfDefine !X>\nA\n</IfDefine>\nB\n</VirtualHost>\n");
    let vh = &c.directives[0];
    assert_eq!(
        vh.children
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        vec!["A", "B"]
    );
}

// -------------------------------------------------------------- IfModule

#[test]
fn ifmodule_names() {
    // Debian's apache2 has mod_log_config built in: `mod_log_config.c` and
    // `log_config_module` are true; `MOD_LOG_CONFIG.C`, `Log_Config_Module`,
    // `log_config`, `mod_log_config` are false; `"mod_log_config.c"` and
    // `mod_log_config.c x` are true; `"!mod_log_config.c"` is false.
    let t = |arg: &str| {
        !ok(&format!("<IfModule {arg}>\nIn\n</IfModule>\n"))
            .directives
            .is_empty()
    };
    assert!(t("mod_log_config.c"));
    assert!(t("log_config_module"));
    assert!(!t("MOD_LOG_CONFIG.C"));
    assert!(!t("Log_Config_Module"));
    assert!(!t("log_config"));
    assert!(!t("mod_log_config"));
    assert!(t("\"mod_log_config.c\""));
    assert!(t("mod_log_config.c x"));
    assert!(!t("\"!mod_log_config.c\""));
    assert!(!t("!mod_log_config.c"));
    assert!(!t("mod_ssl.c"));
    assert!(t("!ssl_module"));
    assert!(t("! mod_nope.c"));
    assert!(t("!!mod_log_config.c"));
    assert!(t("logio_module"));
    assert!(t("mod_logio.c"));
}

#[test]
fn ifmodule_uses_caller_module_list_and_errors() {
    let mut o = opts();
    o.modules = vec!["ssl_module".into()];
    let c = read_config_str(
        "<IfModule ssl_module>\nA\n</IfModule>\n<IfModule mod_log_config.c>\nB\n</IfModule>\n",
        Path::new("t.conf"),
        &o,
    )
    .unwrap();
    assert_eq!(names(&c), vec!["A"]);
    // <IfModule> directive requires additional arguments (for `!` and
    // nothing).
    assert!(err("<IfModule !>\n</IfModule>\n")
        .ends_with(": <IfModule> directive requires additional arguments"));
    assert!(err("<ifmodule x\n").ends_with(": <IfModule> directive missing closing '>'"));
    assert!(
        err("<IfModule nope>\n</IfDefine>\n").ends_with("Expected </IfModule> but saw </IfDefine>")
    );
}

#[test]
fn iffile_is_relative_to_server_root() {
    // `<IfFile base.conf>` (a file in the ServerRoot) true, `!base.conf`
    // false, `nope` false, a directory true.
    let d = TempDir::new();
    d.write("present.conf", "");
    d.mkdir("sub");
    let mut o = opts();
    o.server_root = d.0.clone();
    let t = |arg: &str| {
        let text = format!("<IfFile {arg}>\nIn\n</IfFile>\n");
        !read_config_str(&text, Path::new("t.conf"), &o)
            .unwrap()
            .directives
            .is_empty()
    };
    assert!(t("present.conf"));
    assert!(!t("!present.conf"));
    assert!(!t("nope"));
    assert!(t("sub"));
    assert!(t(&d.0.join("present.conf").display().to_string()));
}

// --------------------------------------------------------- Define and ${}

#[test]
fn define_values_and_substitution() {
    // Define X "\"q r\"" / Define V1 ${X}  -> V1=q r (the substituted line
    // is split again); $${Z}} -> $zz}; ${} and ${Z are left alone.
    let c = ok("Define X \"\\\"q r\\\"\"\nDefine V1 ${X}\nDefine Z zz\nDefine V5 $${Z}}\nDefine V6 ${}\nDefine V7 ${Z\nDefine W ${Z}\nDefine V8 ${W}${Z}\nDefine V3 ${HOME}\n");
    assert_eq!(value(&c, "X").as_deref(), Some("\"q r\""));
    assert_eq!(value(&c, "V1").as_deref(), Some("q r"));
    assert_eq!(value(&c, "V5").as_deref(), Some("$zz}"));
    assert_eq!(value(&c, "V6").as_deref(), Some("${}"));
    assert_eq!(value(&c, "V7").as_deref(), Some("${Z"));
    assert_eq!(value(&c, "V8").as_deref(), Some("zzzz"));
    assert_eq!(value(&c, "V3").as_deref(), Some("/root"));
    // `${}` gave "AH00111: Config variable ${} is not defined".
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(
        c.warnings[0].message,
        "AH00111: Config variable ${} is not defined"
    );
    assert_eq!(c.warnings[0].line, 5);
}

#[test]
fn substitution_splits_words_and_reaches_names() {
    // Define X "a b" / DocumentRoot ${X} -> "takes one argument".
    let c = ok("Define X \"a b\"\nDocumentRoot ${X}\nDefine D CustomLog\n${D} x\n");
    assert_eq!(c.directives[0].args, vec!["a", "b"]);
    assert_eq!(c.directives[1].name, "CustomLog");
    // A value starting with `#` does not make a comment: Invalid command '#'.
    let c = ok("Define H \"#\"\n${H} foo\n");
    assert_eq!(c.directives[0].name, "#");
}

#[test]
fn undefined_variables_warn_and_stay() {
    // AH00111 twice for `${NOPE}${NOPE}`; value kept literally; a name
    // defined without a value does not substitute.
    let c = ok("Define V9 ${NOPE}${NOPE}\nDefine Y\nDefine V4 ${Y}\n");
    assert_eq!(value(&c, "V9").as_deref(), Some("${NOPE}${NOPE}"));
    assert_eq!(value(&c, "V4").as_deref(), Some("${Y}"));
    let w: Vec<String> = c.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec![
            "AH00111: Config variable ${NOPE} is not defined",
            "AH00111: Config variable ${NOPE} is not defined",
            "AH00111: Config variable ${Y} is not defined",
        ]
    );
    assert_eq!(c.warnings[2].line, 3);
    assert_eq!(c.warnings[2].file, Path::new("t.conf"));
}

#[test]
fn defines_shadow_environment_and_undefine_restores_it() {
    // Define HOME x -> ${HOME} = x; UnDefine HOME -> ${HOME} = /root.
    let c = ok("Define HOME x\nDefine V1 ${HOME}\nUnDefine HOME\nDefine V2 ${HOME}\n");
    assert_eq!(value(&c, "V1").as_deref(), Some("x"));
    assert_eq!(value(&c, "V2").as_deref(), Some("/root"));
    assert!(!c.defines.iter().any(|(n, _)| n == "HOME"));
}

#[test]
fn define_rules() {
    // Define A 1 / Define A -> A=1;  Define A 1 / Define A 2 -> A=2;
    // Define E "" -> E defined, ${E} undefined; names are case-insensitive
    // directives (`define`, `DEFINE`); Define in a VirtualHost is global.
    let c = ok("Define A 1\nDefine A\ndefine B 1\nDEFINE B 2\nDefine E \"\"\nDefine V a${E}b\n<VirtualHost *:80>\nDefine G g\n</VirtualHost>\n");
    assert_eq!(value(&c, "A").as_deref(), Some("1"));
    assert_eq!(value(&c, "B").as_deref(), Some("2"));
    assert!(c.defines.iter().any(|(n, v)| n == "E" && v.is_none()));
    assert_eq!(value(&c, "V").as_deref(), Some("a${E}b"));
    assert_eq!(value(&c, "G").as_deref(), Some("g"));
    // Read-time directives leave no node behind.
    assert_eq!(c.directives.len(), 1);
    assert!(c.directives[0].children.is_empty());
    // UnDefine of an unknown name is fine.
    ok("UnDefine NOPE\n");
}

#[test]
fn define_errors() {
    // apache2: Syntax error on line 6 of t.conf: Define takes 1-2
    // arguments, Define a variable, optionally to a value.  Same as passing
    // -D to the command line.
    let takes = "Define takes 1-2 arguments, Define a variable, optionally to a value.  Same as passing -D to the command line.";
    assert_eq!(
        err("Define\n"),
        format!("Syntax error on line 1 of t.conf: {takes}")
    );
    assert_eq!(
        err("Define x y z\n"),
        format!("Syntax error on line 1 of t.conf: {takes}")
    );
    assert_eq!(
        err("Define V1 \"ab\"c\n"),
        format!("Syntax error on line 1 of t.conf: {takes}")
    );
    assert!(err("Define A:B x\n").ends_with(": Variable name must not contain ':'"));
    let un = "UnDefine takes one argument, Undefine the existence of a variable. Undo a Define.";
    assert!(err("UnDefine\n").ends_with(un));
    assert!(err("UnDefine A B\n").ends_with(un));
}

#[test]
fn minus_d_defines() {
    let mut o = opts();
    o.defines.push("SSL".into());
    let c = read_config_str("<IfDefine SSL>\nA\n</IfDefine>\n", Path::new("t.conf"), &o).unwrap();
    assert_eq!(names(&c), vec!["A"]);
}

// --------------------------------------------------------------- Include

fn read_main(d: &TempDir, main: &str) -> Result<Config, ConfigError> {
    let mut o = opts();
    o.server_root = d.0.clone();
    let p = d.write("main.conf", main);
    read_config(&p, &o)
}

fn show(d: &TempDir, e: &ConfigError) -> String {
    e.to_string().replace(&d.0.display().to_string(), "R")
}

#[test]
fn include_relative_to_server_root_and_spliced() {
    let d = TempDir::new();
    d.write("conf/a.conf", "A 1\nDefine FROM_A yes\n");
    let c = read_main(
        &d,
        "<VirtualHost *:80>\nInclude conf/a.conf\nB ${FROM_A}\n</VirtualHost>\n",
    )
    .unwrap();
    let vh = &c.directives[0];
    assert_eq!(vh.children[0].name, "A");
    assert_eq!(vh.children[0].file, d.0.join("conf/a.conf"));
    assert_eq!(vh.children[0].line, 1);
    assert_eq!(vh.children[1].args, vec!["yes"]);
    assert_eq!(vh.children[1].file, d.0.join("main.conf"));
}

#[test]
fn include_wildcards() {
    // `Include inc/[ab]/x.conf` -> a then b; `inc/a/x.con?` matches;
    // `inc/*/x.conf` goes through directories only (a file `inc/w/b` is
    // not tried) in sorted order.
    let d = TempDir::new();
    d.write("inc/b/x.conf", "B\n");
    d.write("inc/a/x.conf", "A\n");
    d.write("inc/c/x.conf", "C\n");
    d.write("inc/file", "NotADir\n");
    let c = read_main(
        &d,
        "Include inc/*/x.conf\nInclude inc/[ab]/x.conf\nInclude inc/a/x.con?\n",
    )
    .unwrap();
    assert_eq!(names(&c), vec!["A", "B", "C", "A", "B", "A"]);
}

#[test]
fn include_directory_and_star() {
    // `Include inc/d` reads every entry, hidden files too, recursing into
    // subdirectories; `Include inc/d/*` skips hidden files but still
    // recurses into matched directories.
    let d = TempDir::new();
    d.write("inc/d/1.conf", "One\n");
    d.write("inc/d/sub/2.conf", "Two\n");
    d.write("inc/d/.hidden", "Hidden\n");
    d.write("inc/d/t.txt", "Txt\n");
    d.mkdir("inc/e");
    let c = read_main(&d, "Include inc/d\n").unwrap();
    assert_eq!(names(&c), vec!["Hidden", "One", "Two", "Txt"]);
    let c = read_main(&d, "Include inc/d/*\n").unwrap();
    assert_eq!(names(&c), vec!["One", "Two", "Txt"]);
    // An empty directory is fine without a wildcard...
    read_main(&d, "Include inc/e\n").unwrap();
    // ...but not with one:
    // Include/IncludeOptional: No matches for the wildcard '*' in
    // '/tmp/cfgt/inc/e', failing
    let e = read_main(&d, "\nInclude inc/e/*\n").unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 2 of R/main.conf: Include/IncludeOptional: No matches for the wildcard '*' in 'R/inc/e', failing"
    );
    read_main(&d, "IncludeOptional inc/e/*\n").unwrap();
}

#[test]
fn include_missing_files() {
    let d = TempDir::new();
    d.write("inc/a/x.conf", "A\n");
    d.mkdir("inc/b");
    // Could not open configuration file /tmp/cfgt/inc/nope.conf: No such
    // file or directory
    let e = read_main(&d, "Include inc/nope.conf\n").unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 1 of R/main.conf: Could not open configuration file R/inc/nope.conf: No such file or directory"
    );
    assert_eq!(e.file(), d.0.join("main.conf"));
    assert_eq!(e.line(), 1);
    // A wildcard directory leading to a missing file is the same error
    // (after the earlier matches were read).
    let e = read_main(&d, "Include inc/*/x.conf\n").unwrap_err();
    assert!(show(&d, &e)
        .ends_with("Could not open configuration file R/inc/b/x.conf: No such file or directory"));
    // Include/IncludeOptional: Could not open directory
    // /tmp/cfgt/inc/nodir: No such file or directory
    let e = read_main(&d, "Include inc/nodir/*.conf\n").unwrap_err();
    assert!(show(&d, &e).ends_with(": Include/IncludeOptional: Could not open directory R/inc/nodir: No such file or directory"));
    // IncludeOptional ignores all three.
    let c = read_main(&d, "IncludeOptional inc/nope.conf\nIncludeOptional inc/*/x.conf\nIncludeOptional inc/nodir/*.conf\n").unwrap();
    assert_eq!(names(&c), vec!["A"]);
    // Argument count.
    let e = read_main(&d, "Include\n").unwrap_err();
    assert!(e.message().starts_with("Include takes one argument, Name(s) of the config file(s) to be included; fails if the wildcard does not match at least one file"));
    let e = read_main(&d, "IncludeOptional a b\n").unwrap_err();
    assert_eq!(e.message(), "IncludeOptional takes one argument, Name or pattern of the config file(s) to be included; ignored if the file does not exist or the pattern does not match any files");
}

#[test]
fn main_file_missing() {
    // apache2: Could not open configuration file /tmp/cfgt/nonexist.conf:
    // No such file or directory
    let d = TempDir::new();
    let mut o = opts();
    o.server_root = d.0.clone();
    let e = read_config(Path::new("nonexist.conf"), &o).unwrap_err();
    assert_eq!(
        e.render("apache2").replace(&d.0.display().to_string(), "R"),
        "apache2: Could not open configuration file R/nonexist.conf: No such file or directory"
    );
}

#[test]
fn errors_in_included_files_are_chained() {
    // apache2: Syntax error on line 7 of t.conf: Syntax error on line 3 of
    // nest.conf: Syntax error on line 3 of bad.conf: </Baz> without matching
    // <Baz> section
    let d = TempDir::new();
    d.write("bad.conf", "\n\n</Baz>\n");
    d.write("nest.conf", "\n\nInclude bad.conf\n");
    let e = read_main(&d, "\nInclude nest.conf\n").unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 2 of R/main.conf: Syntax error on line 3 of R/nest.conf: Syntax error on line 3 of R/bad.conf: </Baz> without matching <Baz> section"
    );
    assert_eq!(e.file(), d.0.join("bad.conf"));
    assert_eq!(e.line(), 3);
    assert_eq!(e.phase(), Phase::Read);
}

#[test]
fn sections_do_not_span_files() {
    // `Include open.conf` + `</VirtualHost>`: Syntax error on line 6 of
    // t.conf: Syntax error on line 2 of open.conf: open.conf:2:
    // <VirtualHost> was not closed.
    let d = TempDir::new();
    d.write("open.conf", "\n<VirtualHost *:80>\n");
    d.write("close.conf", "</VirtualHost>\n");
    let e = read_main(&d, "Include open.conf\n</VirtualHost>\n").unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 1 of R/main.conf: Syntax error on line 2 of R/open.conf: R/open.conf:2: <VirtualHost> was not closed."
    );
    let e = read_main(&d, "<VirtualHost *:80>\nInclude close.conf\n").unwrap_err();
    assert!(show(&d, &e).ends_with("Syntax error on line 1 of R/close.conf: </VirtualHost> without matching <VirtualHost> section"));
}

#[test]
fn include_recursion_limit() {
    // A file including itself: 128 nested "Syntax error on line 1 of
    // self.conf: " then "Exceeded maximum include depth of 128, There
    // appears to be a recursion."
    let d = TempDir::new();
    d.write("self.conf", "Include self.conf\n");
    let e = read_main(&d, "Include self.conf\n").unwrap_err();
    let s = show(&d, &e);
    eprintln!("{s}");
    assert!(s.starts_with(
        "Syntax error on line 1 of R/main.conf: Syntax error on line 1 of R/self.conf: "
    ));
    assert_eq!(s.matches("R/self.conf").count(), 128);
    assert!(s.ends_with(
        "R/self.conf: Exceeded maximum include depth of 128, There appears to be a recursion."
    ));
}

#[test]
fn server_root_directive() {
    let d = TempDir::new();
    d.write("other/rel.conf", "Rel\n");
    let root = d.0.join("other");
    let c = read_main(
        &d,
        &format!("ServerRoot \"{}\"\nInclude rel.conf\n", root.display()),
    )
    .unwrap();
    assert_eq!(names(&c), vec!["Rel"]);
    assert_eq!(c.server_root, root);
    // ServerRoot must be a valid directory
    let e = read_main(&d, "ServerRoot /nonexistent-spoor-dir\n").unwrap_err();
    assert_eq!(e.message(), "ServerRoot must be a valid directory");
    let e = read_main(&d, "ServerRoot\n").unwrap_err();
    assert_eq!(e.message(), "ServerRoot takes one argument, Common directory of server-related files (logs, confs, etc.)");
}

#[test]
fn include_path_may_use_variables() {
    let d = TempDir::new();
    d.write("x/a.conf", "A\n");
    let c = read_main(&d, "Define DIR x\nInclude ${DIR}/*.conf\n").unwrap();
    assert_eq!(names(&c), vec!["A"]);
}

#[test]
fn conditional_in_included_file_ends_with_that_file() {
    let d = TempDir::new();
    d.write("inc.conf", "<IfDefine !X>\nA\n");
    let c = read_main(&d, "Include inc.conf\nB\n").unwrap();
    assert_eq!(names(&c), vec!["A", "B"]);
}

// ------------------------------------------------------------ encodings

#[test]
fn non_utf8_file_is_rejected_with_line() {
    // httpd itself takes any bytes; spoor requires UTF-8 (its own message).
    let d = TempDir::new();
    fs::write(d.0.join("bin.conf"), b"A\nB \xff\n").unwrap();
    let e = read_main(&d, "Include bin.conf\n").unwrap_err();
    assert_eq!(e.file(), d.0.join("bin.conf"));
    assert_eq!(e.line(), 2);
    assert!(show(&d, &e).ends_with("Error reading R/bin.conf at line 2: not valid UTF-8 (spoor reads configuration files as UTF-8)"));
}

#[test]
fn byte_order_mark_is_not_skipped() {
    // httpd: Invalid command '\xef\xbb\xbfDefine', ...
    let c = ok("\u{feff}Define X\n");
    let e = ConfigError::invalid_command(&c.directives[0]);
    assert!(e
        .to_string()
        .contains("Invalid command '\\xef\\xbb\\xbfDefine',"));
}

#[test]
fn line_too_long_in_included_file() {
    // apache2: Syntax error on line 2 of t2.conf: Error reading big.conf at
    // line 1: Line too long
    let d = TempDir::new();
    d.write("big.conf", &"a".repeat(MAX_LINE_LEN + 1));
    let e = read_main(&d, "\nInclude big.conf\n").unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 2 of R/main.conf: Error reading R/big.conf at line 1: Line too long"
    );
}

// ---------------------------------------------------- unknown directives

#[test]
fn invalid_command_points_into_included_file() {
    // AH00526: Syntax error on line 2 of /tmp/cfgt/inc2/inv.conf:
    // Invalid command 'Foo', perhaps misspelled or defined by a module not
    // included in the server configuration
    let d = TempDir::new();
    d.write("inv.conf", "\nFoo\n");
    let c = read_main(&d, "LogFormat x\nInclude inv.conf\n").unwrap();
    let e = check_known_directives(&c.directives, &["LogFormat"]).unwrap_err();
    assert_eq!(e.phase(), Phase::Directive);
    assert_eq!(
        show(&d, &e),
        "AH00526: Syntax error on line 2 of R/inv.conf:\nInvalid command 'Foo', perhaps misspelled or defined by a module not included in the server configuration"
    );
}

#[test]
fn handler_errors_use_directive_location() {
    let c = ok("\n<VirtualHost>\n</VirtualHost>\n");
    let vh = &c.directives[0];
    let e = ConfigError::directive(vh, section_missing_args_message("VirtualHost"));
    // AH00526: Syntax error on line 6 of t.conf:
    // <VirtualHost> directive requires additional arguments
    assert_eq!(
        e.to_string(),
        "AH00526: Syntax error on line 2 of t.conf:\n<VirtualHost> directive requires additional arguments"
    );
}

// The reader's bounds. httpd has none of these but AH00554 (checked:
// `Include /dev/zero` gives `AH00554: Access to file /dev/zero denied by
// server: not a regular file` and then `Could not open configuration file
// /dev/zero: Bad file descriptor`; `Include` of a FIFO blocks for ever;
// 100,000 nested `<IfDefine>` crash it); the messages are spoor's own.

fn nested_ifdefine(n: usize, cond: &str) -> String {
    format!(
        "{}Inner\n{}",
        format!("<IfDefine {cond}>\n").repeat(n),
        "</IfDefine>\n".repeat(n)
    )
}

#[test]
fn nesting_is_bounded_with_file_and_line() {
    // Up to the limit, true sections are transparent.
    let c = ok(&nested_ifdefine(MAX_NESTING, "!NOPE"));
    assert_eq!(names(&c), vec!["Inner"]);
    // One more, 2,000 and 100,000: refused at the first section too many,
    // true or false (the body of a false one is skipped but still counted).
    for n in [MAX_NESTING + 1, 2_000, 100_000] {
        for cond in ["!NOPE", "NOPE"] {
            let e = read(&nested_ifdefine(n, cond)).unwrap_err();
            assert_eq!(
                e.to_string(),
                "Syntax error on line 257 of t.conf: <IfDefine> nested too deeply: at most 256 \
                 sections may be open at once (spoor's limit)",
                "{n} {cond}"
            );
            assert_eq!(e.line(), 257);
        }
    }
    // Other sections count too, inside conditional ones and across
    // includes.
    let text = format!("<IfDefine !X>\n{}", "<Directory /x>\n".repeat(MAX_NESTING));
    assert_eq!(
        err(&text),
        "Syntax error on line 257 of t.conf: <Directory> nested too deeply: at most 256 \
         sections may be open at once (spoor's limit)"
    );
    let d = TempDir::new();
    d.write("inner.conf", &"<Location />\n".repeat(200));
    let main = format!("{}Include inner.conf\n", "<Directory />\n".repeat(100));
    let e = read_main(&d, &main).unwrap_err();
    assert_eq!(
        show(&d, &e),
        "Syntax error on line 101 of R/main.conf: Syntax error on line 157 of R/inner.conf: \
         <Location> nested too deeply: at most 256 sections may be open at once (spoor's limit)"
    );
    // Closed sections free their places again.
    let many = "<Directory />\n</Directory>\n".repeat(MAX_NESTING * 4);
    assert_eq!(ok(&many).directives.len(), MAX_NESTING * 4);
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn only_regular_files_are_read() {
    let d = TempDir::new();
    let fifo = d.0.join("fifo");
    mkfifo(&fifo);
    let start = std::time::Instant::now();
    for target in ["/dev/zero", "fifo"] {
        for verb in ["Include", "IncludeOptional"] {
            let e = read_main(&d, &format!("A\n{verb} {target}\n")).unwrap_err();
            let full = if target == "fifo" { "R/fifo" } else { target };
            assert_eq!(
                show(&d, &e),
                format!(
                    "Syntax error on line 2 of R/main.conf: Could not open configuration file \
                     {full}: AH00554: Access to file {full} denied by server: not a regular file"
                )
            );
            assert_eq!((e.file(), e.line()), (d.0.join("main.conf").as_path(), 2));
        }
    }
    // A FIFO inside an included directory, and as the main file.
    d.write("dir/a.conf", "A\n");
    fs::rename(&fifo, d.0.join("dir/b.fifo")).unwrap();
    let e = read_main(&d, "Include dir\n").unwrap_err();
    assert!(show(&d, &e)
        .ends_with("AH00554: Access to file R/dir/b.fifo denied by server: not a regular file"));
    let mut o = opts();
    o.server_root = d.0.clone();
    let e = read_config(Path::new("dir/b.fifo"), &o).unwrap_err();
    assert_eq!(
        e.render("apache2").replace(&d.0.display().to_string(), "R"),
        "apache2: Could not open configuration file R/dir/b.fifo: AH00554: Access to file \
         R/dir/b.fifo denied by server: not a regular file"
    );
    // Nothing blocked on the FIFO without a writer.
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // httpd allows /dev/null by name.
    let c = read_main(&d, "A\nInclude /dev/null\nB\n").unwrap();
    assert_eq!(names(&c), vec!["A", "B"]);
}

fn mem_opts() -> ReadOptions {
    let mut o = opts();
    o.server_root = PathBuf::from("/srv");
    o
}

#[test]
fn file_sizes_are_bounded() {
    let mut fs = MemFs::new();
    let big = vec![b'#'; MAX_FILE_LEN as usize + 1];
    fs.add_file("/srv/big.conf", big);
    fs.add_file("/srv/main.conf", "A\nInclude big.conf\n");
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Syntax error on line 2 of /srv/main.conf: Could not open configuration file \
         /srv/big.conf: larger than 33554432 bytes (spoor's limit)"
    );
    let e = read_config_in(&fs, Path::new("big.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.render("spoor"),
        "spoor: Could not open configuration file /srv/big.conf: larger than 33554432 bytes \
         (spoor's limit)"
    );
    // A file just under the limit is fine once, not four times.
    let mut fs = MemFs::new();
    fs.add_file("/srv/part.conf", "#\n".repeat(10 << 20));
    fs.add_file(
        "/srv/main.conf",
        "Include part.conf\nA\nInclude part.conf\n",
    );
    let c = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap();
    assert_eq!(names(&c), vec!["A"]);
    fs.add_file(
        "/srv/main.conf",
        "Include part.conf\nInclude part.conf\nInclude part.conf\nInclude part.conf\n",
    );
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Syntax error on line 4 of /srv/main.conf: Could not open configuration file \
         /srv/part.conf: the configuration's files hold more than 67108864 bytes together \
         (spoor's limit)"
    );
}

#[test]
fn define_expansion_is_bounded() {
    // Each line doubles the value: without a bound, 40 lines make a
    // terabyte.
    let mut text = String::from("Define V0 0123456789abcdef\n");
    for i in 1..=40 {
        text.push_str(&format!("Define V{i} ${{V{}}}${{V{}}}\n", i - 1, i - 1));
    }
    let start = std::time::Instant::now();
    // 16 << 20 is the first line past 16 MiB - 1 (line 21: V20 = 16 MiB).
    assert_eq!(
        err(&text),
        "Syntax error on line 21 of t.conf: Line too long after ${} substitution: more than \
         16777215 bytes (spoor's limit)"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    // Many lines that each stay under the line limit: the total stops them.
    let mut text = String::from("Define H 0123456789abcdef\n");
    for i in 0..19 {
        text.push_str(&format!("Define H{i} ${{H}}${{H}}\nDefine H ${{H{i}}}\n"));
    }
    // H is now 16 * 2^19 = 8 MiB; each `X ${H}` line adds 8 MiB.
    text.push_str(&"X ${H}\n".repeat(10));
    let e = err(&text);
    assert!(
        e.ends_with(
            ": The configuration's directives take more than 67108864 bytes after ${} \
             substitution (spoor's limit)"
        ),
        "{e}"
    );
    // Many one-letter arguments cost more than their text: 13,631,496
    // bytes a line (text, file name, 24 bytes a word), so line 5 is past.
    let e = err(&format!("X {}\n", "a ".repeat(1 << 19)).repeat(8));
    assert_eq!(
        e,
        "Syntax error on line 5 of t.conf: The configuration's directives take more than \
         67108864 bytes after ${} substitution (spoor's limit)"
    );
    // So does the name of a file with a long path, once per directive.
    let mut fs = MemFs::new();
    let long = format!("/srv/{}x.conf", format!("{}/", "d".repeat(200)).repeat(19));
    fs.add_file(&long, "A\n".repeat(20_000));
    fs.add_file("/srv/main.conf", format!("Include {long}\n"));
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert!(e
        .message()
        .ends_with(" bytes after ${} substitution (spoor's limit)"));
    // The Include line costs 3,838 + 14 + 24 bytes, each `A` 1 + 3,830:
    // the 17,517th passes 64 MiB.
    assert_eq!(e.line(), 17_517);
    // A line of `${` with no `}` is passed through unchanged, quickly.
    let start = std::time::Instant::now();
    let line = format!("X {}\n", "${".repeat(1 << 20));
    let c = ok(&line);
    assert_eq!(c.directives[0].raw_args.len(), 2 << 20);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn counts_are_bounded() {
    // Directives.
    let e = err(&"A\n".repeat(MAX_DIRECTIVES + 1));
    assert_eq!(
        e,
        "Syntax error on line 500001 of t.conf: more than 500000 directives in one \
         configuration (spoor's limit)"
    );
    ok(&"A\n".repeat(MAX_DIRECTIVES));
    // Defined names.
    let defs: String = (0..=MAX_DEFINES)
        .map(|i| format!("Define N{i}\n"))
        .collect();
    assert_eq!(
        err(&defs),
        "Syntax error on line 10001 of t.conf: more than 10000 names defined at once \
         (spoor's limit)"
    );
    // Warnings for undefined names: the first 100 and a count.
    let c = ok(&"X ${NOPE}\n".repeat(150));
    assert_eq!(c.warnings.len(), MAX_WARNINGS + 1);
    assert_eq!(
        c.warnings[99].message,
        "AH00111: Config variable ${NOPE} is not defined"
    );
    assert_eq!(
        c.warnings[100].message,
        "50 more warnings like these were not shown"
    );
    // Files and directory entries.
    let mut fs = MemFs::new();
    for i in 0..=MAX_FILES {
        fs.add_file(format!("/srv/d/{i:06}.conf"), "");
    }
    fs.add_file("/srv/main.conf", "Include d\n");
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Syntax error on line 1 of /srv/main.conf: Could not open configuration file /srv/d: \
         more than 100000 files and directory entries in one configuration (spoor's limit)"
    );
}

#[test]
fn directory_recursion_is_bounded() {
    // A directory linking to itself ends with the system's ELOOP.
    let d = TempDir::new();
    d.write("sites/a.conf", "A\n");
    std::os::unix::fs::symlink(".", d.0.join("sites/loop")).unwrap();
    let e = read_main(&d, "Include sites\n").unwrap_err();
    let loops = "/loop".repeat(41);
    assert_eq!(
        show(&d, &e),
        format!(
            "Syntax error on line 1 of R/main.conf: Could not open configuration file \
             R/sites{loops}: Too many levels of symbolic links"
        )
    );
    // Deeper than 128 directories (no links needed in memory), whole or
    // through wildcard components.
    let mut fs = MemFs::new();
    let deep = "/d".repeat(130);
    fs.add_file(format!("/srv/top{deep}/a.conf"), "A\n");
    fs.add_file("/srv/main.conf", "Include top\n");
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    let at = format!("/srv/top{}", "/d".repeat(128));
    assert_eq!(
        e.to_string(),
        format!(
            "Syntax error on line 1 of /srv/main.conf: Directory {at} exceeds the maximum \
             include directory nesting level of 128; there appears to be a recursion"
        )
    );
    fs.add_file(
        "/srv/main.conf",
        format!("Include top{}/a.conf\n", "/*".repeat(130)),
    );
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Syntax error on line 1 of /srv/main.conf: Directory {at} exceeds the maximum \
             include directory nesting level of 128; there appears to be a recursion"
        )
    );
    fs.add_file(
        "/srv/main.conf",
        format!("Include top{}/a.conf\n", "/*".repeat(128)),
    );
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    // 128 levels are allowed (and lead to a file that is not there).
    assert!(
        e.to_string()
            .ends_with("/d/a.conf: No such file or directory"),
        "{e}"
    );
    // A name longer than the system takes is refused before matching.
    let start = std::time::Instant::now();
    let e = read_main(&d, &format!("Include /x/{}*\n", "[".repeat(1 << 20))).unwrap_err();
    assert!(show(&d, &e).ends_with("*: File name too long"));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let e = read_main(&d, &format!("Include {}.conf\n", "a".repeat(300))).unwrap_err();
    assert!(
        show(&d, &e).ends_with(".conf: File name too long"),
        "{}",
        show(&d, &e)
    );
}

#[test]
fn memory_file_system_reads_like_the_real_one() {
    let mut fs = MemFs::new();
    fs.add_file("/srv/main.conf", "A\nInclude conf.d/*.conf\nIncludeOptional nope/*.conf\n<IfFile conf.d>\nB\n</IfFile>\nInclude fifo\n");
    fs.add_file("/srv/conf.d/2.conf", "C\n");
    fs.add_file("/srv/conf.d/1.conf", "D\n");
    fs.add_file("/srv/conf.d/x.txt", "E\n");
    fs.add_special("/srv/fifo");
    let e = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Syntax error on line 7 of /srv/main.conf: Could not open configuration file /srv/fifo: \
         AH00554: Access to file /srv/fifo denied by server: not a regular file"
    );
    fs.add_file("/srv/fifo", "F\n");
    let c = read_config_in(&fs, Path::new("main.conf"), &mem_opts()).unwrap();
    assert_eq!(names(&c), vec!["A", "D", "C", "B", "F"]);
}
