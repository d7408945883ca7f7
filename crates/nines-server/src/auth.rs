//! Bearer tokens: writes always need one (unless the operator said
//! `--insecure-no-auth`), reads only when a read token is configured.
//!
//! Tokens are compared in constant time ([`subtle`]), so response timing does not reveal
//! how much of a guess was right.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// A secret token. Its `Debug` form hides it.
#[derive(Clone)]
pub struct Token(Box<[u8]>);

impl std::fmt::Debug for Token {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Token(***)")
    }
}

/// Shortest token accepted: 16 characters.
pub const MIN_TOKEN_LENGTH: usize = 16;

impl Token {
    /// A token from text (surrounding whitespace, such as a file's final newline, is
    /// ignored). Refuses tokens shorter than [`MIN_TOKEN_LENGTH`] or with characters
    /// that cannot travel in a header.
    pub fn new(text: &str) -> Result<Token, String> {
        let text = text.trim();
        if text.len() < MIN_TOKEN_LENGTH {
            return Err(format!(
                "a token must have at least {MIN_TOKEN_LENGTH} characters (this one has {})",
                text.len()
            ));
        }
        if !text.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err("a token may only hold visible ASCII characters".to_string());
        }
        Ok(Token(text.as_bytes().into()))
    }

    /// A fresh random token: 32 hex characters from the operating system's randomness.
    pub fn generate() -> std::io::Result<Token> {
        let mut bytes = [0u8; 16];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        let text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(Token(text.into_bytes().into()))
    }

    /// The token's text, to print once (the demo shows the token it generated).
    pub fn reveal(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Constant-time comparison with what a client presented.
    pub fn matches(&self, presented: &[u8]) -> bool {
        // Lengths are not secret; contents are compared without early exit.
        self.0.len() == presented.len() && bool::from(self.0.ct_eq(presented))
    }
}

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read statuses.
    Read,
    /// Ingest or reload.
    Write,
}

/// Who may do what.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    /// Token for writes (also good for reads).
    pub write: Option<Token>,
    /// Token for reads; reads are open without one.
    pub read: Option<Token>,
    /// Accept writes without a token (only with `--insecure-no-auth`).
    pub insecure_no_auth: bool,
}

fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let scheme = value.get(..7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| value[7..].trim_ascii())
}

/// The read token a browser keeps in the dashboard's cookie (`nines_token=`), if any.
fn cookie_token(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .flat_map(|value| value.as_bytes().split(|byte| *byte == b';'))
        .map(<[u8]>::trim_ascii)
        .find_map(|pair| {
            pair.strip_prefix(nines_dashboard::TOKEN_COOKIE.as_bytes())
                .and_then(|rest| rest.strip_prefix(b"="))
        })
}

impl Auth {
    /// Lets a dashboard page (a `GET`) through: as [`Auth::check`] for reads, and also
    /// with the read or write token in the dashboard's `HttpOnly`, `SameSite=Strict`
    /// cookie. Only pages accept the cookie; the API keeps to bearer tokens.
    pub fn may_read_page(&self, headers: &HeaderMap) -> bool {
        if self.check(Access::Read, headers).is_ok() {
            return true;
        }
        cookie_token(headers).is_some_and(|presented| self.token_reads(presented))
    }

    /// True when `presented` is the read or the write token (the dashboard's form).
    pub fn token_reads(&self, presented: &[u8]) -> bool {
        [&self.read, &self.write]
            .into_iter()
            .flatten()
            .any(|token| token.matches(presented))
    }

