//! The window: controls on the left, the runs' views in the middle, curves below, a status
//! line at the bottom. The app edits the scene and sends it to the runs; it never touches a
//! model.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::tensor::Device;
use eframe::{egui, egui_wgpu};
use glam::Vec2;

use super::controls::{TimeControl, scene_ui, view_ui};
use super::export::ExportDialog;
use super::plots::{PathMetric, plots_ui};
use super::run::{RUN_COLOURS, Run};
use super::scenes::{self, Variant};
use super::viewport::{GpuViews, ViewCallback, camera_input};
use crate::coupling::{CouplingConfig, CouplingMethod, ReflowConfig};
use crate::render::{Cameras, ColourMode, Palette, Style, ViewMode, overlays};
use crate::scene::Scene;
use crate::session::SceneChange;
use crate::session::live::{Command, Start};

/// Where the training runs and what draws, for the status line.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub training: String,
    pub adapter: String,
}

pub struct FlowscopeApp {
    device: Device,
    info: DeviceInfo,
    /// The scene being edited: the single run's, or the base of every compare run.
    scene: Scene,
    /// The scene as last sent to the runs.
    sent_scene: Scene,
    /// Set in compare mode: one variant per run.
    compare: Option<Vec<Variant>>,
    runs: Vec<Run>,
    next_gpu_key: u64,
    cameras: Cameras,
    /// The picture picked where a space offers several (the torus); unset, the space's first.
    chosen_view: Option<ViewMode>,
    style: Style,
    time: TimeControl,
    metric: PathMetric,
    presentation: bool,
    /// A message for the status line (errors, restarts), with when it appeared.
    notice: Option<(String, Instant)>,
    scene_path: Option<PathBuf>,
    frame_times: VecDeque<Instant>,
    last_frame: Option<Instant>,
    show_help: bool,
    /// Set when runs restart: the plane camera frames the data once it has arrived.
    fit_camera: bool,
    /// Where the last scene is kept between sessions (None in tests).
    last_scene_file: Option<PathBuf>,
    export: ExportDialog,
}

/// How long a notice stays in the status line.
const NOTICE_SECS: f32 = 12.0;

impl FlowscopeApp {
    /// Adds DejaVu Sans (assets/fonts) behind egui's fonts, for the arrows, Greek letters and
    /// symbols the panels and scene titles use.
    pub fn install_fonts(ctx: &egui::Context) {
        let families =
            [egui::FontFamily::Proportional, egui::FontFamily::Monospace].map(|family| {
                egui::epaint::text::InsertFontFamily {
                    family,
                    priority: egui::epaint::text::FontPriority::Lowest,
                }
            });
        ctx.add_font(egui::epaint::text::FontInsert::new(
            "DejaVu Sans",
            egui::FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf")),
            families.to_vec(),
        ));
    }

