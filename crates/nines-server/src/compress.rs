//! Gzip for the dashboard's HTML pages when the browser accepts it: the overview of 1,000
//! objectives is about 1.4 MB of repetitive markup and about 30 KB gzipped.

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;

/// Pages smaller than this go as they are: compressing them saves less than it costs.
const MIN_COMPRESSED_BYTES: usize = 4 * 1024;

/// Largest page this compresses (larger pages, which do not exist today, go as they are).
const MAX_COMPRESSED_BYTES: usize = 64 * 1024 * 1024;

fn accepts_gzip(request: &Request) -> bool {
    request
        .headers()
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|coding| coding.eq_ignore_ascii_case("gzip"))
                && !parts.any(|parameter| parameter.replace(' ', "") == "q=0")
        })
}

/// Compresses `text/html` responses for clients that accept gzip.
pub async fn html_gzip(request: Request, next: Next) -> Response {
    let gzip = accepts_gzip(&request);
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !gzip || !is_html || response.headers().contains_key(CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return Response::from_parts(parts, Body::empty());
    };
    let bytes = collected.to_bytes();
    parts
        .headers
        .insert(VARY, HeaderValue::from_static("accept-encoding"));
    if bytes.len() < MIN_COMPRESSED_BYTES || bytes.len() > MAX_COMPRESSED_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed =
        std::io::Write::write_all(&mut encoder, &bytes).and_then(|()| encoder.finish());
    match compressed {
        Ok(compressed) => {
            parts
                .headers
                .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(compressed))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}
