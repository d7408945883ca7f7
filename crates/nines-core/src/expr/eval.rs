//! Evaluation of filter expressions over an event's JSON attributes.
//!
//! Values borrow from the event where they can: evaluating `route == "/checkout"` reads the
//! event's string in place, so filters cost no allocation on the ingestion path.

use std::borrow::Cow;
use std::fmt;

use super::{BinaryOp, Expr, Function};

/// A value produced by an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, or JSON null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Value>),
    /// A JSON object (only ever read, never built by expressions).
    Map(serde_json::Map<String, serde_json::Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => formatter.write_str("null"),
            Value::Bool(value) => write!(formatter, "{value}"),
            Value::Int(value) => write!(formatter, "{value}"),
            Value::Float(value) => write!(formatter, "{value}"),
            Value::Str(value) => write!(formatter, "{value:?}"),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(formatter, "[{}]", items.join(", "))
            }
            Value::Map(_) => formatter.write_str("{...}"),
        }
    }
}

/// A value during evaluation, borrowing from the expression or the event.
#[derive(Clone, Debug)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    List(Vec<Val<'a>>),
    Json(&'a serde_json::Value),
}

type Outcome<'a> = Result<Val<'a>, String>;

/// Evaluates `expr` over `event`; errors say why (missing attribute, type mismatch).
pub(super) fn eval(expr: &Expr, event: &serde_json::Value) -> Result<Value, String> {
    evaluate(expr, event).map(into_owned)
}

fn into_owned(value: Val<'_>) -> Value {
    match value {
        Val::Null => Value::Null,
        Val::Bool(value) => Value::Bool(value),
        Val::Int(value) => Value::Int(value),
        Val::Float(value) => Value::Float(value),
        Val::Str(text) => Value::Str(text.into_owned()),
        Val::List(items) => Value::List(items.into_iter().map(into_owned).collect()),
        Val::Json(json) => match json {
            serde_json::Value::Array(items) => Value::List(
                items
                    .iter()
                    .map(|item| into_owned(from_json(item)))
                    .collect(),
            ),
            serde_json::Value::Object(map) => Value::Map(map.clone()),
            other => into_owned(from_json(other)),
        },
    }
}

fn literal(value: &Value) -> Val<'_> {
    match value {
        Value::Null => Val::Null,
        Value::Bool(value) => Val::Bool(*value),
        Value::Int(value) => Val::Int(*value),
        Value::Float(value) => Val::Float(*value),
        Value::Str(text) => Val::Str(Cow::Borrowed(text)),
        Value::List(items) => Val::List(items.iter().map(literal).collect()),
        Value::Map(_) => Val::Null,
    }
}

fn from_json(json: &serde_json::Value) -> Val<'_> {
    match json {
        serde_json::Value::Null => Val::Null,
        serde_json::Value::Bool(value) => Val::Bool(*value),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(value) => Val::Int(value),
            None => Val::Float(number.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(text) => Val::Str(Cow::Borrowed(text)),
        other => Val::Json(other),
    }
}