    /// The app in a window: registers our GPU pipelines with egui-wgpu.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        device: Device,
        training: String,
        last_scene_file: Option<PathBuf>,
    ) -> Self {
        Self::install_fonts(&cc.egui_ctx);
        let adapter = match &cc.wgpu_render_state {
            Some(state) => {
                let info = state.adapter.get_info();
                state
                    .renderer
                    .write()
                    .callback_resources
                    .insert(GpuViews::new(&state.device, state.target_format));
                format!("{} [{:?}]", info.name, info.backend)
            }
            None => "no GPU renderer".to_string(),
        };
        let scene = last_scene_file
            .as_deref()
            .and_then(|path| Scene::load(path).ok())
            .unwrap_or_else(|| scenes::shipped(1).unwrap_or_default());
        Self::with_scene(
            &cc.egui_ctx,
            device,
            DeviceInfo { training, adapter },
            scene,
            last_scene_file,
        )
    }

    /// The app without a window (tests): runs train, views draw nothing.
    pub fn with_scene(
        ctx: &egui::Context,
        device: Device,
        info: DeviceInfo,
        scene: Scene,
        last_scene_file: Option<PathBuf>,
    ) -> Self {
        let mut app = Self {
            device,
            info,
            sent_scene: scene.clone(),
            scene,
            compare: None,
            runs: Vec::new(),
            next_gpu_key: 0,
            cameras: Cameras::default(),
            chosen_view: None,
            style: Style::default(),
            time: TimeControl::default(),
            metric: PathMetric::default(),
            presentation: false,
            notice: None,
            scene_path: None,
            frame_times: VecDeque::new(),
            last_frame: None,
            show_help: false,
            fit_camera: true,
            last_scene_file,
            export: ExportDialog::default(),
        };
        app.restart_runs(ctx);
        app
    }

    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    pub fn runs_mut(&mut self) -> &mut [Run] {
        &mut self.runs
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(text, _)| text.as_str())
    }

    fn set_notice(&mut self, text: impl Into<String>) {
        self.notice = Some((text.into(), Instant::now()));
    }

    /// The scene run `index` trains: the base scene, with its variant's coupling in compare mode.
    fn scene_for(&self, index: usize) -> Scene {
        let mut scene = self.scene.clone();
        if let Some(variant) = self.compare.as_ref().and_then(|v| v.get(index)) {
            scene.coupling = variant.coupling.clone();
        }
        scene
    }

    /// Starts fresh runs for the current scene (and variants).
    fn restart_runs(&mut self, ctx: &egui::Context) {
        self.runs.clear();
        if self.scene.sample.guidance.is_some() {
            self.style.colour_mode = ColourMode::for_scene(&self.scene);
        }
        if self.scene.coupling.method == CouplingMethod::Paired {
            // The observations each flow restores.
            self.style.layers.source = true;
        }
        let count = self.compare.as_ref().map_or(1, Vec::len);
        for index in 0..count {
            let scene = self.scene_for(index);
            let name = scene.run_label();
            self.next_gpu_key += 1;
            match Run::start(
                name,
                RUN_COLOURS[index % RUN_COLOURS.len()],
                Start::Fresh(Box::new(scene)),
                self.device.clone(),
                ctx,
                self.next_gpu_key,
            ) {
                Ok(run) => self.runs.push(run),
                Err(error) => self.set_notice(format!("Could not start the run: {error}")),
            }
        }
        self.sent_scene = self.scene.clone();
        self.remember_scene();
        self.fit_camera = true;
    }

    /// Sends the edited scene to every run (each keeps its weights when it can).
    fn send_scene(&mut self) {
        for index in 0..self.runs.len() {
            let scene = self.scene_for(index);
            self.runs[index].send(Command::SetScene(Box::new(scene)));
        }
        for index in 0..self.runs.len() {
            self.runs[index].name = self.scene_for(index).run_label();
        }
        self.sent_scene = self.scene.clone();
        self.remember_scene();
    }

    fn command_all(&self, command: Command) {
        for run in &self.runs {
            run.send(command.clone());
        }
    }

    /// Starts or pauses every run.
    pub fn toggle_training(&self) {
        let running = self.runs.iter().any(Run::running);
        self.command_all(if running {
            Command::Pause
        } else {
            Command::Play
        });
    }

    /// Replaces the scene (from a file, a drop or a shipped preset); the runs restart.
    pub fn load_scene(&mut self, ctx: &egui::Context, scene: Scene, path: Option<PathBuf>) {
        self.scene = scene;
        self.scene_path = path;
        self.restart_runs(ctx);
    }

    /// Reads a scene file; on error the current scene stays and the error is shown.
    pub fn open_scene_file(&mut self, ctx: &egui::Context, path: &Path) {
        match Scene::load(path) {
            Ok(scene) => {
                self.set_notice(format!("Opened {}.", path.display()));
                self.load_scene(ctx, scene, Some(path.to_path_buf()));
            }
            Err(error) => self.set_notice(format!("Scene not loaded: {error}")),
        }
    }

    /// Enters compare mode with `variants`, or leaves it.
    pub fn set_compare(&mut self, ctx: &egui::Context, variants: Option<Vec<Variant>>) {
        self.compare = variants;
        self.restart_runs(ctx);
    }

    /// Continues the run saved in `dir` (its scene and weights); on error nothing changes.
    pub fn open_checkpoint(&mut self, ctx: &egui::Context, dir: &Path) {
        let scene = match Scene::load(&dir.join(crate::session::SCENE_FILE)) {
            Ok(scene) => scene,
            Err(error) => return self.set_notice(format!("Checkpoint not opened: {error}")),
        };
        self.next_gpu_key += 1;
        let run = Run::start(
            "run".to_string(),
            RUN_COLOURS[0],
            Start::Checkpoint(dir.to_path_buf()),
            self.device.clone(),
            ctx,
            self.next_gpu_key,
        );
        match run {
            Ok(mut run) => {
                run.name = scene.run_label();
                self.compare = None;
                self.runs = vec![run];
                self.scene = scene.clone();
                self.sent_scene = scene;
                self.fit_camera = true;
                self.set_notice(format!("Opened the checkpoint in {}.", dir.display()));
            }
            Err(error) => self.set_notice(format!("Checkpoint not opened: {error}")),
        }
    }

    /// Exports the runs as the Export dialog does, without its file dialog.
    pub fn start_export(&mut self, out: PathBuf, settings: crate::export::VideoSettings) {
        self.export.start(out, settings, &self.runs, &self.device);
    }

    /// Saves the first run's scene and weights into `dir`.
    pub fn save_checkpoint(&mut self, dir: &Path) {
        let Some(run) = self.runs.first() else {
            return;
        };
        let (reply, answer) = std::sync::mpsc::channel();
        run.send(Command::SaveCheckpoint {
            dir: dir.to_path_buf(),
            reply,
        });
        let message = match answer.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(Ok(())) => format!("Saved the checkpoint in {}.", dir.display()),
            Ok(Err(error)) => format!("Checkpoint not saved: {error}"),
            Err(_) => "Checkpoint not saved: the run did not answer.".to_string(),
        };
        self.set_notice(message);
    }

    /// Where the window keeps the runs it reflows: beside the remembered scene, or in the
    /// temporary directory when there is none.
    fn reflow_runs_dir(&self) -> PathBuf {
        match self.last_scene_file.as_deref().and_then(Path::parent) {
            Some(dir) => dir.join("runs"),
            None => std::env::temp_dir().join(format!("flowscope-runs-{}", std::process::id())),
        }
    }

    /// Whether the last run has finished training, so it can be reflowed.
    pub fn can_reflow(&self) -> bool {
        self.runs.last().is_some_and(|run| {
            run.snapshot
                .as_ref()
                .is_some_and(|s| !s.running && s.step > 0 && s.step >= s.scene.train.steps)
        }) && self.runs.len() < RUN_COLOURS.len()
            && self.scene.coupling.method != CouplingMethod::Paired
    }

    /// Trains a rectified flow on the last run's endpoints, beside it in compare mode: the
    /// run is saved, and a new run reflows it.
    pub fn reflow(&mut self, ctx: &egui::Context) {
        if !self.can_reflow() {
            return self.set_notice(
                "Reflow needs a finished run (trained to its last step) and room for one more view.",
            );
        }
        let Some(parent) = self.runs.last() else {
            return;
        };
        let Some(parent_scene) = parent.snapshot.as_ref().map(|s| s.scene.clone()) else {
            return;
        };
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let dir = self
            .reflow_runs_dir()
            .join(format!("{stamp}-step{}", parent.step()));
        let (reply, answer) = std::sync::mpsc::channel();
        parent.send(Command::SaveCheckpoint {
            dir: dir.clone(),
            reply,
        });
        match answer.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return self.set_notice(format!("Reflow not started: {error}")),
            Err(_) => return self.set_notice("Reflow not started: the run did not answer."),
        }
        let parent_level = parent_scene.coupling.reflow.as_ref().map_or(1, |r| r.level);
        let mut reflow = ReflowConfig::new(dir);
        reflow.level = parent_level + 1;
        let coupling = CouplingConfig {
            method: CouplingMethod::Reflow,
            reflow: Some(reflow),
            ..parent_scene.coupling.clone()
        };
        let mut variants = self.compare.clone().unwrap_or_else(|| {
            vec![Variant {
                coupling: self.scene.coupling.clone(),
            }]
        });
        variants.push(Variant {
            coupling: coupling.clone(),
        });
        let index = self.runs.len();
        self.next_gpu_key += 1;
        let scene = Scene {
            coupling: coupling.clone(),
            ..parent_scene
        };
        match Run::start(
            scene.run_label(),
            RUN_COLOURS[index % RUN_COLOURS.len()],
            Start::Fresh(Box::new(scene)),
            self.device.clone(),
            ctx,
            self.next_gpu_key,
        ) {
            Ok(run) => {
                run.send(Command::Play);
                self.runs.push(run);
                self.compare = Some(variants);
                self.set_notice(format!(
                    "Training the {} on the endpoints of the run beside it.",
                    coupling.label()
                ));
            }
            Err(error) => self.set_notice(format!("Reflow not started: {error}")),
        }
    }

    fn remember_scene(&self) {
        if let Some(path) = &self.last_scene_file {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            // Best effort: failing to remember the scene must not disturb the lecture.
            let _ = self.scene.save(path);
        }
    }

    fn save_scene_dialog(&mut self) {
        let Some(path) = rfd::FileDialog::new()
            .add_filter("flowscope scene", &["toml"])
            .set_file_name("scene.toml")
            .save_file()
        else {
            return;
        };
        match self.scene.save(&path) {
            Ok(()) => {
                self.set_notice(format!("Saved {}.", path.display()));
                self.scene_path = Some(path);
            }
            Err(error) => self.set_notice(format!("Scene not saved: {error}")),
        }
    }

    fn open_scene_dialog(&mut self, ctx: &egui::Context) {
        if let Some(path) = rfd::FileDialog::new()
            .add_filter("flowscope scene", &["toml"])
            .pick_file()
        {
            self.open_scene_file(ctx, &path);
        }
    }

    fn set_presentation(&mut self, ctx: &egui::Context, on: bool) {
        self.presentation = on;
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
        ctx.set_zoom_factor(if on { 1.5 } else { 1.0 });
        self.style.palette = if on {
            Palette::HIGH_CONTRAST
        } else {
            Palette::DARK
        };
        self.style.particle_size_px = if on { 6.0 } else { 4.0 };
        self.style.sample_size_px = if on { 4.5 } else { 3.0 };
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let pressed = |key| ctx.input(|i| i.key_pressed(key));
        use egui::Key;
        if pressed(Key::Space) {
            self.toggle_training();
        }
        if pressed(Key::R) {
            self.command_all(Command::Reset);
        }
        if pressed(Key::S) {
            self.command_all(Command::Step);
        }
        if pressed(Key::T) {
            self.time.playing = !self.time.playing;
        }
        if pressed(Key::C) {
            let variants = match self.compare {
                Some(_) => None,
                None => Some(scenes::coupling_comparison()),
            };
            self.set_compare(ctx, variants);
        }
        if pressed(Key::F11) {
            self.set_presentation(ctx, !self.presentation);
        }
        if pressed(Key::Escape) && self.presentation {
            self.set_presentation(ctx, false);
        }
        if pressed(Key::F1) {
            self.show_help = !self.show_help;
        }
        if pressed(Key::E) {
            self.export.open = true;
        }
        let numbers = [
            Key::Num1,
            Key::Num2,
            Key::Num3,
            Key::Num4,
            Key::Num5,
            Key::Num6,
            Key::Num7,
            Key::Num8,
            Key::Num9,
        ];
        for (index, key) in numbers.into_iter().enumerate() {
            if pressed(key)
                && let Some(scene) = scenes::shipped(index)
            {
                self.load_scene(ctx, scene, None);
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        for file in dropped {
            let path = file.path().to_path_buf();
            if !path.as_os_str().is_empty() {
                self.open_scene_file(ctx, &path);
            }
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("Scene", |ui| {
                if ui
                    .button("Open…")
                    .on_hover_text("Open a scene file (TOML).")
                    .clicked()
                {
                    self.open_scene_dialog(&ctx);
                }
                if ui
                    .button("Save as…")
                    .on_hover_text("Save every setting of this scene as TOML.")
                    .clicked()
                {
                    self.save_scene_dialog();
                }
                ui.separator();
                for (index, (name, text)) in scenes::SHIPPED.iter().enumerate() {
                    let title = Scene::from_toml(text).map(|s| s.title).unwrap_or_default();
                    if ui
                        .button(format!("{}  {title}", index + 1))
                        .on_hover_text(format!("assets/scenes/{name}.toml"))
                        .clicked()
                        && let Some(scene) = scenes::shipped(index)
                    {
                        self.load_scene(&ctx, scene, None);
                    }
                }
                ui.separator();
                if ui
                    .button("Compare: independent vs OT k = 64 vs OT k = 1024")
                    .on_hover_text("Three runs side by side on the same data and seed (C).")
                    .clicked()
                {
                    self.set_compare(&ctx, Some(scenes::coupling_comparison()));
                }
                if self.compare.is_some() && ui.button("Leave compare mode").clicked() {
                    self.set_compare(&ctx, None);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Presentation mode (F11)").clicked() {
                    self.set_presentation(&ctx, !self.presentation);
                }
                if ui.button("Reset camera").clicked() {
                    self.cameras = Cameras::default();
                }
                if ui.button("Keyboard shortcuts (F1)").clicked() {
                    self.show_help = true;
                }
            });
            ui.separator();
            ui.label(egui::RichText::new(&self.scene.title).strong());
        });
    }

    fn training_buttons_ui(&mut self, ui: &mut egui::Ui) {
        let running = self.runs.iter().any(Run::running);
        ui.horizontal(|ui| {
            let label = if running { "■ Pause" } else { "▶ Start" };
            if ui
                .button(label)
                .on_hover_text("Train, or pause training (Space).")
                .clicked()
            {
                self.toggle_training();
            }
            if ui
                .button("Step")
                .on_hover_text("One training step (S).")
                .clicked()
            {
                self.command_all(Command::Step);
            }
            if ui
                .button("Reset")
                .on_hover_text("Start again from fresh weights (R).")
                .clicked()
            {
                self.command_all(Command::Reset);
            }
            let ctx = ui.ctx().clone();
            if ui
                .add_enabled(self.can_reflow(), egui::Button::new("Reflow"))
                .on_hover_text(
                    "Train a new model on this run's own endpoints (x0, ψ1(x0)) and show it beside: a rectified flow, with straighter paths.",
                )
                .on_disabled_hover_text(
                    "Reflow needs a finished run: train it to its last step first (not for paired runs; at most four views).",
                )
                .clicked()
            {
                self.reflow(&ctx);
            }
        });
    }

    fn compare_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let Some(variants) = &mut self.compare else {
            if ui
                .button("Compare couplings…")
                .on_hover_text(
                    "Two to four runs side by side, same data and seed, different couplings (C).",
                )
                .clicked()
            {
                self.set_compare(&ctx, Some(scenes::coupling_comparison()));
            }
            if self.scene.coupling.method == CouplingMethod::Paired
                && ui
                    .button("Paired data vs conditional model")
                    .on_hover_text(
                        "The same inverse problem solved twice, side by side: flows starting at the noisy observation, and a model from noise given the observation.",
                    )
                    .clicked()
            {
                let variants = scenes::paired_comparison(&self.scene.coupling);
                self.set_compare(&ctx, Some(variants));
            }
            return;
        };
        let mut changed = false;
        let mut remove = None;
        let count = variants.len();
        for (index, variant) in variants.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.colored_label(RUN_COLOURS[index % RUN_COLOURS.len()], "■");
                let coupling = &mut variant.coupling;
                // Paired and reflow runs are named; any run can become another coupling.
                if matches!(
                    coupling.method,
                    CouplingMethod::Paired | CouplingMethod::Reflow
                ) {
                    ui.label(coupling.label());
                }
                for (method, label) in [
                    (CouplingMethod::Independent, "indep."),
                    (CouplingMethod::Exact, "OT"),
                    (CouplingMethod::Sinkhorn, "Sinkhorn"),
                ] {
                    changed |= ui
                        .selectable_value(&mut coupling.method, method, label)
                        .changed();
                }
                if coupling.method.solves_ot() {
                    changed |= ui
                        .add(
                            egui::DragValue::new(&mut coupling.k)
                                .range(1..=4096)
                                .prefix("k "),
                        )
                        .on_hover_text("This run's OT batch size.")
                        .changed();
                }
                if count > 2
                    && ui
                        .small_button("✖")
                        .on_hover_text("Remove this run.")
                        .clicked()
                {
                    remove = Some(index);
                }
            });
        }
        let mut add = false;
        ui.horizontal(|ui| {
            if count < 4 && ui.button("Add run").clicked() {
                add = true;
            }
            if ui.button("Leave compare").clicked() {
                remove = Some(usize::MAX);
            }
        });
        if remove == Some(usize::MAX) {
            self.set_compare(&ctx, None);
        } else if let Some(index) = remove.filter(|_| count > 2) {
            let mut variants = variants.clone();
            variants.remove(index);
            self.set_compare(&ctx, Some(variants));
        } else if add {
            let mut variants = variants.clone();
            let last = variants.last().cloned().unwrap_or(Variant {
                coupling: self.scene.coupling.clone(),
            });
            variants.push(last);
            self.set_compare(&ctx, Some(variants));
        } else if changed {
            self.send_scene();
        }
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            self.training_buttons_ui(ui);
            ui.separator();
            let mut scene = self.scene.clone();
            if scene_ui(ui, &mut scene) {
                if scene.sample.guidance.is_some() && self.scene.sample.guidance.is_none() {
                    self.style.colour_mode = ColourMode::for_scene(&scene);
                }
                self.scene = scene;
            }
            // Settings that restart training wait until the slider is let go.
            let change = SceneChange::between(&self.sent_scene, &self.scene);
            let pointer_down = ui.input(|i| i.pointer.any_down());
            match change {
                SceneChange::Same => {}
                SceneChange::Applied => self.send_scene(),
                SceneChange::NeedsRestart(_) if !pointer_down => self.send_scene(),
                SceneChange::NeedsRestart(_) => {}
            }
            egui::CollapsingHeader::new("Compare")
                .default_open(self.compare.is_some())
                .show(ui, |ui| self.compare_ui(ui));
            egui::CollapsingHeader::new("View")
                .default_open(true)
                .show(ui, |ui| view_ui(ui, &mut self.style, &mut self.time));
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(format!("training: {}", self.info.training));
            ui.separator();
            ui.label(format!("drawing: {}", self.info.adapter));
            ui.separator();
            ui.label(format!("{:.0} fps", self.fps()));
            for run in &self.runs {
                if let Some(snapshot) = &run.snapshot {
                    ui.separator();
                    ui.colored_label(
                        run.colour,
                        format!(
                            "step {} · {:.0} steps/s",
                            snapshot.step, snapshot.steps_per_sec
                        ),
                    );
                }
            }
            if let Some((text, since)) = &self.notice
                && since.elapsed().as_secs_f32() < NOTICE_SECS
            {
                ui.separator();
                ui.colored_label(egui::Color32::from_rgb(255, 200, 90), text);
            }
        });
    }

    fn fps(&self) -> f64 {
        match (self.frame_times.front(), self.frame_times.back()) {
            (Some(first), Some(last)) if self.frame_times.len() > 1 => {
                let secs = last.duration_since(*first).as_secs_f64();
                if secs > 0.0 {
                    (self.frame_times.len() - 1) as f64 / secs
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        let views = self.scene.space.views();
        let mode = match self.chosen_view {
            Some(chosen) if views.contains(&chosen) => chosen,
            _ => views[0],
        };
        if views.len() > 1 {
            ui.horizontal(|ui| {
                for &view in views {
                    if ui
                        .selectable_label(mode == view, view.name())
                        .on_hover_text(view.description())
                        .clicked()
                    {
                        self.chosen_view = Some(view);
                    }
                }
            });
        }
        let count = self.runs.len().max(1);
        let (columns, rows) = match count {
            1 => (1, 1),
            2 => (2, 1),
            3 => (3, 1),
            _ => (2, 2),
        };
        let area = ui.available_rect_before_wrap();
        let tile = egui::vec2(area.width() / columns as f32, area.height() / rows as f32);
        if self.fit_camera
            && let Some(snapshot) = self.runs.first().and_then(|r| r.snapshot.as_ref())
        {
            self.cameras.fit_plane(snapshot, Vec2::new(tile.x, tile.y));
            self.fit_camera = false;
        }
        let ppp = ui.ctx().pixels_per_point();
        let style = self.style;
        let t = self.time.t;
        for index in 0..self.runs.len() {
            let (column, row) = (index % columns, index / columns);
            let rect = egui::Rect::from_min_size(
                area.min + egui::vec2(column as f32 * tile.x, row as f32 * tile.y),
                tile,
            )
            .shrink(2.0);
            let response = ui.interact(
                rect,
                egui::Id::unique(("flowscope-view", index)),
                egui::Sense::click_and_drag(),
            );
            camera_input(&mut self.cameras, mode, &response, ui);
            let size_px = Vec2::new(rect.width() * ppp, rect.height() * ppp);
            let run = &mut self.runs[index];
            let painter = ui.painter_at(rect);
            let Some(content) = run.draw_content(style.colour_mode, &style.palette) else {
                painter.rect_filled(rect, 0.0, egui::Color32::from_rgb(18, 20, 26));
                painter.text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "starting…",
                    egui::FontId::proportional(16.0),
                    egui::Color32::GRAY,
                );
                continue;
            };
            let Some(snapshot) = run.snapshot.as_ref() else {
                continue;
            };
            let view_size = Vec2::new(rect.width(), rect.height());
            let layers = overlays(snapshot, mode, &self.cameras, view_size, t, &style);
            let (clip_from_world, eye) = self.cameras.transform(mode, view_size);
            painter.add(egui_wgpu::Callback::new_paint_callback(
                rect,
                ViewCallback {
                    key: run.gpu_key,
                    size_px: [
                        size_px.x.round().max(1.0) as u32,
                        size_px.y.round().max(1.0) as u32,
                    ],
                    mode,
                    clip_from_world,
                    eye,
                    t,
                    style,
                    content,
                    overlay: Arc::new(layers.segments),
                    density: layers.density.map(Arc::new),
                },
            ));
            if let Some(step) = layers.grid_step {
                tick_labels(&painter, rect, &self.cameras, step);
            }
            if mode == ViewMode::TorusFlat {
                angle_labels(&painter, rect, &self.cameras);
            }
            let font = egui::FontId::proportional(if self.presentation { 18.0 } else { 14.0 });
            let mut heading = format!("{} · step {} · t = {:.2}", run.name, snapshot.step, t);
            if snapshot.step == 0 && !snapshot.running {
                heading.push_str("  —  press Space or ▶ Start to train");
            }
            painter.text(
                rect.left_top() + egui::vec2(8.0, 6.0),
                egui::Align2::LEFT_TOP,
                heading,
                font,
                run.colour,
            );
        }
        ui.allocate_rect(area, egui::Sense::hover());
    }

    fn help_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_help;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("keys").show(ui, |ui| {
                    for (key, what) in [
                        ("Space", "start / pause training"),
                        ("S", "one training step"),
                        ("R", "reset the weights"),
                        ("T", "play / pause the flow animation"),
                        ("1–9", "load a shipped scene"),
                        ("C", "compare couplings side by side"),
                        ("E", "export a video"),
                        ("F11", "presentation mode (Esc leaves)"),
                        (
                            "drag / wheel",
                            "pan and zoom, or orbit; double-click resets",
                        ),
                    ] {
                        ui.strong(key);
                        ui.label(what);
                        ui.end_row();
                    }
                });
            });
        self.show_help = open;
    }

    /// One frame of the whole window.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let now = Instant::now();
        let dt = self
            .last_frame
            .map_or(0.0, |last| now.duration_since(last).as_secs_f32())
            .min(0.1);
        self.last_frame = Some(now);
        self.frame_times.push_back(now);
        while self.frame_times.len() > 60 {
            self.frame_times.pop_front();
        }
        for run in &mut self.runs {
            run.poll();
            if let Some(notice) = run.notice.take() {
                self.notice = Some((notice, Instant::now()));
            }
        }
        self.keyboard(&ctx);
        self.dropped_files(&ctx);
        if self.time.advance(dt) {
            ctx.request_repaint();
        }
        if self.runs.iter().any(Run::running) {
            ctx.request_repaint();
        }
        let panel = unfilled_panel(ui.style());
        if !self.presentation {
            egui::Panel::top("menu")
                .frame(panel)
                .show(ui, |ui| self.menu_ui(ui));
        }
        egui::Panel::bottom("status")
            .frame(panel)
            .show(ui, |ui| self.status_ui(ui));
        if !self.presentation {
            egui::Panel::bottom("plots")
                .frame(panel)
                .resizable(true)
                .default_size(190.0)
                .show(ui, |ui| {
                    let height = ui.available_height() - 30.0;
                    let w = self.scene.sample.guidance.map(|g| g.w);
                    plots_ui(ui, &self.runs, &mut self.metric, w, height);
                });
            egui::Panel::left("controls")
                .frame(panel)
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| self.side_panel_ui(ui));
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| self.views_ui(ui));
        if self.show_help {
            self.help_ui(&ctx);
        }
        if let Some(message) = self.export.ui(&ctx, &self.runs, &self.device) {
            self.set_notice(message);
        }
    }
}

