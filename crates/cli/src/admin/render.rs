//! How admin output is printed: the server's JSON with `--json`; for people, an object as aligned
//! `key: value` lines (nested keys flattened), a list as a table of chosen columns, or a confirmation.

use serde_json::{json, Value};

use super::api::Output;

/// A JSON value as one table cell or line value.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "-".to_string(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `key: value` lines; nested objects are flattened as `parent.child`.
fn key_values(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match item {
                    Value::Object(_) => key_values(item, &name, out),
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        for (index, element) in items.iter().enumerate() {
                            key_values(element, &format!("{name}[{index}]"), out);
                        }
                        if items.is_empty() {
                            out.push((name, "-".into()));
                        }
                    }
                    _ => out.push((name, cell(item))),
                }
            }
        }
        other => out.push((prefix.to_string(), cell(other))),
    }
}

/// A list's `value` items as a table of `columns`, or `(none)`.
fn table(list: &Value, columns: &[&str]) -> String {
    let empty = Vec::new();
    let items = list
        .get("value")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if items.is_empty() {
        return "(none)\n".to_string();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| cell(&item[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(text, width)| format!("{text:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(columns.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The text printed for `output`: JSON with `--json`, else `key: value` lines, a table or the line.
pub(super) fn render(output: &Output, json_output: bool) -> String {
    match output {
        Output::Object(value) | Output::Table(value, _) if json_output => {
            format!(
                "{}\n",
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
            )
        }
        Output::Done(message) if json_output => {
            format!("{}\n", json!({ "ok": true, "message": message }))
        }
        Output::Object(value) => {
            let mut pairs = Vec::new();
            key_values(value, "", &mut pairs);
            let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            pairs
                .iter()
                .map(|(k, v)| format!("{:<width$}  {v}\n", format!("{k}:"), width = width + 1))
                .collect()
        }
        Output::Table(list, columns) => table(list, columns),
        Output::Done(message) => format!("{message}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_output_is_compact() {
        let list = json!({"value": [
            {"telephoneNumber": "+14255550100", "numberType": "CallingPlan", "pstnAssignmentStatus": "Unassigned", "assignedPstnTargetId": null},
            {"telephoneNumber": "+14255550101", "numberType": "DirectRouting", "pstnAssignmentStatus": "UserAssigned", "assignedPstnTargetId": "abc"}
        ]});
        let text = render(
            &Output::Table(
                list,
                &["telephoneNumber", "numberType", "assignedPstnTargetId"],
            ),
            false,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("telephoneNumber  numberType"));
        assert!(lines[1] == "+14255550100     CallingPlan    -", "{text}");
        let object = json!({"id": "x", "bot": {"callingEnabled": true}, "licences": ["a", "b"], "secrets": []});
        let text = render(&Output::Object(object), false);
        assert!(text.contains("bot.callingEnabled:  true"), "{text}");
        assert!(text.contains("licences:            a, b"), "{text}");
        assert_eq!(
            render(&Output::Table(json!({"value": []}), &["id"]), false),
            "(none)\n"
        );
        let json_text = render(&Output::Done("ok".into()), true);
        assert!(serde_json::from_str::<Value>(&json_text).is_ok());
    }
}
