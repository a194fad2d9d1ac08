//! The listing itself (httpd's `index_directory` and what it calls): the
//! query, the entries, their order and the page.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;

use super::dirconf::{opt, Adjust, AutoindexDir, By, Item};
use super::text;
use crate::http::pages::escape_html;

/// The most directory entries one listing reads; the rest are left out
/// (httpd has no limit; spoor builds the page in memory).
pub const MAX_ENTRIES: usize = 100_000;

/// One line of the listing (httpd's `struct ent`).
#[derive(Debug)]
pub struct Ent {
    /// The name (a directory's with its `/`; the parent's is its URI).
    pub name: Vec<u8>,
    /// The icon URL.
    pub icon: Option<String>,
    /// The alt text.
    pub alt: Option<String>,
    /// The description.
    pub desc: Option<Vec<u8>>,
    /// The size, -1 for none.
    pub size: i64,
    /// The modification time in microseconds, -1 for none.
    pub lm: i64,
    /// `FoldersFirst` and a directory.
    pub isdir: bool,
}

/// How the listing is sorted and shown for this request.
#[derive(Clone, Debug)]
pub struct View {
    /// The `IndexOptions` bits after the query's `F=` and `V=`.
    pub opts: u32,
    /// The sort key (`N`, `M`, `S`, `D`).
    pub key: u8,
    /// `A` or `D`.
    pub direction: u8,
    /// The query's `P=` pattern, unescaped.
    pub pattern: Option<Vec<u8>>,
    /// What the column links carry after `C=…;O=…`.
    pub colargs: Vec<u8>,
}

/// httpd's `ap_unescape_url` for the `P=` pattern: `None` for a bad
/// escape or an escaped `/` or NUL.
fn unescape_url(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut bad = false;
    while i < s.len() {
        if s[i] == b'%' {
            match (
                s.get(i + 1).and_then(|&b| hex(b)),
                s.get(i + 2).and_then(|&b| hex(b)),
            ) {
                (Some(h), Some(l)) => {
                    let c = h << 4 | l;
                    if c == b'/' || c == 0 {
                        bad = true;
                    }
                    out.push(c);
                    i += 3;
                    continue;
                }
                _ => bad = true,
            }
        }
        out.push(s[i]);
        i += 1;
    }
    (!bad).then_some(out)
}

