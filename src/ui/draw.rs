//! The Draw tool: paint your own points on the plane, the unrolled torus, the disk or the
//! sphere with the mouse (a brush of chosen radius and density, an eraser, undo, clear, a label colour for
//! labelled drawings), then make them the running scene's source or target. The drawing is
//! written as a point CSV and used through the `points` dataset, so a saved scene (which keeps
//! the file beside it) reproduces the run from the command line.

use std::path::{Path, PathBuf};

use eframe::egui;
use glam::{Mat4, Vec2, Vec3, Vec4};

use crate::data::{DistConfig, Points};
use crate::render::{PanZoomCamera, label_colour};
use crate::rng::Rng;
use crate::space::SpaceKind;

/// Snapshots kept for undo.
const UNDO_DEPTH: usize = 40;
/// The most points a drawing holds (a drawing is a teaching sketch, and every point is drawn).
pub const MAX_DRAWN_POINTS: usize = 20_000;
/// Labels a labelled drawing offers.
const LABELS: u32 = 8;

/// How a view maps its space to the screen, as the brush needs it.
#[derive(Debug, Clone, Copy)]
pub enum DrawSurface {
    /// A flat chart under a pan-zoom camera (the plane, the unrolled torus, the disk).
    Flat(PanZoomCamera),
    /// The sphere under an orbit camera: the picture's transform and the eye.
    Sphere { clip_from_world: Mat4, eye: Vec3 },
}

impl DrawSurface {
    /// The point of the space under a screen position of the view in `rect`: on the sphere the
    /// nearer crossing of the cursor's ray, none when the ray misses it.
    fn point_at(&self, rect: egui::Rect, at: egui::Pos2) -> Option<Vec<f64>> {
        match self {
            DrawSurface::Flat(camera) => {
                let (min, max) = camera.visible_world(Vec2::new(rect.width(), rect.height()));
                let u = (at.x - rect.left()) / rect.width();
                let v = (at.y - rect.top()) / rect.height();
                Some(vec![
                    f64::from(min.x + u * (max.x - min.x)),
                    f64::from(max.y - v * (max.y - min.y)),
                ])
            }
            DrawSurface::Sphere {
                clip_from_world, ..
            } => {
                let ndc_x = 2.0 * (at.x - rect.left()) / rect.width() - 1.0;
                let ndc_y = 1.0 - 2.0 * (at.y - rect.top()) / rect.height();
                let world_from_clip = clip_from_world.inverse();
                let unproject = |depth: f32| {
                    let p = world_from_clip * Vec4::new(ndc_x, ndc_y, depth, 1.0);
                    p.truncate() / p.w
                };
                let (near, far) = (unproject(0.0), unproject(1.0));
                let direction = (far - near).normalize();
                let b = near.dot(direction);
                let reach = b * b - (near.length_squared() - 1.0);
                if reach < 0.0 {
                    return None;
                }
                let hit = (near + direction * (-b - reach.sqrt())).normalize();
                Some(vec![f64::from(hit.x), f64::from(hit.y), f64::from(hit.z)])
            }
        }
    }

    /// Where a point of the space shows in the view in `rect`; none on the sphere's far side.
    fn screen_of(&self, rect: egui::Rect, p: &[f64]) -> Option<egui::Pos2> {
        match self {
            DrawSurface::Flat(camera) => {
                let (min, max) = camera.visible_world(Vec2::new(rect.width(), rect.height()));
                let (x, y) = (p[0] as f32, p[1] as f32);
                Some(egui::pos2(
                    rect.left() + (x - min.x) / (max.x - min.x) * rect.width(),
                    rect.top() + (max.y - y) / (max.y - min.y) * rect.height(),
                ))
            }
            DrawSurface::Sphere {
                clip_from_world,
                eye,
            } => {
                let point = Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32);
                // Seen from the eye only where the surface faces it.
                if point.dot(*eye - point) <= 0.0 {
                    return None;
                }
                let clip = *clip_from_world * point.extend(1.0);
                let ndc = clip.truncate() / clip.w;
                Some(egui::pos2(
                    rect.left() + (ndc.x + 1.0) * 0.5 * rect.width(),
                    rect.top() + (1.0 - ndc.y) * 0.5 * rect.height(),
                ))
            }
        }
    }
}

