//! Loading specs from files and directories into one catalog.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nines_core::model::Catalog;

use crate::decode::Cx;
use crate::diag::{self, Diagnostic, Rule};
use crate::formats::{self, Format};
use crate::resolve;
use crate::yaml::{self, Node};

/// One spec text and the name to report it under.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file name as the user gave it.
    pub name: Arc<str>,
    /// Its contents.
    pub text: String,
}

/// The outcome of loading: a catalog and every problem met on the way.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// What was understood. Items with errors are left out.
    pub catalog: Catalog,
    /// Problems found while reading and resolving (semantic lints come from
    /// [`crate::lint`]).
    pub diagnostics: Vec<Diagnostic>,
    /// Files read.
    pub files: usize,
    /// Documents read.
    pub documents: usize,
}

/// Why specs could not be read at all (as opposed to being read and found invalid).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path that does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A directory with no spec files in it.
    #[error("no spec files (*.yaml, *.yml, *.json) under {0}")]
    Empty(PathBuf),
}

/// File extensions read when walking a directory.
const SPEC_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Every spec file named by `paths`: files as given, directories walked recursively
/// (hidden entries and those listed in a directory's `.ninesignore` skipped), in a
/// stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if metadata.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            if files.len() == before {
                return Err(LoadError::Empty(path.clone()));
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// The file that keeps entries out of a directory walk (drafts, copies in another format).
pub const IGNORE_FILE: &str = ".ninesignore";

/// Patterns from a directory's `.ninesignore`: one name per line, `*` matching any run of
/// characters, a trailing `/` for directories only, `#` starting a comment.
fn ignore_patterns(directory: &Path) -> Vec<(String, bool)> {
    let Ok(text) = std::fs::read_to_string(directory.join(IGNORE_FILE)) else {
        return Vec::new();
    };
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(|line| match line.strip_suffix('/') {
            Some(name) => (name.to_string(), true),
            None => (line.to_string(), false),
        })
        .collect()
}

fn glob_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            let Some(remaining) = name.strip_prefix(prefix) else {
                return false;
            };
            (0..=remaining.len())
                .filter(|index| remaining.is_char_boundary(*index))
                .any(|index| glob_matches(rest, &remaining[index..]))
        }
    }
}

fn walk(directory: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: directory.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    let ignored = ignore_patterns(directory);
    for entry in entries {
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().to_string();
        if file_name.starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let skip = ignored.iter().any(|(pattern, directory_only)| {
            (!directory_only || file_type.is_dir()) && glob_matches(pattern, &file_name)
        });
        if skip {
            continue;
        }
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| SPEC_EXTENSIONS.contains(&ext))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads every spec under `paths` and loads them together (references may cross files).
pub fn load_paths(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let files = collect_files(paths)?;
    let mut sources = Vec::with_capacity(files.len());
    let mut diagnostics = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
        let name: Arc<str> = Arc::from(file.display().to_string());
        match String::from_utf8(bytes) {
            Ok(text) => sources.push(Source { name, text }),
            Err(_) => diagnostics.push(
                Diagnostic::new(
                    Rule::YamlSyntax,
                    nines_core::model::Location::new(name, 1, 1),
                    "the file is not UTF-8 text",
                )
                .hint("save the file as UTF-8"),
            ),
        }
    }
    let mut loaded = load_sources(&sources);
    loaded.diagnostics.extend(diagnostics);
    diag::sort(&mut loaded.diagnostics);
    Ok(loaded)
}

