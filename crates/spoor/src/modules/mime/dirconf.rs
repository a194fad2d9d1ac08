//! mod_mime's per-directory record, its merge and the type lookup.

use crate::merge::Merge;
use crate::mime::MimeTable;

/// mod_mime's per-directory settings.
#[derive(Clone, Debug, Default)]
pub struct MimeDir {
    /// `AddType`: lower-case extension (no dot) → type.
    pub types: Vec<(String, String)>,
}

impl Merge for MimeDir {
    fn merge(base: &Self, add: &Self) -> Self {
        let mut types = base.types.clone();
        for (ext, ty) in &add.types {
            match types.iter_mut().find(|(e, _)| e == ext) {
                Some(slot) => slot.1 = ty.clone(),
                None => types.push((ext.clone(), ty.clone())),
            }
        }
        MimeDir { types }
    }
}

impl MimeDir {
    /// The type of a file name as mod_mime gives it: for each extension,
    /// this scope's `AddType` or else the `TypesConfig` table; the last
    /// extension with a type wins.
    pub fn lookup<'a>(&'a self, global: &'a MimeTable, file_name: &[u8]) -> Option<&'a [u8]> {
        if self.types.is_empty() {
            return global.lookup(file_name);
        }
        let mut found = None;
        let mut one = [0u8; 34];
        for ext in file_name.split(|&b| b == b'.').skip(1) {
            if ext.is_empty() {
                continue;
            }
            if let Some((_, t)) = self
                .types
                .iter()
                .find(|(e, _)| e.as_bytes().eq_ignore_ascii_case(ext))
            {
                found = Some(t.as_bytes());
            } else if ext.len() < one.len() {
                // The global table, for this one extension.
                one[0] = b'.';
                one[1..=ext.len()].copy_from_slice(ext);
                if let Some(t) = global.lookup(&one[..=ext.len()]) {
                    found = Some(t);
                }
            }
        }
        found
    }
}
