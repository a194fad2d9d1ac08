//! mod_unique_id.c has no directives spoor accepts; the table is empty.

use crate::modules::DirectiveDef;

/// The directives of `mod_unique_id.c` spoor accepts: none.
pub const DIRECTIVES: &[DirectiveDef] = &[];
