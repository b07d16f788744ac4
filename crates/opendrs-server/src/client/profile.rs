//! Named profiles (endpoint, AK, SK, project) in a TOML file, `opendrs configure`, and the precedence
//! the client applies: flags, then environment variables (both read by clap), then the profile.

use super::http::Credentials;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    fmt,
    io::{BufRead as _, IsTerminal as _, Write as _},
    path::{Path, PathBuf},
};

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// One profile of the credentials file. `Debug` hides the secret key.
#[derive(Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ak: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("endpoint", &self.endpoint)
            .field("ak", &self.ak)
            .field("sk", &self.sk.as_ref().map(|_| "<hidden>"))
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// Every profile of the file, by name.
pub type Profiles = BTreeMap<String, Profile>;

/// The credentials file: `$OPENDRS_CLIENT_CONFIG`, else `~/.config/opendrs/credentials.toml`.
pub fn config_path(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<PathBuf> {
    if let Some(p) = env("OPENDRS_CLIENT_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = env("HOME").filter(|h| !h.is_empty()).ok_or_else(|| {
        anyhow::anyhow!("HOME is not set: name the file with OPENDRS_CLIENT_CONFIG")
    })?;
    Ok(Path::new(&home).join(".config/opendrs/credentials.toml"))
}

/// Reads the file (absent: no profiles).
pub fn load(path: &Path) -> anyhow::Result<Profiles> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("cannot read {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the file with mode 0600 (replacing it atomically), its folder created with mode 0700.
pub fn save(path: &Path, profiles: &Profiles) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let text = toml::to_string(profiles)?;
    crate::secret_file::replace(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// What flags and environment gave (clap already put flags over the environment).
#[derive(Default)]
pub struct Given {
    pub endpoint: Option<String>,
    pub ak: Option<String>,
    pub sk: Option<String>,
    pub project_id: Option<String>,
    /// `--profile` or `OPENDRS_PROFILE`.
    pub profile: Option<String>,
}

/// The credentials to use: each value from flags or environment, else from the profile. A profile named
/// explicitly must exist; the default one is used only when present.
pub fn resolve(given: Given, path: Option<&Path>) -> anyhow::Result<Credentials> {
    let profiles = path.map(load).transpose()?.unwrap_or_default();
    let shown = path.map(|p| p.display().to_string()).unwrap_or_default();
    let profile = match &given.profile {
        Some(name) => profiles.get(name).cloned().ok_or_else(|| {
            anyhow::anyhow!("no profile {name:?} in {shown} (see `opendrs configure`)")
        })?,
        None => profiles.get(DEFAULT_PROFILE).cloned().unwrap_or_default(),
    };
    let pick = |g: Option<String>, p: Option<String>, flag: &str, env: &str| {
        g.or(p).filter(|v| !v.is_empty()).ok_or_else(|| {
            anyhow::anyhow!("no {flag}: pass --{flag}, set {env} or run `opendrs configure`",)
        })
    };
    Ok(Credentials {
        endpoint: pick(
            given.endpoint,
            profile.endpoint,
            "endpoint",
            "OPENDRS_ENDPOINT",
        )?,
        ak: pick(given.ak, profile.ak, "ak", "OPENDRS_AK")?,
        sk: pick(given.sk, profile.sk, "sk", "OPENDRS_SK")?,
        project_id: pick(
            given.project_id,
            profile.project_id,
            "project-id",
            "OPENDRS_PROJECT_ID",
        )?,
    })
}

/// `opendrs configure`: sets the values given, asks for the others on a terminal (the SK without echo),
/// keeps what the profile had for an empty answer, and writes the file.
pub fn configure(given: Given, path: &Path) -> anyhow::Result<String> {
    let mut profiles = load(path)?;
    let name = given
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let mut p = profiles.get(&name).cloned().unwrap_or_default();
    let interactive = std::io::stdin().is_terminal();
    let any_given = given.endpoint.is_some()
        || given.ak.is_some()
        || given.sk.is_some()
        || given.project_id.is_some();
    let ask = interactive && !any_given;
    p.endpoint = value(
        given.endpoint,
        p.endpoint,
        ask,
        "Endpoint (http://host:port)",
    )?;
    p.ak = value(given.ak, p.ak, ask, "Access key (AK)")?;
    p.sk = match given.sk {
        Some(sk) => Some(sk),
        None if ask => {
            let hint = if p.sk.is_some() { " [keep]" } else { "" };
            let sk = rpassword::prompt_password(format!("Secret key (SK){hint}: "))?;
            if sk.trim().is_empty() {
                p.sk
            } else {
                Some(sk.trim().to_string())
            }
        }
        None => p.sk,
    };
    p.project_id = value(given.project_id, p.project_id, ask, "Project ID")?;
    let missing: Vec<&str> = [
        ("--endpoint", &p.endpoint),
        ("--ak", &p.ak),
        ("--sk", &p.sk),
        ("--project-id", &p.project_id),
    ]
    .iter()
    .filter(|(_, v)| v.as_deref().is_none_or(str::is_empty))
    .map(|(f, _)| *f)
    .collect();
    if !missing.is_empty() {
        anyhow::bail!("profile {name:?} needs {}", missing.join(", "));
    }
    super::http::split_endpoint(p.endpoint.as_deref().unwrap_or_default())?;
    profiles.insert(name.clone(), p);
    save(path, &profiles)?;
    Ok(format!("profile {name} written to {}", path.display()))
}

/// A plain value: the one given, else (on a terminal) the answer to a prompt showing the current one.
fn value(
    given: Option<String>,
    current: Option<String>,
    ask: bool,
    prompt: &str,
) -> anyhow::Result<Option<String>> {
    if given.is_some() || !ask {
        return Ok(given.or(current));
    }
    let hint = current
        .as_deref()
        .map(|c| format!(" [{c}]"))
        .unwrap_or_default();
    eprint!("{prompt}{hint}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim();
    Ok(if line.is_empty() {
        current
    } else {
        Some(line.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(endpoint: Option<&str>, profile: Option<&str>) -> Given {
        Given {
            endpoint: endpoint.map(str::to_string),
            profile: profile.map(str::to_string),
            ..Given::default()
        }
    }

    #[test]
    fn flags_or_environment_win_over_the_profile_and_a_named_profile_must_exist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c/credentials.toml");
        let p = Profile {
            endpoint: Some("http://from-profile:1".into()),
            ak: Some("AK".into()),
            sk: Some("SK".into()),
            project_id: Some("p".into()),
        };
        save(&path, &Profiles::from([("work".to_string(), p)])).expect("save");
        let c = resolve(given(None, Some("work")), Some(&path)).expect("resolve");
        assert_eq!(c.endpoint, "http://from-profile:1");
        let c = resolve(given(Some("http://given:2"), Some("work")), Some(&path)).expect("resolve");
        assert_eq!(c.endpoint, "http://given:2");
        assert!(resolve(given(None, Some("nope")), Some(&path)).is_err());
        let e = resolve(given(None, None), Some(&path))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("OPENDRS_ENDPOINT")));
    }

    #[test]
    fn the_default_file_is_under_the_home_config_folder() {
        let path = config_path(|k| (k == "HOME").then(|| "/home/u".to_string())).expect("path");
        assert_eq!(path, Path::new("/home/u/.config/opendrs/credentials.toml"));
        let path = config_path(|k| (k == "OPENDRS_CLIENT_CONFIG").then(|| "/x.toml".to_string()));
        assert_eq!(path.expect("path"), Path::new("/x.toml"));
    }
}
