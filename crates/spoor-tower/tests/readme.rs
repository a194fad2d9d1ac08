//! The workspace README's spoor-tower example is the crate README's first
//! one, which rustdoc compiles (the crate documentation is that README),
//! so the example a reader copies from either place builds.

fn first_block(text: &str, after: &str, fence: &str) -> String {
    let from = text.find(after).unwrap_or_else(|| panic!("no {after:?}"));
    let rest = &text[from..];
    let start = rest
        .find(fence)
        .unwrap_or_else(|| panic!("no {fence:?} after {after:?}"));
    let body = &rest[start..];
    let end = body[fence.len()..].find("\n```\n").unwrap() + fence.len();
    body[..end].to_string()
}

#[test]
fn workspace_readme_example_is_the_crate_one() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let ws = std::fs::read_to_string(root).unwrap();
    let krate = include_str!("../README.md");
    let ours = first_block(&ws, "(`crates/spoor-tower`)", "```rust,no_run");
    let theirs = first_block(krate, "# spoor-tower", "```rust,no_run");
    assert!(theirs.contains(".layer(AccessLog::apache(\"combined\")?)"));
    assert_eq!(ours, theirs);
}