/// Which side of the flow a drawing becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawnSide {
    Source,
    Target,
}

impl DrawnSide {
    fn name(self) -> &'static str {
        match self {
            DrawnSide::Source => "source",
            DrawnSide::Target => "target",
        }
    }
}

pub struct DrawTool {
    /// Whether drags on the view paint (or erase) instead of panning.
    pub active: bool,
    erasing: bool,
    /// Brush radius in the view's units (the plane's, the torus's radians, the disk's chart,
    /// the sphere's radians).
    radius: f32,
    /// Points added per dab of the brush.
    per_dab: usize,
    labelled: bool,
    label: u32,
    /// The space the drawing lives on; switching spaces starts a new drawing.
    space: Option<SpaceKind>,
    /// Each point's coordinates in its space (two in a chart, three on the sphere).
    coordinates: Vec<Vec<f64>>,
    labels: Vec<u32>,
    undo: Vec<(Vec<Vec<f64>>, Vec<u32>)>,
    /// Where the last dab of the current stroke landed.
    last_dab: Option<Vec<f64>>,
    rng: Rng,
}

impl Default for DrawTool {
    fn default() -> Self {
        Self {
            active: false,
            erasing: false,
            radius: 0.3,
            per_dab: 4,
            labelled: false,
            label: 0,
            space: None,
            coordinates: Vec::new(),
            labels: Vec::new(),
            undo: Vec::new(),
            last_dab: None,
            rng: Rng::stream(0, "draw"),
        }
    }
}

/// Whether the Draw tool paints on `space`: those drawn in a flat chart (the plane, the
/// unrolled torus, the Poincaré disk), and the sphere.
pub fn drawable(space: SpaceKind) -> bool {
    [
        SpaceKind::PLANE,
        SpaceKind::TORUS,
        SpaceKind::HYPERBOLIC,
        SpaceKind::SPHERE,
    ]
    .contains(&space)
}

impl DrawTool {
    pub fn len(&self) -> usize {
        self.coordinates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coordinates.is_empty()
    }

    /// The drawing as points of its space (labels when it is labelled).
    pub fn points(&self) -> Points {
        let dim = self.coordinates.first().map_or(2, Vec::len);
        let data = self.coordinates.iter().flatten().copied().collect();
        Points::new(dim, data, self.labelled.then(|| self.labels.clone()))
    }

    /// Forgets a drawing made on another space.
    fn follow(&mut self, space: SpaceKind) {
        if self.space != Some(space) {
            self.space = Some(space);
            self.coordinates.clear();
            self.labels.clear();
            self.undo.clear();
        }
    }

