//! Settings shared by every command: where data, layers and open data live, and which database.

use std::path::PathBuf;

use clap::Args;

/// Global settings, from flags or environment variables.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Qala's data directory; its own PostgreSQL cluster lives in `<data-dir>/pg`.
    #[arg(long, global = true, env = "QALA_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,

    /// Use this PostgreSQL server instead of Qala's own cluster.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory of layer files (`*.toml`).
    #[arg(long, global = true, env = "QALA_LAYERS_DIR", default_value = "./layers")]
    pub layers_dir: PathBuf,

    /// Directory of service files (`services/<id>.toml`); a missing directory offers no services.
    #[arg(long, global = true, env = "QALA_SERVICES_DIR", default_value = "./services")]
    pub services_dir: PathBuf,

    /// Directory of open reference data (KATO, boundaries, DEM); optional.
    #[arg(long, global = true, env = "QALA_OPEN_DATA_DIR", default_value = "../shared/data")]
    pub open_data_dir: PathBuf,
}
