//! The master key: from configuration, else `<data-dir>/master.key` (created on first use,
//! mode 0600, atomically: processes starting together on a new data directory end up with one
//! key). At start the key is checked against the database: a key that cannot open the
//! database's sealed secrets stops the start.

use crate::config::Config;
use opendrs_core::{
    crypto::{MasterKey, Purpose},
    identity::IdentitySnapshot,
};

/// Loads or creates the master key.
pub fn load(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(hex) = &config.master_key {
        return MasterKey::from_hex(hex)
            .ok_or_else(|| anyhow::anyhow!("master_key must be 64 hexadecimal characters"));
    }
    let path = config.data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => MasterKey::from_hex(&text).ok_or_else(|| {
            anyhow::anyhow!("{} does not hold a 64-hex-character key", path.display())
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir)?;
            let key = MasterKey::generate();
            if crate::secret_file::create_new(&path, key.to_hex().as_bytes())
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?
            {
                return Ok(key);
            }
            // Another process created it meanwhile: use that one.
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            MasterKey::from_hex(&text).ok_or_else(|| {
                anyhow::anyhow!("{} does not hold a 64-hex-character key", path.display())
            })
        }
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// The canary: when the database holds access keys, the one with the smallest AK must open
/// with `key`. A key that does not (another data directory's `master.key`, a mistyped
/// `master_key`) would make every signature fail and every token unreadable, so the start is
/// refused with a message naming both sides. A database without keys has nothing to check.
pub fn check_against(
    snapshot: &IdentitySnapshot,
    key: &MasterKey,
    config: &Config,
) -> anyhow::Result<()> {
    let Some(canary) = snapshot.keys.iter().min_by(|a, b| a.0.cmp(b.0)) else {
        return Ok(());
    };
    if key.open(Purpose::SecretKey, &canary.1.secret).is_some() {
        return Ok(());
    }
    let source = if config.master_key.is_some() {
        "the configured master_key (OPENDRS_MASTER_KEY)".to_string()
    } else {
        format!(
            "the key in {}",
            config.data_dir.join("master.key").display()
        )
    };
    anyhow::bail!(
        "the master key does not match the database {}: {source} cannot open the secret of \
         access key {} stored there. Start with the master key this database was created with.",
        config
            .database()
            .map(|u| u.display())
            .unwrap_or_else(|_| "(unreadable database_url)".into()),
        canary.0
    )
}
