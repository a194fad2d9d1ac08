//! mod_autoindex's handler: a directory for which mod_dir found no index
//! is listed when `Options Indexes` allows it, refused with AH01276
//! otherwise.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use super::dirconf::{opt, AutoindexDir};
use super::listing::{self, Ent, EntryKind, View};
use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Phase, Phases, LAST};
use crate::http::pages::{escape_html, Detail};
use crate::http::request::Version;
use crate::perdir::{opt as core_opt, PerDir};
use crate::record::{header, header_num, hex_len, Cx};
use crate::site::Config;

/// mod_autoindex.
pub(crate) struct Autoindex;

impl Module for Autoindex {
    fn name(&self) -> &'static str {
        "mod_autoindex.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.loaded("autoindex_module") {
            Phases::NONE.with(Phase::Handler)
        } else {
            Phases::NONE
        }
    }

    /// After core's handler: core (standing in for mod_dir) declines a
    /// GET or HEAD of a directory without an index and leaves it here,
    /// as httpd's mod_dir leaves it to the `httpd/unix-directory`
    /// handler.
    fn order(&self, _p: Phase) -> i8 {
        LAST
    }

    fn handler(&self, r: &mut Cx) -> Flow {
        if !std::mem::take(&mut r.reply.unindexed) {
            return Flow::Declined;
        }
        let http09 = r.head.version == Version::Http09;
        let head_only = r.head_is_head();
        if !r.dir.core.options.has(core_opt::INDEXES) {
            let names = if r.cfg.loaded("dir_module") {
                r.dir.dir.names().collect::<Vec<_>>().join(",")
            } else {
                "none".to_string()
            };
            r.elog(
                LogModule::Autoindex,
                Level::Error,
                Extra::default(),
                "AH01276",
                |c, m| {
                    m.extend_from_slice(b"Cannot serve directory ");
                    m.extend_from_slice(c.path.as_os_str().as_bytes());
                    m.extend_from_slice(b": No matching DirectoryIndex (");
                    m.extend_from_slice(names.as_bytes());
                    m.extend_from_slice(
                        b") found, and server-generated directory index forbidden by Options directive",
                    );
                },
            );
            r.error_response(403, Detail::None, http09);
            if r.reply.error_status != 0 {
                // An ErrorDocument's final request that failed here had
                // reached its handler: its type was the directory's.
                if let Some(o) = r.reply.redirect.as_mut() {
                    o.final_content_type = Some(b"httpd/unix-directory".to_vec());
                }
            }
            return Flow::Ok;
        }
        index_directory(r, head_only, http09);
        Flow::Ok
    }
}

/// The request's query, if any.
fn query(r: &Cx) -> Option<Vec<u8>> {
    r.reply.query.clone().map(|q| r.buf[q].to_vec())
}

/// A header or readme file found for the listing: whether it is HTML
/// (its text goes in as it is) or other text (escaped in a `<pre>`), and
/// its bytes.
enum Insert {
    Html(Vec<u8>),
    Plain(Vec<u8>),
}

/// The most of a header or readme file put into a listing.
const MAX_INSERT: u64 = 16 << 20;

/// `HeaderName`/`ReadmeName` `name` in the directory being listed, as
/// httpd's sub-request finds it: served (status 200) and a regular file,
/// of type `text/html` (or `application/xhtml+xml`) or another `text/`.
fn find_insert(r: &mut Cx, dir_path: &std::path::Path, name: &str) -> Option<Insert> {
    // Only a regular file is used; checked before the lookup opens it (a
    // FIFO would block the open).
    if !std::fs::metadata(dir_path.join(name)).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let uri = r.uri.clone();
    let d = r.lookup_dirent(dir_path, &uri, name.as_bytes());
    let (file, meta) = d.file.filter(|_| d.status == 200)?;
    if !meta.is_file() {
        return None;
    }
    let (ctype, _) = entry_type(r, &d.dir, name.as_bytes());
    let ctype = ctype?;
    let html = ctype.eq_ignore_ascii_case(b"text/html")
        || ctype.eq_ignore_ascii_case(b"application/xhtml+xml");
    let text = ctype.len() >= 5 && ctype[..5].eq_ignore_ascii_case(b"text/");
    if !html && !text {
        return None;
    }
    let mut body = Vec::new();
    use std::io::Read;
    file.take(MAX_INSERT).read_to_end(&mut body).ok()?;
    Some(if html {
        Insert::Html(body)
    } else {
        Insert::Plain(body)
    })
}

