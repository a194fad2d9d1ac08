//! Configuration: the Apache httpd.conf dialect (tokenizer, sections,
//! `Include`, `Define`) read into a directive tree.
