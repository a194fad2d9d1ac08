//! What a negotiation leaves in the request record for the response,
//! apart from the hooks so that the record holds it without importing
//! them.

/// What a negotiation leaves for the response.
#[derive(Debug, Default)]
pub(crate) struct NegOut {
    /// Lines sent with the answer, whatever its status (httpd's
    /// `err_headers_out`): `Content-Location`, `Alternates`, `Vary`,
    /// `TCN`.
    pub(crate) headers: Vec<(&'static [u8], Vec<u8>)>,
    /// The HTML list of variants for a 406 or 300 page.
    pub(crate) list: Vec<u8>,
    /// The validator of the variant list, added to the served file's
    /// `ETag` (what follows its opening quote), and whether it is weak.
    pub(crate) vlist: Option<(Vec<u8>, bool)>,
    /// An `Expires` of the request's time goes out (a negotiated type
    /// map's answer to an HTTP/1.0 client without `CacheNegotiatedDocs`).
    pub(crate) no_cache: bool,
}