/// The type (without parameters) and encodings (joined by `, `) mod_mime
/// and core's `ForceType` give the file `name` under `dir`.
fn entry_type(r: &Cx, dir: &PerDir, name: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let info = dir.mime.info(&r.cfg.mime, name);
    let forced = dir
        .core
        .force_type
        .as_deref()
        .filter(|t| *t != "none")
        .map(|t| t.as_bytes());
    let ctype = forced.or(info.content_type).map(|t| {
        // `ap_field_noparam`: up to the first `;`, blanks after it cut.
        let t = t.split(|&b| b == b';').next().unwrap_or(b"");
        t.trim_ascii_end().to_vec()
    });
    let enc = (!info.encodings.is_empty()).then(|| info.encodings.join(", ").into_bytes());
    (ctype, enc)
}

/// httpd's `do_emit_plain`: text in a `<pre>`, `<`, `>` and `&` escaped.
fn emit_plain(text: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"<pre>\n");
    for &b in text {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            // (httpd's C strings end a piece at a NUL.)
            _ => out.push(b),
        }
    }
    out.extend_from_slice(b"</pre>\n");
}

/// httpd's `emit_preamble`.
fn emit_preamble(out: &mut Vec<u8>, conf: &AutoindexDir, xhtml: bool, title: &[u8]) {
    if xhtml {
        out.extend_from_slice(
            b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\n <head>\n  <title>Index of ",
        );
    } else {
        out.extend_from_slice(
            b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n<html>\n <head>\n  <title>Index of ",
        );
    }
    out.extend_from_slice(title);
    out.extend_from_slice(b"</title>\n");
    if let Some(css) = &conf.style_sheet {
        out.extend_from_slice(b"  <link rel=\"stylesheet\" href=\"");
        out.extend_from_slice(css.as_bytes());
        out.extend_from_slice(b"\" type=\"text/css\"");
        out.extend_from_slice(if xhtml { b" />\n" } else { b">\n" });
    }
    if let Some(h) = &conf.head_insert {
        out.extend_from_slice(h.as_bytes());
    }
    out.extend_from_slice(b" </head>\n <body>\n");
}

/// httpd's `index_directory`: the listing of the directory in `r.path`.
fn index_directory(r: &mut Cx, head_only: bool, http09: bool) {
    let dir = r.dir.clone();
    let conf = &dir.autoindex;
    let mut dir_path = r.path.as_os_str().as_bytes().to_vec();
    if dir_path.last() != Some(&b'/') {
        dir_path.push(b'/');
    }
    let dir_path = PathBuf::from(std::ffi::OsStr::from_bytes(&dir_path));
    let reader = match std::fs::read_dir(&dir_path) {
        Ok(d) => d,
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EACCES);
            r.elog(
                LogModule::Autoindex,
                Level::Error,
                Extra::errno(errno),
                "AH01275",
                |c, m| {
                    m.extend_from_slice(b"Can't open directory for index: ");
                    m.extend_from_slice(c.path.as_os_str().as_bytes());
                },
            );
            r.error_response(403, Detail::None, http09);
            return;
        }
    };
    let mut ctype = conf.ctype.clone().unwrap_or_else(|| "text/html".into());
    let charset = conf.charset.as_deref().unwrap_or("ISO-8859-1");
    if !charset.is_empty() {
        ctype.push_str(";charset=");
        ctype.push_str(charset);
    }

    let mut body = Vec::new();
    // An HTML header or readme goes out through a sub-request, after
    // which httpd no longer knows the length.
    let mut streamed = false;
    if !head_only {
        streamed = build(r, conf, reader, &dir_path, &mut body);
    }

    // (An ErrorDocument's listing keeps the error's status.)
    let status = if r.reply.error_status != 0 {
        r.reply.error_status
    } else {
        200
    };
    r.start(status);
    if conf.opts & opt::TRACK_MODIFIED != 0 {
        if let Ok(m) = std::fs::metadata(&dir_path) {
            let mtime_us = m.mtime() * 1_000_000 + m.mtime_nsec() / 1000;
            let req_us = r.reply.request_time_us;
            let lm_s = mtime_us.min(req_us).div_euclid(1_000_000);
            header(
                &mut r.out,
                &mut r.reply.headers_out,
                b"Last-Modified",
                &crate::http::date::last_modified(lm_s),
            );
            let mut tag = Vec::new();
            crate::static_files::etag(m.size(), mtime_us, req_us, &mut tag);
            header(&mut r.out, &mut r.reply.headers_out, b"ETag", &tag);
        }
    }
    // httpd's `ap_rputs` buffer passes the page on once it holds more
    // than 8,000 bytes; from then on the length is unknown.
    let streamed = streamed || body.len() > 8000;
    let chunked = streamed && r.head.version == Version::Http11;
    if head_only {
        // httpd sends a HEAD's head before any body, without a length.
    } else if streamed {
        r.reply.no_length = true;
    } else {
        header_num(
            &mut r.out,
            &mut r.reply.headers_out,
            b"Content-Length",
            body.len() as u64,
        );
    }
    r.connection_headers();
    if chunked && !head_only {
        // (After `Connection`, as httpd's chunk filter adds it.)
        header(
            &mut r.out,
            &mut r.reply.headers_out,
            b"Transfer-Encoding",
            b"chunked",
        );
    }
    r.content_type(ctype.as_bytes());
    r.out.extend_from_slice(b"\r\n");
    if http09 {
        // A simple request gets the body alone.
        r.reply.send_from = r.out.len();
    }
    if head_only {
        return;
    }
    r.reply.bytes_sent = body.len() as u64;
    if chunked && !body.is_empty() {
        let mut n = [0u8; 16];
        r.out.extend_from_slice(hex_len(body.len(), &mut n));
        r.out.extend_from_slice(b"\r\n");
        r.out.extend_from_slice(&body);
        r.out.extend_from_slice(b"\r\n0\r\n\r\n");
    } else if chunked {
        r.out.extend_from_slice(b"0\r\n\r\n");
    } else {
        r.out.extend_from_slice(&body);
    }
}

