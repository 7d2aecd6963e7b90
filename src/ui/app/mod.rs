//! The window: controls on the left, the runs' views in the middle, curves below, a status
//! line at the bottom. The app edits the scene and sends it to the runs; it never touches a
//! model.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use eframe::egui;

use super::controls::TimeControl;
use super::distances::DistancesWindow;
use super::draw::DrawTool;
use super::export::ExportDialog;
use super::plots::{PathMetric, plots_ui};
use super::run::{RUN_COLOURS, Run};
use super::scenes::{self, Variant};
use super::surface::SurfaceRepair;
use super::sweep::SweepWindow;
use super::viewport::GpuViews;
use crate::coupling::{CouplingConfig, CouplingMethod, ReflowConfig};
use crate::render::{Cameras, ColourMode, Palette, Style, ViewMode};
use crate::scene::Scene;
use crate::session::Turns;
use crate::session::live::{Command, Start};
use scene_file::WatchedScene;

mod compare;
mod help;
mod menu;
mod scene_file;
mod side_panel;
mod status;
mod views;

/// Where the training runs and what draws, for the status line.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub training: String,
    pub adapter: String,
    /// Whether the window draws with a CPU rasteriser (lavapipe), which shares the cores with
    /// training: it then draws at most [`SOFTWARE_FRAMES_PER_SEC`] frames a second.
    pub software: bool,
}

/// The frame rate a window drawn by a CPU rasteriser keeps to while anything moves. Drawing as
/// fast as it can took a core and a half beside training (DW4's EGNN trained at 23 steps/s
/// under 41 frames/s).
pub const SOFTWARE_FRAMES_PER_SEC: f64 = 30.0;
/// The same while a run trains: a frame costs lavapipe about 30 ms of a core, and DW4's EGNN
/// trained at 22 steps/s under 30 frames/s against 27 under 20.
pub const SOFTWARE_TRAINING_FRAMES_PER_SEC: f64 = 20.0;

pub struct FlowscopeApp {
    /// First, so that it is dropped (letting burn's runner go) before the runs are.
    surface: SurfaceRepair,
    device: Device,
    info: DeviceInfo,
    /// The scene being edited: the single run's, or the base of every compare run.
    scene: Scene,
    /// The scene as last sent to the runs.
    sent_scene: Scene,
    /// Set in compare mode: one variant per run.
    compare: Option<Vec<Variant>>,
    runs: Vec<Run>,
    /// The runs train in turn, one slice at a time, so that compared runs share the cores
    /// with each other and the window instead of crowding them.
    turns: Turns,
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
    /// The file the scene came from or was saved to, watched for changes on disk.
    scene_file: Option<WatchedScene>,
    frame_times: VecDeque<Instant>,
    /// When freed memory was last handed back to the system.
    last_trim: Instant,
    last_frame: Option<Instant>,
    show_help: bool,
    /// Set when runs restart: the plane camera frames the data once it has arrived.
    fit_camera: bool,
    /// Where the last scene is kept between sessions (None in tests).
    last_scene_file: Option<PathBuf>,
    export: ExportDialog,
    distances: DistancesWindow,
    sweep: SweepWindow,
    draw: DrawTool,
}

