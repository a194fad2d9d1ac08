//! mod_mime's per-directory record, its merge and the lookup by file name.

use crate::merge::Merge;
use crate::modules::mime::types::MimeTable;

/// What one extension maps to in a scope (each `None` where no line of
/// the scope or its parents says).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtInfo {
    /// `AddType` (lower case).
    pub forced_type: Option<String>,
    /// `AddEncoding` (lower case).
    pub encoding: Option<String>,
    /// `AddLanguage` (lower case).
    pub language: Option<String>,
    /// `AddCharset` (lower case).
    pub charset: Option<String>,
    /// `AddHandler` (lower case).
    pub handler: Option<String>,
}

/// Which part of an extension's mapping a `Remove*` line takes away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `RemoveType`.
    Type,
    /// `RemoveEncoding`.
    Encoding,
    /// `RemoveLanguage`.
    Language,
    /// `RemoveCharset`.
    Charset,
    /// `RemoveHandler`.
    Handler,
}

impl ExtInfo {
    /// The slot of `f`.
    pub fn slot(&mut self, f: Field) -> &mut Option<String> {
        match f {
            Field::Type => &mut self.forced_type,
            Field::Encoding => &mut self.encoding,
            Field::Language => &mut self.language,
            Field::Charset => &mut self.charset,
            Field::Handler => &mut self.handler,
        }
    }
}

/// mod_mime's per-directory settings.
#[derive(Clone, Debug, Default)]
pub struct MimeDir {
    /// Lower-case extension (no dot) → its mapping, in first-seen order.
    /// A `Remove*` line sets its part to the empty string: it hides what
    /// enclosing scopes say and, for the type, the `TypesConfig` table
    /// too (apache2: `RemoveType html`, at server level or in a section,
    /// leaves `a.html` without a type).
    pub exts: Vec<(String, ExtInfo)>,
    /// `DefaultLanguage`.
    pub default_language: Option<String>,
}

impl MimeDir {
    /// The mapping of `ext` (lower case) in this scope, created empty.
    pub fn ext_mut(&mut self, ext: &str) -> &mut ExtInfo {
        let i = match self.exts.iter().position(|(e, _)| e == ext) {
            Some(i) => i,
            None => {
                self.exts.push((ext.to_string(), ExtInfo::default()));
                self.exts.len() - 1
            }
        };
        &mut self.exts[i].1
    }
}

impl Merge for MimeDir {
    fn merge(base: &Self, add: &Self) -> Self {
        let mut exts = base.exts.clone();
        for (ext, info) in &add.exts {
            match exts.iter_mut().find(|(e, _)| e == ext) {
                Some((_, slot)) => {
                    // httpd's overlay: each part the addition sets wins.
                    for f in [
                        Field::Type,
                        Field::Encoding,
                        Field::Language,
                        Field::Charset,
                        Field::Handler,
                    ] {
                        if let Some(v) = info.clone().slot(f).take() {
                            *slot.slot(f) = Some(v);
                        }
                    }
                }
                None => exts.push((ext.clone(), info.clone())),
            }
        }
        MimeDir {
            exts,
            default_language: add
                .default_language
                .clone()
                .or_else(|| base.default_language.clone()),
        }
    }
}

/// What mod_mime makes of a file name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MimeInfo<'a> {
    /// The content type (without the charset).
    pub content_type: Option<&'a [u8]>,
    /// `AddCharset`'s, the last extension with one.
    pub charset: Option<&'a str>,
    /// The encodings, in extension order.
    pub encodings: Vec<&'a str>,
    /// The languages, in extension order (else `DefaultLanguage`).
    pub languages: Vec<&'a str>,
    /// `AddHandler`'s, the last extension with one.
    pub handler: Option<&'a str>,
}

impl MimeDir {
    /// The type of a file name as mod_mime gives it: for each extension,
    /// this scope's `AddType` or else the `TypesConfig` table; the last
    /// extension with a type wins.
    pub fn lookup<'a>(&'a self, global: &'a MimeTable, file_name: &[u8]) -> Option<&'a [u8]> {
        if self.exts.is_empty() {
            return global.lookup(file_name);
        }
        self.info(global, file_name).content_type
    }

    /// Everything mod_mime's type checker finds for `file_name` (the last
    /// path segment), walking its extensions after the first dot, in
    /// order, as httpd's `find_ct` does.
    pub fn info<'a>(&'a self, global: &'a MimeTable, file_name: &[u8]) -> MimeInfo<'a> {
        let mut out = MimeInfo::default();
        if self.exts.is_empty() {
            out.content_type = global.lookup(file_name);
        } else {
            let mut one = [0u8; 34];
            for ext in file_name.split(|&b| b == b'.').skip(1) {
                if ext.is_empty() {
                    continue;
                }
                let info = self
                    .exts
                    .iter()
                    .find(|(e, _)| e.as_bytes().eq_ignore_ascii_case(ext))
                    .map(|(_, i)| i);
                if info.is_none_or(|i| i.forced_type.is_none()) && ext.len() < one.len() {
                    // The global table, for this one extension.
                    one[0] = b'.';
                    one[1..=ext.len()].copy_from_slice(ext);
                    if let Some(t) = global.lookup(&one[..=ext.len()]) {
                        out.content_type = Some(t);
                    }
                }
                let Some(i) = info else { continue };
                // (An empty value is a `Remove*` line's.)
                // (A removed type hides the table's and leaves an
                // earlier extension's in place: apache2 types
                // `b.txt.qq` text/plain after `RemoveType qq`.)
                if let Some(t) = i.forced_type.as_deref().filter(|t| !t.is_empty()) {
                    out.content_type = Some(t.as_bytes());
                }
                if let Some(l) = i.language.as_deref().filter(|l| !l.is_empty()) {
                    out.languages.push(l);
                }
                if let Some(e) = i.encoding.as_deref().filter(|e| !e.is_empty()) {
                    out.encodings.push(e);
                }
                if let Some(c) = i.charset.as_deref().filter(|c| !c.is_empty()) {
                    out.charset = Some(c);
                }
                if let Some(h) = i.handler.as_deref().filter(|h| !h.is_empty()) {
                    out.handler = Some(h);
                }
            }
        }
        if out.languages.is_empty() {
            if let Some(l) = &self.default_language {
                out.languages.push(l);
            }
        }
        out
    }
}
