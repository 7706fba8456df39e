//! docs/compatibility.md names every request field of every Graph operation: the coverage page users
//! read stays complete as DTOs grow.

use serde_json::Value;

use super::{document, operations, property_names};

/// The page's section for `operation_id`: from a `### ` heading naming it to the next heading.
fn section<'a>(page: &'a str, operation_id: &str) -> Option<&'a str> {
    let names_it = |heading: &str| {
        heading
            .trim_start_matches('#')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word == operation_id)
    };
    let mut start = None;
    let mut offset = 0;
    for line in page.split_inclusive('\n') {
        if line.starts_with("### ") {
            if let Some(from) = start {
                return Some(&page[from..offset]);
            }
            if names_it(line) {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|from| &page[from..])
}

/// `operationId.field` for every request-body field the page does not name under its operation.
fn missing(page: &str, document: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    for (_, _, operation) in operations(document) {
        let Some(body) = operation.get("requestBody") else {
            continue;
        };
        let id = operation["operationId"].as_str().expect("operationId");
        let schema = &body["content"]["application/json"]["schema"];
        let fields = property_names(document, schema);
        let Some(text) = section(page, id) else {
            missing.push(format!("{id} (no section)"));
            continue;
        };
        for field in fields {
            if !text.contains(&format!("`{field}`")) {
                missing.push(format!("{id}.{field}"));
            }
        }
    }
    missing
}

fn page() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/compatibility.md");
    std::fs::read_to_string(path).expect("docs/compatibility.md")
}

#[test]
fn compatibility_page_names_every_request_field() {
    assert_eq!(missing(&page(), &document()), Vec::<String>::new());
}

#[test]
fn a_field_the_page_forgets_is_reported() {
    let page = page().replace("| `loop` |", "| (loop) |");
    assert_eq!(
        missing(&page, &document()),
        vec!["playPrompt.loop".to_string()]
    );
    let page = page.replace(
        "### playPrompt — `POST …/calls/{id}/playPrompt`",
        "### somethingElse",
    );
    assert_eq!(
        missing(&page, &document()),
        vec!["playPrompt (no section)".to_string()]
    );
}