/// Loads specs from texts: parse, detect each document's format, decode, then resolve
/// references across all of them. Never fails: problems become diagnostics.
pub fn load_sources(sources: &[Source]) -> Loaded {
    let mut loaded = Loaded {
        files: sources.len(),
        ..Loaded::default()
    };
    let mut parsed: Vec<(Arc<str>, Vec<Node>)> = Vec::with_capacity(sources.len());
    for source in sources {
        match yaml::parse_documents(&source.text) {
            Ok(documents) => parsed.push((source.name.clone(), documents)),
            Err(error) => {
                let hint = if error.message.starts_with("duplicate key") {
                    "keep one of the two keys"
                } else {
                    "check the indentation here; quote strings that contain `: ` or ` #`, or start with `{`, `[`, `*`, `&`, `!` or `%`"
                };
                loaded.diagnostics.push(
                    Diagnostic::new(
                        Rule::YamlSyntax,
                        nines_core::model::Location::new(
                            source.name.clone(),
                            error.position.line,
                            error.position.column,
                        ),
                        error.message,
                    )
                    .hint(hint),
                );
            }
        }
    }
    let mut openslo = formats::openslo::Collector::default();
    let mut side: Vec<(Arc<str>, String)> = Vec::new();
    for (file, documents) in &parsed {
        for document in expand_lists(documents) {
            loaded.documents += 1;
            let mut cx = Cx::new(file.clone(), "nines", &mut loaded.diagnostics);
            let Some(format) = formats::detect(&mut cx, document) else {
                continue;
            };
            cx.format = format.name();
            match format {
                Format::Native => {
                    formats::native::decode_document(&mut cx, document, &mut loaded.catalog)
                }
                Format::Sloth => {
                    formats::sloth::decode_document(&mut cx, document, &mut loaded.catalog)
                }
                Format::Pyrra => {
                    formats::pyrra::decode_document(&mut cx, document, &mut loaded.catalog)
                }
                Format::OpenSlo => {
                    openslo.add(&mut cx, document);
                    if let Some(text) = formats::openslo::side_documents(document) {
                        side.push((file.clone(), text.to_string()));
                    }
                }
            }
        }
    }
    openslo.finish(&mut loaded.diagnostics, &mut loaded.catalog);
    // The nines/v1 documents a conversion to OpenSLO kept in a Service annotation.
    for (file, text) in side {
        match yaml::parse_documents(&text) {
            Ok(documents) => {
                for document in &documents {
                    let mut cx = Cx::new(file.clone(), "nines", &mut loaded.diagnostics);
                    if let Some(Format::Native) = formats::detect(&mut cx, document) {
                        formats::native::decode_document(&mut cx, document, &mut loaded.catalog);
                    } else {
                        cx.report(
                            Rule::UnknownKind,
                            document,
                            format!(
                                "the `{}` annotation holds only nines/v1 documents",
                                formats::openslo::DOCUMENTS
                            ),
                        );
                    }
                }
            }
            Err(error) => loaded.diagnostics.push(Diagnostic::new(
                Rule::YamlSyntax,
                nines_core::model::Location::new(
                    file.clone(),
                    error.position.line,
                    error.position.column,
                ),
                format!(
                    "in the `{}` annotation: {}",
                    formats::openslo::DOCUMENTS,
                    error.message
                ),
            )),
        }
    }
    resolve::resolve(&mut loaded.catalog, &mut loaded.diagnostics);
    diag::sort(&mut loaded.diagnostics);
    loaded
}

/// A top-level list of documents (OpenSLO allows it; so does `kind: List`) is read as
/// its items.
fn expand_lists(documents: &[Node]) -> Vec<&Node> {
    let mut out = Vec::new();
    for document in documents {
        if let Some(items) = document.as_sequence() {
            out.extend(items.iter());
        } else if document.get("kind").and_then(Node::as_scalar) == Some("List")
            && document.get("items").is_some()
        {
            out.extend(
                document
                    .get("items")
                    .and_then(Node::as_sequence)
                    .unwrap_or_default(),
            );
        } else {
            out.push(document);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs_match_names() {
        assert!(glob_matches("openslo", "openslo"));
        assert!(glob_matches("*.draft.yaml", "a.draft.yaml"));
        assert!(glob_matches("old-*", "old-checkout.yaml"));
        assert!(!glob_matches("old-*", "checkout.yaml"));
        assert!(glob_matches("*", "anything"));
    }
}
