//! The per-directory merge every module with per-directory settings
//! implements.

/// httpd's per-directory merge of one module's settings: `base` is the
/// enclosing (or earlier) scope, `add` the enclosed (or later) one.
pub trait Merge: Clone + Default {
    /// The settings in force where both apply.
    fn merge(base: &Self, add: &Self) -> Self;
}
