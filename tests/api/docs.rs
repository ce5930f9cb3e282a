//! What the docs promise about the crate's own files: the README's Install section, the
//! default TLS feature the crate docs name, and the docs.rs settings.

use std::path::PathBuf;

fn read(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap()
}

/// The code blocks of a Markdown text whose info string starts with `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with(lang) => current = Some(String::new()),
            (Some(_), Some("")) => found.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    found
}

/// The first segments of the paths in Rust code (`futures` of `futures::TryStreamExt`).
fn crate_roots(code: &str) -> Vec<String> {
    let mut roots: Vec<String> = Vec::new();
    let bytes = code.as_bytes();
    for (at, _) in code.match_indices("::") {
        let start = code[..at].rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let name = &code[start..at];
        let after_path = start >= 1 && bytes[start - 1] == b':';
        let lower = name.starts_with(|c: char| c.is_ascii_lowercase());
        if lower && !after_path && !roots.iter().any(|r| r == name) {
            roots.push(name.to_owned());
        }
    }
    roots
}

#[test]
fn the_readme_install_section_lists_every_crate_its_examples_use() {
    let readme = read("README.md");
    let install = &readme[readme.find("## Install").unwrap()..];
    let toml = blocks(install, "toml").into_iter().next().unwrap();
    let listed = |name: &str| toml.lines().any(|l| l.trim_start().starts_with(&format!("{name} =")));
    let mut used: Vec<String> = blocks(&readme, "rust").iter().flat_map(|b| crate_roots(b)).collect();
    used.sort();
    used.dedup();
    for name in used.iter().filter(|n| !["std", "core", "crate", "self", "super", "ucloudstack"].contains(&n.as_str()))
    {
        assert!(listed(name), "the README's examples use {name}, which Install does not list:\n{toml}");
    }
    assert!(used.iter().any(|n| n == "futures") && used.iter().any(|n| n == "serde_json"), "{used:?}");
    let tokio = toml.lines().find(|l| l.starts_with("tokio =")).unwrap();
    assert!(
        tokio.contains("\"macros\"") && tokio.contains("\"rt-multi-thread\""),
        "#[tokio::main] needs them: {tokio}"
    );
}

#[test]
fn the_crate_docs_name_the_real_default_tls_feature() {
    let manifest = read("Cargo.toml");
    let default = manifest.lines().find_map(|l| l.strip_prefix("default = ")).unwrap();
    assert_eq!(default, r#"["rustls"]"#);
    // reqwest's `rustls` feature brings its own provider, aws-lc-rs (ring is `rustls-ring`'s).
    assert!(manifest.lines().any(|l| l.starts_with(r#"rustls = ["reqwest/rustls""#)), "{manifest}");
    let lib = read("src/lib.rs");
    assert!(lib.contains(
        "//! - `rustls` (**the default**): TLS through rustls with reqwest's own crypto provider,\n//!   aws-lc-rs"
    ));
}

#[test]
fn docs_rs_shows_the_testing_module_with_its_feature() {
    let manifest = read("Cargo.toml");
    let docs_rs = &manifest[manifest.find("[package.metadata.docs.rs]").unwrap()..];
    assert!(docs_rs.contains("all-features = true") && docs_rs.contains(r#"rustdoc-args = ["--cfg", "docsrs"]"#));
    assert!(manifest.contains("check-cfg = ['cfg(docsrs)']"), "stable builds stay quiet about cfg(docsrs)");
    let lib = read("src/lib.rs");
    assert!(lib.contains("#![cfg_attr(docsrs, feature(doc_cfg))]"));
    assert!(lib.contains(
        "#[cfg(feature = \"testing\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"testing\")))]\npub mod testing;"
    ));
}
