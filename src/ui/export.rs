//! The Export dialog: format, size, rate, length and what to record; the video renders on its
//! own thread (on a GPU device of its own, opened on the first export and kept) while the window
//! stays live, with a progress bar, an estimate of the time left and a Cancel button.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};

use burn::tensor::Device;
use eframe::egui;

use crate::export::{Animation, ExportReport, ExportRun, Progress, VideoSettings, export_video_on};
use crate::render::Offscreen;
use crate::scene::Scene;
use crate::session::Session;
use crate::session::live::Command;

use super::run::Run;

/// The file kinds offered, with their extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mp4,
    Gif,
    Png,
}

pub struct ExportDialog {
    pub open: bool,
    kind: Kind,
    settings: VideoSettings,
    caption: bool,
    job: Option<Job>,
    gpu: ExportGpu,
}

/// The GPU device exports draw on: opened on the first export and kept. Not the window's: wgpu
/// cannot resize the window's surface while another thread submits work to its device (the
/// soak crashed on it). And not one per export: that cost a quarter second and, on lavapipe, a
/// new driver instance with its threads and compiled pipelines each time.
#[derive(Clone, Default)]
struct ExportGpu(Arc<OnceLock<Offscreen>>);

impl ExportGpu {
    fn offscreen(&self) -> crate::Result<&Offscreen> {
        if let Some(gpu) = self.0.get() {
            return Ok(gpu);
        }
        let gpu = Offscreen::new()?;
        Ok(self.0.get_or_init(|| gpu))
    }
}

struct Job {
    progress: Arc<Mutex<Option<Progress>>>,
    cancel: Arc<AtomicBool>,
    done: Receiver<crate::Result<ExportReport>>,
    out: PathBuf,
}

impl Default for ExportDialog {
    fn default() -> Self {
        Self {
            open: false,
            kind: Kind::Mp4,
            settings: VideoSettings::default(),
            caption: true,
            job: None,
            gpu: ExportGpu::default(),
        }
    }
}

