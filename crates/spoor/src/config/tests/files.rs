//! Tests of the reader over files: `Include`, encodings, unknown
//! directives in included files, and the reader's bounds (checked against
//! apache2 as the tests in `mod.rs`).

use super::*;

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