fn lookup<'a>(event: &'a serde_json::Value, path: &[String]) -> Option<&'a serde_json::Value> {
    let mut current = event;
    for segment in path {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

fn type_name(value: &Val<'_>) -> &'static str {
    match value {
        Val::Null => "null",
        Val::Bool(_) => "bool",
        Val::Int(_) => "int",
        Val::Float(_) => "double",
        Val::Str(_) => "string",
        Val::List(_) => "list",
        Val::Json(serde_json::Value::Array(_)) => "list",
        Val::Json(_) => "map",
    }
}

fn evaluate<'a>(expr: &'a Expr, event: &'a serde_json::Value) -> Outcome<'a> {
    match expr {
        Expr::Literal(value) => Ok(literal(value)),
        Expr::List(items) => items
            .iter()
            .map(|item| evaluate(item, event))
            .collect::<Result<_, _>>()
            .map(Val::List),
        Expr::Path(path) => lookup(event, path)
            .map(from_json)
            .ok_or_else(|| format!("no attribute `{}`", path.join("."))),
        Expr::Not(inner) => match evaluate(inner, event)? {
            Val::Bool(value) => Ok(Val::Bool(!value)),
            other => Err(format!("`!` needs a bool, found {}", type_name(&other))),
        },
        Expr::Negate(inner) => match evaluate(inner, event)? {
            Val::Int(value) => value
                .checked_neg()
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            Val::Float(value) => Ok(Val::Float(-value)),
            other => Err(format!("`-` needs a number, found {}", type_name(&other))),
        },
        // CEL's commutative error handling: a decided side wins over an error. The right
        // side is only evaluated when the left one does not decide.
        Expr::And(left, right) => match as_bool(evaluate(left, event)) {
            Ok(false) => Ok(Val::Bool(false)),
            Ok(true) => as_bool(evaluate(right, event)).map(Val::Bool),
            Err(problem) => match as_bool(evaluate(right, event)) {
                Ok(false) => Ok(Val::Bool(false)),
                _ => Err(problem),
            },
        },
        Expr::Or(left, right) => match as_bool(evaluate(left, event)) {
            Ok(true) => Ok(Val::Bool(true)),
            Ok(false) => as_bool(evaluate(right, event)).map(Val::Bool),
            Err(problem) => match as_bool(evaluate(right, event)) {
                Ok(true) => Ok(Val::Bool(true)),
                _ => Err(problem),
            },
        },
        Expr::Binary(op, left, right) => {
            binary(*op, evaluate(left, event)?, evaluate(right, event)?)
        }
        Expr::Matches(target, regex) => match evaluate(target, event)? {
            Val::Str(text) => Ok(Val::Bool(regex.is_match(&text))),
            other => Err(format!(
                "matches() needs a string, found {}",
                type_name(&other)
            )),
        },
        Expr::Call {
            function,
            target,
            args,
        } => call(*function, target.as_deref(), args, event),
    }
}

fn as_bool(outcome: Outcome<'_>) -> Result<bool, String> {
    match outcome? {
        Val::Bool(value) => Ok(value),
        other => Err(format!("expected a bool, found {}", type_name(&other))),
    }
}

fn number(value: &Val<'_>) -> Option<f64> {
    match value {
        Val::Int(value) => Some(*value as f64),
        Val::Float(value) => Some(*value),
        _ => None,
    }
}

fn equal(left: &Val<'_>, right: &Val<'_>) -> bool {
    match (left, right) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Int(a), Val::Int(b)) => a == b,
        (Val::Str(a), Val::Str(b)) => a == b,
        (Val::List(a), Val::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Val::Json(a), Val::Json(b)) => a == b,
        _ => match (number(left), number(right)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
    }
}

fn binary<'a>(op: BinaryOp, left: Val<'a>, right: Val<'a>) -> Outcome<'a> {
    let mismatch = |left: &Val<'_>, right: &Val<'_>, what: &str| {
        Err(format!(
            "cannot {what} {} and {}",
            type_name(left),
            type_name(right)
        ))
    };
    match op {
        BinaryOp::Eq => Ok(Val::Bool(equal(&left, &right))),
        BinaryOp::Ne => Ok(Val::Bool(!equal(&left, &right))),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let ordering = match (&left, &right) {
                (Val::Str(a), Val::Str(b)) => a.as_ref().partial_cmp(b.as_ref()),
                (Val::Int(a), Val::Int(b)) => a.partial_cmp(b),
                _ => match (number(&left), number(&right)) {
                    (Some(a), Some(b)) => a.partial_cmp(&b),
                    _ => return mismatch(&left, &right, "compare"),
                },
            };
            let Some(ordering) = ordering else {
                return Ok(Val::Bool(false));
            };
            Ok(Val::Bool(match op {
                BinaryOp::Lt => ordering.is_lt(),
                BinaryOp::Le => ordering.is_le(),
                BinaryOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }))
        }
        BinaryOp::In => match &right {
            Val::List(items) => Ok(Val::Bool(items.iter().any(|item| equal(&left, item)))),
            Val::Json(serde_json::Value::Array(items)) => Ok(Val::Bool(
                items.iter().any(|item| equal(&left, &from_json(item))),
            )),
            Val::Json(serde_json::Value::Object(map)) => match &left {
                Val::Str(key) => Ok(Val::Bool(map.contains_key(key.as_ref()))),
                _ => mismatch(&left, &right, "look up"),
            },
            Val::Str(haystack) => match &left {
                Val::Str(needle) => Ok(Val::Bool(haystack.contains(needle.as_ref()))),
                _ => mismatch(&left, &right, "search"),
            },
            _ => mismatch(&left, &right, "search"),
        },
        BinaryOp::Add => match (&left, &right) {
            (Val::Int(a), Val::Int(b)) => a
                .checked_add(*b)
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            (Val::Str(a), Val::Str(b)) => Ok(Val::Str(Cow::Owned(format!("{a}{b}")))),
            _ => arithmetic(&left, &right, |a, b| a + b, "add"),
        },
        BinaryOp::Sub => match (&left, &right) {
            (Val::Int(a), Val::Int(b)) => a
                .checked_sub(*b)
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            _ => arithmetic(&left, &right, |a, b| a - b, "subtract"),
        },
        BinaryOp::Mul => match (&left, &right) {
            (Val::Int(a), Val::Int(b)) => a
                .checked_mul(*b)
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            _ => arithmetic(&left, &right, |a, b| a * b, "multiply"),
        },
        BinaryOp::Div => match (&left, &right) {
            (_, Val::Int(0)) => Err("division by zero".into()),
            (Val::Int(a), Val::Int(b)) => a
                .checked_div(*b)
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            _ => arithmetic(&left, &right, |a, b| a / b, "divide"),
        },
        BinaryOp::Rem => match (&left, &right) {
            (Val::Int(_), Val::Int(0)) => Err("division by zero".into()),
            (Val::Int(a), Val::Int(b)) => a
                .checked_rem(*b)
                .map(Val::Int)
                .ok_or_else(|| "overflow".into()),
            _ => mismatch(&left, &right, "take the remainder of"),
        },
    }
}

