//! The batch endpoint (`POST /batch/admin/directory_v1`, and `POST /batch`, the path the
//! discovery document's `batchPath` names): a `multipart/mixed` body whose parts are HTTP
//! requests (`Content-Type: application/http`), answered by a `multipart/mixed` body whose
//! parts are HTTP responses with `Content-ID: <response-ID>`. Each part is a full API call
//! (counted, authenticated with its own `Authorization` or the batch's, charged to quota,
//! faulted), all at once; at most [`MAX_CALLS`] parts, as at Google.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Response};

use super::response::{Body, api_error};
use super::{Outcome, Shared, api_call, parse_query};
use crate::error::ApiError;

/// Google's limit of calls in one batch request.
pub(crate) const MAX_CALLS: usize = 1000;

/// Whether `path` is a batch endpoint.
pub(super) fn is_batch_path(path: &str) -> bool {
    matches!(
        path.trim_end_matches('/'),
        "/batch" | "/batch/admin/directory_v1"
    )
}

/// One request inside a batch.
#[derive(Debug)]
struct Part {
    content_id: Option<String>,
    method: Method,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    body: Bytes,
}

/// Serve a batch request.
pub(super) async fn batch(
    shared: &Arc<Shared>,
    content_type: &str,
    outer_auth: Option<&str>,
    body: &Bytes,
) -> Response<Body> {
    shared.event("batchRequests");
    let parts = match boundary(content_type).and_then(|b| parse_parts(body, &b)) {
        Ok(p) => p,
        Err(e) => return api_error(&e),
    };
    if parts.len() > MAX_CALLS {
        return api_error(&ApiError::invalid(format!(
            "A batch request cannot contain more than {MAX_CALLS} calls ({} given).",
            parts.len()
        )));
    }
    let out_boundary = format!("batch_emu_{:016x}", rand::random::<u64>());
    // The parts run at once (Google runs them in any order), each with its own latency and
    // quota; the answers keep the parts' order.
    let tasks: Vec<_> = parts
        .into_iter()
        .map(|part| {
            let shared = shared.clone();
            let auth = part
                .authorization
                .clone()
                .or(outer_auth.map(str::to_string));
            tokio::spawn(async move {
                let query = parse_query(part.query.as_deref());
                let outcome = api_call(
                    &shared,
                    &part.method,
                    &part.path,
                    &query,
                    auth.as_deref(),
                    &part.body,
                )
                .await;
                let resp = match outcome {
                    Outcome::Respond(r) => r,
                    // A dropped connection cannot drop one part: it fails as a backend error.
                    Outcome::Drop => api_error(&ApiError::backend_error()),
                };
                (part.content_id, render_response(resp).await)
            })
        })
        .collect();
    let mut out = String::new();
    for task in tasks {
        let (content_id, response) = match task.await {
            Ok(done) => done,
            Err(_) => (
                None,
                render_response(api_error(&ApiError::backend_error())).await,
            ),
        };
        out.push_str(&format!(
            "--{out_boundary}\r\nContent-Type: application/http\r\n"
        ));
        if let Some(id) = &content_id {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            out.push_str(&format!("Content-ID: <response-{id}>\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&response);
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{out_boundary}--\r\n"));
    Response::builder()
        .status(200)
        .header(
            "content-type",
            format!("multipart/mixed; boundary={out_boundary}"),
        )
        .body(Full::new(Bytes::from(out)))
        .expect("valid response")
}

/// An inner response as HTTP/1.1 text.
async fn render_response(resp: Response<Body>) -> String {
    let status = resp.status();
    let mut text = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Unknown")
    );
    for (k, v) in resp.headers() {
        text.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or("")));
    }
    let body = match resp.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(never) => match never {},
    };
    text.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    text.push_str(&String::from_utf8_lossy(&body));
    text
}

fn bad(message: &str) -> ApiError {
    ApiError::new(
        400,
        "badRequest",
        format!("Invalid batch request: {message}"),
    )
}

/// The boundary of a `multipart/mixed` content type.
fn boundary(content_type: &str) -> Result<String, ApiError> {
    let mut params = content_type.split(';');
    let kind = params.next().unwrap_or("").trim();
    if !kind.eq_ignore_ascii_case("multipart/mixed") {
        return Err(bad("the body must be multipart/mixed"));
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("no boundary"))
}

/// Split the body at the boundary and parse each part (lines may end in CRLF or LF).
fn parse_parts(body: &Bytes, boundary: &str) -> Result<Vec<Part>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| bad("the body is not UTF-8"))?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    // Whatever precedes the first delimiter is preamble; "--boundary--" ends the body.
    for chunk in text.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        parts.push(parse_part(chunk)?);
    }
    Ok(parts)
}

/// Split `text` at its first blank line: (header lines, rest).
fn split_head(text: &str) -> (Vec<&str>, &str) {
    let mut lines = Vec::new();
    let mut rest = text;
    loop {
        let (line, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = tail;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        lines.push(line);
        if tail.is_empty() {
            break;
        }
    }
    (lines, rest)
}

fn header<'a>(lines: &[&'a str], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn parse_part(chunk: &str) -> Result<Part, ApiError> {
    // The delimiter line ends right after the boundary.
    let chunk = chunk
        .strip_prefix("\r\n")
        .or_else(|| chunk.strip_prefix('\n'))
        .unwrap_or(chunk);
    let (part_headers, http) = split_head(chunk);
    let content_id = header(&part_headers, "content-id").map(str::to_string);
    let (request_head, body) = split_head(http);
    let (request_line, headers) = request_head
        .split_first()
        .ok_or_else(|| bad("a part has no request line"))?;
    let mut words = request_line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(bad("a part's request line is not `METHOD PATH HTTP/1.1`"));
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| bad("unknown method"))?;
    // An absolute URL keeps only its path and query.
    let target = match target.split_once("://") {
        Some((_, after)) => after.find('/').map_or("/", |i| &after[i..]),
        None => target,
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    // The part ends with the line break before the next delimiter.
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    Ok(Part {
        content_id,
        method,
        path,
        query,
        authorization: header(headers, "authorization").map(str::to_string),
        body: Bytes::from(body.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts_with_crlf_or_lf() {
        for nl in ["\r\n", "\n"] {
            let body = [
                "preamble",
                "--b1",
                "Content-Type: application/http",
                "Content-ID: <x+1>",
                "",
                "GET /admin/directory/v1/users/a%40x.edu?projection=full HTTP/1.1",
                "",
                "",
                "--b1",
                "Content-Type: application/http",
                "",
                "PATCH https://admin.googleapis.com/admin/directory/v1/users/a HTTP/1.1",
                "Content-Type: application/json",
                "Authorization: Bearer t",
                "",
                "{\"suspended\":true}",
                "--b1--",
                "",
            ]
            .join(nl);
            let parts = parse_parts(&Bytes::from(body), "b1").unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].content_id.as_deref(), Some("<x+1>"));
            assert_eq!(parts[0].path, "/admin/directory/v1/users/a%40x.edu");
            assert_eq!(parts[0].query.as_deref(), Some("projection=full"));
            assert!(parts[0].body.is_empty());
            assert_eq!(parts[1].method, Method::PATCH);
            assert_eq!(parts[1].path, "/admin/directory/v1/users/a");
            assert_eq!(parts[1].authorization.as_deref(), Some("Bearer t"));
            assert_eq!(&parts[1].body[..], b"{\"suspended\":true}");
        }
        assert_eq!(
            boundary("multipart/mixed; boundary=\"q r\"").unwrap(),
            "q r"
        );
        assert!(boundary("application/json").is_err());
    }
}