/// The page into `body`; true when an HTML header or readme went in.
fn build(
    r: &mut Cx,
    conf: &AutoindexDir,
    reader: std::fs::ReadDir,
    dir_path: &std::path::Path,
    body: &mut Vec<u8>,
) -> bool {
    let q = query(r);
    let v: View = listing::view(conf, q.as_deref());
    let opts = v.opts;
    let xhtml = opts & opt::EMIT_XHTML != 0;
    let suppress_amble = opts & opt::SUPPRESS_PREAMBLE != 0;
    let mut streamed = false;

    // The title: the URI, its trailing slashes cut (not its first byte).
    let mut title = Vec::new();
    escape_html(&r.uri, &mut title);
    while title.len() > 1 && title.last() == Some(&b'/') {
        title.pop();
    }

    // The header.
    let mut emit_amble = true;
    let mut emit_h1 = true;
    if let Some(name) = conf.header.clone() {
        match find_insert(r, dir_path, &name) {
            Some(Insert::Html(text)) => {
                emit_amble = false;
                emit_h1 = false;
                if !suppress_amble {
                    emit_preamble(body, conf, xhtml, &title);
                }
                body.extend_from_slice(&text);
                streamed = true;
            }
            Some(Insert::Plain(text)) => {
                emit_preamble(body, conf, xhtml, &title);
                emit_amble = false;
                emit_plain(&text, body);
                emit_h1 = false;
            }
            None => {}
        }
    }
    if emit_amble {
        emit_preamble(body, conf, xhtml, &title);
    }
    if emit_h1 {
        if conf.style_sheet.is_some() {
            body.extend_from_slice(b"  <h1 id=\"indextitle\">Index of ");
        } else {
            body.extend_from_slice(b"<h1>Index of ");
        }
        body.extend_from_slice(&title);
        body.extend_from_slice(b"</h1>\n");
    }

    // The entries.
    let mut ents: Vec<Ent> = Vec::new();
    let dp = listing::bytes(dir_path).to_vec();
    let uri = r.uri.clone();
    if let Some(p) = listing::parent_entry(&uri, &dp, conf, &v) {
        ents.push(p);
    }
    let show_forbidden = opts & opt::SHOW_FORBIDDEN != 0;
    for e in reader.take(listing::MAX_ENTRIES).flatten() {
        let name = e.file_name();
        let name = name.as_bytes();
        if let Some(p) = &v.pattern {
            if !super::text::fnmatch_period(p, name) {
                continue;
            }
        }
        let full = [&dp[..], name].concat();
        if listing::ignored(conf, &full) {
            continue;
        }
        // Links are followed here (a dangling one is left out); the
        // sub-request judges whether the client may follow them.
        let Ok(meta) = std::fs::metadata(std::ffi::OsStr::from_bytes(&full)) else {
            continue;
        };
        let is_dir = meta.is_dir();
        if !is_dir && !meta.is_file() {
            continue;
        }
        let d = r.lookup_dirent(dir_path, &uri, name);
        let ok = (200..400).contains(&d.status)
            || (show_forbidden && (d.status == 401 || d.status == 403));
        if !ok {
            continue;
        }
        let mut meta = d.file.as_ref().map_or(meta, |(_, m)| m.clone());
        if is_dir && d.status == 200 && r.cfg.loaded("dir_module") {
            // mod_dir's fixup runs in the entry's sub-request too: a
            // folder with an index shows the index's time, and one whose
            // index candidates were refused is refused.
            match entry_index(r, &d.dir, &uri, &dp, name) {
                Ok(Some(m)) => meta = m,
                Ok(None) => {}
                Err(_) if show_forbidden => {}
                Err(_) => continue,
            }
        }
        let (ctype, enc) = if is_dir {
            (None, None)
        } else {
            entry_type(r, &d.dir, name)
        };
        let kind = EntryKind {
            ctype: ctype.as_deref(),
            encoding: enc.as_deref(),
        };
        let mut ent = listing::make_entry(name, is_dir, &full, &meta, &kind, conf, &v);
        if ent.desc.is_none()
            && opts & opt::SCAN_HTML_TITLES != 0
            && opts & (opt::FANCY_INDEXING | opt::TABLE_INDEXING) != 0
            && d.status == 200
            && enc.is_none()
        {
            let html = ctype.as_deref().is_some_and(|t| {
                t.eq_ignore_ascii_case(b"text/html")
                    || t.eq_ignore_ascii_case(b"application/xhtml+xml")
                    || t == b"text/x-server-parsed-html"
            });
            if let (true, Some((f, _))) = (html, d.file.as_ref()) {
                ent.desc = find_title(f);
            }
        }
        ents.push(ent);
    }
    ents.sort_by(|a, b| listing::compare(a, b, &v));
    let tz = r.cfg.time_zone.clone();
    let fmt = if conf.old_dates {
        "%d-%b-%Y %H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let when = move |us: i64| -> String {
        jiff::Timestamp::from_microsecond(us)
            .map(|t| t.to_zoned(tz.clone()).strftime(fmt).to_string())
            .unwrap_or_default()
    };
    listing::output_directories(body, &mut ents, conf, &v, &when);

    // The readme, the signature and the end.
    let mut suppress_sig = false;
    let mut suppress_post = false;
    if let Some(name) = conf.readme.clone() {
        match find_insert(r, dir_path, &name) {
            Some(Insert::Html(text)) => {
                body.extend_from_slice(&text);
                streamed = true;
                suppress_sig = true;
                suppress_post = suppress_amble;
            }
            Some(Insert::Plain(text)) => {
                emit_plain(&text, body);
                suppress_sig = true;
            }
            None => {}
        }
    }
    if !suppress_sig {
        let mut sig = Vec::new();
        r.signature(&mut sig);
        // (`ap_psignature("", r)`: the footer without its rule.)
        body.extend_from_slice(sig.strip_prefix(b"<hr>\n").unwrap_or(&sig));
    }
    if !suppress_post {
        body.extend_from_slice(b"</body></html>\n");
    }
    streamed
}

