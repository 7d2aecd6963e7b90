//! Export: videos of the flow or of training (MP4, GIF, numbered PNG frames) drawn offscreen by
//! the window's own pipelines, and trajectory arrays (NPY). A file appears under its name only
//! when it is complete.

mod caption;
mod distance_fields;
mod npy;
mod video;

/// The shipped font every rendered caption and plot label uses.
pub(crate) use caption::FONT;
pub use distance_fields::{DistanceFields, TITLE_PX, write_distance_fields};
pub use npy::{npy_bytes, write_npy};
pub use video::{VideoFormat, check_target};

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::render::{
    Cameras, ColourMode, DensitySource, Frame, Layout, Offscreen, Style, ViewMode, ViewResources,
    content_for_view, log_density_overlay, overlays,
};
use crate::session::Session;
use crate::session::live::{Snapshot, snapshot_of};
use crate::space::SpaceKind;
use crate::{Error, Result};
use caption::Captioner;

/// What the video shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Animation {
    /// Particles moving from t = 0 to t = 1 through a trained model, trails growing.
    #[default]
    Flow,
    /// The flow re-sampled as training proceeds: the paths straighten.
    Training,
}

/// The largest exported frame.
pub const MAX_WIDTH: u32 = 3840;
pub const MAX_HEIGHT: u32 = 2160;

#[derive(Debug, Clone)]
pub struct VideoSettings {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration_secs: f64,
    pub animation: Animation,
    /// Which picture of the space; `None` takes the space's usual one.
    pub view: Option<ViewMode>,
    /// Burnt into the top-left corner with coupling, t and step; `None` for a clean picture.
    pub title: Option<String>,
    /// The flow times the flow animation sweeps.
    pub t_range: (f32, f32),
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
            duration_secs: 10.0,
            animation: Animation::Flow,
            view: None,
            title: Some(String::new()),
            t_range: (0.0, 1.0),
        }
    }
}

impl VideoSettings {
    /// The picture drawn of `space`: the one asked for, which must be one of the space's views.
    pub fn view_of(&self, space: SpaceKind) -> Result<ViewMode> {
        let views = space.views();
        match self.view {
            None => Ok(views[0]),
            Some(view) if views.contains(&view) => Ok(view),
            Some(view) => {
                let names: Vec<&str> = views.iter().map(|v| v.cli_name).collect();
                Err(Error::invalid(format!(
                    "the {} view does not show the {} space (its views: {})",
                    view.cli_name,
                    space.name(),
                    names.join(", ")
                )))
            }
        }
    }

    /// Checks the settings for `format` and returns the frame size actually written (H.264
    /// needs even sides: odd ones are rounded down by one pixel).
    pub fn frame_size(&self, format: VideoFormat) -> Result<(u32, u32)> {
        if !(16..=MAX_WIDTH).contains(&self.width) || !(16..=MAX_HEIGHT).contains(&self.height) {
            return Err(Error::invalid(format!(
                "video size {}×{} is not supported: width 16–{MAX_WIDTH} and height 16–{MAX_HEIGHT} pixels",
                self.width, self.height
            )));
        }
        if !(1..=120).contains(&self.fps) {
            return Err(Error::invalid(format!(
                "fps must be between 1 and 120, got {}",
                self.fps
            )));
        }
        if !(self.duration_secs.is_finite()
            && self.duration_secs > 0.0
            && self.duration_secs <= 600.0)
        {
            return Err(Error::invalid(format!(
                "duration must be between 0 and 600 seconds, got {}",
                crate::error::quoted(self.duration_secs)
            )));
        }
        let (t0, t1) = self.t_range;
        if !(0.0..=1.0).contains(&t0) || !(0.0..=1.0).contains(&t1) || t0 >= t1 {
            return Err(Error::invalid(format!(
                "the time range must satisfy 0 ≤ start < end ≤ 1, got {t0}..{t1}"
            )));
        }
        Ok(match format {
            VideoFormat::Mp4 => (self.width & !1, self.height & !1),
            _ => (self.width, self.height),
        })
    }

    pub fn frame_count(&self) -> usize {
        ((self.duration_secs * self.fps as f64).round() as usize).max(1)
    }
}

/// Where an export is: frames done of the total, and an estimate of the time left.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub frame: usize,
    pub frames: usize,
    pub elapsed_secs: f64,
}

impl Progress {
    pub fn fraction(&self) -> f64 {
        self.frame as f64 / self.frames.max(1) as f64
    }