impl ExportDialog {
    /// Shows the dialog (when open) and polls a running export. Returns a message for the
    /// status line when an export ends.
    pub fn ui(&mut self, ctx: &egui::Context, runs: &[Run], device: &Device) -> Option<String> {
        let finished = self.poll();
        let mut open = self.open;
        egui::Window::new("Export video")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| self.dialog_ui(ui, runs, device));
        self.open = open;
        if self.job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        finished
    }

    fn poll(&mut self) -> Option<String> {
        let job = self.job.as_ref()?;
        let result = match job.done.try_recv() {
            Ok(result) => result,
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err(crate::Error::Internal(
                "the export stopped unexpectedly".into(),
            )),
        };
        let out = job.out.clone();
        self.job = None;
        Some(match result {
            Ok(report) => format!(
                "Exported {} frames ({}×{}, {} fps) to {} in {:.0} s.",
                report.frames,
                report.width,
                report.height,
                report.fps,
                out.display(),
                report.seconds
            ),
            Err(crate::Error::Cancelled) => "Export cancelled; nothing was written.".to_string(),
            Err(error) => format!("Export failed: {error}"),
        })
    }

    fn dialog_ui(&mut self, ui: &mut egui::Ui, runs: &[Run], device: &Device) {
        if let Some(job) = &self.job {
            let progress = job.progress.lock().map(|p| *p).unwrap_or(None);
            let (fraction, text) = match progress {
                Some(p) => {
                    let left = p.remaining_secs();
                    let left = if left.is_finite() {
                        format!(", about {left:.0} s left")
                    } else {
                        String::new()
                    };
                    (
                        p.fraction() as f32,
                        format!("frame {} of {}{left}", p.frame, p.frames),
                    )
                }
                None => (
                    0.0,
                    "preparing (saving the model, starting the renderer)…".into(),
                ),
            };
            ui.label(format!("Writing {}", job.out.display()));
            ui.add(egui::ProgressBar::new(fraction).text(text));
            if ui
                .button("Cancel")
                .on_hover_text("Stop the export; nothing is left on disk.")
                .clicked()
            {
                job.cancel.store(true, Ordering::Relaxed);
            }
            return;
        }
        egui::Grid::new("export").num_columns(2).show(ui, |ui| {
            ui.label("format");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.kind, Kind::Mp4, "MP4")
                    .on_hover_text("H.264 video: plays in browsers and slide software.");
                ui.selectable_value(&mut self.kind, Kind::Gif, "GIF")
                    .on_hover_text("A looping animation; keep it small.");
                ui.selectable_value(&mut self.kind, Kind::Png, "PNG frames")
                    .on_hover_text("Numbered PNG files in a new folder.");
            });
            ui.end_row();
            ui.label("size");
            ui.horizontal(|ui| {
                for (w, h) in [(1280, 720), (1920, 1080), (3840, 2160)] {
                    if ui
                        .selectable_label(
                            (self.settings.width, self.settings.height) == (w, h),
                            format!("{h}p"),
                        )
                        .clicked()
                    {
                        (self.settings.width, self.settings.height) = (w, h);
                    }
                }
                ui.add(egui::DragValue::new(&mut self.settings.width).range(16..=3840));
                ui.label("×");
                ui.add(egui::DragValue::new(&mut self.settings.height).range(16..=2160));
            });
            ui.end_row();
            ui.label("frames per second");
            ui.add(egui::Slider::new(&mut self.settings.fps, 1..=60));
            ui.end_row();
            ui.label("duration (s)");
            ui.add(egui::Slider::new(
                &mut self.settings.duration_secs,
                1.0..=60.0,
            ));
            ui.end_row();
            ui.label("record");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.settings.animation, Animation::Flow, "the flow")
                    .on_hover_text("Particles moving from t = 0 to 1 through the current model.");
                ui.selectable_value(
                    &mut self.settings.animation,
                    Animation::Training,
                    "training",
                )
                .on_hover_text(
                    "The flow re-sampled as a fresh model trains: the paths straighten.",
                );
            });
            ui.end_row();
            ui.label("caption");
            ui.checkbox(&mut self.caption, "title, coupling, t and step")
                .on_hover_text("Text large enough to read on a projector.");
            ui.end_row();
        });
        ui.separator();
        let enter =
            ui.input(|i| i.key_pressed(egui::Key::Enter)) && !ui.ctx().egui_wants_keyboard_input();
        if ui
            .button("Export…")
            .on_hover_text("Or press Enter.")
            .clicked()
            || enter
        {
            let (name, filter): (_, Option<(_, &[&str])>) = match self.kind {
                Kind::Mp4 => ("flow.mp4", Some(("MP4 video", &["mp4"]))),
                Kind::Gif => ("flow.gif", Some(("GIF animation", &["gif"]))),
                Kind::Png => ("flow-frames", None),
            };
            if let Some(mut out) = super::dialogs::save_file(name, filter) {
                if self.kind == Kind::Png {
                    // A trailing separator makes the path a folder of frames.
                    out = PathBuf::from(format!("{}/", out.display()));
                }
                let mut settings = self.settings.clone();
                settings.title = self.caption.then(String::new);
                self.start(out, settings, runs, device);
            }
        }
    }

    /// Starts rendering `runs` to `out` on a thread.
    pub fn start(&mut self, out: PathBuf, settings: VideoSettings, runs: &[Run], device: &Device) {
        let progress = Arc::new(Mutex::new(None));
        let cancel = Arc::new(AtomicBool::new(false));
        let (finished, done) = channel();
        // Hand-over folders are named per export: two windows' exports in one process (as in the
        // tests) would otherwise share one, and the first to finish would remove it.
        static EXPORTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let export = EXPORTS.fetch_add(1, Ordering::Relaxed);
        // Each run hands over a checkpoint of its current weights (flow) or its scene (training).
        let sources: Vec<(Source, String)> = runs
            .iter()
            .filter_map(|run| {
                let scene = run.snapshot.as_ref()?.scene.clone();
                let source = match settings.animation {
                    Animation::Training => Source::Fresh(Box::new(scene)),
                    Animation::Flow => {
                        let (reply, answer) = channel();
                        let dir = std::env::temp_dir().join(format!(
                            "flowscope-export-{}-{export}-{}",
                            std::process::id(),
                            run.gpu_key
                        ));
                        run.send(Command::SaveCheckpoint {
                            dir: dir.clone(),
                            reply,
                        });
                        Source::Checkpoint(dir, answer)
                    }
                };
                Some((source, run.name.clone()))
            })
            .collect();
        let device = device.clone();
        let gpu = self.gpu.clone();
        let (job_progress, job_cancel, job_out) = (progress.clone(), cancel.clone(), out.clone());
        let spawned = std::thread::Builder::new()
            .name("flowscope-export".into())
            .spawn(move || {
                let result = render(
                    sources,
                    &device,
                    &gpu,
                    &settings,
                    &job_out,
                    &job_progress,
                    &job_cancel,
                );
                let _ = finished.send(result);
            });
        if spawned.is_ok() {
            self.job = Some(Job {
                progress,
                cancel,
                done,
                out,
            });
        }
    }
}

enum Source {
    Fresh(Box<Scene>),
    Checkpoint(PathBuf, Receiver<crate::Result<()>>),
}

fn render(
    sources: Vec<(Source, String)>,
    device: &Device,
    gpu: &ExportGpu,
    settings: &VideoSettings,
    out: &std::path::Path,
    progress: &Mutex<Option<Progress>>,
    cancel: &AtomicBool,
) -> crate::Result<ExportReport> {
    let mut runs = Vec::new();
    for (source, label) in sources {
        let session = match source {
            Source::Fresh(scene) => Session::new(*scene, device)?,
            Source::Checkpoint(dir, saved) => {
                let loaded = saved
                    .recv()
                    .map_err(|_| crate::Error::Internal("the run stopped before saving".into()))
                    .and_then(|saved| saved)
                    .and_then(|()| Session::load_checkpoint(&dir, device));
                // The weights are in memory now; the hand-over folder is not needed.
                let _ = std::fs::remove_dir_all(&dir);
                loaded?
            }
        };
        runs.push(ExportRun { session, label });
    }
    let mut report = |p: &Progress| {
        if let Ok(mut slot) = progress.lock() {
            *slot = Some(*p);
        }
        !cancel.load(Ordering::Relaxed)
    };
    export_video_on(gpu.offscreen()?, &mut runs, settings, out, &mut report)
}
