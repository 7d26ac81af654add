//! `docs/PARITY.md` stays true to the tree: every project `file:line` it cites exists (the
//! file, and a line that far down), and every test function it names is defined somewhere.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file of the workspace (not `target/`).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name();
        if p.is_dir() {
            if name != "target" && name != ".git" {
                sources(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `code spans` of a table row's cells.
fn spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_cited_file_line_and_test_exists() {
    let doc = std::fs::read_to_string(root().join("docs/PARITY.md")).unwrap();
    let mut files = Vec::new();
    sources(&root(), &mut files);
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems = Vec::new();
    let (mut cited, mut tests) = (0, 0);
    for (n, line) in doc.lines().enumerate() {
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").collect();
        for span in cells.iter().flat_map(|c| spans(c)) {
            // `path/to/file.rs:123`: a project file and line.
            if let Some((path, at)) = span.rsplit_once(':')
                && path.ends_with(".rs")
                && let Ok(at) = at.parse::<usize>()
            {
                cited += 1;
                match std::fs::read_to_string(root().join(path)) {
                    Ok(text) if text.lines().count() >= at => {}
                    Ok(_) => problems.push(format!("PARITY.md:{}: {span}: past the end", n + 1)),
                    Err(_) => problems.push(format!("PARITY.md:{}: {span}: no such file", n + 1)),
                }
            }
        }
        // Test names: `file.rs::name` or a bare `name` after one in the test cell (4th).
        let Some(cell) = cells.get(3) else { continue };
        for span in spans(cell) {
            let name = span.rsplit("::").next().unwrap_or(span);
            let looks_like_fn = name.len() > 3
                && name.contains('_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !looks_like_fn {
                continue;
            }
            tests += 1;
            if !all.contains(&format!("fn {name}(")) {
                problems.push(format!("PARITY.md:{}: test {name} not found", n + 1));
            }
        }
    }
    assert!(
        cited > 50 && tests > 50,
        "parsed {cited} references and {tests} tests"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
