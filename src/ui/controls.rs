//! The controls panel: every setting of the scene and of the view, each with a one-sentence
//! tooltip. Functions return whether the scene changed, so the app can send it to the runs.

use eframe::egui;

use crate::coupling::{CouplingMethod, MAX_K};
use crate::data::{DistConfig, catalog, default_distributions};
use crate::flow::{Activation, Solver};
use crate::geometry::SpaceKind;
use crate::render::{ColourMode, Style};
use crate::scene::Scene;

/// The flow animation: time of the particles' heads and how it moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeControl {
    pub t: f32,
    pub playing: bool,
    pub looping: bool,
    /// Animation speed; at 1 one sweep from t = 0 to 1 takes `SWEEP_SECS`.
    pub speed: f32,
    /// Time spent holding at t = 1 before looping, in seconds.
    hold_secs: f32,
}

impl Default for TimeControl {
    fn default() -> Self {
        Self {
            t: 1.0,
            playing: true,
            looping: true,
            speed: 1.0,
            hold_secs: 0.0,
        }
    }
}

/// Seconds for one sweep from t = 0 to 1 at speed 1, and the pause at the end of each.
const SWEEP_SECS: f32 = 3.0;
const HOLD_SECS: f32 = 0.8;

impl TimeControl {
    /// Advances the animation by `dt` seconds; returns whether t changed.
    pub fn advance(&mut self, dt: f32) -> bool {
        if !self.playing {
            return false;
        }
        if self.t >= 1.0 {
            if !self.looping {
                self.playing = false;
                return false;
            }
            self.hold_secs += dt;
            if self.hold_secs >= HOLD_SECS {
                self.hold_secs = 0.0;
                self.t = 0.0;
            }
            return true;
        }
        self.t = (self.t + dt * self.speed / SWEEP_SECS).min(1.0);
        true
    }
}

/// A slider for a scene setting. Values from a scene file outside the slider's range are kept
/// as they are (the slider only pins at its end), never silently changed.
fn scene_slider<Num: egui::emath::Numeric>(
    value: &mut Num,
    range: std::ops::RangeInclusive<Num>,
) -> egui::Slider<'_> {
    egui::Slider::new(value, range).clamping(egui::SliderClamping::Never)
}

fn tip(response: egui::Response, text: &str) -> egui::Response {
    response.on_hover_text(text)
}

/// Space, data, coupling, optimiser, model and sampling settings.
pub fn scene_ui(ui: &mut egui::Ui, scene: &mut Scene) -> bool {
    let before = scene.clone();
    egui::CollapsingHeader::new("Data")
        .default_open(true)
        .show(ui, |ui| data_ui(ui, scene));
    egui::CollapsingHeader::new("Coupling")
        .default_open(true)
        .show(ui, |ui| coupling_ui(ui, scene));
    egui::CollapsingHeader::new("Training")
        .default_open(true)
        .show(ui, |ui| training_ui(ui, scene));
    egui::CollapsingHeader::new("Sampling")
        .default_open(false)
        .show(ui, |ui| sampling_ui(ui, scene));
    *scene != before
}

