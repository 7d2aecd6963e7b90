//! Save dialogs. A virtual display (the soak test's) has no dialog service, so a scripted session
//! sets [`SAVE_DIR_VARIABLE`] and every save dialog answers at once with that folder and the
//! name it suggests.

use std::path::PathBuf;

/// A folder that answers save dialogs without showing them (scripted sessions and tests).
pub const SAVE_DIR_VARIABLE: &str = "FLOWSCOPE_SAVE_DIR";

/// Asks where to save a file, suggesting `name`; `filter` is a label and the extensions it
/// allows. None when the user cancels.
pub fn save_file(name: &str, filter: Option<(&str, &[&str])>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(SAVE_DIR_VARIABLE) {
        return Some(PathBuf::from(dir).join(name));
    }
    let mut dialog = rfd::FileDialog::new().set_file_name(name);
    if let Some((label, extensions)) = filter {
        dialog = dialog.add_filter(label, extensions);
    }
    dialog.save_file()
}
