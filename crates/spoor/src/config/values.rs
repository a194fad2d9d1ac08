//! The settings' plain values that other parts read without the model:
//! per-directory code (`perdir.rs`), the pages (`http/pages.rs`).

/// `HostnameLookups`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostnameLookups {
    /// Log addresses.
    #[default]
    Off,
    /// Reverse-resolve client addresses.
    On,
    /// Reverse-resolve and check the forward lookup.
    Double,
}

/// `UseCanonicalName`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CanonicalName {
    /// `%V` and self-references use the client's Host.
    #[default]
    Off,
    /// Always the ServerName.
    On,
    /// Reverse lookup of the local address.
    Dns,
}

/// `TraceEnable` (per server).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceEnable {
    /// TRACE answered, without a request body.
    #[default]
    On,
    /// TRACE refused with 405.
    Off,
    /// TRACE answered, a request body echoed too.
    Extended,
}

/// `ServerSignature`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signature {
    /// No footer on server-generated pages.
    #[default]
    Off,
    /// The server-version footer.
    On,
    /// The footer with a mailto: link to ServerAdmin.
    Email,
}

/// `ServerTokens`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tokens {
    /// `spoor/x.y.z (Unix)`: httpd's default is Full; ours names the OS only.
    #[default]
    Full,
    /// `spoor/x.y` (`Minor`)
    Minor,
    /// `spoor/x.y.z` (`Min`, `Minimal`)
    Minimal,
    /// `spoor`
    Prod,
    /// `spoor/x`
    Major,
    /// `spoor/x.y.z (Unix)`
    Os,
}