    pub fn remaining_secs(&self) -> f64 {
        if self.frame == 0 {
            return f64::NAN;
        }
        self.elapsed_secs / self.frame as f64 * (self.frames - self.frame) as f64
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub frames: usize,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub seconds: f64,
    pub adapter: String,
}

/// One run in the video: its session and the label drawn over its tile.
pub struct ExportRun {
    pub session: Session,
    pub label: String,
}

/// Renders `runs` side by side into a video at `out` on a GPU device of its own. For the flow
/// animation the runs are drawn as they are; for the training animation each is trained to its
/// scene's step count, a slice per frame. `progress` is told after each frame and returns false
/// to cancel, which removes everything written.
pub fn export_video(
    runs: &mut [ExportRun],
    settings: &VideoSettings,
    out: &Path,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ExportReport> {
    export_video_on(&Offscreen::new()?, runs, settings, out, progress)
}

/// [`export_video`] drawn on `gpu` (the training device's, when it is shared).
pub fn export_video_on(
    gpu: &Offscreen,
    runs: &mut [ExportRun],
    settings: &VideoSettings,
    out: &Path,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<ExportReport> {
    if runs.is_empty() {
        return Err(Error::invalid("nothing to export: no run"));
    }
    let format = check_target(out)?;
    let (width, height) = settings.frame_size(format)?;
    let start = Instant::now();
    let frames = settings.frame_count();
    // Frames are encoded on a second thread while the next ones render.
    let (pictures, inbox) = std::sync::mpsc::sync_channel::<Encode>(2);
    let fps = settings.fps;
    let out_path = out.to_path_buf();
    let encoder = std::thread::Builder::new()
        .name("flowscope-encoder".into())
        .spawn(move || -> Result<()> {
            let mut sink = video::open_sink(format, &out_path, width, height, fps)?;
            for message in inbox {
                match message {
                    Encode::Frame(picture) => sink.push(&picture)?,
                    Encode::Finish => return sink.finish(),
                }
            }
            // The renderer stopped without finishing: the partial file is dropped.
            Err(Error::Cancelled)
        })
        .map_err(|e| Error::Internal(format!("could not start the encoder thread: {e}")))?;
    let rendered = render_frames(
        runs,
        settings,
        gpu,
        [width, height],
        frames,
        &pictures,
        progress,
        start,
    );
    let finishing = rendered.is_ok() && pictures.send(Encode::Finish).is_ok();
    drop(pictures);
    let encoded = encoder
        .join()
        .map_err(|_| Error::Internal("the encoder thread panicked".into()))?;
    // An encoder that failed (a full disk, say) stops taking frames, which the renderer sees
    // as a cancel: then the encoder's error is the reason. Otherwise the renderer's error (or
    // the user's cancel) explains an encoder that stopped early.
    match (rendered, encoded) {
        (Err(Error::Cancelled) | Ok(()), Err(error)) if !matches!(error, Error::Cancelled) => {
            return Err(error);
        }
        (Err(error), _) => return Err(error),
        _ if !finishing => return Err(Error::Cancelled),
        (Ok(()), encoded) => encoded?,
    }
    Ok(ExportReport {
        frames,
        width,
        height,
        fps: settings.fps,
        seconds: start.elapsed().as_secs_f64(),
        adapter: gpu.adapter.clone(),
    })
}

/// A message to the encoder thread.
enum Encode {
    Frame(Vec<u8>),
    /// Every frame was sent: complete the file.
    Finish,
}

/// Renders every frame and sends it to the encoder.
#[allow(clippy::too_many_arguments)]
fn render_frames(
    runs: &mut [ExportRun],
    settings: &VideoSettings,
    gpu: &Offscreen,
    [width, height]: [u32; 2],
    frames: usize,
    pictures: &std::sync::mpsc::SyncSender<Encode>,
    progress: &mut dyn FnMut(&Progress) -> bool,
    start: Instant,
) -> Result<()> {
    let columns = runs.len() as u32;
    let tile = [width / columns, height];
    let mode = settings.view_of(runs[0].session.scene().space)?;
    let mut views: Vec<ViewResources> = runs
        .iter()
        .map(|_| ViewResources::new(&gpu.renderer, &gpu.device))
        .collect();
    let mut style = Style::default();
    // Sizes follow the picture, so a 4K export looks like a 720p one, only sharper.
    let scale = (height as f32 / 720.0).max(0.5);
    style.particle_size_px = 4.0 * scale;
    style.sample_size_px = 3.0 * scale;
    // Paired runs show the observations their flows restore, as the window does.
    style.layers.source = runs
        .iter()
        .any(|run| run.session.scene().coupling.method == crate::coupling::CouplingMethod::Paired);
    let captioner = Captioner::new();
    let mut snapshots: Vec<Snapshot> = runs
        .iter()
        .map(|run| snapshot_of(&run.session))
        .collect::<Result<_>>()?;
    let mut cameras = Cameras::default();
    cameras.fit_plane(
        &snapshots[0],
        glam::Vec2::new(tile[0] as f32, tile[1] as f32),
    );
    let mut picture = vec![0u8; (width * height * 4) as usize];
    // The flow animation draws the same snapshots throughout: upload them once.
    let mut uploaded = vec![false; runs.len()];
    let mut version = 0u64;
    for index in 0..frames {
        let along = if frames > 1 {
            index as f32 / (frames - 1) as f32
        } else {
            1.0
        };
        let t = match settings.animation {
            Animation::Flow => {
                settings.t_range.0 + (settings.t_range.1 - settings.t_range.0) * along
            }
            Animation::Training => {
                for (run, snapshot) in runs.iter_mut().zip(snapshots.iter_mut()) {
                    let goal = run.session.scene().train.steps;
                    let target_step = (goal as f64 * along as f64).round() as usize;
                    while run.session.steps_done() < target_step {
                        run.session.step()?;
                    }
                    *snapshot = snapshot_of(&run.session)?;
                }
                uploaded.fill(false);
                1.0
            }
        };
        for (column, (snapshot, view)) in snapshots.iter().zip(views.iter_mut()).enumerate() {
            if !uploaded[column] {
                version += 1;
                let content = content_for_view(
                    snapshot,
                    mode,
                    ColourMode::for_scene(&snapshot.scene),
                    &style.palette,
                    version,
                );
                view.set_content(&gpu.renderer, &gpu.device, &content);
                uploaded[column] = true;
            }
            let size = glam::Vec2::new(tile[0] as f32, tile[1] as f32);
            let layers = overlays(snapshot, mode, &cameras, size, t, &style);
            view.set_overlay(&gpu.renderer, &gpu.device, &layers.segments);
            let density = match style.layers.density_source {
                DensitySource::Particles => layers.density,
                source if style.layers.density && mode.layout == Layout::Together => {
                    log_density_overlay(snapshot, source, &style.palette)
                }
                _ => None,
            };
            view.set_density(&gpu.renderer, &gpu.device, &gpu.queue, density.as_ref());
            let (clip_from_world, eye) = cameras.transform(mode, size);
            let pixels = gpu.render_rgba(
                view,
                &Frame {
                    mode,
                    clip_from_world,
                    eye,
                    t,
                    style: &style,
                },
                tile,
            )?;
            paste(&mut picture, width, &pixels, tile, column as u32 * tile[0]);
            if settings.title.is_some() {
                let size_px = (height as f32 / 30.0).max(10.0);
                let x = column as f32 * tile[0] as f32 + size_px * 0.6;
                let line = format!(
                    "{}   t = {t:.2}   step {}",
                    runs[column].label, snapshot.step
                );
                let y = height as f32 - size_px * 1.8;
                captioner.draw(&mut picture, width, &line, x, y, size_px, [235, 235, 235]);
            }
        }
        if let Some(title) = &settings.title {
            let title = if title.is_empty() {
                runs[0].session.scene().title.clone()
            } else {
                title.clone()
            };
            let size_px = (height as f32 / 20.0).max(12.0);
            captioner.draw(
                &mut picture,
                width,
                &title,
                size_px * 0.6,
                size_px * 0.4,
                size_px,
                [255, 255, 255],
            );
        }
        if pictures.send(Encode::Frame(picture.clone())).is_err() {
            // The encoder stopped; its error is reported by the caller.
            return Ok(());
        }
        let keep_going = progress(&Progress {
            frame: index + 1,
            frames,
            elapsed_secs: start.elapsed().as_secs_f64(),
        });
        if !keep_going {
            return Err(Error::Cancelled);
        }
    }
    Ok(())
}

/// Copies a tile into the picture at column offset `x0`.
fn paste(picture: &mut [u8], width: u32, tile: &[u8], size: [u32; 2], x0: u32) {
    let row = (size[0] * 4) as usize;
    for y in 0..size[1] as usize {
        let start = (y * width as usize + x0 as usize) * 4;
        picture[start..start + row].copy_from_slice(&tile[y * row..(y + 1) * row]);
    }
}
