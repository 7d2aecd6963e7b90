//! The open scene file, watched. A lecturer may edit it in a text editor beside the window:
//! when it changes on disk the window reloads it, unless the scene was changed in the window
//! since (those changes are kept), and a file that cannot be read changes nothing. Each case
//! is said in the status line.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use eframe::egui;

use super::FlowscopeApp;
use crate::scene::Scene;

/// How often the file's modification time is read (also while the window is idle).
const CHECK_EVERY: Duration = Duration::from_secs(1);

pub struct WatchedScene {
    pub path: PathBuf,
    /// The file's modification time when it was last read or written (None: unreadable).
    modified: Option<SystemTime>,
    /// The scene as the file held it, to tell changes made in the window.
    as_in_file: Scene,
    last_check: Instant,
}

impl WatchedScene {
    pub fn new(path: PathBuf, as_in_file: Scene) -> Self {
        Self {
            modified: modified_time(&path),
            path,
            as_in_file,
            last_check: Instant::now(),
        }
    }
}

fn modified_time(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl FlowscopeApp {
    /// Reloads the scene file if it changed on disk (checked once a second).
    pub(super) fn watch_scene_file(&mut self, ctx: &egui::Context) {
        let Some(watched) = &mut self.scene_file else {
            return;
        };
        ctx.request_repaint_after(CHECK_EVERY);
        if watched.last_check.elapsed() < CHECK_EVERY {
            return;
        }
        watched.last_check = Instant::now();
        let modified = modified_time(&watched.path);
        if modified == watched.modified {
            return;
        }
        watched.modified = modified;
        let path = watched.path.clone();
        let name = path.display();
        if modified.is_none() {
            return self.set_notice(format!(
                "{name} was removed; the scene in the window is kept (Scene → Save scene… writes it again)."
            ));
        }
        let edited_here = self.scene != watched.as_in_file;
        match Scene::load(&path) {
            Err(error) => self.set_notice(format!(
                "{name} changed on disk and cannot be used ({error}); the scene in the window is kept."
            )),
            Ok(scene) if scene == watched.as_in_file => {}
            Ok(scene) if edited_here => {
                watched.as_in_file = scene;
                self.set_notice(format!(
                    "{name} changed on disk; your changes in the window are kept (Scene → Open… loads the file)."
                ));
            }
            Ok(scene) => {
                self.load_scene(ctx, scene, Some(path.clone()));
                self.set_notice(format!("Reloaded {}: it changed on disk.", path.display()));
            }
        }
    }
}
