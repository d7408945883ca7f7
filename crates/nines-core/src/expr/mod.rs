//! Event filters: a small expression language in CEL's syntax.
//!
//! An SLI for the embedded store says which raw events are valid and which are good with
//! expressions such as
//!
//! ```text
//! route == "/api/checkout" && method in ["POST", "PUT"]
//! status < 500 && !(path.startsWith("/health"))
//! user_agent.matches("^Mozilla/") || attributes["x-canary"] == "true"
//! ```
//!
//! Supported: literals (integers, floats, strings in single or double quotes, `true`,
//! `false`, `null`, lists), attribute paths (`a.b`, `a["key"]`), arithmetic (`+ - * / %`),
//! comparisons (`== != < <= > >=`), `in` (list membership, substring), `!`, `&&`, `||`,
//! parentheses, methods `matches`, `startsWith`, `endsWith`, `contains`, and functions
//! `has(path)`, `size(x)`, `int(x)`, `double(x)`, `string(x)`, `matches(x, re)`.
//!
//! Evaluation follows CEL where it matters for filters: a missing attribute or a type
//! mismatch is an error value; `&&` and `||` absorb errors when the other side decides
//! (`false && error` is false), and a filter whose result is an error does not match.

mod eval;
mod parse;

use std::fmt;

pub use eval::Value;
pub use parse::ParseError;

/// A parsed filter expression, kept with its source text.
#[derive(Clone)]
pub struct Filter {
    source: String,
    root: Expr,
}

impl Filter {
    /// Parses `source`. Errors carry the byte offset of the problem.
    pub fn parse(source: &str) -> Result<Filter, ParseError> {
        let root = parse::parse(source)?;
        Ok(Filter {
            source: source.to_string(),
            root,
        })
    }
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// True when the event matches. `event` is a JSON object of attributes.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        matches!(eval::eval(&self.root, event), Ok(Value::Bool(true)))
    }
    /// Evaluates to a value, for tests and for `nines` commands that explain a filter.
    pub fn evaluate(&self, event: &serde_json::Value) -> Result<Value, String> {
        eval::eval(&self.root, event)
    }
    /// The attribute paths the expression reads (their first segment), for validation.
    pub fn attributes(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.root.collect_attributes(&mut names);
        names.sort();
        names.dedup();
        names
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Filter({:?})", self.source)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.source)
    }
}

/// The syntax tree.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Literal(Value),
    List(Vec<Expr>),
    /// An attribute path: `a.b["c"]`.
    Path(Vec<String>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `target.method(args)` or `function(args)` (target `None`).
    Call {
        function: Function,
        target: Option<Box<Expr>>,
        args: Vec<Expr>,
    },
    /// A regex match with the pattern compiled once at parse time.
    Matches(Box<Expr>, Box<regex::Regex>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    Has,
    Size,
    Int,
    Double,
    String,
    StartsWith,
    EndsWith,
    Contains,
}

impl Expr {
    fn collect_attributes(&self, names: &mut Vec<String>) {
        match self {
            Expr::Literal(_) => {}
            Expr::List(items) => items.iter().for_each(|item| item.collect_attributes(names)),
            Expr::Path(path) => names.extend(path.first().cloned()),
            Expr::Not(inner) | Expr::Negate(inner) | Expr::Matches(inner, _) => {
                inner.collect_attributes(names)
            }
            Expr::Binary(_, left, right) | Expr::And(left, right) | Expr::Or(left, right) => {
                left.collect_attributes(names);
                right.collect_attributes(names);
            }
            Expr::Call { target, args, .. } => {
                if let Some(target) = target {
                    target.collect_attributes(names);
                }
                args.iter().for_each(|arg| arg.collect_attributes(names));
            }
        }
    }
}

#[cfg(test)]
mod tests;
