//! mod_autoindex's per-directory record (httpd's `autoindex_config_rec`)
//! and its merge.

use crate::merge::Merge;

/// `IndexOptions` bits, as httpd numbers them.
pub mod opt {
    /// `None`.
    pub const NO_OPTIONS: u32 = 1 << 0;
    /// `IconsAreLinks`.
    pub const ICONS_ARE_LINKS: u32 = 1 << 1;
    /// `ScanHTMLTitles`.
    pub const SCAN_HTML_TITLES: u32 = 1 << 2;
    /// `SuppressIcon`.
    pub const SUPPRESS_ICON: u32 = 1 << 3;
    /// `SuppressLastModified`.
    pub const SUPPRESS_LAST_MOD: u32 = 1 << 4;
    /// `SuppressSize`.
    pub const SUPPRESS_SIZE: u32 = 1 << 5;
    /// `SuppressDescription`.
    pub const SUPPRESS_DESC: u32 = 1 << 6;
    /// `SuppressHTMLPreamble`.
    pub const SUPPRESS_PREAMBLE: u32 = 1 << 7;
    /// `SuppressColumnSorting`.
    pub const SUPPRESS_COLSORT: u32 = 1 << 8;
    /// `SuppressRules`.
    pub const SUPPRESS_RULES: u32 = 1 << 9;
    /// `FoldersFirst`.
    pub const FOLDERS_FIRST: u32 = 1 << 10;
    /// `VersionSort`.
    pub const VERSION_SORT: u32 = 1 << 11;
    /// `TrackModified`.
    pub const TRACK_MODIFIED: u32 = 1 << 12;
    /// `FancyIndexing`.
    pub const FANCY_INDEXING: u32 = 1 << 13;
    /// `HTMLTable`.
    pub const TABLE_INDEXING: u32 = 1 << 14;
    /// `IgnoreClient`.
    pub const IGNORE_CLIENT: u32 = 1 << 15;
    /// `IgnoreCase`.
    pub const IGNORE_CASE: u32 = 1 << 16;
    /// `XHTML`.
    pub const EMIT_XHTML: u32 = 1 << 17;
    /// `ShowForbidden`.
    pub const SHOW_FORBIDDEN: u32 = 1 << 18;
    /// `AddAltClass`.
    pub const ADDALTCLASS: u32 = 1 << 19;
    /// No non-incremental `IndexOptions` in this scope.
    pub const OPTION_UNSET: u32 = 1 << 20;
}

/// A width setting's state (httpd's `K_NOADJUST`, `K_ADJUST`, `K_UNSET`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Adjust {
    /// A fixed width.
    Fixed,
    /// `=*`: as wide as the longest entry.
    Adjust,
    /// Not set in this scope.
    #[default]
    Unset,
}

/// What an icon, alt text or ignore pattern applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// A file name pattern (`AddIcon`, `AddAlt`, `IndexIgnore`).
    Path,
    /// A MIME type pattern (`AddIconByType`, `AddAltByType`).
    Type,
    /// A content encoding pattern (`AddIconByEncoding`, `AddAltByEncoding`).
    Encoding,
}

/// One `AddIcon*`, `AddAlt*` or `IndexIgnore` entry (httpd's `struct item`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What `apply_to` is matched against.
    pub by: By,
    /// The pattern (a file name pattern gets a leading `*` unless it has
    /// wildcards already).
    pub apply_to: String,
    /// The section's path the line was in, followed by `*` (only the
    /// files below it match).
    pub apply_path: String,
    /// The icon URL or the alt text.
    pub data: String,
}

/// One `AddDescription` entry (httpd's `ai_desc_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desc {
    /// The pattern as matched.
    pub pattern: String,
    /// The text.
    pub description: String,
    /// The pattern holds a `/`: matched against the whole file name.
    pub full_path: bool,
    /// Matched as a wildcard pattern rather than a substring.
    pub wildcards: bool,
}

/// mod_autoindex's per-directory settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoindexDir {
    /// A directive of the module appeared in this scope. httpd creates
    /// the module's record of a section only then, and a section without
    /// one takes no part in the merge; the flag gives the same result.
    pub set: bool,
    /// `DefaultIcon`.
    pub default_icon: Option<String>,
    /// `IndexStyleSheet`.
    pub style_sheet: Option<String>,
    /// `IndexHeadInsert`.
    pub head_insert: Option<String>,
    /// `HeaderName`.
    pub header: Option<String>,
    /// `ReadmeName`.
    pub readme: Option<String>,
    /// The `IndexOptions` bits ([`opt`]).
    pub opts: u32,
    /// Bits added with `+`.
    pub incremented: u32,
    /// Bits removed with `-`.
    pub decremented: u32,
    /// `NameWidth`.
    pub name_width: i32,
    /// Whether `NameWidth` is fixed, `*` or unset.
    pub name_adjust: Adjust,
    /// `DescriptionWidth`.
    pub desc_width: i32,
    /// Whether `DescriptionWidth` is fixed, `*` or unset.
    pub desc_adjust: Adjust,
    /// `IconWidth` (0: none).
    pub icon_width: i32,
    /// `IconHeight` (0: none).
    pub icon_height: i32,
    /// `IndexOrderDefault`'s key (`N`, `M`, `S`, `D`).
    pub default_key: Option<u8>,
    /// `IndexOrderDefault`'s direction (`A`, `D`).
    pub default_direction: Option<u8>,
    /// `AddIcon*`, in httpd's order: this scope's lines, then the parent's.
    pub icons: Vec<Item>,
    /// `AddAlt*` (and the alt text of `AddIcon (ALT,url)`).
    pub alts: Vec<Item>,
    /// `AddDescription`.
    pub descs: Vec<Desc>,
    /// `IndexIgnore`.
    pub ignore: Vec<Item>,
    /// `IndexIgnoreReset On` in this scope.
    pub ignore_reset: bool,
    /// `IndexOptions Type=`.
    pub ctype: Option<String>,
    /// `IndexOptions Charset=`.
    pub charset: Option<String>,
    /// `IndexOptions UseOldDateFormat`.
    pub old_dates: bool,
}