/// The view for `conf` and the request's query (httpd reads `C=`, `O=`,
/// `F=`, `V=` and `P=` in any order, separated by `&` or `;`, and stops
/// at the first thing it does not know).
pub fn view(conf: &AutoindexDir, query: Option<&[u8]>) -> View {
    let mut v = View {
        opts: conf.opts,
        key: conf.default_key.unwrap_or(b'N'),
        direction: conf.default_direction.unwrap_or(b'A'),
        pattern: None,
        colargs: Vec::new(),
    };
    if v.opts & opt::IGNORE_CLIENT != 0 {
        v.opts |= opt::SUPPRESS_COLSORT;
        return v;
    }
    let (mut fval, mut vval) = (Vec::new(), Vec::new());
    let (mut ppre, mut epattern): (&[u8], Vec<u8>) = (b"", Vec::new());
    let mut q = query.unwrap_or(b"");
    // The argument at `i` is one byte followed by the end, `&` or `;`.
    let ends = |q: &[u8]| matches!(q.get(3), None | Some(b'&') | Some(b';'));
    let step = |q: &[u8]| if q.len() > 3 { 4 } else { 3 };
    while !q.is_empty() {
        let (c0, c1, c2) = (q[0], q.get(1).copied(), q.get(2).copied().unwrap_or(0));
        if c0 == b'C' && c1 == Some(b'=') && b"NMSD".contains(&c2) && c2 != 0 && ends(q) {
            v.key = c2;
            q = &q[step(q)..];
        } else if c0 == b'O' && c1 == Some(b'=') && (c2 == b'A' || c2 == b'D') && ends(q) {
            v.direction = c2;
            q = &q[step(q)..];
        } else if c0 == b'F' && c1 == Some(b'=') && b"012".contains(&c2) && c2 != 0 && ends(q) {
            match c2 {
                b'0' => v.opts &= !(opt::FANCY_INDEXING | opt::TABLE_INDEXING),
                b'1' => v.opts = (v.opts | opt::FANCY_INDEXING) & !opt::TABLE_INDEXING,
                _ => v.opts |= opt::FANCY_INDEXING | opt::TABLE_INDEXING,
            }
            fval = vec![b';', b'F', b'=', c2];
            q = &q[step(q)..];
        } else if c0 == b'V' && c1 == Some(b'=') && (c2 == b'0' || c2 == b'1') && ends(q) {
            if c2 == b'0' {
                v.opts &= !opt::VERSION_SORT;
            } else {
                v.opts |= opt::VERSION_SORT;
            }
            vval = vec![b';', b'V', b'=', c2];
            q = &q[step(q)..];
        } else if c0 == b'P' && c1 == Some(b'=') {
            let rest = &q[2..];
            let eos = rest
                .iter()
                .position(|&b| b == b'&' || b == b';')
                .unwrap_or(rest.len());
            if eos == 0 {
                v.pattern = None;
            } else {
                match unescape_url(&rest[..eos]) {
                    None => v.pattern = None,
                    Some(p) => {
                        ppre = b";P=";
                        epattern.clear();
                        crate::http::uri::escape_path(&p, &mut epattern);
                        v.pattern = Some(p);
                    }
                }
            }
            // Past the separator, if anything follows it.
            q = if eos + 1 < rest.len() {
                &rest[eos + 1..]
            } else {
                b""
            };
        } else {
            break;
        }
    }
    v.colargs = [&fval[..], &vval, ppre, &epattern].concat();
    v
}

/// httpd's `ignore_entry`: whether `path` (a full file name) is hidden by
/// an `IndexIgnore` pattern.
pub fn ignored(conf: &AutoindexDir, path: &[u8]) -> bool {
    let tt = last_component(path);
    conf.ignore.iter().any(|p| {
        let ap = last_component(p.apply_to.as_bytes());
        text::strcmp_match(path, p.apply_path.as_bytes()) && text::strcmp_match(tt, ap)
    })
}

/// The part after the last `/` (all of it without one).
fn last_component(p: &[u8]) -> &[u8] {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// httpd's `find_item`: the first item of `list` for a file `path` of
/// type `ctype` (without parameters) and encoding `enc`; `path_only`
/// looks at names alone. A path starting with `^` is one of the
/// `^^DIRECTORY^^`/`^^BLANKICON^^` names.
pub fn find_item<'a>(
    list: &'a [Item],
    ctype: Option<&[u8]>,
    enc: Option<&[u8]>,
    path: &[u8],
    path_only: bool,
) -> Option<&'a str> {
    let special = path.first() == Some(&b'^');
    for p in list {
        if !(special || text::strcmp_match(path, p.apply_path.as_bytes())) {
            continue;
        }
        if p.apply_to.is_empty() {
            return Some(&p.data);
        }
        if p.by == By::Path || special {
            if text::strcmp_match(path, p.apply_to.as_bytes()) {
                return Some(&p.data);
            }
        } else if !path_only {
            match enc {
                None => {
                    if p.by == By::Type
                        && ctype.is_some_and(|t| text::strcasecmp_match(t, p.apply_to.as_bytes()))
                    {
                        return Some(&p.data);
                    }
                }
                Some(e) => {
                    if p.by == By::Encoding && text::strcasecmp_match(e, p.apply_to.as_bytes()) {
                        return Some(&p.data);
                    }
                }
            }
        }
    }
    None
}

