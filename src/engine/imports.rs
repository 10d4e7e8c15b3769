//! Finds a script's `import "..."` statements without running it, so `orion check`
//! can compile every module a playbook would load.

use rhai::{ASTNode, Expr, Position, Stmt, AST};

/// Each constant import path in `ast` with the position of its statement.
pub fn constant_imports(ast: &AST) -> Vec<(String, Position)> {
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(x, pos))) = path.last() {
            if let Expr::StringConstant(s, _) = &x.0 {
                out.push((s.to_string(), *pos));
            }
        }
        true
    });
    out
}

/// Top-level `import "path" as alias;` statements: (path, alias, position).
pub fn top_level_aliases(ast: &AST) -> Vec<(String, String, Position)> {
    ast.statements()
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Import(x, pos) => match (&x.0, x.1.name.as_str()) {
                (Expr::StringConstant(path, _), alias) if !alias.is_empty() => {
                    Some((path.to_string(), alias.to_string(), *pos))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{constant_imports, top_level_aliases};

    #[test]
    fn finds_top_level_aliases() {
        let engine = rhai::Engine::new_raw();
        let ast = engine
            .compile("import \"a\" as a;\nimport \"b\";\nfn f() { import \"c\" as c; }")
            .unwrap();
        let found: Vec<(String, String)> = top_level_aliases(&ast)
            .into_iter()
            .map(|(p, a, _)| (p, a))
            .collect();
        assert_eq!(found, vec![("a".to_string(), "a".to_string())]);
    }

    #[test]
    fn finds_imports_at_any_depth() {
        let engine = rhai::Engine::new_raw();
        let ast = engine
            .compile("import \"a\" as a;\nfn f() { import \"orion/b\" as b; }\nlet p = \"c\";\nimport p as c;")
            .unwrap();
        let found: Vec<String> = constant_imports(&ast).into_iter().map(|(p, _)| p).collect();
        assert_eq!(found, vec!["a".to_string(), "orion/b".to_string()]);
    }
}
