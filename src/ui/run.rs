//! One live run as the window sees it: the worker handle, the latest snapshot, the curves
//! gathered so far, and the drawable content built from the snapshot.

use std::sync::Arc;

use burn::tensor::Device;
use eframe::egui;

use crate::render::{
    ColourMode, DensityImage, DensitySource, DrawContent, Palette, ViewMode, content_for_view,
    log_density_overlay,
};
use crate::session::Turns;
use crate::session::live::{Command, DensityRequest, LiveSession, MetricsAt, Snapshot, Start};

/// What a run's drawn content depends on: its snapshot, the view, colours and palette.
type ContentKey = (u64, ViewMode, ColourMode, Palette);

/// Distinct colours for overlaid runs' curves.
pub const RUN_COLOURS: [egui::Color32; 4] = [
    egui::Color32::from_rgb(90, 170, 255),
    egui::Color32::from_rgb(255, 140, 60),
    egui::Color32::from_rgb(110, 210, 120),
    egui::Color32::from_rgb(230, 100, 200),
];

pub struct Run {
    /// Shown above the run's view and in plot legends.
    pub name: String,
    pub colour: egui::Color32,
    live: LiveSession,
    pub snapshot: Option<Snapshot>,
    /// (step, loss) of every step of the current run.
    pub losses: Vec<[f64; 2]>,
    /// (step, mean coupling cost) of every step.
    pub coupling_costs: Vec<[f64; 2]>,
    pub metrics: Vec<MetricsAt>,
    /// The latest guided-sampling sweep across w (conditional models).
    pub guidance_sweep: Option<Arc<Vec<crate::session::GuidancePoint>>>,
    /// The last notice from the worker, for the status line.
    pub notice: Option<String>,
    /// Identifies this run's GPU resources.
    pub gpu_key: u64,
    content: Option<(ContentKey, Arc<DrawContent>)>,
    /// Counts content rebuilds, so every rebuild has a new version.
    content_builds: u64,
    /// What the model density last asked of the worker was made from: its grid is rebuilt
    /// only when this changes, not every frame.
    density_key: Option<DensityGridKey>,
    /// The model's or the data's log-density map, and what it was made from.
    density_image: Option<(DensityImageKey, Option<Arc<DensityImage>>)>,
}

/// What a model-density request's grid is made from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityGridKey {
    pub space: crate::space::SpaceKind,
    /// The time, to the nearest hundredth.
    pub t: f64,
    /// Cells across the grid, and RK4 steps back to t = 0.
    pub resolution: u32,
    pub steps: usize,
    pub min: [f32; 2],
    pub max: [f32; 2],
}

/// What a log-density map depends on: the source, the model density computed (the step and
/// the grid it answers), the scene (the data and the box) and the palette.
type DensityImageKey = (
    DensitySource,
    Option<(usize, f64, u32, [f32; 2], [f32; 2])>,
    Box<crate::scene::Scene>,
    Palette,
);

impl Run {
    pub fn start(
        name: String,
        colour: egui::Color32,
        start: Start,
        device: Device,
        turns: &Turns,
        ctx: &egui::Context,
        gpu_key: u64,
    ) -> crate::Result<Self> {
        let ctx = ctx.clone();
        let live = LiveSession::start(start, device, turns, move || ctx.request_repaint())?;
        Ok(Self {
            name,
            colour,
            live,
            snapshot: None,
            losses: Vec::new(),
            coupling_costs: Vec::new(),
            metrics: Vec::new(),
            guidance_sweep: None,
            notice: None,
            gpu_key,
            content: None,
            content_builds: 0,
            density_key: None,
            density_image: None,
        })
    }

    /// Asks the worker for the model's density on the grid `wanted` describes (None: no
    /// longer), unless that is what it was last asked; `build` makes the grid when it is new.
    pub fn request_density(
        &mut self,
        wanted: Option<DensityGridKey>,
        build: impl FnOnce(&DensityGridKey) -> Option<DensityRequest>,
    ) {
        if self.density_key == wanted {
            return;
        }
        self.density_key = wanted;
        let request = wanted.as_ref().and_then(build).map(Arc::new);
        self.live.send(Command::Density(request));
    }

    /// The model's or the data's log-density map for the latest snapshot, remade only when the
    /// model density, the scene or the palette changes.
    pub fn log_density_overlay(
        &mut self,
        source: DensitySource,
        palette: &Palette,
    ) -> Option<Arc<DensityImage>> {
        let snapshot = self.snapshot.as_ref()?;
        let key = (
            source,
            snapshot.model_density.as_ref().map(|density| {
                let request = &density.request;
                (
                    density.step,
                    request.t,
                    request.resolution,
                    request.min,
                    request.max,
                )
            }),
            Box::new(snapshot.scene.clone()),
            *palette,
        );
        if let Some((made, image)) = &self.density_image
            && *made == key
        {
            return image.clone();
        }
        let image = log_density_overlay(snapshot, source, palette).map(Arc::new);
        self.density_image = Some((key, image.clone()));
        image
    }

    pub fn send(&self, command: Command) {
        self.live.send(command);
    }

    /// Takes in every snapshot that has arrived. Returns whether anything did.
    pub fn poll(&mut self) -> bool {
        let snapshots = self.live.receive();
        let arrived = !snapshots.is_empty();
        for snapshot in snapshots {
            self.take(snapshot);
        }
        arrived
    }

    fn take(&mut self, snapshot: Snapshot) {
        if self
            .snapshot
            .as_ref()
            .is_some_and(|old| old.run != snapshot.run)
        {
            self.losses.clear();
            self.coupling_costs.clear();
            self.metrics.clear();
            self.guidance_sweep = None;
        }
        for report in &snapshot.new_steps {
            self.losses
                .push([report.step as f64, f64::from(report.loss)]);
            self.coupling_costs
                .push([report.step as f64, report.coupling_cost]);
        }
        if let Some(metrics) = &snapshot.metrics {
            self.metrics.push(metrics.clone());
        }
        if let Some(sweep) = &snapshot.guidance_sweep {
            self.guidance_sweep = Some(sweep.clone());
        }
        if let Some(notice) = &snapshot.notice {
            self.notice = Some(notice.clone());
        }
        self.snapshot = Some(snapshot);
    }

    pub fn running(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| s.running)
    }

    pub fn step(&self) -> usize {
        self.snapshot.as_ref().map_or(0, |s| s.step)
    }

    /// What the renderer draws for the latest snapshot, rebuilt only when it changes.
    pub fn draw_content(
        &mut self,
        mode: ViewMode,
        colour_mode: ColourMode,
        palette: &Palette,
    ) -> Option<Arc<DrawContent>> {
        let snapshot = self.snapshot.as_ref()?;
        let key = (snapshot.id, mode, colour_mode, *palette);
        if let Some((cached, content)) = &self.content
            && *cached == key
        {
            return Some(content.clone());
        }
        self.content_builds += 1;
        let content = Arc::new(content_for_view(
            snapshot,
            mode,
            colour_mode,
            palette,
            self.gpu_key << 40 | self.content_builds,
        ));
        self.content = Some((key, content.clone()));
        Some(content)
    }
}