/// httpd's `find_desc`: the first `AddDescription` for the file name
/// `full`.
pub fn find_desc(conf: &AutoindexDir, full: &[u8]) -> Option<Vec<u8>> {
    let only = last_component(full);
    conf.descs.iter().find_map(|t| {
        let name = if t.full_path { full } else { only };
        let found = if t.wildcards {
            text::fnmatch(t.pattern.as_bytes(), name)
        } else {
            memchr::memmem::find(name, t.pattern.as_bytes()).is_some()
        };
        found.then(|| t.description.clone().into_bytes())
    })
}

/// httpd's `dsortf`: the parent first, then (under `FoldersFirst`)
/// directories, then by the key, names breaking ties.
pub fn compare(a: &Ent, b: &Ent, v: &View) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    if a.name.first() == Some(&b'/') {
        return Less;
    }
    if b.name.first() == Some(&b'/') {
        return Greater;
    }
    if a.isdir != b.isdir {
        return if a.isdir { Less } else { Greater };
    }
    let (c1, c2) = if v.direction == b'A' { (a, b) } else { (b, a) };
    match v.key {
        b'M' if c1.lm != c2.lm => return c1.lm.cmp(&c2.lm),
        b'S' if c1.size != c2.size => return c1.size.cmp(&c2.size),
        b'D' => {
            let (d1, d2) = (
                c1.desc.as_deref().unwrap_or(b""),
                c2.desc.as_deref().unwrap_or(b""),
            );
            let r = if v.opts & opt::VERSION_SORT != 0 {
                text::strnatcmp(d1, d2, false)
            } else {
                text::strcmp(d1, d2)
            };
            if r != 0 {
                return r.cmp(&0);
            }
        }
        _ => {}
    }
    let ignore_case = v.opts & opt::IGNORE_CASE != 0;
    let mut r = 0;
    if v.opts & opt::VERSION_SORT != 0 {
        if ignore_case {
            r = text::strnatcmp(&c1.name, &c2.name, true);
        }
        if r == 0 {
            r = text::strnatcmp(&c1.name, &c2.name, false);
        }
    }
    if r == 0 && ignore_case {
        r = text::strcasecmp(&c1.name, &c2.name);
    }
    if r == 0 {
        r = text::strcmp(&c1.name, &c2.name);
    }
    r.cmp(&0)
}

/// httpd's `terminate_description`: a description cut to `width`
/// visible characters (tags and entities count as none and one), its
/// last kept byte replaced by `>` when cut.
fn terminate_description(conf: &AutoindexDir, desc: &[u8], opts: u32, width: i32) -> Vec<u8> {
    let mut maxsize = width;
    if conf.desc_adjust == Adjust::Unset {
        if opts & opt::SUPPRESS_ICON != 0 {
            maxsize += 6;
        }
        if opts & opt::SUPPRESS_LAST_MOD != 0 {
            maxsize += 19;
        }
        if opts & opt::SUPPRESS_SIZE != 0 {
            maxsize += 7;
        }
    }
    let d = desc;
    let at = |i: usize| d.get(i).copied().unwrap_or(0);
    let mut x = 0;
    while at(x) != 0 && (maxsize > 0 || at(x) == b'<') {
        if at(x) == b'<' {
            while at(x) != b'>' {
                if at(x) == 0 {
                    maxsize = 0;
                    break;
                }
                x += 1;
            }
        } else if at(x) == b'&' {
            maxsize -= 1;
            while at(x) != b';' {
                if at(x) == 0 {
                    maxsize = 0;
                    break;
                }
                x += 1;
            }
        } else {
            maxsize -= 1;
        }
        if at(x) == 0 {
            break;
        }
        x += 1;
    }
    if maxsize == 0 && at(x) != 0 && x > 0 {
        let mut out = d[..x].to_vec();
        out[x - 1] = b'>';
        return out;
    }
    d.to_vec()
}

