//! Partial responses: Google's `fields` parameter
//! (`nextPageToken,users(id,primaryEmail,name/fullName)`).

use std::collections::BTreeMap;

use serde_json::Value;

/// A parsed `fields` selector: name -> sub-selection (empty = everything).
#[derive(Debug, Default)]
struct Selector(BTreeMap<String, Selector>);

impl Selector {
    fn new() -> Self {
        Self::default()
    }
}

impl std::ops::Deref for Selector {
    type Target = BTreeMap<String, Selector>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Selector {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl IntoIterator for Selector {
    type Item = (String, Selector);
    type IntoIter = std::collections::btree_map::IntoIter<String, Selector>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

fn parse_fields(s: &str) -> Selector {
    fn parse_list(chars: &[char], i: &mut usize) -> Selector {
        let mut out = Selector::new();
        loop {
            // one path a/b/c, optionally followed by (sub)
            let mut path: Vec<String> = vec![String::new()];
            while *i < chars.len() && !matches!(chars[*i], ',' | '(' | ')') {
                if chars[*i] == '/' {
                    path.push(String::new());
                } else if !chars[*i].is_whitespace() {
                    path.last_mut().expect("non-empty").push(chars[*i]);
                }
                *i += 1;
            }
            let mut sub = Selector::new();
            if *i < chars.len() && chars[*i] == '(' {
                *i += 1;
                sub = parse_list(chars, i);
                if *i < chars.len() && chars[*i] == ')' {
                    *i += 1;
                }
            }
            let mut node = sub;
            for name in path.into_iter().rev() {
                if name.is_empty() {
                    continue;
                }
                let mut m = Selector::new();
                m.insert(name, node);
                node = m;
            }
            for (k, v) in node {
                match out.get_mut(&k) {
                    Some(existing) => merge_sel(existing, v),
                    None => {
                        out.insert(k, v);
                    }
                }
            }
            if *i < chars.len() && chars[*i] == ',' {
                *i += 1;
                continue;
            }
            return out;
        }
    }
    fn merge_sel(into: &mut Selector, from: Selector) {
        if into.is_empty() || from.is_empty() {
            into.clear();
            return;
        }
        for (k, v) in from {
            match into.get_mut(&k) {
                Some(existing) => merge_sel(existing, v),
                None => {
                    into.insert(k, v);
                }
            }
        }
    }
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    parse_list(&chars, &mut i)
}

fn select(v: &Value, sel: &Selector) -> Value {
    if sel.is_empty() {
        return v.clone();
    }
    match v {
        Value::Object(o) => Value::Object(
            sel.iter()
                .filter_map(|(k, sub)| o.get(k).map(|x| (k.clone(), select(x, sub))))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| select(x, sel)).collect()),
        other => other.clone(),
    }
}

/// Apply Google's partial-response `fields` parameter (e.g.
/// `nextPageToken,users(id,primaryEmail,name/fullName)`).
pub(crate) fn apply_fields(v: &Value, fields: &str) -> Value {
    if fields.trim().is_empty() || fields.trim() == "*" {
        return v.clone();
    }
    select(v, &parse_fields(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_selector() {
        let v = json!({"kind": "k", "nextPageToken": "t", "users": [
            {"id": "1", "primaryEmail": "a@x", "name": {"fullName": "A B", "givenName": "A"}}]});
        assert_eq!(
            apply_fields(&v, "nextPageToken,users(id,name/fullName)"),
            json!({"nextPageToken": "t", "users": [{"id": "1", "name": {"fullName": "A B"}}]})
        );
        assert_eq!(apply_fields(&v, "kind"), json!({"kind": "k"}));
    }
}
