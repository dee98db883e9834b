//! Shared by the integration tests: where `../shared` (beside the project root) is.

use std::path::PathBuf;

/// `../shared`, or `None` (after printing why) outside CI when it is absent; under CI its absence fails.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("fixtures").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/fixtures is missing; CI must provide it"
    );
    eprintln!("skipping: ../shared/fixtures not found beside the project root");
    None
}
