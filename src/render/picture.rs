//! From a session snapshot to what a view draws: the uploaded content, the per-frame overlays
//! (grid, field arrows, density) and the cameras. Shared by the window and by export, so what
//! is exported is what the window shows.

use std::collections::HashMap;

use glam::{Mat4, Vec2, Vec3};

use super::camera::{OrbitCamera, PanZoomCamera};
use super::content::{
    CloudData, ColourMode, DensityImage, DensitySource, Palette, Rgba, Segment, Style, label_colour,
};
use super::multiples::{Multiples, aligned_content};
use super::overlay::{
    coupling_segments, density_grid, density_image, field_arrows, log_density_image, plane_grid,
};
use super::view::DrawContent;
use super::views::{Layout, ViewCamera, ViewMode};
use crate::scene::Scene;
use crate::session::live::Snapshot;
use crate::space::SpaceKind;

/// The cameras of the views: a pan/zoom camera for each flat view that has been moved (the
/// others are where their view puts them) and one orbit camera for the 3-D ones; shared by
/// every run in compare mode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cameras {
    pan_zoom: HashMap<ViewMode, PanZoomCamera>,
    pub orbit: OrbitCamera,
}

/// Where a flat view's camera starts.
fn starting_pan_zoom(mode: ViewMode) -> PanZoomCamera {
    match mode.camera {
        ViewCamera::PanZoom { centre, span, .. } => PanZoomCamera::new(centre, span),
        ViewCamera::Orbit => PanZoomCamera::new(Vec2::ZERO, 1.0),
    }
}

impl Cameras {
    /// The pan/zoom camera of a flat view.
    pub fn pan_zoom(&self, mode: ViewMode) -> PanZoomCamera {
        self.pan_zoom
            .get(&mode)
            .copied()
            .unwrap_or_else(|| starting_pan_zoom(mode))
    }

    pub fn pan_zoom_mut(&mut self, mode: ViewMode) -> &mut PanZoomCamera {
        self.pan_zoom
            .entry(mode)
            .or_insert_with(|| starting_pan_zoom(mode))
    }

    /// The clip transform and eye of `mode` in a view of `size_px`.
    pub fn transform(&self, mode: ViewMode, size_px: Vec2) -> (Mat4, Vec3) {
        match mode.camera {
            ViewCamera::PanZoom { .. } => {
                (self.pan_zoom(mode).clip_from_world(size_px), Vec3::Z * 10.0)
            }
            ViewCamera::Orbit => (self.orbit.clip_from_world(size_px), self.orbit.eye()),
        }
    }

    /// Frames the data (source and target samples) in the views of the snapshot's space whose
    /// camera follows the data, in a view of `size` points.
    pub fn fit_plane(&mut self, snapshot: &Snapshot, size: Vec2) {
        let fitted: Vec<ViewMode> = snapshot
            .scene
            .space
            .views()
            .iter()
            .copied()
            .filter(|view| {
                matches!(
                    view.camera,
                    ViewCamera::PanZoom {
                        fits_data: true,
                        ..
                    }
                )
            })
            .collect();
        if fitted.is_empty() {
            return;
        }
        let (min, max) = density_box(snapshot);
        let extent = max - min;
        let aspect = size.x.max(1.0) / size.y.max(1.0);
        // `span` is the shorter side's extent: fit both sides of the box.
        let span = if aspect >= 1.0 {
            extent.y.max(extent.x / aspect)
        } else {
            extent.x.max(extent.y * aspect)
        };
        for view in fitted {
            *self.pan_zoom_mut(view) = PanZoomCamera::new((min + max) * 0.5, span.max(1e-3));
        }
    }
}

impl ColourMode {
    /// How a run of `scene` is coloured unless the user chooses otherwise: guided particles by
    /// the label they ask for, others by where they started.
    pub fn for_scene(scene: &Scene) -> ColourMode {
        if scene.sample.guidance.is_some() {
            ColourMode::Label
        } else {
            ColourMode::SourcePosition
        }
    }
}

/// Largest number of coupling pairs drawn (a training batch can be far larger).
const COUPLING_PAIRS_SHOWN: usize = 512;

/// The content of the view `mode` for `snapshot`: its samples laid out as the view lays them
/// out; `version` must change whenever the result does.
pub fn content_for_view(
    snapshot: &Snapshot,
    mode: ViewMode,
    colour_mode: ColourMode,
    palette: &Palette,
    version: u64,
) -> DrawContent {
    match mode.layout {
        Layout::Multiples => {
            if let Some(multiples) = Multiples::of(snapshot) {
                return multiples.content(snapshot, version);
            }
        }
        Layout::Aligned => {
            if let Some(content) = aligned_content(snapshot, version) {
                return content;
            }
        }
        Layout::Together => {}
    }
    content_from_snapshot(snapshot, colour_mode, palette, version)
}