/// mod_dir's index search for the folder `name` of the directory being
/// listed (`dir_uri`, `dir_path`), as its sub-request runs it: the
/// index's metadata, none, or the status of a refused candidate. The
/// request is left as it was.
fn entry_index(
    r: &mut Cx,
    dir: &std::sync::Arc<PerDir>,
    dir_uri: &[u8],
    dir_path: &[u8],
    name: &[u8],
) -> Result<Option<std::fs::Metadata>, u16> {
    let saved = (
        std::mem::take(&mut r.uri),
        std::mem::take(&mut r.path),
        r.dir.clone(),
        r.env.clone(),
    );
    r.uri = [dir_uri, name, b"/"].concat();
    r.path = PathBuf::from(std::ffi::OsStr::from_bytes(
        &[dir_path, name, b"/"].concat(),
    ));
    r.dir = dir.clone();
    let found = match r.directory_index() {
        crate::modules::core::dirhooks::Index::Found(_, m) => Ok(Some(m)),
        crate::modules::core::dirhooks::Index::Refused(status) => Err(status),
        crate::modules::core::dirhooks::Index::Missing => Ok(None),
    };
    (r.uri, r.path, r.dir, r.env) = saved;
    found
}

/// httpd's `find_title`: the text after the first `<title>` (any case)
/// in the first 8,191 bytes of an HTML file, up to the next `<`, line
/// ends made blanks (a leading one dropped).
fn find_title(f: &std::fs::File) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(8191);
    f.take(8191).read_to_end(&mut buf).ok()?;
    // (httpd's buffer is a C string: it ends at a NUL.)
    if let Some(nul) = buf.iter().position(|&b| b == 0) {
        buf.truncate(nul);
    }
    const FIND: &[u8] = b"<title>";
    let mut p = 0;
    for x in 0..buf.len() {
        if buf[x].to_ascii_lowercase() == FIND[p] {
            p += 1;
            if p == FIND.len() {
                let rest = &buf[x + 1..];
                let text = &rest[..rest.iter().position(|&b| b == b'<').unwrap_or(rest.len())];
                // Leading line ends dropped, the others made blanks.
                let lead = text
                    .iter()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
                let title = text[lead..]
                    .iter()
                    .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                    .collect();
                return Some(title);
            }
        } else {
            p = 0;
        }
    }
    None
}
