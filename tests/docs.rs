//! The docs stay honest: every ```rhai block in README.md compiles.

use crate::support::{repo, Test};

#[test]
fn readme_rhai_blocks_compile() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```rhai") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    assert!(!blocks.is_empty(), "README.md has no rhai blocks");
    let mut t = Test::new();
    let mut names = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let name = format!("block{i}.rhai");
        t = t.file(&name, block);
        names.push(name);
    }
    t.args(["check"]).arg_list(names).run().status(0);
}
