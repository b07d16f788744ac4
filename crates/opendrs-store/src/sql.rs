//! A SQL statement built in order with its parameters (`?` placeholders bound as pushed).

use rusqlite::types::Value;

/// A SQL fragment and its parameters.
#[derive(Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub fn bind(&mut self, v: impl ToValue) -> &mut Self {
        self.text.push('?');
        self.params.push(v.to_value());
        self
    }

    /// `(?, ?, …)` with one parameter per item.
    pub fn bind_list(&mut self, items: &[String]) -> &mut Self {
        self.text.push('(');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            self.bind(item.clone());
        }
        self.text.push(')');
        self
    }
}

/// What can be bound as a parameter.
pub trait ToValue {
    fn to_value(self) -> Value;
}

impl ToValue for &str {
    fn to_value(self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(self) -> Value {
        Value::Text(self)
    }
}

impl ToValue for i64 {
    fn to_value(self) -> Value {
        Value::Integer(self)
    }
}
