//! `inkproof schema`: a JSON Schema of the front matter, so an editor (VS Code's
//! YAML extension, JetBrains IDEs) validates and completes keys as authors type.
//!
//! It describes what `crate::front_matter` accepts, including its leniency (a
//! lone tag string, `"true"` for `draft`); a test keeps its keys equal to
//! [`crate::front_matter::KNOWN_KEYS`].

use serde_json::{json, Value};

const DATE: &str =
    "2024-08-22, 2024-08-22 21:32:44 (UTC), 2024-08-22T21:32:44Z or 2024-08-22T21:32:44+01:00";

fn string_or_list(description: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            { "type": ["string", "number"] },
            { "type": "array", "items": { "type": ["string", "number"] } },
            { "type": "null" }
        ]
    })
}

/// The schema document (draft-07, which every editor's YAML support reads).
pub fn front_matter() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://inkproof.dev/schemas/front-matter.json",
        "title": "inkproof article front matter",
        "type": "object",
        "required": ["title"],
        "additionalProperties": false,
        "properties": {
            "title": { "type": ["string", "number"], "minLength": 1, "description": "The article's title (its <h1>). Required." },
            "date": { "type": ["string", "null"], "description": format!("Publication date: {DATE}. Without one the file name's YYYY-MM-DD- prefix is used; none at all makes a standalone page.") },
            "updated": { "type": ["string", "null"], "description": format!("Last update: {DATE}. The sitemap's lastmod.") },
            "tags": string_or_list("Tags: a list or a single string. One page per tag."),
            "categories": string_or_list("Categories: a list or a single string. One page per category."),
            "aliases": string_or_list("Old URL paths that redirect to this page (/old-name/)."),
            "keywords": string_or_list("Meta keywords: a comma-separated string or a list."),
            "description": { "type": ["string", "null"], "description": "Meta description and summary; search engines show 50-160 characters." },
            "excerpt": { "type": ["string", "null"], "description": "Summary shown on list pages (defaults to the description)." },
            "thumbnail": { "type": ["string", "null"], "description": "A file in the page bundle or an https:// URL; the Open Graph image." },
            "slug": { "type": ["string", "null"], "description": "URL slug; normalised to [a-z0-9-]." },
            "draft": {
                "description": "Left out of the site unless built with --drafts.",
                "anyOf": [
                    { "type": ["boolean", "null"] },
                    { "type": "string", "pattern": "^\\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\\s*$" }
                ]
            },
            "weight": { "type": ["integer", "null"], "description": "Ordering hint." },
            "extra": { "type": "object", "description": "Custom fields for templates (extra.NAME)." }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_are_the_keys_the_parser_reads() {
        let schema = front_matter();
        let mut keys: Vec<&str> =
            schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut known = crate::front_matter::KNOWN_KEYS.to_vec();
        keys.sort_unstable();
        known.sort_unstable();
        assert_eq!(keys, known);
    }
}