fn data_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    egui::Grid::new("data").num_columns(2).show(ui, |ui| {
        ui.label("Space");
        let mut space = scene.space;
        let response = egui::ComboBox::from_id_salt("space")
            .selected_text(space.name())
            .show_ui(ui, |ui| {
                for option in [SpaceKind::Plane, SpaceKind::Sphere, SpaceKind::Torus] {
                    ui.selectable_value(&mut space, option, option.name());
                }
            })
            .response;
        tip(
            response,
            "Where the flow lives: the plane, the unit sphere, or the flat torus; switching restarts training.",
        );
        if space != scene.space {
            let (source, target) = default_distributions(space);
            scene.space = space;
            scene.source = DistConfig::named(source);
            scene.target = DistConfig::named(target);
            if scene.sample.solver == Solver::Dopri5 {
                scene.sample.solver = Solver::Rk4;
            }
        }
        ui.end_row();
        for (label, which) in [("Source (t = 0)", true), ("Target (t = 1)", false)] {
            ui.label(label);
            let space = scene.space;
            let dist = if which {
                &mut scene.source
            } else {
                &mut scene.target
            };
            let response = egui::ComboBox::from_id_salt(label)
                .selected_text(dist.name.clone())
                .show_ui(ui, |ui| {
                    for info in catalog().iter().filter(|d| d.space == space) {
                        // The image density needs a file; it is chosen from a scene file.
                        if info.name == "image" {
                            continue;
                        }
                        if ui
                            .selectable_label(dist.name == info.name, info.name)
                            .on_hover_text(info.summary)
                            .clicked()
                            && dist.name != info.name
                        {
                            *dist = DistConfig::named(info.name);
                        }
                    }
                })
                .response;
            tip(
                response,
                if which {
                    "The distribution particles start from at t = 0, usually noise."
                } else {
                    "The data distribution the flow should reach at t = 1."
                },
            );
            ui.end_row();
        }
    });
    for (label, dist) in [("Source", &mut scene.source), ("Target", &mut scene.target)] {
        let Some(info) = catalog()
            .iter()
            .find(|d| d.space == scene.space && d.name == dist.name)
        else {
            continue;
        };
        if info.params.is_empty() {
            continue;
        }
        egui::CollapsingHeader::new(format!("{label} parameters"))
            .id_salt(label)
            .show(ui, |ui| {
                for param in info.params {
                    let mut value = dist
                        .params
                        .get(param.name)
                        .copied()
                        .unwrap_or(param.default);
                    let speed = (param.default.abs() * 0.01).max(0.01);
                    let response = ui
                        .horizontal(|ui| {
                            ui.label(param.name);
                            ui.add(egui::DragValue::new(&mut value).speed(speed))
                        })
                        .inner;
                    tip(response.clone(), param.help);
                    if response.changed() {
                        dist.params.insert(param.name.to_string(), value);
                    }
                }
            });
    }
}

fn coupling_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let coupling = &mut scene.coupling;
    ui.horizontal(|ui| {
        for (method, label, help) in [
            (
                CouplingMethod::Independent,
                "Independent",
                "Pair each source point with a random target point (k = 1): paths cross.",
            ),
            (
                CouplingMethod::Exact,
                "Exact OT",
                "Pair k source and k target points by the assignment with the least total squared distance: paths straighten.",
            ),
            (
                CouplingMethod::Sinkhorn,
                "Sinkhorn",
                "Pair points by an entropic OT plan with regularisation ε: between independent and exact OT.",
            ),
        ] {
            tip(
                ui.selectable_value(&mut coupling.method, method, label),
                help,
            );
        }
    });
    ui.add_enabled_ui(coupling.method != CouplingMethod::Independent, |ui| {
        let response = ui.add(
            scene_slider(&mut coupling.k, 1..=4096.min(MAX_K))
                .logarithmic(true)
                .text("k"),
        );
        tip(
            response,
            "OT batch size: how many source and target points are matched together; larger k gives straighter paths.",
        );
        if coupling.method == CouplingMethod::Sinkhorn {
            let response = ui.add(
                scene_slider(&mut coupling.epsilon, 0.001..=1.0)
                    .logarithmic(true)
                    .text("ε"),
            );
            tip(
                response,
                "Entropic regularisation as a fraction of the mean pair cost: small is close to exact OT, large to independent.",
            );
        }
    });
}

fn training_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let train = &mut scene.train;
    tip(
        ui.add(
            scene_slider(&mut train.steps, 100..=50_000)
                .logarithmic(true)
                .text("steps"),
        ),
        "How many training steps a run takes before it stops.",
    );
    tip(
        ui.add(
            scene_slider(&mut train.batch, 16..=8192)
                .logarithmic(true)
                .text("batch"),
        ),
        "Pairs per training step.",
    );
    tip(
        ui.add(
            scene_slider(&mut train.lr, 1e-5..=1e-1)
                .logarithmic(true)
                .text("learning rate"),
        ),
        "Adam's step size; lower it if the loss diverges.",
    );
    tip(
        ui.add(scene_slider(&mut train.seed, 0..=100).text("seed")),
        "Seeds the weights, the data and the particles: the same seed gives the same run.",
    );
    let model = &mut scene.model;
    tip(
        ui.add(
            scene_slider(&mut model.width, 8..=512)
                .logarithmic(true)
                .text("width"),
        ),
        "Units per hidden layer of the velocity network; changing it restarts training.",
    );
    tip(
        ui.add(scene_slider(&mut model.depth, 1..=8).text("depth")),
        "Hidden layers of the velocity network; changing it restarts training.",
    );
    let response = ui
        .horizontal(|ui| {
            ui.label("activation");
            for (activation, label) in [
                (Activation::Silu, "SiLU"),
                (Activation::Selu, "SELU"),
                (Activation::Relu, "ReLU"),
            ] {
                ui.selectable_value(&mut model.activation, activation, label);
            }
        })
        .response;
    tip(
        response,
        "The network's nonlinearity; changing it restarts training.",
    );
}

