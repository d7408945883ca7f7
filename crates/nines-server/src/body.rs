//! Request bodies, read only after the token was checked from the headers: bounded in
//! size (declared and actual), in time ([`Limits::body_timeout`](crate::Limits)), in
//! memory across concurrent requests ([`CONCURRENT_FULL_BODIES`]), decoded from `gzip`
//! (or `snappy`) within the same size limit, and, for JSON, in nesting depth.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use axum::http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::OwnedSemaphorePermit;

use crate::error::ApiError;
use crate::limits::{BODY_QUEUE_TIMEOUT, CONCURRENT_FULL_BODIES, MAX_JSON_DEPTH};
use crate::state::AppState;

/// A body in memory, holding its share of the room for bodies until dropped.
#[derive(Debug)]
pub struct Received {
    /// The decoded bytes.
    pub bytes: Bytes,
    _room: OwnedSemaphorePermit,
}

/// How a body is encoded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// As is.
    Identity,
    /// `Content-Encoding: gzip` (or `x-gzip`).
    Gzip,
    /// `Content-Encoding: snappy`: the snappy block format, as Prometheus remote write
    /// sends it.
    Snappy,
}

/// What a route takes as is: remote write's body is snappy-compressed by definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// Plain bodies; gzip and snappy are decoded.
    Plain,
    /// Snappy is the route's own format and is passed on undecoded.
    Snappy,
}

fn unsupported(value: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_encoding",
        format!("Content-Encoding `{value}` is not supported: send identity, gzip or snappy"),
    )
}

/// The body's `Content-Encoding`.
pub fn encoding(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    let mut found = Encoding::Identity;
    for value in headers.get_all(CONTENT_ENCODING) {
        let text = value.to_str().map_err(|_| unsupported("(not ASCII)"))?;
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let this = match part.to_ascii_lowercase().as_str() {
                "identity" => continue,
                "gzip" | "x-gzip" => Encoding::Gzip,
                "snappy" => Encoding::Snappy,
                _ => return Err(unsupported(part)),
            };
            if found != Encoding::Identity {
                return Err(unsupported(text));
            }
            found = this;
        }
    }
    Ok(found)
}

fn too_large(limit: usize, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "the {what} is larger than {limit} bytes (--max-body); split the batch, or send history with `nines import --server URL`, which sends it in chunks"
        ),
    )
}

fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX)
}

/// Reads the body of a request whose token was already checked.
pub async fn read(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    native: Native,
) -> Result<Received, ApiError> {
    let limit = state.config.max_body_bytes;
    let encoding = encoding(headers)?;
    let decode = match (encoding, native) {
        (Encoding::Identity, _) | (Encoding::Snappy, Native::Snappy) => false,
        (Encoding::Gzip, Native::Snappy) => return Err(unsupported("gzip")),
        _ => true,
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit, "body"));
    }
    // Room for the raw body (its declared length, else the limit) and for what it
    // decodes to.
    let raw_room = declared.map_or(limit, |length| length as usize);
    let room = kib(raw_room + if decode { limit } else { 0 }).clamp(1, state.body_budget_kib);
    let permit = tokio::time::timeout(
        BODY_QUEUE_TIMEOUT,
        state.bodies.clone().acquire_many_owned(room),
    )
    .await;
    let permit = match permit {
        Ok(Ok(permit)) => permit,
        _ => {
            let mut error = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_busy",
                format!(
                    "{CONCURRENT_FULL_BODIES} full-size bodies are already being received; retry in a moment"
                ),
            );
            error.retry_after = Some(1);
            return Err(error);
        }
    };
    let timeout = state.config.limits.body_timeout;
    let collected = tokio::time::timeout(
        timeout,
        http_body_util::Limited::new(body, limit).collect(),
    )
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the body did not arrive within {} s (--body-timeout); send it faster or in smaller batches",
                timeout.as_secs_f64()
            ),
        )
    })?;
    let raw = match collected {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large(limit, "body"));
        }
        Err(error) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("the body could not be read: {error}"),
            ));
        }
    };
    let bytes = if decode {
        tokio::task::spawn_blocking(move || decompress(encoding, &raw, limit))
            .await
            .map_err(|error| ApiError::internal(format!("a worker failed: {error}")))??
    } else {
        raw
    };
    Ok(Received {
        bytes,
        _room: permit,
    })
}

