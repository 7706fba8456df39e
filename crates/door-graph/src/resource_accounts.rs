//! `GET /beta/admin/teams/resourceAccounts`: the caller tenant's resource accounts with their numbers,
//! `$filter` on `appId`/`acsResourceId` (`eq`, joined by `and`), `$top` and `@odata.nextLink` paging.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use ringside_directory::ResourceAccountFilter;
use ringside_graph_wire::{ResourceAccount, ResourceAccountCollection};
use ringside_model::{AcsResourceId, AppId, Permission};

use super::state::GraphState;
use super::GraphCaller;
use crate::openapi::Errors;
use ringside_http::ApiError;

const MAX_TOP: usize = 999;

/// `GET /beta/admin/teams/resourceAccounts`.
#[utoipa::path(
    get,
    path = "/admin/teams/resourceAccounts",
    operation_id = "listResourceAccounts",
    summary = "Teams resource accounts (application instances) and their numbers; /beta only; $filter on appId or acsResourceId",
    description = "Paged by `$top` (1 to 999, default 100) and `@odata.nextLink`.",
    params(
        ("$filter" = Option<String>, Query, description = "`appId eq '<guid>'` and/or `acsResourceId eq '<guid>'`, joined by `and`"),
        ("$top" = Option<u32>, Query, description = "Page size, 1 to 999 (default 100)"),
        ("$skiptoken" = Option<String>, Query, description = "From `@odata.nextLink`"),
    ),
    responses(
        (status = 200, description = "The accounts", body = ResourceAccountCollection),
        Errors,
    ),
    extensions(("x-ms-permissions" = json!(["TeamsResourceAccount.Read.All"]))),
)]
pub(crate) async fn list(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ResourceAccountCollection>, ApiError> {
    caller.require_any(&[Permission::TeamsResourceAccountReadAll])?;
    let option = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let filter = match option("$filter") {
        Some(text) => parse_filter(text)?,
        None => ResourceAccountFilter::default(),
    };
    let top = match option("$top") {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_TOP).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid $top value '{text}': expected 1 to {MAX_TOP}."
                ))
            })?,
        None => 100,
    };
    let skip = match option("$skiptoken") {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("Invalid $skiptoken."))?,
        None => 0,
    };
    let accounts: Vec<ResourceAccount> = state.directory().read(|directory| {
        directory
            .resource_accounts(caller.tenant, filter)
            .into_iter()
            .map(|account| ResourceAccount {
                id: account.instance.id.to_string(),
                user_principal_name: account.instance.upn.clone(),
                app_id: account.instance.app_id.to_string(),
                display_name: account.instance.display_name.clone(),
                phone_number: account.number.map(|n| n.number.tel_uri()),
                acs_resource_id: account.instance.acs_resource.map(|id| id.to_string()),
            })
            .collect()
    });
    let total = accounts.len();
    let page: Vec<ResourceAccount> = accounts.into_iter().skip(skip).take(top).collect();
    let next_link = (skip + page.len() < total).then(|| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        if let Some(text) = option("$filter") {
            serializer.append_pair("$filter", text);
        }
        serializer.append_pair("$top", &top.to_string());
        serializer.append_pair("$skiptoken", &(skip + page.len()).to_string());
        format!(
            "{}/beta/admin/teams/resourceAccounts?{}",
            state.base_url(),
            serializer.finish()
        )
    });
    Ok(Json(ResourceAccountCollection {
        odata_context: format!(
            "{}/beta/$metadata#admin/teams/resourceAccounts",
            state.base_url()
        ),
        value: page,
        odata_next_link: next_link,
    }))
}

/// Parses `appId eq '<guid>' [and acsResourceId eq '<guid>']` (property names case-insensitive).
fn parse_filter(text: &str) -> Result<ResourceAccountFilter, ApiError> {
    let invalid =
        |why: &str| ApiError::bad_request(format!("Invalid filter clause '{text}': {why}."));
    let mut filter = ResourceAccountFilter::default();
    for clause in split_and(text) {
        let mut parts = clause.trim().splitn(3, char::is_whitespace);
        let property = parts.next().unwrap_or("");
        let operator = parts.next().unwrap_or("");
        let value = parts.next().unwrap_or("").trim();
        if !operator.eq_ignore_ascii_case("eq") {
            return Err(invalid("only 'eq' is supported"));
        }
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .ok_or_else(|| invalid("values must be quoted with '"))?;
        if property.eq_ignore_ascii_case("appId") {
            filter.app_id = Some(AppId::parse(value).map_err(|_| invalid("appId must be a GUID"))?);
        } else if property.eq_ignore_ascii_case("acsResourceId") {
            filter.acs_resource = Some(
                AcsResourceId::parse(value).map_err(|_| invalid("acsResourceId must be a GUID"))?,
            );
        } else {
            return Err(invalid("only appId and acsResourceId can be filtered"));
        }
    }
    Ok(filter)
}

/// Splits on the keyword `and` outside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut clauses = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        if !in_quote && word.eq_ignore_ascii_case("and") {
            clauses.push(std::mem::take(&mut current));
            continue;
        }
        if word.matches('\'').count() % 2 == 1 {
            in_quote = !in_quote;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    clauses.push(current);
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters() {
        let app = "11111111-1111-1111-1111-111111111111";
        let acs = "22222222-2222-2222-2222-222222222222";
        let filter = parse_filter(&format!("appid eq '{app}'")).unwrap();
        assert_eq!(filter.app_id.unwrap().to_string(), app);
        let filter =
            parse_filter(&format!("appId eq '{app}' and acsResourceId eq '{acs}'")).unwrap();
        assert_eq!(filter.acs_resource.unwrap().to_string(), acs);
        for bad in [
            "appId ne 'x'",
            "appId eq x",
            "displayName eq 'x'",
            "appId eq 'not-a-guid'",
            "",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_filters() {
        let pieces = [
            "appId",
            "acsResourceId",
            " eq ",
            " and ",
            "'",
            "x",
            "11111111-1111-1111-1111-111111111111",
            " ",
            "é",
            "''",
        ];
        let mut seed: u64 = 42;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let count = (seed >> 60) as usize;
            let text: String = (0..count)
                .map(|i| pieces[((seed >> (i * 4)) & 0xF) as usize % pieces.len()])
                .collect();
            let _ = parse_filter(&text);
        }
    }
}
