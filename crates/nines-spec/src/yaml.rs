//! YAML (and JSON, its subset) read into a tree that remembers where every node was.
//!
//! Spec errors must say `file:line:column`, so we do not deserialize through serde: we
//! build our own tree from the parser's events, keeping each node's position, and decode
//! the model from that tree by hand (see [`crate::decode`]).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A position in a text. Lines and columns count from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub column: u32,
}

/// A node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub position: Position,
    /// What it holds.
    pub value: Value,
}

/// A node's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar with its text; `plain` is false for quoted and block scalars, which are
    /// always strings (`"99"` is text, `99` may be a number).
    Scalar {
        /// The text.
        text: String,
        /// True for unquoted scalars.
        plain: bool,
    },
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in document order.
    Mapping(Vec<(Node, Node)>),
}

/// A YAML syntax error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// Where.
    pub position: Position,
    /// What.
    pub message: String,
}

/// Most nodes one file may expand to: stops "billion laughs" alias bombs.
const MAX_NODES: usize = 2_000_000;
/// Deepest nesting accepted: specs nest about ten levels; the decoders and `Drop` walk
/// the tree recursively, so the depth must stay far below what a thread's stack holds.
pub const MAX_DEPTH: usize = 256;
/// Longest scalar accepted, in bytes. Spec values are names, queries, descriptions: a few
/// hundred bytes. Bounding them keeps every per-character step (name checks, "did you
/// mean" searches, messages quoting the value) fast on hostile input (issue 9.9).
pub const MAX_SCALAR_BYTES: usize = 64 * 1024;

