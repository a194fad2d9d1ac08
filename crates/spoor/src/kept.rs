//! What a reload keeps of the configuration in force: the logs it may
//! reuse (a piped logger whose command is unchanged, a file the
//! unprivileged user may not open again). Used by [`crate::site`],
//! [`crate::errorlog`] and [`crate::modules::log_forensic::state`].

use std::io;
use std::path::Path;
use std::sync::Arc;

/// The logs of the configuration in force, offered to a reload that
/// builds the next one. Each can be taken once, so two log lines naming
/// the same target keep getting a sink each.
pub struct Kept<T> {
    items: Vec<Option<Arc<T>>>,
}

impl<T> Kept<T> {
    /// Offers `all` (the same sink listed twice is offered once).
    pub fn new(all: impl IntoIterator<Item = Arc<T>>) -> Kept<T> {
        let mut items: Vec<Option<Arc<T>>> = Vec::new();
        for a in all {
            if !items.iter().flatten().any(|b| Arc::ptr_eq(&a, b)) {
                items.push(Some(a));
            }
        }
        Kept { items }
    }

    /// Takes the first offered log `matches` accepts.
    pub fn take(&mut self, matches: impl Fn(&T) -> bool) -> Option<Arc<T>> {
        self.items
            .iter_mut()
            .find(|i| i.as_deref().is_some_and(&matches))
            .and_then(Option::take)
    }
}

/// A log file could not be opened again by a reload: after the privilege
/// drop, a permission error on a file the configuration in force already
/// writes keeps that descriptor (httpd's parent, still root, would reopen
/// it), with one warning line; anything else is the reload's error.
pub fn keep_if_denied<T>(
    result: io::Result<Arc<T>>,
    what: &Path,
    kept: impl FnOnce() -> Option<Arc<T>>,
) -> io::Result<Arc<T>> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            match (crate::privileges::in_force(), kept()) {
                (Some(id), Some(k)) => {
                    eprintln!(
                        "spoor: warning: {} cannot be reopened as {id} ({e}); \
                         the descriptor opened before the privilege drop stays in use",
                        what.display()
                    );
                    Ok(k)
                }
                _ => Err(e),
            }
        }
        r => r,
    }
}