/// The column heading's link (httpd's `emit_link`): a heading that is
/// the current key reverses the order when followed again.
fn emit_link(out: &mut Vec<u8>, anchor: &str, column: u8, v: &View, nosort: bool) {
    if nosort {
        out.extend_from_slice(anchor.as_bytes());
        return;
    }
    let dir = if v.key == column && v.direction == b'A' {
        b'D'
    } else {
        b'A'
    };
    out.extend_from_slice(b"<a href=\"?C=");
    out.push(column);
    out.extend_from_slice(b";O=");
    out.push(dir);
    out.extend_from_slice(&v.colargs);
    out.extend_from_slice(b"\">");
    out.extend_from_slice(anchor.as_bytes());
    out.extend_from_slice(b"</a>");
}

/// The icon size attributes and the element's end.
fn icon_tail(out: &mut Vec<u8>, conf: &AutoindexDir, opts: u32) {
    if conf.icon_width != 0 {
        out.extend_from_slice(format!(" width=\"{}\"", conf.icon_width).as_bytes());
    }
    if conf.icon_height != 0 {
        out.extend_from_slice(format!(" height=\"{}\"", conf.icon_height).as_bytes());
    }
    if opts & opt::EMIT_XHTML != 0 {
        out.extend_from_slice(b" /");
    }
}

/// Formats a modification time (microseconds) in the server's time zone.
pub type TimeFmt<'a> = &'a dyn Fn(i64) -> String;

/// A name cut to `width` bytes with `..>` at its end, as httpd cuts it.
fn cut_name(t: &[u8], width: i32) -> Vec<u8> {
    let w = width.max(3) as usize;
    if t.len() > w {
        let mut s = t[..w - 3].to_vec();
        s.extend_from_slice(b"..>");
        s
    } else {
        t.to_vec()
    }
}

