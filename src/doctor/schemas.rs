//! The custom schemas a job's policy writes, and whether the domain's definitions take them:
//! the schema and each field exist, the field is single-valued, and its type takes the
//! value's kind (a number goes in `INT64`, `DOUBLE` or `STRING`; text in `STRING`, `PHONE`
//! or `EMAIL`; a boolean in `BOOL` or `STRING`).

use std::collections::BTreeMap;

use roster_core::FieldValue;
use roster_core::model::Staff;
use roster_google::client::Schema;

use crate::run::{AccountJob, Population};

/// The kind of value the policy writes in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number.
    Number,
    /// Text.
    Text,
    /// True or false.
    Bool,
}

impl Kind {
    fn of(v: &FieldValue) -> Kind {
        match v {
            FieldValue::Int(_) => Kind::Number,
            FieldValue::Text(_) => Kind::Text,
            FieldValue::Bool(_) => Kind::Bool,
        }
    }

    /// The Google field types that take this kind.
    pub fn takes(self) -> &'static [&'static str] {
        match self {
            Kind::Number => &["INT64", "DOUBLE", "STRING"],
            Kind::Text => &["STRING", "PHONE", "EMAIL"],
            Kind::Bool => &["BOOL", "STRING"],
        }
    }
}

/// Schema name to field name to the kind written.
pub type Written = BTreeMap<String, BTreeMap<String, Kind>>;

/// Every schema field the job's policy writes. A district's extra staff schemas (a
/// function) are asked with a sample staff member to learn their fields.
pub fn written(job: &AccountJob) -> Written {
    let mut out = Written::new();
    let mut add = |schema: &str, field: &str, kind: Kind| {
        out.entry(schema.to_string())
            .or_default()
            .insert(field.to_string(), kind);
    };
    match &job.population {
        Population::Students(p) => {
            if let Some(s) = &p.schema {
                add(&s.schema, &s.homeschool_field, Kind::Number);
                add(&s.schema, &s.graduation_year_field, Kind::Number);
            }
        }
        Population::Staff(p) => {
            if let Some(s) = &p.schema {
                add(&s.schema, &s.dcid, Kind::Number);
                add(&s.schema, &s.homeschool, Kind::Number);
                add(&s.schema, &s.school_access_list, Kind::Text);
                add(&s.schema, &s.staff_type, Kind::Number);
                add(&s.schema, &s.staff_group, Kind::Number);
                add(&s.schema, &s.teacher_number, Kind::Text);
            }
            if let Some(extra) = &p.extra_schemas {
                for (schema, fields) in extra(&sample_staff(), None) {
                    for (field, value) in fields {
                        add(&schema, &field, Kind::of(&value));
                    }
                }
            }
        }
    }
    out
}

fn sample_staff() -> Staff {
    Staff {
        dcid: 1,
        email: Some("sample@example.org".into()),
        first_name: "Sample".into(),
        last_name: "Staff".into(),
        teacher_number: Some("1".into()),
        home_school: 1,
        schools: Vec::new(),
        group: Some(1),
        cell_phone: Some("555-0100".into()),
        pt_access: Some(1),
    }
}

/// What is wrong with `found` (the domain's definition, `None` when it does not exist) for
/// the fields `fields` of `schema`: one phrase per problem.
pub fn problems(
    schema: &str,
    fields: &BTreeMap<String, Kind>,
    found: Option<&Schema>,
) -> Vec<String> {
    let Some(found) = found else {
        return vec![format!("schema {schema} does not exist")];
    };
    let mut out = Vec::new();
    for (name, kind) in fields {
        match found.fields.iter().find(|f| &f.field_name == name) {
            None => out.push(format!("{schema}.{name} does not exist")),
            Some(f) => {
                let ty = f.field_type.to_ascii_uppercase();
                if !kind.takes().contains(&ty.as_str()) {
                    out.push(format!(
                        "{schema}.{name} is {ty}, the policy writes {} (needs one of {})",
                        match kind {
                            Kind::Number => "a number",
                            Kind::Text => "text",
                            Kind::Bool => "true/false",
                        },
                        kind.takes().join(", ")
                    ));
                }
                if f.multi_valued == Some(true) {
                    out.push(format!(
                        "{schema}.{name} is multi-valued, the policy writes one value"
                    ));
                }
            }
        }
    }
    out
}