/// How often the window hands freed memory back to the system.
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The window stays open for a lecture while runs, exports and sweeps come and go, each freeing
/// what it used on threads of its own. glibc keeps freed memory in per-thread arenas (the more
/// so as `main` raises the trim threshold for training's sake), so the window's resident memory
/// would only ever grow; this returns what is free.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
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
            egui::FontData::from_static(include_bytes!("../../../assets/fonts/DejaVuSans.ttf")),
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
        let (adapter, software) = match &cc.wgpu_render_state {
            Some(state) => {
                let info = state.adapter.get_info();
                state
                    .renderer
                    .write()
                    .callback_resources
                    .insert(GpuViews::new(&state.device, state.target_format));
                (
                    format!("{} [{:?}]", info.name, info.backend),
                    crate::device::is_software(&info),
                )
            }
            None => ("no GPU renderer".to_string(), false),
        };
        let scene = last_scene_file
            .as_deref()
            .and_then(|path| Scene::load(path).ok())
            .unwrap_or_else(|| scenes::shipped(1).unwrap_or_default());
        Self::with_scene(
            &cc.egui_ctx,
            device,
            DeviceInfo {
                training,
                adapter,
                software,
            },
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
            surface: SurfaceRepair::default(),
            device,
            info,
            sent_scene: scene.clone(),
            scene,
            compare: None,
            runs: Vec::new(),
            turns: Turns::default(),
            next_gpu_key: 0,
            cameras: Cameras::default(),
            chosen_view: None,
            style: Style::default(),
            time: TimeControl::default(),
            metric: PathMetric::default(),
            presentation: false,
            notice: None,
            scene_file: None,
            last_trim: Instant::now(),
            frame_times: VecDeque::new(),
            last_frame: None,
            show_help: false,
            fit_camera: true,
            last_scene_file,
            export: ExportDialog::default(),
            distances: DistancesWindow::default(),
            sweep: SweepWindow::default(),
            draw: DrawTool::default(),
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
        // What the old runs last said (finished, diverged) is not about the new ones.
        self.notice = None;
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
                &self.turns,
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
        self.scene_file = path.map(|path| WatchedScene::new(path, scene.clone()));
        // A comparison of couplings goes on with the new data; runs made for the old scene
        // (a reflow of its run, its paired data) do not.
        self.compare = self
            .compare
            .take()
            .and_then(|variants| scenes::carried_comparison(&scene, variants));
        self.scene = scene;
        self.restart_runs(ctx);
    }

    /// Reads a scene file; on error the current scene stays and the error is shown.
    pub fn open_scene_file(&mut self, ctx: &egui::Context, path: &Path) {
        match Scene::load(path) {
            Ok(scene) => {
                self.load_scene(ctx, scene, Some(path.to_path_buf()));
                self.set_notice(format!("Opened {}.", path.display()));
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
            &self.turns,
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
            &self.turns,
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
        let Some(path) =
            super::dialogs::save_file("scene.toml", Some(("flowscope scene", &["toml"])))
        else {
            return;
        };
        match self.scene.save_with_files(&path) {
            Ok(()) => {
                self.set_notice(format!("Saved {}.", path.display()));
                // The file as written (its data files' paths may differ from the window's).
                let as_in_file = Scene::load(&path).unwrap_or_else(|_| self.scene.clone());
                self.scene_file = Some(WatchedScene::new(path, as_in_file));
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
        if pressed(Key::F) {
            self.reflow(ctx);
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
            Key::Num0,
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

    /// Asks for the next frame of a moving picture: at once on a GPU, no sooner than the
    /// software frame interval after this frame began on a CPU rasteriser (a longer one while
    /// a run trains on the same cores).
    fn request_next_frame(&self, ctx: &egui::Context, frame_start: Instant, training: bool) {
        if self.info.software {
            let rate = if training {
                SOFTWARE_TRAINING_FRAMES_PER_SEC
            } else {
                SOFTWARE_FRAMES_PER_SEC
            };
            let interval = std::time::Duration::from_secs_f64(1.0 / rate);
            ctx.request_repaint_after(interval.saturating_sub(frame_start.elapsed()));
        } else {
            ctx.request_repaint();
        }
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
        if now.duration_since(self.last_trim) > TRIM_EVERY {
            return_freed_memory();
            self.last_trim = now;
        }
        self.keyboard(&ctx);
        self.dropped_files(&ctx);
        self.watch_scene_file(&ctx);
        let training = self.runs.iter().any(Run::running);
        if self.time.advance(dt) || training {
            self.request_next_frame(&ctx, now, training);
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
        self.distances.ui(&ctx, &self.scene);
        self.sweep.ui(&ctx, &self.scene, &self.device);
        if self.sweep.running() {
            // The progress bar and the curves move without input.
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }
}

/// A side or top panel's frame without its fill: the window is cleared to the panel colour
/// (`clear_color`) instead, because a software rasteriser pays for every filled pixel as a
/// textured fragment, and the panels cover half the window.
fn unfilled_panel(style: &egui::Style) -> egui::Frame {
    egui::Frame::side_top_panel(style).fill(egui::Color32::TRANSPARENT)
}

impl eframe::App for FlowscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.surface.resume();
        self.frame_ui(ui);
        self.surface.before_paint(&self.device, frame, ui.ctx());
    }

    /// The panels' colour: they are drawn without a fill of their own (`unfilled_panel`).
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn on_exit(&mut self) {
        self.remember_scene();
    }
}
