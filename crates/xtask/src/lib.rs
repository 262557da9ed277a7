//! # xtask
//!
//! Checks on Accord's own source that the compiler does not make. One so far: **no crate has
//! a circle of files importing each other** (ARCHITECTURE.md, "Layers"). A file that imports a
//! file that imports it back (directly or round a longer circle) ties both to each other's
//! changes; a crate whose files form a line from the types every layer needs up to the
//! entry points can be read, and changed, one layer at a time.
//!
//! [`file_graph`] reads a crate's module tree from its root (`src/lib.rs`, `src/main.rs`,
//! `src/bin/*.rs`) by following `mod name;` declarations, and records an edge from a file to
//! every other file of the crate that a path in it names: `use` trees, paths in code and
//! types, and `crate::`/`$crate::`/`self::`/`super::` paths inside macro bodies. A path stands
//! for the file of the deepest module it names, so `crate::sharing::model::Collection` is an
//! edge to `sharing/model.rs`, and `crate::StoreError` an edge to `lib.rs` (whose re-exports
//! are edges in turn). Declaring a module (`mod x;`) is not an import. Doc comments are not
//! code and never count. [`cycles`] returns the circles (strongly connected components of more
//! than one file), each with the paths that close it.
//!
//! `tests/tidy.rs` runs it on every crate of the workspace; `cargo run -p xtask -- cycles
//! crates/NAME` prints a crate's circles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::Visit;

/// Why a crate's files could not be read.
#[derive(Debug)]
pub enum Error {
    /// A file could not be read.
    Io(PathBuf, std::io::Error),
    /// A file is not Rust that syn parses.
    Parse(PathBuf, syn::Error),
    /// A `mod name;` declaration names no file.
    MissingModule(PathBuf, String),
    /// The crate has no `src/lib.rs`, `src/main.rs` or `src/bin/*.rs`.
    NoRoot(PathBuf),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(p, e) => write!(f, "{}: {e}", p.display()),
            Error::Parse(p, e) => write!(f, "{}: {e}", p.display()),
            Error::MissingModule(p, m) => {
                write!(f, "{}: `mod {m};` names no file", p.display())
            }
            Error::NoRoot(p) => write!(
                f,
                "{}: no src/lib.rs, src/main.rs or src/bin/*.rs",
                p.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// One import between two files of a crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The importing file, relative to the crate's directory.
    pub from: PathBuf,
    /// The imported file.
    pub to: PathBuf,
    /// The first path in `from` that names `to`, as written (`crate::log::Effect`).
    pub path: String,
}

/// The files of one crate and the imports between them.
#[derive(Debug, Default)]
pub struct FileGraph {
    /// Every file of the module tree, relative to the crate's directory.
    pub files: BTreeSet<PathBuf>,
    /// One edge per pair of files (the first path found), self-imports left out.
    pub edges: Vec<Edge>,
}

/// A module of a crate: the file it lives in, and whether it is the root of that file or an
/// inline `mod name { … }` inside it.
#[derive(Debug, Clone)]
struct Module {
    file: PathBuf,
    /// For a file's own module: the directory its `mod name;` children live in.
    child_dir: Option<PathBuf>,
}

/// A root's module tree: module paths (`["sharing", "model"]`) to modules.
type Tree = BTreeMap<Vec<String>, Module>;

/// Reads the module tree and imports of the crate in `dir` (the folder holding `src/`).
pub fn file_graph(dir: &Path) -> Result<FileGraph, Error> {
    let src = dir.join("src");
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .filter(|p| p.is_file())
        .collect();
    if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
        let mut bins: Vec<PathBuf> = bins
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    if roots.is_empty() {
        return Err(Error::NoRoot(dir.to_owned()));
    }
    let mut graph = FileGraph::default();
    let mut seen: BTreeMap<(PathBuf, PathBuf), String> = BTreeMap::new();
    for root in roots {
        // Each root is its own crate: `crate::` in it means its own tree.
        let mut tree = Tree::new();
        let mut parsed = BTreeMap::new();
        let root_dir = root.parent().map(Path::to_owned).unwrap_or_default();
        discover(&root, Vec::new(), root_dir, &mut tree, &mut parsed)?;
        for (file, ast) in &parsed {
            let module = tree
                .iter()
                .find(|(_, m)| &m.file == file && m.child_dir.is_some())
                .map(|(p, _)| p.clone())
                .unwrap_or_default();
            let mut collector = Collector {
                tree: &tree,
                scope: module,
                found: Vec::new(),
            };
            collector.visit_file(ast);
            for (target, text) in collector.found {
                if let Some(to) = resolve(&tree, &target)
                    && &to != file
                {
                    seen.entry((file.clone(), to)).or_insert(text);
                }
            }
        }
        graph.files.extend(parsed.into_keys());
    }
    let rel = |p: &Path| p.strip_prefix(dir).unwrap_or(p).to_owned();
    graph.files = graph.files.iter().map(|f| rel(f)).collect();
    graph.edges = seen
        .into_iter()
        .map(|((from, to), path)| Edge {
            from: rel(&from),
            to: rel(&to),
            path,
        })
        .collect();
    Ok(graph)
}

/// Parses `file` as module `path` and follows its `mod name;` declarations.
fn discover(
    file: &Path,
    path: Vec<String>,
    child_dir: PathBuf,
    tree: &mut Tree,
    parsed: &mut BTreeMap<PathBuf, syn::File>,
) -> Result<(), Error> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::Io(file.to_owned(), e))?;
    let ast = syn::parse_file(&text).map_err(|e| Error::Parse(file.to_owned(), e))?;
    tree.insert(
        path.clone(),
        Module {
            file: file.to_owned(),
            child_dir: Some(child_dir.clone()),
        },
    );
    let mut pending = Vec::new();
    declared(&ast.items, &path, &child_dir, file, tree, &mut pending);
    parsed.insert(file.to_owned(), ast);
    for (child_path, dir, name) in pending {
        let flat = dir.join(format!("{name}.rs"));
        let nested = dir.join(&name).join("mod.rs");
        let (child_file, grand_dir) = if flat.is_file() {
            (flat, dir.join(&name))
        } else if nested.is_file() {
            (nested, dir.join(&name))
        } else {
            return Err(Error::MissingModule(file.to_owned(), name));
        };
        discover(&child_file, child_path, grand_dir, tree, parsed)?;
    }
    Ok(())
}

