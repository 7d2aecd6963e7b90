//! The central panel: one view per run, each drawn by our pipelines through a paint callback,
//! with the camera input, the view switch of spaces with several pictures and the axis labels.

use std::sync::Arc;

use eframe::{egui, egui_wgpu};
use glam::Vec2;

use super::FlowscopeApp;
use crate::render::{
    DensitySource, EdgeLabels, Layout, PanZoomCamera, ViewCamera, density_box, density_request,
    overlays,
};
use crate::session::live::{DensityRequest, Snapshot};
use crate::space::SpaceKind;
use crate::ui::draw::{self, DrawSurface};
use crate::ui::run::DensityGridKey;
use crate::ui::viewport::{ViewCallback, camera_input};

impl FlowscopeApp {
    pub(super) fn views_ui(&mut self, ui: &mut egui::Ui) {
        let views = self.scene.space.views();
        let mode = match self.chosen_view {
            Some(chosen) if views.contains(&chosen) => chosen,
            _ => views[0],
        };
        if views.len() > 1 {
            ui.horizontal(|ui| {
                for &view in views {
                    if ui
                        .selectable_label(mode == view, view.name)
                        .on_hover_text(view.description)
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
            let space = self.scene.space;
            let view_size = Vec2::new(rect.width(), rect.height());
            let surface = match mode.camera {
                ViewCamera::PanZoom { .. } => Some(DrawSurface::Flat(self.cameras.pan_zoom(mode))),
                ViewCamera::Orbit if space == SpaceKind::SPHERE => {
                    let (clip_from_world, eye) = self.cameras.transform(mode, view_size);
                    Some(DrawSurface::Sphere {
                        clip_from_world,
                        eye,
                    })
                }
                ViewCamera::Orbit => None,
            };
            let drawing = self.draw.active && draw::drawable(space) && surface.is_some();
            if drawing && let Some(surface) = &surface {
                self.draw.input(space, surface, rect, &response);
            } else {
                camera_input(&mut self.cameras, mode, &response, ui);
            }
            let size_px = Vec2::new(rect.width() * ppp, rect.height() * ppp);
            let run = &mut self.runs[index];
            let painter = ui.painter_at(rect);
            let Some(content) = run.draw_content(mode, style.colour_mode, &style.palette) else {
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
            let shown = style.layers.density && mode.layout == Layout::Together;
            let wanted = shown && style.layers.density_source == DensitySource::Model;
            // Coarse while anything moves; the fine grid once training and time stand still.
            let still = !run.running() && !self.time.playing;
            let key = run.snapshot.as_ref().filter(|_| wanted).map(|snapshot| {
                let (min, max) = density_box(snapshot);
                let (resolution, steps) = density_grid_size(still, snapshot);
                DensityGridKey {
                    space: snapshot.scene.space,
                    t: (f64::from(t) * 100.0).round() / 100.0,
                    resolution,
                    steps,
                    min: min.into(),
                    max: max.into(),
                }
            });
            run.request_density(key, model_density_request);
            let log_density = match style.layers.density_source {
                DensitySource::Particles => None,
                source if shown => run.log_density_overlay(source, &style.palette),
                _ => None,
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
                    density: layers.density.map(Arc::new).or(log_density),
                },
            ));
            let camera = self.cameras.pan_zoom(mode);
            if drawing && let Some(surface) = &surface {
                // The camera may have moved this frame (a zoom): map with the one drawn.
                let surface = match surface {
                    DrawSurface::Flat(_) => DrawSurface::Flat(camera),
                    sphere => *sphere,
                };
                self.draw
                    .paint(&painter, space, &surface, rect, response.hover_pos());
            }
            match (mode.edge_labels, layers.grid_step) {
                (EdgeLabels::Ticks, Some(step)) => tick_labels(&painter, rect, &camera, step),
                (EdgeLabels::Angles, _) => angle_labels(&painter, rect, &camera),
                _ => {}
            }
            let font = egui::FontId::proportional(if self.presentation { 18.0 } else { 14.0 });
            // No-break spaces keep "step 120" and "t = 0.54" whole where the heading wraps.
            let mut heading = format!(
                "{} · step\u{a0}{} · t\u{a0}=\u{a0}{:.2}",
                run.name, snapshot.step, t
            );
            if wanted && let Some(density) = &snapshot.model_density {
                // The density lags behind an animation or training: say which one it is.
                let (at, step) = (density.request.t, density.step);
                if (at - f64::from(t)).abs() > 0.005 || step != snapshot.step {
                    heading.push_str(&format!(" · density at t = {at:.2}, step {step}"));
                }
            }
            if snapshot.step == 0 && !snapshot.running {
                heading.push_str("  —  press Space or ▶ Start to train");
            }
            // Wrapped to the panel: three compared runs side by side cut it off mid-word.
            let galley = painter.layout(heading, font, run.colour, rect.width() - 16.0);
            painter.galley(rect.left_top() + egui::vec2(8.0, 6.0), galley, run.colour);
        }
        ui.allocate_rect(area, egui::Sense::hover());
    }
}

/// Numbers along the bottom and left edges of the plane view at each grid line.
fn tick_labels(painter: &egui::Painter, rect: egui::Rect, camera: &PanZoomCamera, step: f32) {
    let size = Vec2::new(rect.width(), rect.height());
    let (min, max) = camera.visible_world(size);
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
fn angle_labels(painter: &egui::Painter, rect: egui::Rect, camera: &PanZoomCamera) {
    let size = Vec2::new(rect.width(), rect.height());
    let (min, max) = camera.visible_world(size);
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

/// Cells across the model's density and RK4 steps back to t = 0: a coarse grid while
/// training or animating (refreshed about every 1.5 s of training), a fine one with more steps
/// once everything stands still (with isolines). Each is the finest of its ladder that the
/// run's last density says fits the budget (its seconds per cell and step); before one is
/// known, the smallest, or the next for runs on forward-mode divergences. On two cores the
/// plane's 3×64 MLP costs about 10 µs a cell and step (128² × 4 in 0.63–0.92 s), the sphere
/// scene's 3×128 about 40 µs (48² × 4 in 0.25 s, 128² in 2.7 s; `flowscope bench`).
const COARSE_GRIDS: [u32; 4] = [48, 64, 96, 128];
const COARSE_STEPS: usize = 4;
const COARSE_BUDGET_SECS: f64 = 1.0;
const FINE_GRIDS: [u32; 3] = [96, 128, 160];
const FINE_STEPS: usize = 8;
const FINE_BUDGET_SECS: f64 = 3.0;

/// The grid to ask `snapshot`'s run for: fine when everything stands still.
fn density_grid_size(fine: bool, snapshot: &Snapshot) -> (u32, usize) {
    let (ladder, steps, budget) = if fine {
        (&FINE_GRIDS[..], FINE_STEPS, FINE_BUDGET_SECS)
    } else {
        (&COARSE_GRIDS[..], COARSE_STEPS, COARSE_BUDGET_SECS)
    };
    let last = snapshot.model_density.as_ref();
    let cost = last.map(|density| {
        density.seconds / (density.request.cells.len().max(1) * density.request.steps.max(1)) as f64
    });
    // A finer grid than the last must fit with a margin, so that a cost near the budget does
    // not flip the grid back and forth.
    let fits = |side: &&u32| {
        let margin = if last.is_some_and(|d| **side > d.request.resolution) {
            0.75
        } else {
            1.0
        };
        cost.is_some_and(|cost| f64::from(**side).powi(2) * steps as f64 * cost <= budget * margin)
    };
    let first_guess = ladder[usize::from(snapshot.cheap_density)];
    let side = match cost {
        Some(_) => ladder.iter().rev().find(fits).copied().unwrap_or(ladder[0]),
        None => first_guess,
    };
    (side, steps)
}

/// The grid `key` describes, on which to ask for the model's density; none for a space
/// without a density grid.
fn model_density_request(key: &DensityGridKey) -> Option<DensityRequest> {
    density_request(
        key.space,
        Vec2::from(key.min),
        Vec2::from(key.max),
        key.resolution,
        key.t,
        key.steps,
    )
}