/// The content of a view for `snapshot`; `version` must change whenever the result does.
pub fn content_from_snapshot(
    snapshot: &Snapshot,
    colour_mode: ColourMode,
    palette: &Palette,
    version: u64,
) -> DrawContent {
    let space = snapshot.scene.space;
    let render = space.render();
    let trajectories = &snapshot.trajectories;
    let start = trajectories.frame(0);
    let requested = snapshot.scene.sample.guidance.and_then(|g| {
        g.label
            .per_particle(trajectories.count, snapshot.scene.model.labels)
    });
    let colours: Vec<Rgba> = match (colour_mode, requested) {
        // Under guidance, particles wear the label they ask for.
        (ColourMode::Label, Some(labels)) => labels.into_iter().map(label_colour).collect(),
        (ColourMode::Label, None) if snapshot.target_samples.labels().is_some() => {
            let end = trajectories.frame(trajectories.frames.saturating_sub(1));
            nearest_labels(space, &end, &snapshot.target_samples)
                .into_iter()
                .map(label_colour)
                .collect()
        }
        _ => start.iter().map(|p| render.source_colour(p)).collect(),
    };
    let pairs = snapshot.pairs.as_deref().map(|(x0, x1)| {
        let n = x0.len().min(COUPLING_PAIRS_SHOWN);
        let order: Vec<usize> = (0..n).collect();
        coupling_segments(
            space,
            &x0.reordered(&order),
            &x1.reordered(&order),
            palette.coupling,
        )
    });
    let particle_dim = render.particle_dim();
    let still = |points: &crate::data::Points, colour: Rgba| {
        let stored: Vec<f32> = points.iter().flatten().map(|&v| v as f32).collect();
        let drawn = render.projected(&stored, points.dim()).unwrap_or(stored);
        CloudData::still(particle_dim, drawn, colour)
    };
    // A space of more coordinates than a picture shows them projected, one particle a sample.
    let projected = render.projected(&trajectories.positions, trajectories.dim);
    let target_colours = match snapshot.target_samples.labels() {
        Some(labels) if colour_mode == ColourMode::Label => Some(labels),
        _ => None,
    };
    // A sample of more coordinates than a particle has is drawn as several particles in its
    // colour.
    let per_sample = if projected.is_some() {
        1
    } else {
        (trajectories.dim / particle_dim).max(1)
    };
    let per_particle = |colours: Vec<Rgba>| -> Vec<Rgba> {
        if per_sample == 1 {
            return colours;
        }
        colours
            .into_iter()
            .flat_map(|c| std::iter::repeat_n(c, per_sample))
            .collect()
    };
    let mut target = still(&snapshot.target_samples, palette.target);
    if let Some(labels) = target_colours {
        target.colours = per_particle(
            labels
                .iter()
                .map(|&l| label_colour(l).with_alpha(palette.target.0[3]))
                .collect(),
        );
    }
    DrawContent {
        version,
        particles: CloudData {
            frames: trajectories.frames,
            count: trajectories.count * per_sample,
            dim: particle_dim,
            positions: projected
                .map(std::sync::Arc::new)
                .unwrap_or_else(|| trajectories.positions.clone()),
            colours: per_particle(colours),
        },
        source: still(&snapshot.source_samples, palette.source),
        target,
        coupling: pairs.unwrap_or_default(),
        surface: render.surface(),
    }
}

/// For each point, the label of the nearest labelled sample: which mode a particle landed in.
fn nearest_labels(
    space: SpaceKind,
    points: &crate::data::Points,
    labelled: &crate::data::Points,
) -> Vec<u32> {
    let labels = labelled.labels().unwrap_or(&[]);
    let geometry = space.geometry();
    points
        .iter()
        .map(|p| {
            labelled
                .iter()
                .zip(labels)
                .map(|(q, &label)| (geometry.squared_distance(p, q), label))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(0, |(_, label)| label)
        })
        .collect()
}

/// Overlays computed on the CPU for one frame of one view.
pub struct Overlays {
    pub segments: Vec<Segment>,
    pub density: Option<DensityImage>,
    /// Grid step for tick labels (plane only).
    pub grid_step: Option<f32>,
}

