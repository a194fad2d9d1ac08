//! mod_logio.c has no directives spoor accepts; the table is empty.

use crate::modules::DirectiveDef;

/// The directives of `mod_logio.c` spoor accepts: none.
pub const DIRECTIVES: &[DirectiveDef] = &[];
