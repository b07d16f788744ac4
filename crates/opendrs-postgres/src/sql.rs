//! `Sql`: a statement built in order with its numbered parameters (`$1`, `$2`, …).

use tokio_postgres::types::ToSql;

/// A parameter owned by a statement under construction.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// Statement text and its parameters, in the order of their numbers.
#[derive(Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    /// Appends text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends the placeholder of a new parameter.
    pub fn bind<T: ToSql + Sync + Send + 'static>(&mut self, v: T) -> &mut Self {
        self.params.push(Box::new(v));
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// The parameters as tokio-postgres takes them.
    pub fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_in_order() {
        let mut s = Sql::default();
        s.push("a = ")
            .bind(1i64)
            .push(" AND b = ")
            .bind("x".to_string());
        assert_eq!(s.text, "a = $1 AND b = $2");
        assert_eq!(s.refs().len(), 2);
    }
}
