//! The house rules of `shared/src`, read from the source itself so they cannot drift from the
//! tree: no module imports one that imports it back (no cycle), the domain imports nothing
//! above it (no wire, HTTP, adapter assembly or crate-root re-export), the floors below the
//! domain never import it, and inside the domain every import points down a floor, with no
//! use-case folder importing another.
//!
//! An import is any `crate::…` or `super::…` path (`super` is the parent module) outside comments and `#[cfg(test)]` code,
//! resolved to the longest module path that exists as a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of `shared/src` (`""` is the crate root) with its file's text.
fn modules() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(
                    module_of(&root, &path),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    out
}

/// `domain/login/mod.rs` → `domain::login`; `lib.rs` → `""`.
fn module_of(root: &Path, file: &Path) -> String {
    let rel: PathBuf = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths (segments after `crate::`, or made absolute from `super::`) named in `code`,
/// with `a::{b, c::d}` groups expanded.
fn paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (start, prefix) in [("crate::", None), ("super::", Some(()))] {
        let mut rest = code;
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().last();
            rest = &rest[i + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut base: Vec<String> = match prefix {
                None => Vec::new(),
                Some(()) => {
                    let mut m: Vec<String> = module
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                    m.pop();
                    m
                }
            };
            let seg_end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let head = &rest[..seg_end];
            base.extend(
                head.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            if head.ends_with("::") && rest[seg_end..].starts_with('{') {
                let close = rest[seg_end..]
                    .find('}')
                    .map_or(rest.len(), |c| seg_end + c);
                for item in rest[seg_end + 1..close].split(',') {
                    let mut p = base.clone();
                    p.extend(
                        item.trim()
                            .split("::")
                            .filter(|s| !s.is_empty() && *s != "self" && *s != "{")
                            .map(str::to_owned),
                    );
                    out.push(p);
                }
            } else {
                out.push(base);
            }
        }
    }
    out
}

/// Module → the modules it imports (never itself).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (module, text) in &modules {
        let mut targets = BTreeSet::new();
        for path in paths(module, &code(text)) {
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|m| modules.contains_key(m))
                .unwrap_or_default();
            if &target != module {
                targets.insert(target);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A cycle through the graph, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

/// The domain's floors, bottom first; the folder (second segment) decides.
fn domain_floor(module: &str) -> Option<(usize, &str)> {
    let folder = module.strip_prefix("domain::")?.split("::").next()?;
    let floor = match folder {
        "records" => 0,
        "ports" => 1,
        "common" | "audit" => 2,
        "factors" | "invites" | "social" | "webauthn" => 3,
        "accounts" => 4,
        "signup" | "login" | "passkeys" | "passwords" | "profile" | "apps" | "admin" => 5,
        other => {
            panic!("domain folder {other} has no floor: give it one here and in domain/mod.rs")
        }
    };
    Some((floor, folder))
}

/// Modules below the domain (ports and adapters, crypto, errors).
fn below_domain(module: &str) -> bool {
    let top = module.split("::").next().unwrap_or("");
    matches!(
        top,
        "clock" | "codes" | "net" | "secrets" | "store" | "mail" | "sms" | "error" | "crypto"
    )
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = imports();
    assert!(graph.len() > 50, "read only {} modules", graph.len());
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn the_domain_imports_nothing_above_it() {
    let graph = imports();
    let mut wrong = Vec::new();
    for (from, targets) in &graph {
        for to in targets {
            let upward = if from.starts_with("domain") {
                !to.starts_with("domain") && !below_domain(to)
            } else {
                below_domain(from) && !below_domain(to)
            };
            if upward {
                wrong.push(format!(
                    "{from} -> {}",
                    if to.is_empty() { "crate root" } else { to }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up: {wrong:#?}");
}

#[test]
fn domain_imports_point_down_a_floor_and_use_cases_stay_apart() {
    let graph = imports();
    let mut wrong = Vec::new();
    for (from, targets) in &graph {
        let Some((floor, folder)) = domain_floor(from) else {
            continue;
        };
        for to in targets {
            let Some((to_floor, to_folder)) = domain_floor(to) else {
                continue;
            };
            if to_floor > floor || (floor == 5 && to_floor == 5 && folder != to_folder) {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "domain imports against the floors: {wrong:#?}"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_an_upward_import() {
    let mut graph = imports();
    graph
        .get_mut("domain::records::app")
        .unwrap()
        .insert("domain::common::limits".to_owned());
    let cycle = find_cycle(&graph).expect("the planted cycle");
    assert!(
        cycle.contains(&"domain::records::app".to_owned()),
        "{cycle:?}"
    );
    assert_eq!(domain_floor("domain::common::limits").unwrap().0, 2);
    let grouped = paths(
        "domain::login::complete",
        "use crate::domain::{records::app, common};",
    );
    assert_eq!(
        grouped,
        vec![vec!["domain", "records", "app"], vec!["domain", "common"]]
    );
    let relative = paths("domain::admin::apps", "use super::app_update::update_app;");
    assert_eq!(
        relative,
        vec![vec!["domain", "admin", "app_update", "update_app"]]
    );
}
