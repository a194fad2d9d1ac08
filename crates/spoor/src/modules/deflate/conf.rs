//! mod_deflate's per-server settings, apart from their parsers so that
//! the model and the running site hold them without importing the
//! configuration model back.

/// httpd's `DEFAULT_BUFFERSIZE`.
pub const DEFAULT_BUFFER: usize = 8096;
/// The largest `DeflateBufferSize` spoor takes (httpd takes any positive
/// `int`; each compressed response holds up to this much).
pub const MAX_BUFFER: usize = 16 << 20;

/// What `DeflateAlterETag` does to the `ETag` of a compressed response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AlterEtag {
    /// `AddSuffix` (the default): `-gzip` inside the closing quote.
    #[default]
    AddSuffix,
    /// `NoChange`.
    NoChange,
    /// `Remove`.
    Remove,
}

/// One server's mod_deflate settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConf {
    /// `DeflateCompressionLevel` (zlib's default, -1, when unset).
    pub level: i32,
    /// `DeflateWindowSize`, as zlib's negative window bits (raw deflate).
    pub window_bits: i32,
    /// `DeflateMemLevel`.
    pub mem_level: i32,
    /// `DeflateBufferSize`.
    pub buffer: usize,
    /// `DeflateAlterETag`.
    pub etag: AlterEtag,
    /// `DeflateFilterNote [Ratio] name`.
    pub note_ratio: Option<String>,
    /// `DeflateFilterNote Input name`.
    pub note_input: Option<String>,
    /// `DeflateFilterNote Output name`.
    pub note_output: Option<String>,
}

impl Default for DeflateConf {
    /// httpd's defaults.
    fn default() -> Self {
        DeflateConf {
            level: -1,
            window_bits: -15,
            mem_level: 9,
            buffer: DEFAULT_BUFFER,
            etag: AlterEtag::AddSuffix,
            note_ratio: None,
            note_input: None,
            note_output: None,
        }
    }
}