/// A side or top panel's frame without its fill: the window is cleared to the panel colour
/// (`clear_color`) instead, because a software rasteriser pays for every filled pixel as a
/// textured fragment, and the panels cover half the window.
fn unfilled_panel(style: &egui::Style) -> egui::Frame {
    egui::Frame::side_top_panel(style).fill(egui::Color32::TRANSPARENT)
}

/// Numbers along the bottom and left edges of the plane view at each grid line.
fn tick_labels(painter: &egui::Painter, rect: egui::Rect, cameras: &Cameras, step: f32) {
    let size = Vec2::new(rect.width(), rect.height());
    let (min, max) = cameras.plane.visible_world(size);
    let font = egui::FontId::monospace(11.0);
    let colour = egui::Color32::from_gray(150);
    let to_screen = |world: Vec2| {
        let u = (world - min) / (max - min);
        egui::pos2(
            rect.left() + u.x * rect.width(),
            rect.bottom() - u.y * rect.height(),
        )
    };
    let label = |v: f32| {
        let text = format!("{v:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let mut x = (min.x / step).ceil() * step;
    while x <= max.x {
        let at = to_screen(Vec2::new(x, min.y));
        painter.text(
            at + egui::vec2(2.0, -2.0),
            egui::Align2::LEFT_BOTTOM,
            label(x),
            font.clone(),
            colour,
        );
        x += step;
    }
    let mut y = (min.y / step).ceil() * step;
    while y <= max.y {
        let at = to_screen(Vec2::new(min.x, y));
        painter.text(
            at + egui::vec2(2.0, -2.0),
            egui::Align2::LEFT_BOTTOM,
            label(y),
            font.clone(),
            colour,
        );
        y += step;
    }
}

/// 0, π and 2π along the unrolled torus's edges, and the names of its angles.
fn angle_labels(painter: &egui::Painter, rect: egui::Rect, cameras: &Cameras) {
    let size = Vec2::new(rect.width(), rect.height());
    let (min, max) = cameras.torus_flat.visible_world(size);
    let to_screen = |world: Vec2| {
        let u = (world - min) / (max - min);
        egui::pos2(
            rect.left() + u.x * rect.width(),
            rect.bottom() - u.y * rect.height(),
        )
    };
    let font = egui::FontId::proportional(13.0);
    let colour = egui::Color32::from_gray(170);
    let pi = std::f32::consts::PI;
    for (value, text) in [(0.0, "0"), (pi, "π"), (2.0 * pi, "2π")] {
        painter.text(
            to_screen(Vec2::new(value, 0.0)) + egui::vec2(0.0, 4.0),
            egui::Align2::CENTER_TOP,
            text,
            font.clone(),
            colour,
        );
        painter.text(
            to_screen(Vec2::new(0.0, value)) + egui::vec2(-6.0, 0.0),
            egui::Align2::RIGHT_CENTER,
            text,
            font.clone(),
            colour,
        );
    }
    painter.text(
        to_screen(Vec2::new(2.0 * pi, 0.0)) + egui::vec2(14.0, 4.0),
        egui::Align2::LEFT_TOP,
        "θ",
        font.clone(),
        colour,
    );
    painter.text(
        to_screen(Vec2::new(0.0, 2.0 * pi)) + egui::vec2(-6.0, -14.0),
        egui::Align2::RIGHT_BOTTOM,
        "φ",
        font,
        colour,
    );
}

impl eframe::App for FlowscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    /// The panels' colour: they are drawn without a fill of their own (`unfilled_panel`).
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn on_exit(&mut self) {
        self.remember_scene();
    }
}
