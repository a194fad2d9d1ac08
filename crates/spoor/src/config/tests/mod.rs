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

mod files;
