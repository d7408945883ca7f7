//! Tokenizer and recursive-descent parser for filter expressions.

use super::{BinaryOp, Expr, Function, Value};

/// A syntax error at a byte offset of the expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", .offset + 1)]
pub struct ParseError {
    /// Byte offset into the expression.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Deepest nesting accepted (parentheses, `!`, `-`, calls): a guard against stack overflow
/// on hostile input; the parser recurses about eight calls per level.
const MAX_DEPTH: usize = 64;
/// Deepest expression tree accepted: nesting plus the length of operator chains along the
/// way (`a || b || c` is a tree two deep). The evaluator recurses once per level, so this
/// bounds its stack too; 256 is far beyond any filter a person writes (a long list of
/// alternatives is `x in [...]`).
const MAX_TREE_DEPTH: usize = 256;
/// Longest expression accepted; filters are one line, this is generous.
const MAX_LENGTH: usize = 16 * 1024;
/// Largest compiled regex, so a pattern cannot take unbounded memory.
const MAX_REGEX_SIZE: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Not,
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    End,
}

fn error(offset: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        offset,
        message: message.into(),
    }
}

fn tokenize(source: &str) -> Result<Vec<(Token, usize)>, ParseError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let byte = bytes[index];
        if byte.is_ascii_whitespace() {
            index += 1;
            continue;
        }
        let two = |next: u8| bytes.get(index + 1) == Some(&next);
        let (token, length) = match byte {
            b'(' => (Token::LParen, 1),
            b')' => (Token::RParen, 1),
            b'[' => (Token::LBracket, 1),
            b']' => (Token::RBracket, 1),
            b',' => (Token::Comma, 1),
            b'+' => (Token::Plus, 1),
            b'-' => (Token::Minus, 1),
            b'*' => (Token::Star, 1),
            b'/' => (Token::Slash, 1),
            b'%' => (Token::Percent, 1),
            b'&' if two(b'&') => (Token::And, 2),
            b'|' if two(b'|') => (Token::Or, 2),
            b'=' if two(b'=') => (Token::Eq, 2),
            b'!' if two(b'=') => (Token::Ne, 2),
            b'!' => (Token::Not, 1),
            b'<' if two(b'=') => (Token::Le, 2),
            b'<' => (Token::Lt, 1),
            b'>' if two(b'=') => (Token::Ge, 2),
            b'>' => (Token::Gt, 1),
            b'&' => return Err(error(start, "`&` is not an operator: use `&&`")),
            b'|' => return Err(error(start, "`|` is not an operator: use `||`")),
            b'=' => return Err(error(start, "`=` is not an operator: use `==` to compare")),
            b'"' | b'\'' => {
                let (text, length) = read_string(source, start)?;
                tokens.push((Token::Str(text), start));
                index += length;
                continue;
            }
            b'.' if !bytes.get(index + 1).is_some_and(u8::is_ascii_digit) => (Token::Dot, 1),
            b'0'..=b'9' | b'.' => {
                let (token, length) = read_number(source, start)?;
                tokens.push((token, start));
                index += length;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut end = index;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                (Token::Ident(source[index..end].to_string()), end - index)
            }
            _ => {
                let character = source[index..].chars().next().unwrap_or('?');
                return Err(error(start, format!("unexpected character `{character}`")));
            }
        };
        tokens.push((token, start));
        index += length;
    }
    tokens.push((Token::End, source.len()));
    Ok(tokens)
}

fn read_string(source: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut characters = source[start..].char_indices();
    let (_, quote) = characters.next().unwrap_or((0, '"'));
    let mut text = String::new();
    while let Some((offset, character)) = characters.next() {
        match character {
            c if c == quote => return Ok((text, offset + 1)),
            '\\' => {
                let Some((escape_offset, escaped)) = characters.next() else {
                    break;
                };
                text.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' | '"' | '\'' => escaped,
                    other => {
                        return Err(error(
                            start + escape_offset,
                            format!("unknown escape `\\{other}` in string"),
                        ));
                    }
                });
            }
            other => text.push(other),
        }
    }
    Err(error(start, "string is not closed: add the closing quote"))
}