/// httpd's `output_directories`: the table, the preformatted columns or
/// the plain list of `ents` (sorted, the parent first).
pub fn output_directories(
    out: &mut Vec<u8>,
    ents: &mut [Ent],
    conf: &AutoindexDir,
    v: &View,
    when: TimeFmt<'_>,
) {
    let opts = v.opts;
    let nosort = opts & opt::SUPPRESS_COLSORT != 0;
    let css = conf.style_sheet.is_some();
    let mut name_width = conf.name_width;
    let mut desc_width = conf.desc_width;
    if opts & (opt::FANCY_INDEXING | opt::TABLE_INDEXING) == opt::FANCY_INDEXING {
        if conf.name_adjust == Adjust::Adjust {
            for e in ents.iter() {
                name_width = name_width.max(e.name.len() as i32);
            }
        }
        if conf.desc_adjust == Adjust::Adjust {
            for e in ents.iter() {
                if let Some(d) = &e.desc {
                    desc_width = desc_width.max(d.len() as i32);
                }
            }
        }
    }
    let name_width = name_width.max(0);
    let pad = |n: usize| -> Vec<u8> { vec![b' '; (name_width as usize).saturating_sub(n)] };
    let blank = find_item(&conf.icons, None, None, b"^^BLANKICON^^", true);
    let mut breakrow = Vec::new();
    let xhtml = opts & opt::EMIT_XHTML != 0;
    let pick = |a: &'static str, b: &'static str| if css { a } else { b };
    if opts & opt::TABLE_INDEXING != 0 {
        let mut cols = 1;
        out.extend_from_slice(if css {
            b"  <table id=\"indexlist\">\n   <tr class=\"indexhead\">"
        } else {
            b"  <table>\n   <tr>"
        });
        if opts & opt::SUPPRESS_ICON == 0 {
            out.extend_from_slice(b"<th");
            out.extend_from_slice(pick(" class=\"indexcolicon\">", " valign=\"top\">").as_bytes());
            if let Some(tp) = blank {
                out.extend_from_slice(b"<img src=\"");
                escape_html(tp.as_bytes(), out);
                out.extend_from_slice(b"\" alt=\"[ICO]\"");
                icon_tail(out, conf, opts);
                out.extend_from_slice(b"></th>");
            } else {
                out.extend_from_slice(b"&nbsp;</th>");
            }
            cols += 1;
        }
        out.extend_from_slice(b"<th");
        out.extend_from_slice(pick(" class=\"indexcolname\">", ">").as_bytes());
        emit_link(out, "Name", b'N', v, nosort);
        if opts & opt::SUPPRESS_LAST_MOD == 0 {
            out.extend_from_slice(b"</th><th");
            out.extend_from_slice(pick(" class=\"indexcollastmod\">", ">").as_bytes());
            emit_link(out, "Last modified", b'M', v, nosort);
            cols += 1;
        }
        if opts & opt::SUPPRESS_SIZE == 0 {
            out.extend_from_slice(b"</th><th");
            out.extend_from_slice(pick(" class=\"indexcolsize\">", ">").as_bytes());
            emit_link(out, "Size", b'S', v, nosort);
            cols += 1;
        }
        if opts & opt::SUPPRESS_DESC == 0 {
            out.extend_from_slice(b"</th><th");
            out.extend_from_slice(pick(" class=\"indexcoldesc\">", ">").as_bytes());
            emit_link(out, "Description", b'D', v, nosort);
            cols += 1;
        }
        if opts & opt::SUPPRESS_RULES == 0 {
            breakrow = format!(
                "   <tr{}><th colspan=\"{cols}\"><hr{}></th></tr>\n",
                pick(" class=\"indexbreakrow\"", ""),
                if xhtml { " /" } else { "" }
            )
            .into_bytes();
        }
        out.extend_from_slice(b"</th></tr>\n");
        out.extend_from_slice(&breakrow);
    } else if opts & opt::FANCY_INDEXING != 0 {
        out.extend_from_slice(b"<pre>");
        if opts & opt::SUPPRESS_ICON == 0 {
            if let Some(tp) = blank {
                out.extend_from_slice(b"<img src=\"");
                escape_html(tp.as_bytes(), out);
                out.extend_from_slice(b"\" alt=\"Icon \"");
                icon_tail(out, conf, opts);
                out.extend_from_slice(b"> ");
            } else {
                out.extend_from_slice(b"      ");
            }
        }
        emit_link(out, "Name", b'N', v, nosort);
        out.extend_from_slice(&pad(4));
        out.push(b' ');
        if opts & opt::SUPPRESS_LAST_MOD == 0 {
            emit_link(out, "Last modified", b'M', v, nosort);
            out.extend_from_slice(b"      ");
        }
        if opts & opt::SUPPRESS_SIZE == 0 {
            emit_link(out, "Size", b'S', v, nosort);
            out.extend_from_slice(b"  ");
        }
        if opts & opt::SUPPRESS_DESC == 0 {
            emit_link(out, "Description", b'D', v, nosort);
        }
        if opts & opt::SUPPRESS_RULES == 0 {
            out.extend_from_slice(if xhtml { b"<hr />" } else { b"<hr>" });
        } else {
            out.push(b'\n');
        }
    } else {
        out.extend_from_slice(b"<ul>");
    }

    for (x, e) in ents.iter().enumerate() {
        let mut anchor = Vec::new();
        let mut escaped = Vec::new();
        text::os_escape_path(&e.name, &mut escaped);
        escape_html(&escaped, &mut anchor);
        let t2: &[u8] = if x == 0 && e.name.first() == Some(&b'/') {
            b"Parent Directory"
        } else {
            &e.name
        };
        let icon = e.icon.as_deref().or(conf.default_icon.as_deref());
        let icon_img = |out: &mut Vec<u8>| {
            if let Some(i) = icon {
                out.extend_from_slice(b"<img src=\"");
                escape_html(i.as_bytes(), out);
                out.extend_from_slice(b"\" alt=\"[");
                out.extend_from_slice(e.alt.as_deref().unwrap_or("   ").as_bytes());
                out.extend_from_slice(b"]\"");
                icon_tail(out, conf, opts);
                out.push(b'>');
                true
            } else {
                false
            }
        };
        if opts & opt::TABLE_INDEXING != 0 {
            if css {
                let parity = if x & 1 == 1 { "odd" } else { "even" };
                match e.alt.as_deref().filter(|_| opts & opt::ADDALTCLASS != 0) {
                    Some(alt) => out.extend_from_slice(
                        format!("   <tr class=\"{parity}-{}\">", alt.to_ascii_lowercase())
                            .as_bytes(),
                    ),
                    None => out.extend_from_slice(format!("   <tr class=\"{parity}\">").as_bytes()),
                }
            } else {
                out.extend_from_slice(b"<tr>");
            }
            if opts & opt::SUPPRESS_ICON == 0 {
                out.extend_from_slice(b"<td");
                out.extend_from_slice(
                    pick(" class=\"indexcolicon\">", " valign=\"top\">").as_bytes(),
                );
                if opts & opt::ICONS_ARE_LINKS != 0 {
                    out.extend_from_slice(b"<a href=\"");
                    out.extend_from_slice(&anchor);
                    out.extend_from_slice(b"\">");
                }
                if !icon_img(out) {
                    out.extend_from_slice(b"&nbsp;");
                }
                out.extend_from_slice(if opts & opt::ICONS_ARE_LINKS != 0 {
                    b"</a></td>"
                } else {
                    b"</td>"
                });
            }
            out.extend_from_slice(b"<td");
            out.extend_from_slice(pick(" class=\"indexcolname\">", ">").as_bytes());
            out.extend_from_slice(b"<a href=\"");
            out.extend_from_slice(&anchor);
            out.extend_from_slice(b"\">");
            if conf.name_adjust == Adjust::Adjust {
                escape_html(t2, out);
                out.extend_from_slice(b"</a>");
            } else {
                let shown = cut_name(t2, name_width);
                escape_html(&shown, out);
                out.extend_from_slice(b"</a>");
                out.extend_from_slice(&pad(shown.len()));
            }
            if opts & opt::SUPPRESS_LAST_MOD == 0 {
                if e.lm != -1 {
                    out.extend_from_slice(b"</td><td");
                    out.extend_from_slice(
                        pick(" class=\"indexcollastmod\">", " align=\"right\">").as_bytes(),
                    );
                    out.extend_from_slice(when(e.lm).as_bytes());
                    out.extend_from_slice(b"  ");
                } else {
                    out.extend_from_slice(b"</td><td");
                    out.extend_from_slice(
                        pick(" class=\"indexcollastmod\">&nbsp;", ">&nbsp;").as_bytes(),
                    );
                }
            }
            if opts & opt::SUPPRESS_SIZE == 0 {
                out.extend_from_slice(b"</td><td");
                out.extend_from_slice(
                    pick(" class=\"indexcolsize\">", " align=\"right\">").as_bytes(),
                );
                text::strfsize(e.size, out);
            }
            if opts & opt::SUPPRESS_DESC == 0 {
                out.extend_from_slice(b"</td><td");
                out.extend_from_slice(pick(" class=\"indexcoldesc\">", ">").as_bytes());
                match &e.desc {
                    Some(d) if conf.desc_adjust == Adjust::Adjust => out.extend_from_slice(d),
                    Some(d) => {
                        out.extend_from_slice(&terminate_description(conf, d, opts, desc_width))
                    }
                    None => out.extend_from_slice(b"&nbsp;"),
                }
            }
            out.extend_from_slice(b"</td></tr>\n");
        } else if opts & opt::FANCY_INDEXING != 0 {
            if opts & opt::SUPPRESS_ICON == 0 {
                if opts & opt::ICONS_ARE_LINKS != 0 {
                    out.extend_from_slice(b"<a href=\"");
                    out.extend_from_slice(&anchor);
                    out.extend_from_slice(b"\">");
                }
                if !icon_img(out) {
                    out.extend_from_slice(b"     ");
                }
                out.extend_from_slice(if opts & opt::ICONS_ARE_LINKS != 0 {
                    b"</a> "
                } else {
                    b" "
                });
            }
            let shown = cut_name(t2, name_width);
            out.extend_from_slice(b"<a href=\"");
            out.extend_from_slice(&anchor);
            out.extend_from_slice(b"\">");
            escape_html(&shown, out);
            out.extend_from_slice(b"</a>");
            out.extend_from_slice(&pad(shown.len()));
            out.push(b' ');
            if opts & opt::SUPPRESS_LAST_MOD == 0 {
                if e.lm != -1 {
                    out.extend_from_slice(when(e.lm).as_bytes());
                    out.extend_from_slice(b"  ");
                } else {
                    out.extend_from_slice(b"                   ");
                }
            }
            if opts & opt::SUPPRESS_SIZE == 0 {
                text::strfsize(e.size, out);
                out.extend_from_slice(b"  ");
            }
            if opts & opt::SUPPRESS_DESC == 0 {
                if let Some(d) = &e.desc {
                    out.extend_from_slice(&terminate_description(conf, d, opts, desc_width));
                }
            }
            out.push(b'\n');
        } else {
            out.extend_from_slice(b"<li><a href=\"");
            out.extend_from_slice(&anchor);
            out.extend_from_slice(b"\"> ");
            escape_html(t2, out);
            out.extend_from_slice(b"</a></li>\n");
        }
    }
    if opts & opt::TABLE_INDEXING != 0 {
        out.extend_from_slice(&breakrow);
        out.extend_from_slice(b"</table>\n");
    } else if opts & opt::FANCY_INDEXING != 0 {
        if opts & opt::SUPPRESS_RULES == 0 {
            out.extend_from_slice(if xhtml {
                b"<hr /></pre>\n"
            } else {
                b"<hr></pre>\n"
            });
        } else {
            out.extend_from_slice(b"</pre>\n");
        }
    } else {
        out.extend_from_slice(b"</ul>\n");
    }
}