/// Records the inline modules among `items` and queues the file modules they declare.
fn declared(
    items: &[syn::Item],
    path: &[String],
    dir: &Path,
    file: &Path,
    tree: &mut Tree,
    pending: &mut Vec<(Vec<String>, PathBuf, String)>,
) {
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let name = name(&m.ident);
        let mut child = path.to_vec();
        child.push(name.clone());
        match &m.content {
            None => pending.push((child, dir.to_owned(), name)),
            Some((_, inner)) => {
                tree.insert(
                    child.clone(),
                    Module {
                        file: file.to_owned(),
                        child_dir: None,
                    },
                );
                declared(inner, &child, &dir.join(&name), file, tree, pending);
            }
        }
    }
}

/// The file of the deepest module `path` names (the crate root's for a path naming none).
fn resolve(tree: &Tree, path: &[String]) -> Option<PathBuf> {
    (0..=path.len())
        .rev()
        .find_map(|n| tree.get(&path[..n]))
        .map(|m| m.file.clone())
}

/// Collects the crate-relative paths one file names, resolved to absolute module paths.
struct Collector<'t> {
    tree: &'t Tree,
    /// The module the visitor is in (inline modules included).
    scope: Vec<String>,
    /// (absolute path, the path as written).
    found: Vec<(Vec<String>, String)>,
}

