//! Sign-in to the console: the login page (`GET /console/login`, which with `?token=` is the
//! one-click URL dev mode prints), the form post, sign-out, and the extractors every other route
//! uses — [`Session`] (401 in the Graph envelope: streams, assets, the console's API) and
//! [`PageSession`] (a redirect to the login page: HTML pages). Both accept what the platform API
//! accepts (the console's cookie, or the bearer admin token) with the same CSRF rule.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ringside_http::ApiError;
use ringside_platform::session;
use std::collections::HashMap;

use crate::state::ConsoleState;
use crate::PREFIX;

/// Proof of a signed-in request (401 otherwise).
pub(crate) struct Session;

impl FromRequestParts<ConsoleState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Session, ApiError> {
        state
            .platform()
            .check_admin_request(parts)
            .map(|()| Session)
    }
}

/// Proof of a signed-in page request (a redirect to the login page otherwise).
pub(crate) struct PageSession;

impl FromRequestParts<ConsoleState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<PageSession, Response> {
        match state.platform().check_admin_request(parts) {
            Ok(()) => Ok(PageSession),
            Err(_) => Err(Redirect::to(&format!("{PREFIX}/login")).into_response()),
        }
    }
}

/// `GET /console/login`: the page; with `?token=<admin token>`, signs in and redirects to the
/// console (so the token leaves the address bar); a wrong token gets the page again with 401.
pub(crate) async fn login_page(
    State(state): State<ConsoleState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match query.get("token") {
        None => page(StatusCode::OK, ""),
        Some(token) => sign_in(&state, token),
    }
}

/// `POST /console/login` with the form field `token`.
pub(crate) async fn login_submit(
    State(state): State<ConsoleState>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    sign_in(&state, form.get("token").map(String::as_str).unwrap_or(""))
}

/// `POST /console/logout`: clears the cookie (a cross-site post is refused like any write).
pub(crate) async fn logout(_: Session) -> Response {
    let mut response = Redirect::to(&format!("{PREFIX}/login")).into_response();
    set_cookie(response.headers_mut(), "", 0);
    response
}

fn sign_in(state: &ConsoleState, token: &str) -> Response {
    let platform = state.platform();
    match session::sign_in(platform.admin_token(), token, platform.now()) {
        Some(value) => {
            let mut response = Redirect::to(PREFIX).into_response();
            set_cookie(response.headers_mut(), &value, session::LIFETIME_SECS);
            response
        }
        None => page(StatusCode::UNAUTHORIZED, "That is not the admin token."),
    }
}

/// The login page with `message` (a fixed text, never input) in its alert.
fn page(status: StatusCode, message: &str) -> Response {
    let html = crate::embedded::text("login.html").replace("{{message}}", message);
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn set_cookie(headers: &mut HeaderMap, value: &str, max_age: i64) {
    let cookie = format!(
        "{}={value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}",
        session::COOKIE
    );
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        headers.append(header::SET_COOKIE, cookie);
    }
}