fn read_number(source: &str, start: usize) -> Result<(Token, usize), ParseError> {
    let bytes = source.as_bytes();
    let mut end = start;
    let mut is_float = false;
    while end < bytes.len() {
        match bytes[end] {
            b'0'..=b'9' => end += 1,
            b'.' if !is_float && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                is_float = true;
                end += 1;
            }
            b'e' | b'E' => {
                is_float = true;
                end += 1;
                if matches!(bytes.get(end), Some(b'+' | b'-')) {
                    end += 1;
                }
            }
            _ => break,
        }
    }
    let text = &source[start..end];
    let token = if is_float {
        let value: f64 = text
            .parse()
            .map_err(|_| error(start, format!("`{text}` is not a number")))?;
        if !value.is_finite() {
            return Err(error(start, format!("`{text}` is too large")));
        }
        Token::Float(value)
    } else {
        Token::Int(
            text.parse()
                .map_err(|_| error(start, format!("`{text}` is too large")))?,
        )
    };
    Ok((token, end - start))
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    position: usize,
    depth: usize,
    tree_depth: usize,
}

/// Parses a whole expression.
pub(super) fn parse(source: &str) -> Result<Expr, ParseError> {
    if source.len() > MAX_LENGTH {
        return Err(error(MAX_LENGTH, "expression is longer than 16 KiB"));
    }
    if source.trim().is_empty() {
        return Err(error(
            0,
            "empty expression: write a condition such as `status < 500`",
        ));
    }
    let mut parser = Parser {
        tokens: tokenize(source)?,
        position: 0,
        depth: 0,
        tree_depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        Token::End => Ok(expr),
        token => Err(error(
            parser.offset(),
            format!("unexpected {}", describe(token)),
        )),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Int(value) => format!("number `{value}`"),
        Token::Float(value) => format!("number `{value}`"),
        Token::Str(text) => format!("string {text:?}"),
        Token::Ident(name) => format!("`{name}`"),
        Token::End => "end of expression".to_string(),
        other => format!("`{}`", symbol(other)),
    }
}