/// A directory entry's type for the icon and alt lookups.
pub struct EntryKind<'a> {
    /// The type without parameters.
    pub ctype: Option<&'a [u8]>,
    /// The encodings, joined with `, `.
    pub encoding: Option<&'a [u8]>,
}

/// httpd's `make_autoindex_entry` once the sub-request let the entry
/// through: `filename` is the sub-request's file name (a directory's
/// without its trailing slash), `meta` what it found.
pub fn make_entry(
    name: &[u8],
    is_dir: bool,
    filename: &[u8],
    meta: &std::fs::Metadata,
    kind: &EntryKind<'_>,
    conf: &AutoindexDir,
    v: &View,
) -> Ent {
    let mut e = Ent {
        name: if is_dir {
            [name, b"/"].concat()
        } else {
            name.to_vec()
        },
        icon: None,
        alt: None,
        desc: None,
        size: -1,
        lm: -1,
        isdir: false,
    };
    if v.opts & (opt::FANCY_INDEXING | opt::TABLE_INDEXING) != 0 {
        e.lm = meta.mtime() * 1_000_000 + meta.mtime_nsec() / 1000;
        if is_dir {
            e.isdir = v.opts & opt::FOLDERS_FIRST != 0;
            e.icon = find_item(&conf.icons, None, None, filename, true)
                .or_else(|| find_item(&conf.icons, None, None, b"^^DIRECTORY^^", true))
                .map(str::to_string);
            e.alt = Some(
                find_item(&conf.alts, None, None, filename, true)
                    .or_else(|| find_item(&conf.alts, None, None, b"^^DIRECTORY^^", true))
                    .unwrap_or("DIR")
                    .to_string(),
            );
        } else {
            e.icon = find_item(&conf.icons, kind.ctype, kind.encoding, filename, false)
                .map(str::to_string);
            e.alt = find_item(&conf.alts, kind.ctype, kind.encoding, filename, false)
                .map(str::to_string);
            e.size = meta.len() as i64;
        }
        e.desc = find_desc(conf, filename);
    }
    if v.key == b'M' && e.lm < 0 {
        e.lm = 0;
    }
    e
}