/// Decodes gzip or snappy into at most `limit` bytes.
fn decompress(encoding: Encoding, raw: &[u8], limit: usize) -> Result<Bytes, ApiError> {
    let invalid = |what: &str, problem: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_encoding",
            format!("the body is not valid {what}: {problem}"),
        )
    };
    match encoding {
        Encoding::Gzip => {
            let mut decoded = Vec::new();
            flate2::read::MultiGzDecoder::new(raw)
                .take(limit as u64 + 1)
                .read_to_end(&mut decoded)
                .map_err(|problem| invalid("gzip", problem.to_string()))?;
            if decoded.len() > limit {
                return Err(too_large(limit, "decompressed body"));
            }
            Ok(decoded.into())
        }
        Encoding::Snappy => {
            let length = snap::raw::decompress_len(raw)
                .map_err(|problem| invalid("snappy", problem.to_string()))?;
            if length > limit {
                return Err(too_large(limit, "decompressed body"));
            }
            snap::raw::Decoder::new()
                .decompress_vec(raw)
                .map(Bytes::from)
                .map_err(|problem| invalid("snappy", problem.to_string()))
        }
        Encoding::Identity => Ok(Bytes::copy_from_slice(raw)),
    }
}

/// Refuses JSON (a document, an array or NDJSON) nested deeper than [`MAX_JSON_DEPTH`],
/// naming the line, before any parser recurses into it.
pub fn check_json_depth(bytes: &[u8]) -> Result<(), ApiError> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    let mut error = ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "too_deep",
                        format!(
                            "line {line}: JSON nested more than {MAX_JSON_DEPTH} levels deep; events and counts are flat records"
                        ),
                    );
                    error.line = Some(line);
                    return Err(error);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_read_and_unknown_ones_refused() {
        let mut headers = HeaderMap::new();
        assert_eq!(encoding(&headers).unwrap(), Encoding::Identity);
        headers.insert(CONTENT_ENCODING, "GZIP".parse().unwrap());
        assert_eq!(encoding(&headers).unwrap(), Encoding::Gzip);
        headers.insert(CONTENT_ENCODING, "br".parse().unwrap());
        assert_eq!(encoding(&headers).unwrap_err().status, 415);
        headers.insert(CONTENT_ENCODING, "gzip, snappy".parse().unwrap());
        assert_eq!(encoding(&headers).unwrap_err().status, 415);
    }

    #[test]
    fn gzip_is_decoded_within_the_limit() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &[b'x'; 10_000]).unwrap();
        let compressed = encoder.finish().unwrap();
        assert_eq!(
            decompress(Encoding::Gzip, &compressed, 10_000)
                .unwrap()
                .len(),
            10_000
        );
        // A small bomb: 10 kB that would grow past the limit is refused, not inflated.
        assert_eq!(
            decompress(Encoding::Gzip, &compressed, 9_999)
                .unwrap_err()
                .code,
            "body_too_large"
        );
        assert_eq!(
            decompress(Encoding::Gzip, b"not gzip", 100)
                .unwrap_err()
                .code,
            "invalid_encoding"
        );
    }

    #[test]
    fn json_depth_is_bounded_with_the_line() {
        // issue 9.10: nesting is refused with a clear 400 before any parser recurses.
        assert!(check_json_depth(br#"{"a": [1, {"b": "[[[[["}]}"#).is_ok());
        let deep = format!("{{}}\n{}{}", "[".repeat(33), "]".repeat(33));
        let error = check_json_depth(deep.as_bytes()).unwrap_err();
        assert_eq!((error.code, error.line), ("too_deep", Some(2)));
        assert!(check_json_depth("[".repeat(32).as_bytes()).is_ok());
    }
}
