//! Errors as JSON: `{"error": {"code", "message", "line"?, "diagnostics"?}}`.
//!
//! Codes are stable (clients and tests match on them); messages are for people. The list
//! is in `docs/api.md`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nines_store::ingest::BatchError;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// Line (or item) of a batch.
    pub line: Option<usize>,
    /// Spec diagnostics (reload).
    pub diagnostics: Option<Box<serde_json::Value>>,
    /// Seconds after which a retry may succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// The stable code of an error response, kept in the response's extensions so the
/// request log can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            line: None,
            diagnostics: None,
            retry_after: None,
        }
    }
    /// 400 `invalid_query`: a query parameter is wrong.
    pub fn query(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
    }
    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// 401 `unauthorized`: no token, or a wrong one.
    pub fn unauthorized(presented: bool) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            if presented {
                "the bearer token is not valid"
            } else {
                "this endpoint needs `Authorization: Bearer <token>`"
            },
        )
    }
    /// 403 `writes_disabled`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "writes_disabled", message)
    }
    /// 500 `internal`: the store or a task failed; the batch was not applied.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<BatchError> for ApiError {
    fn from(error: BatchError) -> Self {
        let status = match error.code {
            "invalid_encoding" | "invalid_snappy" | "invalid_protobuf" | "invalid_json"
            | "invalid_event" | "invalid_row" | "unknown_sli" | "out_of_window" => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            code: error.code,
            message: format!(
                "line {}: {}; nothing of this batch was applied",
                error.line, error.message
            ),
            line: Some(error.line),
            diagnostics: None,
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(line) = self.line {
            body["line"] = line.into();
        }
        if let Some(diagnostics) = self.diagnostics {
            body["diagnostics"] = *diagnostics;
        }
        let mut response =
            (self.status, Json(serde_json::json!({ "error": body }))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}
