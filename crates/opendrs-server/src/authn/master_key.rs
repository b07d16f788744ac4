//! The master key: from configuration, else `<data-dir>/master.key` (created on first use,
//! readable by the owner only).

use crate::config::Config;
use opendrs_core::crypto::MasterKey;

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
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, key.to_hex())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
            }
            std::fs::rename(&tmp, &path)?;
            Ok(key)
        }
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}