/// Builds the grid, arrows at time `t`, and the density at `t` for `snapshot`.
pub fn overlays(
    snapshot: &Snapshot,
    mode: ViewMode,
    cameras: &Cameras,
    size_px: Vec2,
    t: f32,
    style: &Style,
) -> Overlays {
    let space = snapshot.scene.space;
    let mut segments = Vec::new();
    let mut grid_step = None;
    if mode.layout == Layout::Multiples
        && let Some(multiples) = Multiples::of(snapshot)
    {
        multiples.segments(snapshot, t, style.palette.coupling, &mut segments);
        return Overlays {
            segments,
            density: None,
            grid_step,
        };
    }
    if mode.grid {
        let (min, max) = cameras.pan_zoom(mode).visible_world(size_px);
        let (grid, step) = plane_grid(min, max, &style.palette);
        segments = grid;
        grid_step = Some(step);
    }
    space.render().backdrop(style.palette.grid, &mut segments);
    let field = &snapshot.field;
    if style.layers.field && !field.times.is_empty() && !field.points.is_empty() {
        let nearest = ((t as f64) * (field.times.len() - 1) as f64).round() as usize;
        let velocities = &field.velocities[nearest.min(field.velocities.len() - 1)];
        if !velocities.is_empty() {
            let dim = field.points.dim();
            let max_speed = velocities
                .chunks(dim)
                .map(|v| v.iter().map(|x| x * x).sum::<f64>().sqrt())
                .fold(0.0, f64::max)
                .max(1e-9);
            let spacing = space.render().arrow_spacing(&field.points);
            segments.extend(field_arrows(
                space,
                &field.points,
                velocities,
                0.9 * spacing / max_speed,
                style.palette.field,
            ));
        }
    }
    // The heat map places samples where their coordinates are; the aligned overlay moves them.
    // The log-density maps change with the snapshot, not the frame: see `log_density_overlay`.
    let density = (style.layers.density
        && mode.layout == Layout::Together
        && style.layers.density_source == DensitySource::Particles)
        .then(|| particle_density(snapshot, t, &style.palette))
        .flatten();
    Overlays {
        segments,
        density,
        grid_step,
    }
}

/// Where the particles are at time `t`, as a smoothed histogram.
fn particle_density(snapshot: &Snapshot, t: f32, palette: &Palette) -> Option<DensityImage> {
    let trajectories = &snapshot.trajectories;
    if trajectories.count == 0 {
        return None;
    }
    let frame = ((t as f64) * (trajectories.frames - 1) as f64).round() as usize;
    let points = trajectories.frame(frame);
    let (min, max) = density_box(snapshot);
    // About one particle per cell on average at the densest: a smooth picture at any count.
    let resolution = ((points.len() as f64).sqrt() * 1.2).clamp(24.0, 160.0) as u32;
    Some(density_image(
        snapshot.scene.space,
        &points,
        min,
        max,
        resolution,
        palette,
    ))
}

/// Cells across the data's true density: fine enough for crisp isolines.
const DATA_DENSITY_RESOLUTION: u32 = 96;

/// The model's or the data's log-density map for `snapshot` (none for the particles', which
/// `overlays` draws at each frame's t): it changes only with the snapshot's model density or
/// the scene, so the window keeps it between frames.
pub fn log_density_overlay(
    snapshot: &Snapshot,
    source: DensitySource,
    palette: &Palette,
) -> Option<DensityImage> {
    match source {
        DensitySource::Particles => None,
        DensitySource::Model => snapshot.model_density.as_ref().map(|density| {
            let request = &density.request;
            log_density_image(
                &density.log_density,
                request.resolution,
                Vec2::from(request.min),
                Vec2::from(request.max),
                palette,
            )
        }),
        DensitySource::Data => data_density(snapshot, palette),
    }
}

/// The target's true density, where it has a closed form and the space a density grid.
fn data_density(snapshot: &Snapshot, palette: &Palette) -> Option<DensityImage> {
    let scene = &snapshot.scene;
    let density = crate::data::log_density(scene.space, &scene.target).ok()??;
    let (min, max) = density_box(snapshot);
    let (points, cells) = density_grid(scene.space, min, max, DATA_DENSITY_RESOLUTION)?;
    let mut values = vec![f32::NAN; (DATA_DENSITY_RESOLUTION as usize).pow(2)];
    for (cell, point) in cells.into_iter().zip(points.iter()) {
        values[cell] = density(point) as f32;
    }
    Some(log_density_image(
        &values,
        DATA_DENSITY_RESOLUTION,
        min,
        max,
        palette,
    ))
}

/// The plane rectangle a density covers: the source and target samples' box, padded (the
/// sphere and the torus ignore it: their images cover the whole surface).
pub fn density_box(snapshot: &Snapshot) -> (Vec2, Vec2) {
    let mut min = Vec2::splat(f32::MAX);
    let mut max = Vec2::splat(f32::MIN);
    for p in snapshot
        .source_samples
        .iter()
        .chain(snapshot.target_samples.iter())
    {
        let q = Vec2::new(p[0] as f32, p[1] as f32);
        min = min.min(q);
        max = max.max(q);
    }
    if min.x > max.x {
        return (Vec2::splat(-4.0), Vec2::splat(4.0));
    }
    let pad = (max - min) * 0.1;
    (min - pad, max + pad)
}