/// httpd's `DEFAULT_NAME_WIDTH`.
pub const DEFAULT_NAME_WIDTH: i32 = 23;
/// httpd's `DEFAULT_DESC_WIDTH`.
pub const DEFAULT_DESC_WIDTH: i32 = 23;

impl Default for AutoindexDir {
    /// A scope that says nothing (httpd's `create_autoindex_config`).
    fn default() -> Self {
        AutoindexDir {
            set: false,
            default_icon: None,
            style_sheet: None,
            head_insert: None,
            header: None,
            readme: None,
            opts: opt::OPTION_UNSET,
            incremented: 0,
            decremented: 0,
            name_width: DEFAULT_NAME_WIDTH,
            name_adjust: Adjust::Unset,
            desc_width: DEFAULT_DESC_WIDTH,
            desc_adjust: Adjust::Unset,
            icon_width: 0,
            icon_height: 0,
            default_key: None,
            default_direction: None,
            icons: Vec::new(),
            alts: Vec::new(),
            descs: Vec::new(),
            ignore: Vec::new(),
            ignore_reset: false,
            ctype: None,
            charset: None,
            old_dates: false,
        }
    }
}

/// `add`'s entries, then `base`'s (httpd's `apr_array_append(add, base)`).
fn append<T: Clone>(add: &[T], base: &[T]) -> Vec<T> {
    add.iter().chain(base).cloned().collect()
}

impl Merge for AutoindexDir {
    /// httpd's `merge_autoindex_configs`, between scopes that have a
    /// record (see [`AutoindexDir::set`]).
    fn merge(base: &Self, add: &Self) -> Self {
        if !add.set {
            return base.clone();
        }
        if !base.set {
            return add.clone();
        }
        let (opts, incremented, decremented) = if add.opts == opt::NO_OPTIONS {
            (opt::NO_OPTIONS, 0, 0)
        } else {
            let (mut opts, inc, dec) = if add.opts == opt::OPTION_UNSET {
                (
                    base.opts & !opt::NO_OPTIONS,
                    (base.incremented | add.incremented) & !add.decremented,
                    base.decremented | add.decremented,
                )
            } else {
                // (httpd leaves the increments at zero here.)
                (add.opts, 0, 0)
            };
            opts |= inc;
            opts &= !dec;
            (opts, inc, dec)
        };
        let (name_width, name_adjust) = if add.name_adjust == Adjust::Unset {
            (base.name_width, base.name_adjust)
        } else {
            (add.name_width, add.name_adjust)
        };
        let (desc_width, desc_adjust) = if add.desc_adjust == Adjust::Unset {
            (base.desc_width, base.desc_adjust)
        } else {
            (add.desc_width, add.desc_adjust)
        };
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        AutoindexDir {
            set: true,
            default_icon: pick(&add.default_icon, &base.default_icon),
            style_sheet: pick(&add.style_sheet, &base.style_sheet),
            head_insert: pick(&add.head_insert, &base.head_insert),
            header: pick(&add.header, &base.header),
            readme: pick(&add.readme, &base.readme),
            opts,
            incremented,
            decremented,
            name_width,
            name_adjust,
            desc_width,
            desc_adjust,
            icon_width: if add.icon_width != 0 {
                add.icon_width
            } else {
                base.icon_width
            },
            icon_height: if add.icon_height != 0 {
                add.icon_height
            } else {
                base.icon_height
            },
            default_key: add.default_key.or(base.default_key),
            default_direction: add.default_direction.or(base.default_direction),
            icons: append(&add.icons, &base.icons),
            alts: append(&add.alts, &base.alts),
            descs: append(&add.descs, &base.descs),
            ignore: if add.ignore_reset {
                add.ignore.clone()
            } else {
                append(&add.ignore, &base.ignore)
            },
            // (httpd does not carry the flag into the merged record.)
            ignore_reset: false,
            ctype: pick(&add.ctype, &base.ctype),
            charset: pick(&add.charset, &base.charset),
            old_dates: add.old_dates || base.old_dates,
        }
    }
}