    fn remember(&mut self) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo
            .push((self.coordinates.clone(), self.labels.clone()));
    }

    /// Handles the pointer over a view of `space` shown in `rect` through `surface`: a press
    /// starts a stroke (undoable as one), dragging dabs the brush along the way.
    pub fn input(
        &mut self,
        space: SpaceKind,
        surface: &DrawSurface,
        rect: egui::Rect,
        response: &egui::Response,
    ) {
        self.follow(space);
        let held = response.dragged() || response.clicked();
        let centre = response
            .interact_pointer_pos()
            .filter(|_| held)
            .and_then(|cursor| surface.point_at(rect, cursor));
        let Some(centre) = centre else {
            // The stroke has ended (or left the sphere).
            self.last_dab = None;
            return;
        };
        let radius = f64::from(self.radius);
        // A new dab every half radius of travel, so a slow stroke is no denser than a fast one.
        if self
            .last_dab
            .as_ref()
            .is_some_and(|last| distance(space, last, &centre) < 0.5 * radius)
        {
            return;
        }
        if self.last_dab.is_none() {
            // A stroke begins: it is undone as one.
            self.remember();
        }
        self.last_dab = Some(centre.clone());
        if self.erasing {
            let (mut coordinates, mut labels) = (Vec::new(), Vec::new());
            for (p, &label) in self.coordinates.iter().zip(&self.labels) {
                if distance(space, p, &centre) > radius {
                    coordinates.push(p.clone());
                    labels.push(label);
                }
            }
            self.coordinates = coordinates;
            self.labels = labels;
            return;
        }
        for _ in 0..self.per_dab {
            if self.coordinates.len() >= MAX_DRAWN_POINTS {
                break;
            }
            // Uniform in the brush's disc (on the sphere, carried onto it by the exp map).
            let r = radius * self.rng.uniform().sqrt();
            let angle = self.rng.uniform_in(0.0, std::f64::consts::TAU);
            let p = if space == SpaceKind::SPHERE {
                on_sphere(&centre, r, angle)
            } else {
                let mut p = vec![centre[0] + r * angle.cos(), centre[1] + r * angle.sin()];
                if space == SpaceKind::TORUS {
                    p.iter_mut()
                        .for_each(|a| *a = a.rem_euclid(std::f64::consts::TAU));
                }
                p
            };
            if space == SpaceKind::HYPERBOLIC && p[0].hypot(p[1]) >= 0.98 {
                continue;
            }
            self.coordinates.push(p);
            self.labels.push(self.label);
        }
    }

    /// The drawn points, and the brush around the cursor while drawing.
    pub fn paint(
        &self,
        painter: &egui::Painter,
        space: SpaceKind,
        surface: &DrawSurface,
        rect: egui::Rect,
        hover: Option<egui::Pos2>,
    ) {
        if self.space != Some(space) {
            return;
        }
        let unlabelled = egui::Color32::from_rgb(245, 245, 245);
        for (p, &label) in self.coordinates.iter().zip(&self.labels) {
            let colour = if self.labelled {
                colour32(label)
            } else {
                unlabelled
            };
            if let Some(at) = surface.screen_of(rect, p).filter(|at| rect.contains(*at)) {
                painter.circle_filled(at, 2.2, colour);
            }
        }
        let stroke = if self.erasing {
            egui::Stroke::new(1.5, egui::Color32::from_rgb(255, 120, 120))
        } else {
            egui::Stroke::new(1.5, egui::Color32::from_white_alpha(180))
        };
        let Some(centre) = hover.and_then(|cursor| surface.point_at(rect, cursor)) else {
            return;
        };
        // The brush's rim, traced on the surface.
        let radius = f64::from(self.radius);
        let rim: Vec<egui::Pos2> = (0..=48)
            .filter_map(|k| {
                let angle = std::f64::consts::TAU * k as f64 / 48.0;
                let p = if space == SpaceKind::SPHERE {
                    on_sphere(&centre, radius, angle)
                } else {
                    vec![
                        centre[0] + radius * angle.cos(),
                        centre[1] + radius * angle.sin(),
                    ]
                };
                surface.screen_of(rect, &p)
            })
            .collect();
        painter.add(egui::Shape::line(rim, stroke));
    }

    /// The tool's controls. Returns the side to make the drawing, when asked.
    pub fn controls_ui(&mut self, ui: &mut egui::Ui, space: SpaceKind) -> Option<DrawnSide> {
        if !drawable(space) {
            self.active = false;
            ui.add_enabled(
                false,
                egui::Checkbox::new(&mut self.active, "draw on the view"),
            )
            .on_disabled_hover_text("Drawing works on the plane, the unrolled torus and the disk.");
            return None;
        }
        self.follow(space);
        ui.checkbox(&mut self.active, "draw on the view")
            .on_hover_text(
                "Drag on the view to paint points (the camera stays put while drawing).",
            );
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.erasing, false, "paint");
            ui.selectable_value(&mut self.erasing, true, "erase")
                .on_hover_text("Drag to remove the points under the brush.");
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::Slider::new(&mut self.radius, 0.02..=3.0)
                    .logarithmic(true)
                    .text("brush"),
            )
            .on_hover_text("The brush's radius, in the view's units.");
        });
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.per_dab, 1..=20).text("density"))
                .on_hover_text("Points added each time the brush moves half its radius.");
        });
        ui.horizontal(|ui| {
            let response = ui.checkbox(&mut self.labelled, "labels").on_hover_text(
                "Give each stroke a class label (its colour), for conditional models and guidance.",
            );
            if response.changed() && self.labelled {
                self.labels.iter_mut().for_each(|l| *l = self.label);
            }
            if self.labelled {
                for label in 0..LABELS {
                    let selected = self.label == label;
                    let swatch =
                        egui::Button::new("  ")
                            .fill(colour32(label))
                            .stroke(if selected {
                                egui::Stroke::new(2.0, egui::Color32::WHITE)
                            } else {
                                egui::Stroke::NONE
                            });
                    if ui
                        .add(swatch)
                        .on_hover_text(format!("label {label}"))
                        .clicked()
                    {
                        self.label = label;
                    }
                }
            }
        });
        let mut chosen = None;
        ui.horizontal(|ui| {
            ui.label(format!("{} points", self.len()));
            if ui
                .add_enabled(!self.undo.is_empty(), egui::Button::new("undo"))
                .clicked()
                && let Some((coordinates, labels)) = self.undo.pop()
            {
                self.coordinates = coordinates;
                self.labels = labels;
            }
            if ui
                .add_enabled(!self.is_empty(), egui::Button::new("clear"))
                .clicked()
            {
                self.remember();
                self.coordinates.clear();
                self.labels.clear();
            }
        });
        ui.horizontal(|ui| {
            let enough = self.len() >= 2;
            for side in [DrawnSide::Target, DrawnSide::Source] {
                let button = ui
                    .add_enabled(enough, egui::Button::new(format!("use as {}", side.name())))
                    .on_hover_text(format!(
                        "Train from now on with the drawing as the {}: it is saved as a point file and drawn from with replacement.",
                        side.name()
                    ))
                    .on_disabled_hover_text("Draw at least two points first.");
                if button.clicked() {
                    chosen = Some(side);
                }
            }
        });
        chosen
    }
}

