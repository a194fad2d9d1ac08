//! Fuzzes the httpd.conf reader (tokenizer, sections, `<IfDefine>`,
//! `<IfModule>`, `<IfFile>`, `Include`/`IncludeOptional` with wildcards and
//! directories, `Define`/`UnDefine`/`${VAR}`, `ServerRoot`) over an
//! in-memory file system, then builds the model from what it read.
//!
//! Input: files separated by NUL bytes. The first is `/srv/main.conf`;
//! a later one starting with `@NAME` and a newline is `/srv/NAME`, any
//! other the n-th is `/srv/conf.d/n.conf`. `/srv/fifo` and
//! `/srv/conf.d/dev` are special files (refused as not regular).
#![no_main]

use std::collections::HashMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use spoor::config::{read_config_in, MemFs, ReadOptions, Settings};

fuzz_target!(|data: &[u8]| {
    let mut fs = MemFs::new();
    fs.add_special("/srv/fifo");
    fs.add_special("/srv/conf.d/dev");
    fs.add_dir("/srv/empty");
    for (i, chunk) in data.split(|&b| b == 0).enumerate() {
        if i == 0 {
            fs.add_file("/srv/main.conf", chunk);
            continue;
        }
        match chunk.strip_prefix(b"@") {
            Some(rest) => {
                let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let name = String::from_utf8_lossy(&rest[..end]);
                let body = rest.get(end + 1..).unwrap_or_default();
                // Names are taken relative to /srv; `..` and empty
                // components are left to the reader's path handling.
                fs.add_file(Path::new("/srv").join(name.trim_start_matches('/')), body);
            }
            None => fs.add_file(format!("/srv/conf.d/{i}.conf"), chunk),
        }
    }
    let mut opts = ReadOptions::new("/srv");
    opts.defines.push("FUZZ".to_owned());
    opts.env = Some(HashMap::from([
        ("HOME".to_owned(), "/home/fuzz".to_owned()),
        ("X".to_owned(), "${X}${X}".to_owned()),
    ]));
    if let Ok(cfg) = read_config_in(&fs, Path::new("main.conf"), &opts) {
        let _ = Settings::from_config(&cfg);
    }
});