fn arithmetic<'a>(
    left: &Val<'_>,
    right: &Val<'_>,
    apply: fn(f64, f64) -> f64,
    what: &str,
) -> Outcome<'a> {
    match (number(left), number(right)) {
        (Some(a), Some(b)) => {
            let result = apply(a, b);
            if result.is_finite() {
                Ok(Val::Float(result))
            } else {
                Err("not a finite number".into())
            }
        }
        _ => Err(format!(
            "cannot {what} {} and {}",
            type_name(left),
            type_name(right)
        )),
    }
}

fn call<'a>(
    function: Function,
    target: Option<&'a Expr>,
    args: &'a [Expr],
    event: &'a serde_json::Value,
) -> Outcome<'a> {
    if function == Function::Has {
        let Some(Expr::Path(path)) = args.first() else {
            return Ok(Val::Bool(false));
        };
        return Ok(Val::Bool(lookup(event, path).is_some()));
    }
    let argument = match args.first() {
        Some(arg) => evaluate(arg, event)?,
        None => Val::Null,
    };
    match function {
        Function::StartsWith | Function::EndsWith | Function::Contains => {
            let subject = match target.map(|target| evaluate(target, event)).transpose()? {
                Some(Val::Str(text)) => text,
                Some(other) => {
                    return Err(format!("expected a string, found {}", type_name(&other)));
                }
                None => return Err("missing receiver".into()),
            };
            let Val::Str(needle) = argument else {
                return Err(format!(
                    "expected a string argument, found {}",
                    type_name(&argument)
                ));
            };
            Ok(Val::Bool(match function {
                Function::StartsWith => subject.starts_with(needle.as_ref()),
                Function::EndsWith => subject.ends_with(needle.as_ref()),
                _ => subject.contains(needle.as_ref()),
            }))
        }
        Function::Size => match &argument {
            Val::Str(text) => Ok(Val::Int(text.chars().count() as i64)),
            Val::List(items) => Ok(Val::Int(items.len() as i64)),
            Val::Json(serde_json::Value::Array(items)) => Ok(Val::Int(items.len() as i64)),
            Val::Json(serde_json::Value::Object(map)) => Ok(Val::Int(map.len() as i64)),
            other => Err(format!(
                "size() needs a string or list, found {}",
                type_name(other)
            )),
        },
        Function::Int => match &argument {
            Val::Int(value) => Ok(Val::Int(*value)),
            Val::Float(value) if value.is_finite() && value.abs() < 9.2e18 => {
                Ok(Val::Int(*value as i64))
            }
            Val::Str(text) => text
                .trim()
                .parse()
                .map(Val::Int)
                .map_err(|_| format!("int({text:?}) is not a number")),
            Val::Bool(value) => Ok(Val::Int(i64::from(*value))),
            other => Err(format!("int() cannot convert {}", type_name(other))),
        },
        Function::Double => match &argument {
            Val::Int(value) => Ok(Val::Float(*value as f64)),
            Val::Float(value) => Ok(Val::Float(*value)),
            Val::Str(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|value| value.is_finite())
                .map(Val::Float)
                .ok_or_else(|| format!("double({text:?}) is not a number")),
            other => Err(format!("double() cannot convert {}", type_name(other))),
        },
        Function::String => Ok(Val::Str(Cow::Owned(match &argument {
            Val::Str(text) => text.to_string(),
            other => into_owned(other.clone()).to_string(),
        }))),
        Function::Has => Ok(Val::Bool(false)),
    }
}
