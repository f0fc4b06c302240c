//! The crafted-file corpus (tests/corpus/, issue 15) through the `coordsr` command line: every
//! file gives a one-line error naming it and saying what is wrong, a non-zero exit, and no panic.
//! What each file is and the text its error must contain are in tests/corpus/README.md, which
//! the browser test (tests/browser/corpus.test.mjs) reads too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

/// (file, expected text) from the README's table.
fn expectations() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).expect("tests/corpus/README.md");
    readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let unquote = |s: &str| s.trim_matches('`').to_string();
            (unquote(cells[1]), unquote(cells[cells.len() - 2]))
        })
        .collect()
}

#[test]
fn every_corpus_file_has_a_row_and_every_row_a_file() {
    let rows: Vec<String> = expectations().into_iter().map(|(f, _)| f).collect();
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "README.md")
        .collect();
    files.sort();
    for f in &files {
        assert!(rows.contains(f), "tests/corpus/{f} has no row in tests/corpus/README.md");
    }
    for r in &rows {
        assert!(files.contains(r), "tests/corpus/README.md names {r}, which is not there");
    }
    assert!(rows.len() >= 20, "{} rows", rows.len());
}

#[test]
fn every_crafted_file_is_a_one_line_error_in_the_cli() {
    let tmp = std::env::temp_dir().join(format!("coordsr-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut failures = Vec::new();
    for (file, expect) in expectations() {
        let path = corpus_dir().join(&file);
        let p = path.to_str().unwrap();
        let out_path = tmp.join("out.csrw");
        let args: Vec<&str> = if file.ends_with(".csrw") {
            vec!["export", p, "-o", out_path.to_str().unwrap()]
        } else {
            vec!["metrics", p, p]
        };
        let out = Command::new(env!("CARGO_BIN_EXE_coordsr")).args(&args).output().expect("coordsr runs");
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let problem = if out.status.success() {
            Some("exit 0".to_string())
        } else if err.contains("panicked") || out.status.code().is_none() {
            Some(format!("panic or signal ({:?})", out.status))
        } else if err.lines().count() != 1 {
            Some(format!("{} lines", err.lines().count()))
        } else if !err.contains(&file) {
            Some("does not name the file".into())
        } else if !err.contains(&expect) {
            Some(format!("does not say `{expect}`"))
        } else {
            None
        };
        println!("{file}: {err}");
        if let Some(p) = problem {
            failures.push(format!("{file}: {p}: {err}"));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