fn sampling_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let sample = &mut scene.sample;
    let response = ui
        .horizontal(|ui| {
            ui.label("solver");
            let solvers: &[(Solver, &str)] = if scene.space == SpaceKind::Plane {
                &[
                    (Solver::Euler, "Euler"),
                    (Solver::Midpoint, "midpoint"),
                    (Solver::Rk4, "RK4"),
                    (Solver::Dopri5, "Dopri5"),
                ]
            } else {
                &[
                    (Solver::Euler, "Euler"),
                    (Solver::Midpoint, "midpoint"),
                    (Solver::Rk4, "RK4"),
                ]
            };
            for (solver, label) in solvers {
                ui.selectable_value(&mut sample.solver, *solver, *label);
            }
        })
        .response;
    tip(
        response,
        "How particles are integrated along the learned velocity field.",
    );
    tip(
        ui.add(
            scene_slider(&mut sample.steps, 1..=400)
                .logarithmic(true)
                .text("solver steps"),
        ),
        "Integration steps from t = 0 to 1; each is one recorded frame of the trails.",
    );
    tip(
        ui.add(
            scene_slider(&mut sample.particles, 100..=200_000)
                .logarithmic(true)
                .text("particles"),
        ),
        "How many seeded source points are followed along the flow.",
    );
}

/// Layers, colours, sizes and the time animation.
pub fn view_ui(ui: &mut egui::Ui, style: &mut Style, time: &mut TimeControl) {
    let layers = &mut style.layers;
    ui.horizontal_wrapped(|ui| {
        for (shown, label, help) in [
            (&mut layers.particles, "particles", "The particles at time t."),
            (&mut layers.trails, "trails", "Each particle's recent path, fading with age."),
            (&mut layers.source, "source", "Samples of the source distribution."),
            (&mut layers.target, "target", "Samples of the target distribution."),
            (
                &mut layers.coupling,
                "coupling",
                "The current training batch's pairs x0 → x1: crossing when independent, parallel under OT.",
            ),
            (&mut layers.field, "field", "The learned velocity field at time t, as arrows."),
            (&mut layers.density, "density", "A heat map of where the particles are at time t."),
        ] {
            tip(ui.checkbox(shown, label), help);
        }
    });
    let response = ui
        .horizontal(|ui| {
            ui.label("colour");
            ui.selectable_value(&mut style.colour_mode, ColourMode::SourcePosition, "source");
            ui.selectable_value(&mut style.colour_mode, ColourMode::Label, "label");
            ui.selectable_value(&mut style.colour_mode, ColourMode::Speed, "speed");
        })
        .response;
    tip(
        response,
        "Colour particles by where they started, by the target label they reach, or by their speed.",
    );
    tip(
        ui.add(egui::Slider::new(&mut style.trail_frames, 1..=128).text("trail length")),
        "How many recorded frames each trail spans.",
    );
    tip(
        ui.add(egui::Slider::new(&mut style.particle_size_px, 1.0..=12.0).text("point size")),
        "Particle diameter in pixels.",
    );
    ui.separator();
    ui.horizontal(|ui| {
        let label = if time.playing { "■" } else { "▶" };
        if tip(ui.button(label), "Play or pause the flow animation (T).").clicked() {
            time.playing = !time.playing;
        }
        tip(
            ui.checkbox(&mut time.looping, "loop"),
            "Start the animation again from t = 0 when it reaches t = 1.",
        );
        tip(
            ui.add(
                egui::Slider::new(&mut time.speed, 0.1..=4.0)
                    .logarithmic(true)
                    .text("speed"),
            ),
            "Animation speed: at 1, one sweep from t = 0 to 1 takes three seconds.",
        );
    });
    let response = ui.add(egui::Slider::new(&mut time.t, 0.0..=1.0).text("t"));
    if response.dragged() {
        time.playing = false;
    }
    tip(
        response,
        "Flow time: 0 is the source, 1 the target; drag to scrub.",
    );
}
