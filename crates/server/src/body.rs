//! Reading a request's body before any door answers, so an early answer (401 for a bad token, 404,
//! 429) never leaves an unread body on an HTTP/1.1 connection the client will reuse. A body over the
//! limit is not read: the door still answers (413 in its envelope) and the response says
//! `Connection: close`, so the client opens a new connection instead of failing its next request.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Response, Version};
use futures_util::{stream, StreamExt};
use http_body_util::BodyExt;

/// What [`read`] did with a request's body.
pub(crate) struct Read {
    /// The request, its body buffered when it was read whole.
    pub(crate) request: Request,
    /// Part of the body is still on the connection (over the limit, or the client stopped).
    pub(crate) unread: bool,
}

/// Reads the body of `request` up to `limit` bytes. A body announced longer than `limit` is left
/// unread; one that turns out longer is handed on as what was read followed by the rest.
pub(crate) async fn read(request: Request, limit: usize) -> Read {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Read {
            request,
            unread: true,
        };
    }
    let (parts, mut body) = request.into_parts();
    let mut read: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    loop {
        match body.frame().await {
            None => {
                // One frame (the usual case) is handed on as is; several are joined once.
                let whole: Bytes = match read.len() {
                    0 => Bytes::new(),
                    1 => read.pop().unwrap_or_default(),
                    _ => read.concat().into(),
                };
                let request = Request::from_parts(parts, Body::from(whole));
                return Read {
                    request,
                    unread: false,
                };
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    total += data.len();
                    read.push(data);
                }
                if total > limit {
                    break;
                }
            }
            // The client broke off: hand on what arrived; the door's extractor reports it.
            Some(Err(_)) => break,
        }
    }
    let head = stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    let rest = body.into_data_stream();
    let request = Request::from_parts(parts, Body::from_stream(head.chain(rest)));
    Read {
        request,
        unread: true,
    }
}

/// Marks an HTTP/1.x response `Connection: close` when the request's body was not read whole.
pub(crate) fn close_if_unread(version: Version, unread: bool, response: &mut Response<Body>) {
    if unread && version < Version::HTTP_2 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: Body, length: Option<usize>) -> Request {
        let mut builder = Request::post("/v1.0/communications/calls");
        if let Some(length) = length {
            builder = builder.header(header::CONTENT_LENGTH, length);
        }
        builder.body(body).expect("request")
    }

    async fn text(request: Request) -> Vec<u8> {
        request
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_whole() {
        let chunks = stream::iter(["{\"a\":", "1}"].map(|c| Ok::<_, axum::Error>(Bytes::from(c))));
        let read = read(post(Body::from_stream(chunks), None), 16).await;
        assert!(!read.unread);
        assert_eq!(text(read.request).await, b"{\"a\":1}");
    }

    #[tokio::test]
    async fn an_announced_oversize_body_is_left_unread() {
        let read = read(post(Body::from("0123456789"), Some(10)), 4).await;
        assert!(read.unread);
        assert_eq!(text(read.request).await, b"0123456789");
    }

    #[tokio::test]
    async fn a_body_that_grows_past_the_limit_is_handed_on_whole() {
        let chunks =
            stream::iter(["0123", "4567", "89"].map(|c| Ok::<_, axum::Error>(Bytes::from(c))));
        let read = read(post(Body::from_stream(chunks), None), 5).await;
        assert!(read.unread);
        assert_eq!(text(read.request).await, b"0123456789");
    }

    #[test]
    fn only_http1_responses_say_close() {
        let mut response = Response::new(Body::empty());
        close_if_unread(Version::HTTP_11, false, &mut response);
        assert!(response.headers().get(header::CONNECTION).is_none());
        close_if_unread(Version::HTTP_2, true, &mut response);
        assert!(response.headers().get(header::CONNECTION).is_none());
        close_if_unread(Version::HTTP_11, true, &mut response);
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }
}