    /// Lets the request through or says why not (401 without or with a wrong token, 403
    /// when writes are disabled).
    pub fn check(&self, access: Access, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = bearer(headers);
        let accepted = |token: &Option<Token>| {
            token
                .as_ref()
                .zip(presented)
                .is_some_and(|(token, presented)| token.matches(presented))
        };
        match access {
            Access::Write => {
                if self.write.is_none() {
                    return if self.insecure_no_auth {
                        Ok(())
                    } else {
                        Err(ApiError::forbidden(
                            "writes are disabled: the server has no write token (set NINES_WRITE_TOKEN or --write-token-file)",
                        ))
                    };
                }
                if accepted(&self.write) {
                    Ok(())
                } else {
                    Err(ApiError::unauthorized(presented.is_some()))
                }
            }
            Access::Read => {
                if self.read.is_none() || accepted(&self.read) || accepted(&self.write) {
                    Ok(())
                } else {
                    Err(ApiError::unauthorized(presented.is_some()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn writes_need_the_write_token() {
        let auth = Auth {
            write: Some(Token::new("write-token-0123456789").unwrap()),
            ..Auth::default()
        };
        assert!(
            auth.check(Access::Write, &headers("Bearer write-token-0123456789"))
                .is_ok()
        );
        assert!(
            auth.check(Access::Write, &headers("bearer  write-token-0123456789 "))
                .is_ok()
        );
        assert!(
            auth.check(Access::Write, &headers("Bearer write-token-012345678"))
                .is_err()
        );
        assert!(auth.check(Access::Write, &HeaderMap::new()).is_err());
        assert!(
            auth.check(Access::Write, &headers("Basic write-token-0123456789"))
                .is_err()
        );
        assert!(auth.check(Access::Read, &HeaderMap::new()).is_ok());
    }

    #[test]
    fn no_write_token_means_no_writes_unless_insecure() {
        let closed = Auth::default();
        assert_eq!(
            closed
                .check(Access::Write, &HeaderMap::new())
                .unwrap_err()
                .code,
            "writes_disabled"
        );
        let open = Auth {
            insecure_no_auth: true,
            ..Auth::default()
        };
        assert!(open.check(Access::Write, &HeaderMap::new()).is_ok());
    }

    #[test]
    fn a_read_token_closes_reads_and_the_write_token_opens_them() {
        let auth = Auth {
            write: Some(Token::new("write-token-0123456789").unwrap()),
            read: Some(Token::new("read-token-0123456789").unwrap()),
            insecure_no_auth: false,
        };
        assert!(auth.check(Access::Read, &HeaderMap::new()).is_err());
        assert!(
            auth.check(Access::Read, &headers("Bearer read-token-0123456789"))
                .is_ok()
        );
        assert!(
            auth.check(Access::Read, &headers("Bearer write-token-0123456789"))
                .is_ok()
        );
        assert!(
            auth.check(Access::Write, &headers("Bearer read-token-0123456789"))
                .is_err()
        );
    }

    #[test]
    fn pages_accept_the_token_cookie_and_the_api_does_not() {
        // issue 11.5: a browser cannot send a bearer header, so pages read a cookie.
        let auth = Auth {
            write: Some(Token::new("write-token-0123456789").unwrap()),
            read: Some(Token::new("read-token-0123456789").unwrap()),
            insecure_no_auth: false,
        };
        let mut cookie = HeaderMap::new();
        cookie.insert(
            axum::http::header::COOKIE,
            "theme=dark; nines_token=read-token-0123456789"
                .parse()
                .unwrap(),
        );
        assert!(auth.may_read_page(&cookie));
        assert!(auth.check(Access::Read, &cookie).is_err());
        let mut wrong = HeaderMap::new();
        wrong.insert(
            axum::http::header::COOKIE,
            "nines_token=read-token-012345678".parse().unwrap(),
        );
        assert!(!auth.may_read_page(&wrong));
        assert!(!auth.may_read_page(&HeaderMap::new()));
        assert!(auth.may_read_page(&headers("Bearer read-token-0123456789")));
        assert!(!Auth::default().token_reads(b"anything"));
    }

    #[test]
    fn short_or_odd_tokens_are_refused_and_generated_ones_are_fine() {
        assert!(Token::new("short").is_err());
        assert!(Token::new("has a space in the middle").is_err());
        let token = Token::generate().unwrap();
        assert_eq!(token.reveal().len(), 32);
        assert!(Token::new(token.reveal()).is_ok());
        assert_eq!(format!("{token:?}"), "Token(***)");
    }
}
