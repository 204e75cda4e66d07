//! Failure-path helpers: the shared ones from `qsorm_sandbox::failing`, and the sandbox
//! app role's URL with a wrong password or root certificate.

use std::path::Path;

use qsorm_connect::Password;
use qsorm_sandbox::Sandbox;
#[allow(unused_imports)] // not every test binary of the crate uses all of them
pub use qsorm_sandbox::failing::*;

/// The app role's URL for `db` with another password, or another root certificate.
pub fn app_url_with(sb: &Sandbox, db: &str, password: Option<&str>, root: Option<&Path>) -> String {
    let mut config = qsorm_connect::cli::sandbox_connection(sb, db, None)
        .expect("config")
        .config();
    if let Some(pw) = password {
        config.password = Some(Password::exact(pw));
    }
    if let Some(root) = root {
        config.sslrootcert = Some(root.to_path_buf());
    }
    config.url_with_password()
}