impl Node {
    /// The scalar text, for any scalar (quoted or not).
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    /// True for a null scalar (`~`, `null`, or nothing).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if is_null_text(text))
    }
    /// The entries of a mapping.
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }
    /// The items of a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|(name, _)| name.as_scalar() == Some(key))
            .map(|(_, value)| value)
    }
    /// A word for the node's kind, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "nothing",
            Value::Scalar { text, plain: true } if text.parse::<f64>().is_ok() => "a number",
            Value::Scalar { text, plain: true } if text == "true" || text == "false" => "a boolean",
            Value::Scalar { .. } => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }
    /// Moves this node and everything in it to `position`: used for content parsed out of
    /// a string (a JSON annotation), so its problems point at the string.
    pub fn relocate(&mut self, position: Position) {
        self.position = position;
        match &mut self.value {
            Value::Scalar { .. } => {}
            Value::Sequence(items) => items.iter_mut().for_each(|item| item.relocate(position)),
            Value::Mapping(entries) => entries.iter_mut().for_each(|(key, value)| {
                key.relocate(position);
                value.relocate(position);
            }),
        }
    }
    /// Converts to JSON, for opaque content kept verbatim (OpenSLO `connectionDetails`).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Scalar { text, plain } => {
                if !plain {
                    return serde_json::Value::String(text.clone());
                }
                if is_null_text(text) {
                    return serde_json::Value::Null;
                }
                match text.as_str() {
                    "true" => return serde_json::Value::Bool(true),
                    "false" => return serde_json::Value::Bool(false),
                    _ => {}
                }
                if let Ok(integer) = text.parse::<i64>() {
                    return serde_json::Value::from(integer);
                }
                match text.parse::<f64>() {
                    Ok(float)
                        if float.is_finite() && !text.contains(|c: char| c.is_alphabetic()) =>
                    {
                        serde_json::Value::from(float)
                    }
                    _ => serde_json::Value::String(text.clone()),
                }
            }
            Value::Sequence(items) => items.iter().map(Node::to_json).collect(),
            Value::Mapping(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| {
                        (
                            key.as_scalar().unwrap_or_default().to_string(),
                            value.to_json(),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn position(span: &Span) -> Position {
    Position {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

/// A container being built.
enum Frame {
    Sequence {
        position: Position,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        position: Position,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Parses every document in `text`. Empty documents are skipped.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut node_count = 0usize;
    let mut finished: Option<Node> = None;

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|error| SyntaxError {
            position: Position {
                line: u32::try_from(error.marker().line()).unwrap_or(u32::MAX),
                column: u32::try_from(error.marker().col() + 1).unwrap_or(u32::MAX),
            },
            message: format!("YAML syntax error: {}", error.info()),
        })?;
        let here = position(&span);
        let completed: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                if let Some(root) = finished.take()
                    && !root.is_null()
                {
                    documents.push(root);
                }
                None
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or_else(|| SyntaxError {
                    position: here,
                    message: "alias refers to an unknown anchor".to_string(),
                })?;
                node_count = node_count.saturating_add(count_nodes(&node));
                Some((node, 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_string = tag.as_ref().is_some_and(|tag| tag.suffix == "str");
                let plain = matches!(style, ScalarStyle::Plain) && !tagged_string;
                if text.len() > MAX_SCALAR_BYTES {
                    return Err(SyntaxError {
                        position: here,
                        message: format!(
                            "a value of {} bytes is longer than the {MAX_SCALAR_BYTES} bytes a spec value may hold",
                            text.len()
                        ),
                    });
                }
                node_count += 1;
                Some((
                    Node {
                        position: here,
                        value: Value::Scalar {
                            text: text.into_owned(),
                            plain,
                        },
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Sequence {
                    position: here,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Mapping {
                    position: here,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Sequence {
                    position,
                    anchor,
                    items,
                }) => {
                    node_count += 1;
                    Some((
                        Node {
                            position,
                            value: Value::Sequence(items),
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(SyntaxError {
                        position: here,
                        message: "unbalanced sequence".into(),
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Mapping {
                    position,
                    anchor,
                    entries,
                    ..
                }) => {
                    node_count += 1;
                    Some((
                        Node {
                            position,
                            value: Value::Mapping(merge_keys(entries)?),
                        },
                        anchor,
                    ))
                }
                _ => {
                    return Err(SyntaxError {
                        position: here,
                        message: "unbalanced mapping".into(),
                    });
                }
            },
        };
        if stack.len() > MAX_DEPTH {
            return Err(SyntaxError {
                position: here,
                message: format!("nesting is too deep: more than {MAX_DEPTH} levels"),
            });
        }
        if node_count > MAX_NODES {
            return Err(SyntaxError {
                position: here,
                message: "document expands to too many nodes (alias bomb?)".into(),
            });
        }
        let Some((node, anchor)) = completed else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => finished = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                None => {
                    if !matches!(node.value, Value::Scalar { .. }) {
                        return Err(SyntaxError {
                            position: node.position,
                            message: "mapping keys must be plain strings".into(),
                        });
                    }
                    let name = node.as_scalar().unwrap_or_default();
                    if name != "<<"
                        && let Some((earlier, _)) = entries
                            .iter()
                            .find(|(existing, _)| existing.as_scalar() == Some(name))
                    {
                        return Err(SyntaxError {
                            position: node.position,
                            message: format!(
                                "duplicate key `{name}` (first at line {})",
                                earlier.position.line
                            ),
                        });
                    }
                    *key = Some(node);
                }
                Some(key_node) => entries.push((key_node, node)),
            },
        }
    }
    if let Some(root) = finished.take()
        && !root.is_null()
    {
        documents.push(root);
    }
    Ok(documents)
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        Value::Scalar { .. } => 1,
        Value::Sequence(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Mapping(entries) => {
            1 + entries
                .iter()
                .map(|(key, value)| count_nodes(key) + count_nodes(value))
                .sum::<usize>()
        }
    }
}

/// Applies YAML merge keys (`<<: *defaults`): entries of the merged mappings that the
/// mapping does not set itself are added after its own.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, SyntaxError> {
    if !entries.iter().any(|(key, _)| key.as_scalar() == Some("<<")) {
        return Ok(entries);
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (key, value) in entries {
        if key.as_scalar() != Some("<<") {
            own.push((key, value));
            continue;
        }
        let sources: Vec<Node> = match value.value {
            Value::Mapping(_) => vec![value],
            Value::Sequence(items) => items,
            _ => {
                return Err(SyntaxError {
                    position: value.position,
                    message: "`<<` must merge a mapping or a list of mappings".into(),
                });
            }
        };
        for source in sources {
            let Value::Mapping(source_entries) = source.value else {
                return Err(SyntaxError {
                    position: source.position,
                    message: "`<<` must merge a mapping or a list of mappings".into(),
                });
            };
            merged.extend(source_entries);
        }
    }
    for (key, value) in merged {
        let present = own
            .iter()
            .any(|(existing, _): &(Node, Node)| existing.as_scalar() == key.as_scalar());
        if !present {
            own.push((key, value));
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions() {
        let documents = parse_documents("a: 1\nb:\n  - x\n  - 'y'\n---\nc: {d: e}\n").unwrap();
        assert_eq!(documents.len(), 2);
        let first = &documents[0];
        let b = first.get("b").unwrap();
        assert_eq!(b.position, Position { line: 3, column: 3 });
        let items = b.as_sequence().unwrap();
        assert_eq!(items[1].position, Position { line: 4, column: 5 });
        assert_eq!(
            items[1].value,
            Value::Scalar {
                text: "y".into(),
                plain: false
            }
        );
        let d = documents[1].get("c").unwrap().get("d").unwrap();
        assert_eq!(d.position, Position { line: 6, column: 8 });
    }

    #[test]
    fn reads_json() {
        let documents = parse_documents("{\"a\": [1, 2.5, \"x\"], \"b\": null}").unwrap();
        assert_eq!(
            documents[0].to_json(),
            serde_json::json!({"a": [1, 2.5, "x"], "b": null})
        );
    }

    #[test]
    fn refuses_duplicate_keys() {
        let error = parse_documents("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(error.position, Position { line: 3, column: 1 });
        assert!(
            error
                .message
                .contains("duplicate key `a` (first at line 1)")
        );
    }

    #[test]
    fn expands_aliases_and_merge_keys() {
        let documents =
            parse_documents("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\ncopy: *b\n").unwrap();
        let thing = documents[0].get("thing").unwrap();
        assert_eq!(thing.to_json(), serde_json::json!({"y": 3, "x": 1}));
        assert_eq!(
            documents[0].get("copy").unwrap().to_json(),
            serde_json::json!({"x": 1, "y": 2})
        );
    }

    #[test]
    fn stops_alias_bombs() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let error = parse_documents(&text).unwrap_err();
        assert!(error.message.contains("too many nodes"), "{error:?}");
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let error = parse_documents("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(error.message.starts_with("YAML syntax error"));
        assert!(error.position.line >= 1);
    }

    #[test]
    fn skips_empty_documents() {
        assert!(parse_documents("").unwrap().is_empty());
        assert!(
            parse_documents("---\n---\n# only a comment\n")
                .unwrap()
                .is_empty()
        );
    }
}