/// httpd's `make_parent_entry` for a listing of `uri` whose file name is
/// `dir_path` (ending in `/`): none at the top, or when `IndexIgnore`
/// hides `..`.
pub fn parent_entry(uri: &[u8], dir_path: &[u8], conf: &AutoindexDir, v: &View) -> Option<Ent> {
    let name = parent_uri(uri)?;
    let mut testpath = dir_path.to_vec();
    if testpath.last() != Some(&b'/') {
        testpath.push(b'/');
    }
    testpath.extend_from_slice(b"..");
    if ignored(conf, &testpath) {
        return None;
    }
    let mut e = Ent {
        name,
        icon: None,
        alt: None,
        desc: None,
        size: -1,
        lm: -1,
        isdir: false,
    };
    if v.opts & opt::FANCY_INDEXING != 0 {
        e.icon = find_item(&conf.icons, None, None, &testpath, true)
            .or_else(|| find_item(&conf.icons, None, None, b"^^DIRECTORY^^", true))
            .map(str::to_string);
        e.alt = Some(
            find_item(&conf.alts, None, None, &testpath, true)
                .or_else(|| find_item(&conf.alts, None, None, b"^^DIRECTORY^^", true))
                .unwrap_or("PARENTDIR")
                .to_string(),
        );
        e.desc = find_desc(conf, &testpath);
    }
    Some(e)
}