/// Writes `points` of `space` as a new point file of a drawing in `dir` (a new name each
/// time, so the scene changes and the runs restart on it; this window's older files of the
/// same space and side go) and returns the distribution that draws from it.
pub fn drawn_distribution(
    points: &Points,
    space: SpaceKind,
    side: DrawnSide,
    dir: &Path,
) -> crate::Result<DistConfig> {
    std::fs::create_dir_all(dir).map_err(|cause| crate::Error::Write {
        path: dir.to_path_buf(),
        cause,
    })?;
    // This window's own files only: another window (another process) may be drawing too.
    let prefix = format!(
        "drawn-{}-{}-{}-",
        std::process::id(),
        space.name(),
        side.name()
    );
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!("{prefix}{stamp}.csv"));
    points.write_csv(&path, space)?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let older = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if older != path && name.starts_with(&prefix) && name.ends_with(".csv") {
                // Best effort: a stale drawing left behind costs a few kilobytes.
                let _ = std::fs::remove_file(older);
            }
        }
    }
    let mut dist = DistConfig::named("points");
    dist.path = Some(path);
    Ok(dist)
}

/// Where drawings are kept until their scene is saved: beside the remembered last scene.
pub fn drawing_dir(last_scene_file: Option<&Path>) -> PathBuf {
    last_scene_file
        .and_then(Path::parent)
        .map(|dir| dir.join("drawings"))
        .unwrap_or_else(|| std::env::temp_dir().join("flowscope-drawings"))
}

fn colour32(label: u32) -> egui::Color32 {
    let [r, g, b, _] = label_colour(label)
        .to_f32()
        .map(|c| (c * 255.0).round() as u8);
    egui::Color32::from_rgb(r, g, b)
}

/// How far apart two points of `space` are, as the brush measures: along the sphere, straight
/// in a chart.
fn distance(space: SpaceKind, a: &[f64], b: &[f64]) -> f64 {
    if space == SpaceKind::SPHERE {
        let cosine: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        cosine.clamp(-1.0, 1.0).acos()
    } else {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }
}

/// The point `r` radians from `centre` on the unit sphere, in the direction `angle` of a
/// tangent basis there.
fn on_sphere(centre: &[f64], r: f64, angle: f64) -> Vec<f64> {
    let c = glam::DVec3::new(centre[0], centre[1], centre[2]);
    let helper = if c.x.abs() < 0.9 {
        glam::DVec3::X
    } else {
        glam::DVec3::Y
    };
    let first = c.cross(helper).normalize();
    let second = c.cross(first);
    let direction = first * angle.cos() + second * angle.sin();
    let p = (c * r.cos() + direction * r.sin()).normalize();
    vec![p.x, p.y, p.z]
}