fn symbol(token: &Token) -> &'static str {
    match token {
        Token::LParen => "(",
        Token::RParen => ")",
        Token::LBracket => "[",
        Token::RBracket => "]",
        Token::Comma => ",",
        Token::Dot => ".",
        Token::Not => "!",
        Token::And => "&&",
        Token::Or => "||",
        Token::Eq => "==",
        Token::Ne => "!=",
        Token::Lt => "<",
        Token::Le => "<=",
        Token::Gt => ">",
        Token::Ge => ">=",
        Token::Plus => "+",
        Token::Minus => "-",
        Token::Star => "*",
        Token::Slash => "/",
        Token::Percent => "%",
        _ => "?",
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.position].0
    }
    fn offset(&self) -> usize {
        self.tokens[self.position].1
    }
    fn advance(&mut self) -> Token {
        let token = self.tokens[self.position].0.clone();
        if self.position + 1 < self.tokens.len() {
            self.position += 1;
        }
        token
    }
    fn expect(&mut self, expected: Token, context: &str) -> Result<(), ParseError> {
        if *self.peek() == expected {
            self.advance();
            Ok(())
        } else {
            Err(error(
                self.offset(),
                format!(
                    "expected `{}` {context}, found {}",
                    symbol(&expected),
                    describe(self.peek())
                ),
            ))
        }
    }
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                self.offset(),
                format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.link()
    }
    fn leave(&mut self) {
        self.depth -= 1;
        self.tree_depth -= 1;
    }
    /// One more level in the tree being built: an operator joined to a chain.
    fn link(&mut self) -> Result<(), ParseError> {
        self.tree_depth += 1;
        if self.tree_depth > MAX_TREE_DEPTH {
            return Err(error(
                self.offset(),
                format!(
                    "expression is too deep: more than {MAX_TREE_DEPTH} operators chained or nested; split the condition, or use `x in [...]` for alternatives"
                ),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut left = self.and()?;
        let mut links = 0;
        while *self.peek() == Token::Or {
            self.link()?;
            links += 1;
            self.advance();
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.tree_depth -= links;
        self.leave();
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.comparison()?;
        let mut links = 0;
        while *self.peek() == Token::And {
            self.link()?;
            links += 1;
            self.advance();
            let right = self.comparison()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        self.tree_depth -= links;
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Token::Eq => BinaryOp::Eq,
            Token::Ne => BinaryOp::Ne,
            Token::Lt => BinaryOp::Lt,
            Token::Le => BinaryOp::Le,
            Token::Gt => BinaryOp::Gt,
            Token::Ge => BinaryOp::Ge,
            Token::Ident(word) if word == "in" => BinaryOp::In,
            _ => return Ok(left),
        };
        self.advance();
        let right = self.additive()?;
        if matches!(
            self.peek(),
            Token::Eq | Token::Ne | Token::Lt | Token::Le | Token::Gt | Token::Ge
        ) {
            return Err(error(
                self.offset(),
                "comparisons cannot be chained: join them with `&&`",
            ));
        }
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        let mut links = 0;
        loop {
            let op = match self.peek() {
                Token::Plus => BinaryOp::Add,
                Token::Minus => BinaryOp::Sub,
                _ => break,
            };
            self.link()?;
            links += 1;
            self.advance();
            let right = self.multiplicative()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.tree_depth -= links;
        Ok(left)
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        let mut links = 0;
        loop {
            let op = match self.peek() {
                Token::Star => BinaryOp::Mul,
                Token::Slash => BinaryOp::Div,
                Token::Percent => BinaryOp::Rem,
                _ => break,
            };
            self.link()?;
            links += 1;
            self.advance();
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.tree_depth -= links;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Token::Not => {
                self.advance();
                self.enter()?;
                let inner = self.unary()?;
                self.leave();
                Ok(Expr::Not(Box::new(inner)))
            }
            Token::Minus => {
                self.advance();
                self.enter()?;
                let inner = self.unary()?;
                self.leave();
                Ok(Expr::Negate(Box::new(inner)))
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut expr = self.primary()?;
        let mut links = 0;
        loop {
            match self.peek() {
                Token::Dot => {
                    self.advance();
                    let name_offset = self.offset();
                    let Token::Ident(name) = self.advance() else {
                        return Err(error(name_offset, "expected a name after `.`"));
                    };
                    if *self.peek() == Token::LParen {
                        self.link()?;
                        links += 1;
                        expr = self.method(expr, &name, name_offset)?;
                    } else if let Expr::Path(mut path) = expr {
                        path.push(name);
                        expr = Expr::Path(path);
                    } else {
                        return Err(error(name_offset, "only attributes have fields"));
                    }
                }
                Token::LBracket => {
                    let offset = self.offset();
                    self.advance();
                    let key_offset = self.offset();
                    let Token::Str(key) = self.advance() else {
                        return Err(error(key_offset, "expected a quoted key inside `[...]`"));
                    };
                    self.expect(Token::RBracket, "after the key")?;
                    let Expr::Path(mut path) = expr else {
                        return Err(error(offset, "only attributes can be indexed"));
                    };
                    path.push(key);
                    expr = Expr::Path(path);
                }
                _ => {
                    self.tree_depth -= links;
                    return Ok(expr);
                }
            }
        }
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, ParseError> {
        self.expect(Token::LParen, "to open the arguments")?;
        let mut args = Vec::new();
        if *self.peek() != Token::RParen {
            loop {
                args.push(self.or()?);
                if *self.peek() == Token::Comma {
                    self.advance();
                } else {
                    break;
                }
            }
        }
        self.expect(Token::RParen, "to close the arguments")?;
        Ok(args)
    }

    fn method(&mut self, target: Expr, name: &str, offset: usize) -> Result<Expr, ParseError> {
        let args_offset = self.offset();
        let mut args = self.arguments()?;
        let function = match name {
            "matches" => {
                let pattern = single_string_argument(&mut args, name, args_offset)?;
                return Ok(Expr::Matches(
                    Box::new(target),
                    compile_regex(&pattern, args_offset)?,
                ));
            }
            "startsWith" => Function::StartsWith,
            "endsWith" => Function::EndsWith,
            "contains" => Function::Contains,
            "size" => {
                expect_arguments(&args, 0, name, args_offset)?;
                return Ok(Expr::Call {
                    function: Function::Size,
                    target: None,
                    args: vec![target],
                });
            }
            other => {
                return Err(error(
                    offset,
                    format!(
                        "unknown method `{other}`: use matches, startsWith, endsWith, contains or size"
                    ),
                ));
            }
        };
        expect_arguments(&args, 1, name, args_offset)?;
        Ok(Expr::Call {
            function,
            target: Some(Box::new(target)),
            args,
        })
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let offset = self.offset();
        match self.advance() {
            Token::Int(value) => Ok(Expr::Literal(Value::Int(value))),
            Token::Float(value) => Ok(Expr::Literal(Value::Float(value))),
            Token::Str(text) => Ok(Expr::Literal(Value::Str(text))),
            Token::LParen => {
                let inner = self.or()?;
                self.expect(Token::RParen, "to close `(`")?;
                Ok(inner)
            }
            Token::LBracket => {
                let mut items = Vec::new();
                if *self.peek() != Token::RBracket {
                    loop {
                        items.push(self.or()?);
                        if *self.peek() == Token::Comma {
                            self.advance();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(Token::RBracket, "to close the list")?;
                Ok(Expr::List(items))
            }
            Token::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Literal(Value::Bool(true))),
                "false" => Ok(Expr::Literal(Value::Bool(false))),
                "null" => Ok(Expr::Literal(Value::Null)),
                "in" => Err(error(offset, "`in` needs a value on its left")),
                _ if *self.peek() == Token::LParen => self.function(&name, offset),
                _ => Ok(Expr::Path(vec![name])),
            },
            Token::End => Err(error(offset, "expression ends too early")),
            token => Err(error(offset, format!("unexpected {}", describe(&token)))),
        }
    }

    fn function(&mut self, name: &str, offset: usize) -> Result<Expr, ParseError> {
        let args_offset = self.offset();
        let mut args = self.arguments()?;
        let function = match name {
            "matches" => {
                expect_arguments(&args, 2, name, args_offset)?;
                let pattern_expr = args.pop();
                let Some(Expr::Literal(Value::Str(pattern))) = pattern_expr else {
                    return Err(error(
                        args_offset,
                        "the pattern of matches() must be a string",
                    ));
                };
                let target = args.pop().unwrap_or(Expr::Literal(Value::Null));
                return Ok(Expr::Matches(
                    Box::new(target),
                    compile_regex(&pattern, args_offset)?,
                ));
            }
            "has" => {
                expect_arguments(&args, 1, name, args_offset)?;
                if !matches!(args[0], Expr::Path(_)) {
                    return Err(error(
                        args_offset,
                        "has() takes an attribute, such as has(user.id)",
                    ));
                }
                Function::Has
            }
            "size" => Function::Size,
            "int" => Function::Int,
            "double" => Function::Double,
            "string" => Function::String,
            other => {
                return Err(error(
                    offset,
                    format!(
                        "unknown function `{other}`: use has, size, int, double, string or matches"
                    ),
                ));
            }
        };
        expect_arguments(&args, 1, name, args_offset)?;
        Ok(Expr::Call {
            function,
            target: None,
            args,
        })
    }
}

fn expect_arguments(
    args: &[Expr],
    count: usize,
    name: &str,
    offset: usize,
) -> Result<(), ParseError> {
    if args.len() == count {
        Ok(())
    } else {
        Err(error(
            offset,
            format!("{name}() takes {count} argument(s), found {}", args.len()),
        ))
    }
}

fn single_string_argument(
    args: &mut Vec<Expr>,
    name: &str,
    offset: usize,
) -> Result<String, ParseError> {
    expect_arguments(args, 1, name, offset)?;
    match args.pop() {
        Some(Expr::Literal(Value::Str(text))) => Ok(text),
        _ => Err(error(
            offset,
            format!("the argument of {name}() must be a string"),
        )),
    }
}

fn compile_regex(pattern: &str, offset: usize) -> Result<Box<regex::Regex>, ParseError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX_SIZE)
        .build()
        .map(Box::new)
        .map_err(|problem| {
            let detail = problem.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .to_string();
            error(
                offset,
                format!("invalid regular expression {pattern:?}: {last}"),
            )
        })
}