impl Collector<'_> {
    /// Makes `segments` absolute if it starts at `crate`, `self`, `super` or a child module of
    /// the current scope; anything else (another crate, a local name) is not a file of ours.
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.scope.clone(),
            "super" => {
                let mut s = self.scope.clone();
                s.pop()?;
                s
            }
            _ => {
                let mut child = self.scope.clone();
                child.push(first.clone());
                if self.tree.contains_key(&child) {
                    child
                } else {
                    return None;
                }
            }
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().is_some_and(|s| *s == "super") {
            base.pop()?;
            rest.next();
        }
        base.extend(rest.cloned());
        Some(base)
    }

    fn note(&mut self, segments: Vec<String>) {
        if let Some(abs) = self.absolute(&segments) {
            self.found.push((abs, segments.join("::")));
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.scope.push(name(&m.ident));
            syn::visit::visit_item_mod(self, m);
            self.scope.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if u.leading_colon.is_none() {
            let mut paths = Vec::new();
            flatten(&u.tree, Vec::new(), &mut paths);
            for p in paths {
                self.note(p);
            }
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.leading_colon.is_none() && p.segments.len() > 1 {
            self.note(p.segments.iter().map(|s| name(&s.ident)).collect());
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut paths = Vec::new();
        macro_paths(m.tokens.clone(), &mut paths);
        for p in paths {
            self.note(p);
        }
        syn::visit::visit_macro(self, m);
    }
}

/// An identifier as a module or file is named: `r#match` is `match`.
fn name(ident: &proc_macro2::Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(raw) => raw.to_owned(),
        None => text,
    }
}

/// Every path a `use` tree imports (a group's `self` is the group's own path).
fn flatten(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(name(&p.ident));
            flatten(&p.tree, prefix, out);
        }
        syn::UseTree::Name(n) if n.ident == "self" => out.push(prefix),
        syn::UseTree::Name(n) => out.push([prefix, vec![name(&n.ident)]].concat()),
        syn::UseTree::Rename(r) => out.push([prefix, vec![name(&r.ident)]].concat()),
        syn::UseTree::Glob(_) => out.push(prefix),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
    }
}

/// The `crate::…`, `$crate::…`, `self::…` and `super::…` paths in a macro's tokens (macro
/// bodies are not parsed as Rust, so a path in them is found by its tokens).
fn macro_paths(tokens: TokenStream, out: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let ident = |i: usize| match tokens.get(i) {
        Some(TokenTree::Ident(id)) => Some(name(id)),
        _ => None,
    };
    let colons = |i: usize| {
        matches!((tokens.get(i), tokens.get(i + 1)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
    };
    let mut i = 0;
    while i < tokens.len() {
        if let TokenTree::Group(g) = &tokens[i] {
            macro_paths(g.stream(), out);
            i += 1;
            continue;
        }
        let after_dollar =
            matches!(&tokens[i], TokenTree::Punct(p) if p.as_char() == '$') && i + 1 < tokens.len();
        let at = if after_dollar { i + 1 } else { i };
        let start =
            ident(at).filter(|s| s == "crate" || (!after_dollar && (s == "self" || s == "super")));
        // `foo::crate` is not a path from the root; `$crate` is.
        let preceded = i >= 2 && colons(i - 2);
        match start {
            Some(first) if !preceded && colons(at + 1) => {
                let mut path = vec![first];
                let mut j = at + 1;
                while colons(j)
                    && let Some(next) = ident(j + 2)
                {
                    path.push(next);
                    j += 3;
                }
                out.push(path);
                i = j;
            }
            _ => i += 1,
        }
    }
}

/// One circle of files importing each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The files in it.
    pub files: Vec<PathBuf>,
    /// The imports among them.
    pub edges: Vec<Edge>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
        writeln!(f, "a circle of {} files: {}", names.len(), names.join(", "))?;
        for e in &self.edges {
            writeln!(
                f,
                "  {} imports {} ({})",
                e.from.display(),
                e.to.display(),
                e.path
            )?;
        }
        Ok(())
    }
}

/// The circles of `graph`: its strongly connected components of more than one file.
pub fn cycles(graph: &FileGraph) -> Vec<Cycle> {
    let files: Vec<&PathBuf> = graph.files.iter().collect();
    let index: BTreeMap<&PathBuf, usize> = files.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); files.len()];
    for e in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(&e.from), index.get(&e.to)) {
            next[a].push(b);
        }
    }
    let components = strongly_connected(&next);
    components
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let members: BTreeSet<&PathBuf> = c.iter().map(|&i| files[i]).collect();
            Cycle {
                files: members.iter().map(|p| (*p).clone()).collect(),
                edges: graph
                    .edges
                    .iter()
                    .filter(|e| members.contains(&e.from) && members.contains(&e.to))
                    .cloned()
                    .collect(),
            }
        })
        .collect()
}