/// The parent of a directory URI (`/a/b/` → `/a/`), `None` at the top
/// (httpd's `ap_make_full_path(uri, "../")` normalized, not above the
/// root).
fn parent_uri(uri: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut path = uri.to_vec();
    if path.last() != Some(&b'/') {
        path.push(b'/');
    }
    path.extend_from_slice(b"../");
    let segs: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let n = segs.len();
    for (i, s) in segs.iter().enumerate() {
        match *s {
            b"" | b"." if i + 1 < n => {}
            b".." => {
                parts.pop()?;
            }
            b"" => {}
            s => parts.push(s),
        }
    }
    let mut out = vec![b'/'];
    for p in parts {
        out.extend_from_slice(p);
        out.push(b'/');
    }
    Some(out)
}

/// The file name bytes of a path.
pub fn bytes(p: &std::path::Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents() {
        assert_eq!(parent_uri(b"/"), None);
        assert_eq!(parent_uri(b"/a/").as_deref(), Some(&b"/"[..]));
        assert_eq!(parent_uri(b"/a/b/").as_deref(), Some(&b"/a/"[..]));
    }

    #[test]
    fn queries() {
        let c = AutoindexDir::default();
        let v = view(&c, Some(b"C=M;O=D"));
        assert_eq!((v.key, v.direction), (b'M', b'D'));
        let v = view(&c, Some(b"F=2&V=1;P=a%2A"));
        assert_eq!(v.colargs, b";F=2;V=1;P=a*");
        assert_eq!(v.pattern.as_deref(), Some(&b"a*"[..]));
        let v = view(&c, Some(b"X=1;C=S"));
        assert_eq!(v.key, b'N');
    }

    #[test]
    fn descriptions_cut() {
        let c = AutoindexDir {
            desc_adjust: Adjust::Fixed,
            ..AutoindexDir::default()
        };
        assert_eq!(terminate_description(&c, b"abcdef", 0, 4), b"abc>");
        assert_eq!(terminate_description(&c, b"abcd", 0, 4), b"abcd");
        assert_eq!(terminate_description(&c, b"a<b>cdef", 0, 3), b"a<b>c>");
    }
}
