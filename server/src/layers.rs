//! The layers of the server and the direction of its dependencies, checked by a test: a
//! top-level module may use modules of its own layer or below, never above, and the modules of
//! one layer never form a cycle. A new `use crate::…` that breaks this fails `cargo test`.
//!
//! ```text
//! foundation    config
//! ports         store  <-  seats  <-  live;   store <- bus;   payments
//! capabilities  auth  <-  rewards  <-  sales;   admin;   health
//! http          http (routes, extractors, error mapping; the only place besides app that
//!               names AppState)
//! assembly      app (wiring, desks built once), loadtest, telemetry
//! ```

/// Every top-level module of the crate with its layer (0 = lowest).
pub const LAYERS: &[(&str, u8)] = &[
    ("config", 0),
    ("store", 1),
    ("seats", 1),
    ("live", 1),
    ("bus", 1),
    ("payments", 1),
    ("auth", 2),
    ("rewards", 2),
    ("sales", 2),
    ("admin", 2),
    ("health", 2),
    ("http", 3),
    ("app", 4),
    ("loadtest", 4),
    ("telemetry", 4),
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::LAYERS;

    /// The top-level module a source file belongs to (`seats/redis.rs` -> `seats`).
    fn module_of(relative: &Path) -> String {
        let first = relative.components().next().unwrap();
        let name = first.as_os_str().to_string_lossy();
        name.trim_end_matches(".rs").to_owned()
    }

    /// Every source file of `src/` with its path relative to `src/`.
    fn sources() -> Vec<(std::path::PathBuf, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut pending = vec![src.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path.strip_prefix(&src).unwrap().to_path_buf(), text));
                }
            }
        }
        files
    }

    /// `top -> {modules it names as crate::x}` over every file of `src/`.
    fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (relative, text) in sources() {
            let module = module_of(&relative);
            if matches!(module.as_str(), "lib" | "main" | "layers") {
                continue;
            }
            let uses = graph.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let before = text[..i].chars().next_back();
                let is_path = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                // The crate root re-exports `Config` and `AppState`.
                let name = match name.as_str() {
                    "Config" => "config".to_owned(),
                    "AppState" => "app".to_owned(),
                    _ => name,
                };
                if is_path && !name.is_empty() && name != module {
                    uses.insert(name);
                }
            }
        }
        graph
    }

    #[test]
    fn only_http_and_app_name_the_app_state() {
        let named: Vec<String> = sources()
            .into_iter()
            .filter(|(relative, text)| {
                !matches!(
                    module_of(relative).as_str(),
                    "http" | "app" | "lib" | "layers"
                ) && text.contains("AppState")
            })
            .map(|(relative, _)| relative.display().to_string())
            .collect();
        assert!(
            named.is_empty(),
            "AppState named outside http/ and app/: {named:?}"
        );
    }

    fn layer(module: &str) -> u8 {
        LAYERS
            .iter()
            .find(|(name, _)| *name == module)
            .map(|(_, layer)| *layer)
            .unwrap_or_else(|| panic!("module `{module}` has no layer in layers.rs: add it"))
    }

    #[test]
    fn dependencies_point_down_the_layers() {
        let mut wrong = Vec::new();
        for (module, uses) in dependencies() {
            for used in uses {
                if layer(&used) > layer(&module) {
                    wrong.push(format!(
                        "{module} (layer {}) uses {used} (layer {})",
                        layer(&module),
                        layer(&used)
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "dependencies pointing up:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn no_cycles_between_folders() {
        let graph = dependencies();
        // Depth-first search with colours: grey = on the current path.
        fn visit<'a>(
            node: &'a str,
            graph: &'a BTreeMap<String, BTreeSet<String>>,
            colour: &mut BTreeMap<&'a str, u8>,
            path: &mut Vec<&'a str>,
        ) -> Option<Vec<String>> {
            match colour.get(node) {
                Some(2) => return None,
                Some(1) => {
                    let start = path.iter().position(|n| *n == node).unwrap();
                    let mut cycle: Vec<String> =
                        path[start..].iter().map(|s| s.to_string()).collect();
                    cycle.push(node.to_owned());
                    return Some(cycle);
                }
                _ => {}
            }
            colour.insert(node, 1);
            path.push(node);
            for next in graph.get(node).into_iter().flatten() {
                if let Some(cycle) = visit(next, graph, colour, path) {
                    return Some(cycle);
                }
            }
            path.pop();
            colour.insert(node, 2);
            None
        }
        let mut colour = BTreeMap::new();
        for node in graph.keys() {
            if let Some(cycle) = visit(node, &graph, &mut colour, &mut Vec::new()) {
                panic!("cycle between folders: {}", cycle.join(" -> "));
            }
        }
    }

    #[test]
    fn every_module_has_a_layer() {
        for module in dependencies().keys() {
            layer(module);
        }
    }
}