/// Tarjan's algorithm, iterative: the strongly connected components of a graph given as
/// successor lists.
fn strongly_connected(next: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = next.len();
    let (mut order, mut low) = (vec![UNSEEN; n], vec![0; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let mut counter = 0;
    let mut out = Vec::new();
    for start in 0..n {
        if order[start] != UNSEEN {
            continue;
        }
        // (node, index of the next successor to look at)
        let mut work = vec![(start, 0)];
        order[start] = counter;
        low[start] = counter;
        counter += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(top) = work.last_mut() {
            let v = top.0;
            if let Some(&w) = next[v].get(top.1) {
                top.1 += 1;
                if order[w] == UNSEEN {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Writes a crate of `files` (path under `src/`, text) and returns its circles as lists of
    /// file names.
    fn circles(files: &[(&str, &str)]) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join("src").join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let graph = file_graph(dir.path()).unwrap();
        let mut out: Vec<Vec<String>> = cycles(&graph)
            .into_iter()
            .map(|c| {
                c.files
                    .iter()
                    .map(|f| f.display().to_string().replace('\\', "/"))
                    .collect()
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_line_of_layers_has_no_circle() {
        let found = circles(&[
            ("lib.rs", "mod a;\nmod b;\npub use b::Top;\n"),
            (
                "a.rs",
                "/// Used by [`crate::b::Top`].\npub struct Bottom;\n",
            ),
            ("b.rs", "use crate::a::Bottom;\npub struct Top(Bottom);\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn two_files_importing_each_other_are_a_circle() {
        let found = circles(&[
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::{b::{self, B}};\npub struct A;\n"),
            (
                "b.rs",
                "pub struct B;\nfn f() -> crate::a::A { crate::a::A }\n",
            ),
        ]);
        assert_eq!(found, vec![vec!["src/a.rs", "src/b.rs"]]);
    }

    #[test]
    fn importing_through_the_crate_root_closes_a_circle_with_its_reexports() {
        let found = circles(&[
            ("lib.rs", "mod a;\nmod error;\npub use error::E;\n"),
            ("a.rs", "pub struct A;\n"),
            (
                "error.rs",
                "pub struct E(crate::a::A);\nfn f(_: crate::E) {}\n",
            ),
        ]);
        assert_eq!(found, vec![vec!["src/error.rs", "src/lib.rs"]]);
    }

    #[test]
    fn paths_in_macros_super_and_nested_modules_count() {
        let found = circles(&[
            ("lib.rs", "pub mod s;\n"),
            (
                "s/mod.rs",
                "pub mod m;\npub mod r;\npub use m::*;\npub use r::f;\n",
            ),
            ("s/m.rs", "pub struct M;\n"),
            (
                "s/r.rs",
                "pub fn f() -> String { format!(\"{:?}\", super::M) }\n",
            ),
            (
                "s/m/inner.rs",
                "macro_rules! x { () => { $crate::s::r::f() } }\n",
            ),
        ]);
        // s/m/inner.rs is not declared by `mod inner;`: not part of the crate.
        assert_eq!(found, vec![vec!["src/s/mod.rs", "src/s/r.rs"]]);
        let found = circles(&[
            ("lib.rs", "pub mod s;\n"),
            ("s.rs", "pub mod m;\npub mod r;\n"),
            (
                "s/m.rs",
                "mod inner { fn g() { crate::s::r::f(); } }\npub struct M;\n",
            ),
            (
                "s/r.rs",
                "macro_rules! x { () => { $crate::s::m::M } }\npub fn f() {}\n",
            ),
        ]);
        assert_eq!(found, vec![vec!["src/s/m.rs", "src/s/r.rs"]]);
    }

    #[test]
    fn a_raw_identifier_names_its_file_without_r_hash() {
        let found = circles(&[
            ("lib.rs", "mod r#match;\nmod b;\n"),
            ("match.rs", "pub fn f() { crate::b::g() }\n"),
            ("b.rs", "pub fn g() {}\nfn h() { crate::r#match::f() }\n"),
        ]);
        assert_eq!(found, vec![vec!["src/b.rs", "src/match.rs"]]);
    }

    #[test]
    fn a_missing_module_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "mod gone;\n").unwrap();
        assert!(matches!(
            file_graph(dir.path()),
            Err(Error::MissingModule(_, m)) if m == "gone"
        ));
    }
}
