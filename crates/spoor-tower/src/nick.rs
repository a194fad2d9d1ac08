//! The format nicknames of httpd's sample configuration.

/// `(nickname, format)` pairs: the `LogFormat` lines of httpd 2.4's
/// default `httpd.conf` (`common`, `combined`, `combinedio`), and those
/// Debian's `apache2.conf` adds (`vhost_combined`, `referer`, `agent`).
/// Debian's own `common` and `combined` log `%O` where httpd's log `%b`;
/// these are httpd's.
pub const NICKNAMES: &[(&str, &str)] = &[
    ("common", spoor_log::CLF),
    ("combined", spoor_log::COMBINED),
    (
        "combinedio",
        "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %I %O",
    ),
    (
        "vhost_combined",
        "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"",
    ),
    ("referer", "%{Referer}i -> %U"),
    ("agent", "%{User-agent}i"),
];

/// The format a nickname stands for (exact spelling: httpd's nicknames
/// are case-sensitive).
pub fn nickname(name: &str) -> Option<&'static str> {
    NICKNAMES.iter().find(|(n, _)| *n == name).map(|&(_, f)| f)
}
