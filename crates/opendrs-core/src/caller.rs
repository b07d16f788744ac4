//! Who is asking: the tenant (project) a request is scoped to and what its caller may do.
//! Every store method takes a [`Tenant`], so no query can be written without one.

/// A project that a request has been authenticated for. Built only by authentication
/// (and by administrative tools acting on a named project).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant {
    project_id: String,
    key: i64,
}

impl Tenant {
    /// `key` is the store's internal key of the project.
    pub fn new(project_id: impl Into<String>, key: i64) -> Self {
        Tenant {
            project_id: project_id.into(),
            key,
        }
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The store's internal key for this project.
    pub fn key(&self) -> i64 {
        self.key
    }
}

/// A role a user holds on a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything.
    Admin,
    /// Read-only: list, status, detail.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "drs_admin",
            Role::Viewer => "drs_viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "drs_admin" => Some(Role::Admin),
            "drs_viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// An authenticated caller, scoped to one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: Tenant,
    pub user_id: String,
    pub roles: Vec<Role>,
    /// `None`: every enterprise project of the project; `Some(list)`: only these.
    pub enterprise_projects: Option<Vec<String>>,
}

impl Caller {
    /// Whether the caller may change jobs (create, start, delete, …).
    pub fn can_write(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// Whether the caller may read jobs.
    pub fn can_read(&self) -> bool {
        !self.roles.is_empty()
    }
}
