//! A `meta.k8s.io/v1` `TableColumnDefinition`.

use super::docs;
use serde_json::{json, Value};

/// One column header. `format` is "" except for the name column, and
/// `priority` 1 marks the columns kubectl shows only with `-o wide`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: i32,
}

impl Column {
    /// A priority-0 column with no format.
    pub(super) const fn new(
        name: &'static str,
        kind: &'static str,
        description: &'static str,
    ) -> Self {
        Column {
            name,
            kind,
            format: "",
            description,
            priority: 0,
        }
    }

    /// The same column shown only with `-o wide`.
    pub(super) const fn wide(self) -> Self {
        Column {
            priority: 1,
            ..self
        }
    }

    /// JSON as the server encodes it: every field present, none omitted.
    pub(super) fn to_json(self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// The "Name" column every printer starts with.
pub(super) const NAME: Column = Column {
    name: "Name",
    kind: "string",
    format: "name",
    description: docs::OBJECT_NAME,
    priority: 0,
};

/// The "Age" column of the built-in printers.
pub(super) const AGE: Column = Column::new("Age", "string", docs::CREATION_TIMESTAMP);

/// The wide "Containers" column of the workload printers.
pub(super) const CONTAINERS: Column = Column::new(
    "Containers",
    "string",
    "Names of each container in the template.",
)
.wide();

/// The wide "Images" column of the workload printers.
pub(super) const IMAGES: Column = Column::new(
    "Images",
    "string",
    "Images referenced by each container in the template.",
)
.wide();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_column_serializes_like_the_server() {
        let v = NAME.to_json();
        assert_eq!(v["name"], "Name");
        assert_eq!(v["type"], "string");
        assert_eq!(v["format"], "name");
        assert_eq!(v["priority"], 0);
        assert!(v["description"]
            .as_str()
            .unwrap()
            .starts_with("Name must be unique"));
    }

    #[test]
    fn plain_columns_keep_an_empty_format_and_wide_sets_priority() {
        let v = IMAGES.to_json();
        assert_eq!(v["format"], "");
        assert_eq!(v["priority"], 1);
        assert_eq!(AGE.to_json()["priority"], 0);
        assert_eq!(v.as_object().unwrap().len(), 5);
    }
}
