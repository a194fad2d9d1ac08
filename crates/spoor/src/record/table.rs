//! httpd's `apr_table_t` for a request: response headers and notes,
//! names and values owned (any module can set any name), kept in one
//! buffer that is reused from request to request, so a table costs no
//! allocation once it has grown to the size a site's responses need.

use std::ops::Range;

/// An ordered table of (name, value) byte strings; names compare without
/// regard to ASCII case, as httpd's tables do. A name may appear more
/// than once (`add`); `set` replaces every entry of a name.
#[derive(Clone, Default)]
pub(crate) struct Table {
    /// Names and values, back to back.
    bytes: Vec<u8>,
    /// Each entry's name and value in `bytes`.
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            }))
            .finish()
    }
}

impl Table {
    /// Empties the table, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
    }

    /// Appends an entry (httpd's `apr_table_add`); returns its index.
    pub(crate) fn add(&mut self, name: &[u8], value: &[u8]) -> usize {
        let n = self.bytes.len();
        self.bytes.extend_from_slice(name);
        let v = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.entries.push((n..v, v..self.bytes.len()));
        self.entries.len() - 1
    }

    /// Replaces every entry of `name` by one with `value`, in the place
    /// of the first (httpd's `apr_table_set`); appends when there is
    /// none.
    pub(crate) fn set(&mut self, name: &[u8], value: &[u8]) {
        match self.position(name) {
            None => {
                self.add(name, value);
            }
            Some(first) => {
                // (The old bytes stay in the buffer until the next
                // `clear`: tables live for one request.)
                let v = self.bytes.len();
                self.bytes.extend_from_slice(value);
                self.entries[first].1 = v..self.bytes.len();
                let mut i = first + 1;
                while i < self.entries.len() {
                    if self.name(i).eq_ignore_ascii_case(name) {
                        self.entries.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }

    /// Removes every entry of `name` (httpd's `apr_table_unset`).
    pub(crate) fn unset(&mut self, name: &[u8]) {
        let bytes = &self.bytes;
        self.entries
            .retain(|(n, _)| !bytes[n.clone()].eq_ignore_ascii_case(name));
    }

    /// The value of the first entry of `name` (httpd's `apr_table_get`).
    pub(crate) fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.position(name).map(|i| self.value(i))
    }

    /// The index of the first entry of `name`.
    pub(crate) fn position(&self, name: &[u8]) -> Option<usize> {
        (0..self.entries.len()).find(|&i| self.name(i).eq_ignore_ascii_case(name))
    }

    /// Entry `i`'s name.
    pub(crate) fn name(&self, i: usize) -> &[u8] {
        &self.bytes[self.entries[i].0.clone()]
    }

    /// Entry `i`'s value.
    pub(crate) fn value(&self, i: usize) -> &[u8] {
        &self.bytes[self.entries[i].1.clone()]
    }

    /// The entries in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.entries
            .iter()
            .map(|(n, v)| (&self.bytes[n.clone()], &self.bytes[v.clone()]))
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn add_set_unset_get_as_apr_tables() {
        let mut t = Table::default();
        t.add(b"X-A", b"1");
        t.add(b"Set-Cookie", b"a=1");
        t.add(b"x-a", b"2");
        assert_eq!(t.get(b"X-a"), Some(&b"1"[..]));
        assert_eq!(t.iter().count(), 3);
        t.set(b"X-A", b"3");
        let all: Vec<_> = t.iter().collect();
        assert_eq!(all, [(&b"X-A"[..], &b"3"[..]), (b"Set-Cookie", b"a=1")]);
        t.set(b"X-Anything", b"any value");
        assert_eq!(t.get(b"x-anything"), Some(&b"any value"[..]));
        t.unset(b"set-cookie");
        assert_eq!(t.get(b"Set-Cookie"), None);
        let all: Vec<_> = t.iter().collect();
        assert_eq!(
            all,
            [(&b"X-A"[..], &b"3"[..]), (b"X-Anything", b"any value")]
        );
        t.clear();
        assert_eq!(t.iter().count(), 0);
    }
}

/// Where an entry of a [`HeaderTable`] keeps its bytes.
#[derive(Clone, Debug)]
struct Entry {
    name: Range<usize>,
    value: Range<usize>,
    /// In the response buffer the head is written to (else in the
    /// table's own buffer).
    ext: bool,
}

/// The response headers (httpd's `r->headers_out`): a [`Table`] whose
/// entries may also point into the response buffer they were written to
/// (`add_from`: the head is written once and the table costs no copy of
/// it), every read given that buffer. An entry set by a module (`add`,
/// `set`) has its own copy; [`HeaderTable::to_owned`] copies the rest
/// when the response buffer is about to change.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeaderTable {
    own: Vec<u8>,
    entries: Vec<Entry>,
}

impl HeaderTable {
    /// Empties the table, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.own.clear();
        self.entries.clear();
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Appends an entry whose name and value are these ranges of the
    /// response buffer.
    pub(crate) fn add_from(&mut self, name: Range<usize>, value: Range<usize>) {
        self.entries.push(Entry {
            name,
            value,
            ext: true,
        });
    }

    /// Appends an entry (httpd's `apr_table_add`).
    pub(crate) fn add(&mut self, name: &[u8], value: &[u8]) {
        let n = self.own.len();
        self.own.extend_from_slice(name);
        let v = self.own.len();
        self.own.extend_from_slice(value);
        self.entries.push(Entry {
            name: n..v,
            value: v..self.own.len(),
            ext: false,
        });
    }

    fn bytes<'a>(&'a self, ext: &'a [u8], i: usize, value: bool) -> &'a [u8] {
        let e = &self.entries[i];
        let r = if value { &e.value } else { &e.name };
        if e.ext {
            &ext[r.clone()]
        } else {
            &self.own[r.clone()]
        }
    }

    /// Entry `i`'s name (`ext`: the response buffer).
    pub(crate) fn name<'a>(&'a self, ext: &'a [u8], i: usize) -> &'a [u8] {
        self.bytes(ext, i, false)
    }

    /// Entry `i`'s value.
    pub(crate) fn value<'a>(&'a self, ext: &'a [u8], i: usize) -> &'a [u8] {
        self.bytes(ext, i, true)
    }

    /// The index of the first entry of `name` (any case).
    pub(crate) fn position(&self, ext: &[u8], name: &[u8]) -> Option<usize> {
        (0..self.entries.len()).find(|&i| self.name(ext, i).eq_ignore_ascii_case(name))
    }

    /// The value of the first entry of `name` (httpd's `apr_table_get`).
    pub(crate) fn get<'a>(&'a self, ext: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
        self.position(ext, name).map(|i| self.value(ext, i))
    }

    /// Replaces every entry of `name` by one with `value`, in the place
    /// of the first (httpd's `apr_table_set`); appends when there is none.
    pub(crate) fn set(&mut self, ext: &[u8], name: &[u8], value: &[u8]) {
        let Some(first) = self.position(ext, name) else {
            self.add(name, value);
            return;
        };
        let n = self.own.len();
        self.own.extend_from_slice(name);
        let v = self.own.len();
        self.own.extend_from_slice(value);
        self.entries[first] = Entry {
            name: n..v,
            value: v..self.own.len(),
            ext: false,
        };
        let mut i = first + 1;
        while i < self.entries.len() {
            if self.name(ext, i).eq_ignore_ascii_case(name) {
                self.entries.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Removes every entry of `name` (httpd's `apr_table_unset`).
    pub(crate) fn unset(&mut self, ext: &[u8], name: &[u8]) {
        let mut i = 0;
        while i < self.entries.len() {
            if self.name(ext, i).eq_ignore_ascii_case(name) {
                self.entries.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Inserts an entry before entry `at` (at the end when `at` is the
    /// length).
    pub(crate) fn insert(&mut self, at: usize, name: &[u8], value: &[u8]) {
        self.add(name, value);
        if let Some(e) = self.entries.pop() {
            self.entries.insert(at.min(self.entries.len()), e);
        }
    }

    /// Keeps the first `n` entries.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.entries.truncate(n);
    }

    /// The entries in order.
    pub(crate) fn iter<'a>(
        &'a self,
        ext: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        (0..self.entries.len()).map(move |i| (self.name(ext, i), self.value(ext, i)))
    }

    /// A copy whose entries all own their bytes (the response buffer may
    /// then change).
    pub(crate) fn to_owned(&self, ext: &[u8]) -> HeaderTable {
        let mut t = HeaderTable::default();
        for (n, v) in self.iter(ext) {
            t.add(n, v);
        }
        t
    }

    /// Appends the entries as header lines (`Name: value` CR LF).
    pub(crate) fn write_lines(&self, ext: &[u8], out: &mut Vec<u8>) {
        for (n, v) in self.iter(ext) {
            out.extend_from_slice(n);
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::HeaderTable;

    #[test]
    fn entries_in_the_response_buffer_and_owned_ones_read_alike() {
        let out = b"HTTP/1.1 200 OK\r\nETag: \"x\"\r\nX-A: 1\r\n".to_vec();
        let mut t = HeaderTable::default();
        t.add_from(17..21, 23..26);
        t.add_from(28..31, 33..34);
        t.add(b"x-a", b"2");
        assert_eq!(t.get(&out, b"etag"), Some(&b"\"x\""[..]));
        t.set(&out, b"X-A", b"3");
        let all: Vec<_> = t.iter(&out).collect();
        assert_eq!(all, [(&b"ETag"[..], &b"\"x\""[..]), (b"X-A", b"3")]);
        t.unset(&out, b"ETAG");
        t.add(b"X-Anything", b"any value");
        let owned = t.to_owned(&out);
        let mut lines = Vec::new();
        owned.write_lines(b"", &mut lines);
        assert_eq!(lines, b"X-A: 3\r\nX-Anything: any value\r\n");
        t.truncate(1);
        assert_eq!(t.len(), 1);
        t.clear();
        assert_eq!(t.len(), 0);
    }
}
