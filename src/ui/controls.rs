//! The controls panel: every setting of the scene and of the view, each with a one-sentence
//! tooltip. Functions return whether the scene changed, so the app can send it to the runs.

use eframe::egui;

use crate::coupling::{
    Corruption, CouplingConfig, CouplingMethod, MAX_K, MAX_REUSE, PairedApproach,
};
use crate::data::{DistConfig, build_sampler, find};
use crate::flow::{Activation, GUIDANCE_RANGE, GuidanceConfig, Network, RequestedLabel, Solver};
use crate::geometry::Symmetry;
use crate::render::{ColourMode, DensitySource, Style};
use crate::scene::Scene;
use crate::space::SpaceKind;

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
    // The target only changes in the data section above.
    let labels = target_labels(scene);
    egui::CollapsingHeader::new("Labels and guidance")
        .default_open(scene.model.labels > 0)
        .show(ui, |ui| guidance_ui(ui, scene, labels));
    egui::CollapsingHeader::new("Sampling")
        .default_open(false)
        .show(ui, |ui| sampling_ui(ui, scene));
    keep_labels_consistent(scene, labels);
    *scene != before
}

/// Labels the scene's target has (0 when unlabelled). Only labelled datasets are built to
/// count them: this runs every frame, and others may run Metropolis chains (DW4, LJ13). A
/// dataset that reads a file (your own points) is counted once per file and settings.
fn target_labels(scene: &Scene) -> usize {
    type Counted = Option<((SpaceKind, DistConfig), usize)>;
    static LAST_FILE: std::sync::Mutex<Counted> = std::sync::Mutex::new(None);
    let count = || build_sampler(scene.space, &scene.target).map_or(0, |t| t.num_labels());
    match find(scene.space, &scene.target.name) {
        Ok(dataset) if dataset.labels.is_none() => 0,
        Ok(dataset) if dataset.reads_file => {
            let key = (scene.space, scene.target.clone());
            let mut last = LAST_FILE
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match last.as_ref() {
                Some((counted, labels)) if *counted == key => *labels,
                _ => {
                    let labels = count();
                    *last = Some((key, labels));
                    labels
                }
            }
        }
        Ok(_) => count(),
        Err(_) => 0,
    }
}

/// A conditional model follows the target's labels when the target changes; guidance and
/// requested labels that no longer exist are dropped.
fn keep_labels_consistent(scene: &mut Scene, labels: usize) {
    if scene.model.labels == 0 {
        scene.sample.guidance = None;
        return;
    }
    scene.model.labels = labels;
    if labels == 0 {
        scene.sample.guidance = None;
        scene.train.samples_per_label = 0;
    }
    if let Some(guidance) = scene.sample.guidance.as_mut()
        && let RequestedLabel::One(label) = guidance.label
        && label as usize >= labels
    {
        guidance.label = RequestedLabel::All;
    }
}

fn data_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    egui::Grid::new("data").num_columns(2).show(ui, |ui| {
        ui.label("Space");
        let mut space = scene.space;
        let response = egui::ComboBox::from_id_salt("space")
            .selected_text(space.name())
            .show_ui(ui, |ui| {
                for option in crate::space::all() {
                    ui.selectable_value(&mut space, option, option.name())
                        .on_hover_text(option.entry().summary);
                }
            })
            .response;
        let summaries: Vec<&str> = crate::space::all()
            .into_iter()
            .map(|s| s.entry().summary)
            .collect();
        tip(
            response,
            &format!(
                "Where the flow lives: {}; switching restarts training.",
                summaries.join(", ")
            ),
        );
        if space.name() != scene.space.name() {
            let (source, target) = space.default_distributions();
            scene.space = space;
            scene.source = DistConfig::named(source);
            scene.target = DistConfig::named(target);
            if scene.sample.solver == Solver::Dopri5 {
                scene.sample.solver = Solver::Rk4;
            }
            // Symmetry groups act on the plane only; a mesh is the mesh space's.
            scene.symmetry = None;
            scene.mesh = None;
            scene.model.network = Network::Mlp;
            if scene.coupling.method == CouplingMethod::Equivariant {
                scene.coupling.method = CouplingMethod::Exact;
            }
        }
        ui.end_row();
        if scene.space == SpaceKind::PLANE {
            symmetry_ui(ui, scene);
            ui.end_row();
        }
        if scene.space.name() == crate::space::MESH {
            mesh_ui(ui, scene);
        }
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
                    for info in space.datasets() {
                        // A dataset that reads a file (the image density) is chosen from a
                        // scene file.
                        if info.reads_file {
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
        let Some(info) = scene.space.datasets().iter().find(|d| d.name == dist.name) else {
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
    // A new target may fix another shape (LJ13's 13 particles in space after DW4's 4 in the
    // plane); a target that fits no space is reported by the scene's validation.
    let _ = scene.fit_space();
}

/// The mesh space's mesh, its premetric and the eigenpairs of a spectral one.
fn mesh_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    use crate::geometry::mesh::{MESH_NAMES, PremetricKind};
    let mut config = scene.mesh.clone().unwrap_or_default();
    ui.label("Mesh");
    let response = egui::ComboBox::from_id_salt("mesh")
        .selected_text(config.name.clone())
        .show_ui(ui, |ui| {
            for name in MESH_NAMES {
                ui.selectable_value(&mut config.name, name.to_string(), *name);
            }
        })
        .response;
    tip(
        response,
        "The mesh the flow lives on: mazes and a room are floors whose walls the flow must go around; the spheres are closed surfaces. An .obj file is chosen in a scene file (or --mesh FILE.obj).",
    );
    ui.end_row();
    ui.label("Premetric");
    let response = egui::ComboBox::from_id_salt("premetric")
        .selected_text(config.premetric.name())
        .show_ui(ui, |ui| {
            for kind in [
                PremetricKind::Biharmonic,
                PremetricKind::Diffusion,
                PremetricKind::Geodesic,
                PremetricKind::Euclidean,
            ] {
                ui.selectable_value(&mut config.premetric, kind, kind.name());
            }
        })
        .response;
    tip(
        response,
        "What the conditional paths descend: the biharmonic or diffusion distance (spectral, smooth, round the walls), the geodesic distance (heat method), or euclidean, straight lines that ignore the walls (the baseline).",
    );
    ui.end_row();
    ui.label("Eigenpairs");
    let spectral = matches!(
        config.premetric,
        PremetricKind::Biharmonic | PremetricKind::Diffusion
    );
    let response = ui.add_enabled(
        spectral,
        egui::DragValue::new(&mut config.eigenpairs)
            .range(2..=crate::geometry::mesh::MAX_EIGENPAIRS),
    );
    tip(
        response,
        if spectral {
            "How many eigenpairs of the Laplace–Beltrami operator the spectral distance sums over: more resolve narrower corridors."
        } else {
            "Only the spectral premetrics (biharmonic, diffusion) use eigenpairs."
        },
    );
    ui.end_row();
    if config != scene.mesh.clone().unwrap_or_default() {
        scene.mesh = Some(config);
    }
}

/// The symmetry group of the data: none, C_m or D_m.
fn symmetry_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    ui.label("Symmetry");
    let mut symmetry = scene.symmetry;
    let name = |s: Option<Symmetry>| s.map_or("none".to_string(), |s| s.name());
    let response = egui::ComboBox::from_id_salt("symmetry")
        .selected_text(name(symmetry))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut symmetry, None, "none");
            for m in Symmetry::ORDERS {
                for group in [Symmetry::Cyclic(m), Symmetry::Dihedral(m)] {
                    ui.selectable_value(&mut symmetry, Some(group), group.name());
                }
            }
        })
        .response;
    tip(
        response,
        "The group the data is invariant under: cM rotates by multiples of 360°/M, dM also mirrors. The equivariant coupling aligns each pair along it.",
    );
    if symmetry != scene.symmetry {
        scene.symmetry = symmetry;
        if symmetry.is_none() {
            if scene.coupling.method == CouplingMethod::Equivariant {
                scene.coupling.method = CouplingMethod::Exact;
            }
            scene.model.network = Network::Mlp;
            scene.source.symmetrised = false;
            scene.target.symmetrised = false;
        }
    }
    if scene.symmetry.is_some() {
        ui.end_row();
        ui.label("");
        tip(
            ui.checkbox(&mut scene.target.symmetrised, "symmetrise the target"),
            "Make the target invariant under the group: each draw is turned by a random element, so the target is the union of its images.",
        );
    }
}

fn coupling_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let aligns = scene.alignment().is_some();
    let equivariant_network = matches!(scene.model.network, Network::GroupAveraged | Network::Egnn);
    let coupling = &mut scene.coupling;
    ui.horizontal_wrapped(|ui| {
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
            (
                CouplingMethod::Paired,
                "Paired",
                "Inverse problem: start each path at a noisy corrupted observation of its own target point instead of at noise.",
            ),
        ] {
            tip(
                ui.selectable_value(&mut coupling.method, method, label),
                help,
            );
        }
        // A widget of the wrapped row itself (not a child ui), so that it moves to the next
        // line whole when the panel is narrow instead of wrapping its text.
        let selected = coupling.method == CouplingMethod::Equivariant;
        let response = ui.add_enabled(
            aligns,
            egui::Button::selectable(selected, "Equivariant OT"),
        );
        if response.clicked() {
            coupling.method = CouplingMethod::Equivariant;
        }
        if aligns {
            tip(
                response,
                "Pair points by exact OT on the orbit cost (the least distance over the data's rotations and reflections, and over relabellings of a point cloud's identical particles), each source point turned onto its partner (k = 1: aligned independent pairs). With a plain MLP the aligned source is no longer the source distribution, so samples from it can come out wrong.",
            );
        } else {
            response.on_disabled_hover_text(
                "Equivariant OT aligns pairs along the data's symmetry: choose one under Data (cM or dM, in the plane), or use point clouds, whose particles carry their own.",
            );
        }
    });
    if coupling.method == CouplingMethod::Equivariant && !equivariant_network {
        ui.colored_label(
            egui::Color32::from_rgb(255, 200, 90),
            "Aligned pairs start at g·x0, whose law is no longer the source's: a plain MLP learns to flow from that aligned source, so its samples from the source come out wrong. An equivariant network (Training: group-averaged in the plane, EGNN for point clouds) does not have this problem.",
        );
    }
    if coupling.method == CouplingMethod::Reflow {
        let level = coupling.reflow.as_ref().map_or(2, |r| r.level);
        ui.label(format!(
            "Reflow: a {level}-rectified flow trained on the endpoints (x0, ψ1(x0)) of the run it reflows."
        ));
        reuse_ui(ui, coupling);
        return;
    }
    if coupling.method == CouplingMethod::Paired {
        paired_ui(ui, scene);
        reuse_ui(ui, &mut scene.coupling);
        return;
    }
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
    reuse_ui(ui, coupling);
}

/// Training steps per batch of pairs, whatever the coupling.
fn reuse_ui(ui: &mut egui::Ui, coupling: &mut CouplingConfig) {
    let response = ui.add(
        scene_slider(&mut coupling.reuse, 1..=MAX_REUSE)
            .logarithmic(true)
            .text("steps a batch"),
    );
    tip(
        response,
        "Training steps on each batch of coupled pairs, each with fresh times: while the model trains on one batch the next is solved, so a slow coupling (equivariant OT on LJ13) still trains live. Each pair is then seen this many times.",
    );
}

fn paired_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let space = scene.space;
    let paired = &mut scene.coupling.paired;
    let response = ui
        .horizontal(|ui| {
            ui.label("corruption");
            for corruption in [Corruption::Project, Corruption::Quantize, Corruption::Noise] {
                ui.selectable_value(&mut paired.corruption, corruption, corruption.name())
                    .on_hover_text(corruption.describe(space));
            }
        })
        .response;
    tip(
        response,
        "How the observation Y is made from a target point X1; the flow starts at Y plus noise σ.",
    );
    ui.add_enabled_ui(paired.corruption != Corruption::Project, |ui| {
        tip(
            ui.add(
                scene_slider(&mut paired.level, 0.05..=3.0)
                    .logarithmic(true)
                    .text("level"),
            ),
            "Grid cell width of the quantisation, or the standard deviation of the added noise.",
        );
    });
    let response = ui
        .horizontal(|ui| {
            ui.label("approach");
            for approach in [PairedApproach::Start, PairedApproach::Condition] {
                ui.selectable_value(&mut paired.approach, approach, approach.name());
            }
        })
        .response;
    tip(
        response,
        "Paired data starts each flow at its noisy observation Y + σ·ε; the conditional model starts at the source and is given Y as an input.",
    );
    ui.add_enabled_ui(paired.approach == PairedApproach::Start, |ui| {
        tip(
            ui.add(scene_slider(&mut paired.sigma, 0.0..=1.0).text("σ")),
            "Noise added to the observation to make the starting point X0 = Y + σ·ε.",
        );
    });
    ui.label(match paired.approach {
        PairedApproach::Start => format!(
            "Y = {}; X0 = Y + σ·ε, and the loss is unchanged. The source setting is not used.",
            paired.corruption.describe(space)
        ),
        PairedApproach::Condition => format!(
            "Y = {}; X0 is drawn from the source and the network sees Y: v(x, t | Y).",
            paired.corruption.describe(space)
        ),
    });
}

/// Conditioning on the target's `labels`, classifier-free guidance and data per label.
fn guidance_ui(ui: &mut egui::Ui, scene: &mut Scene, labels: usize) {
    let mut conditional = scene.model.labels > 0;
    let response = ui
        .add_enabled(
            labels > 0,
            egui::Checkbox::new(&mut conditional, "condition on labels"),
        )
        .on_disabled_hover_text(format!(
            "The target '{}' has no labels; pick a labelled one (8gaussians, moons, a mixture…).",
            scene.target.name
        ));
    tip(
        response,
        "Feed the target's label to the network, dropping it to a null label at rate p_drop, so one model is both conditional and unconditional; restarts training.",
    );
    if conditional != (scene.model.labels > 0) {
        scene.model.labels = if conditional { labels } else { 0 };
        if !conditional {
            scene.sample.guidance = None;
        }
    }
    let conditional = scene.model.labels > 0;
    ui.add_enabled_ui(conditional, |ui| {
        tip(
            ui.add(scene_slider(&mut scene.train.p_drop, 0.0..=1.0).text("p_drop")),
            "Chance that a training label is replaced by the null label: how much the unconditional model is trained.",
        );
    });
    ui.add_enabled_ui(labels > 0, |ui| {
        let response = ui
            .horizontal_wrapped(|ui| {
                ui.label("samples per label");
                for (n, text) in [(0, "all"), (5, "5"), (20, "20"), (100, "100"), (1000, "1000")] {
                    ui.selectable_value(&mut scene.train.samples_per_label, n, text);
                }
            })
            .response;
        tip(
            response,
            "Train on only this many examples of each label: with few, the conditional model memorises them instead of learning the label's region.",
        );
    });
    ui.separator();
    let mut guided = scene.sample.guidance.is_some();
    let response = ui
        .add_enabled(conditional, egui::Checkbox::new(&mut guided, "guidance"))
        .on_disabled_hover_text(
            "Guidance needs a model conditioned on labels: tick 'condition on labels' first.",
        );
    tip(
        response,
        "Sample with classifier-free guidance: v = (1−w)·v(x,t|∅) + w·v(x,t|y).",
    );
    match (guided, scene.sample.guidance.is_some()) {
        (true, false) => scene.sample.guidance = Some(GuidanceConfig::default()),
        (false, true) => scene.sample.guidance = None,
        _ => {}
    }
    let Some(guidance) = scene.sample.guidance.as_mut() else {
        return;
    };
    tip(
        ui.add(
            scene_slider(
                &mut guidance.w,
                *GUIDANCE_RANGE.start()..=*GUIDANCE_RANGE.end(),
            )
            .text("w"),
        ),
        "Guidance scale: 0 is the unconditional model, 1 the conditional one, above 1 pushes samples further towards their label.",
    );
    ui.label(format!(
        "v = (1−w)·v(x,t|∅) + w·v(x,t|y), the same as (1+s)·v(x,t|y) − s·v(x,t|∅) with s = w − 1 = {:.2}.",
        guidance.w - 1.0
    ));
    let response = egui::ComboBox::from_id_salt("requested-label")
        .selected_text(match guidance.label {
            RequestedLabel::All => "all labels, coloured".to_string(),
            RequestedLabel::None => "unconditional".to_string(),
            RequestedLabel::One(label) => format!("label {label}"),
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(
                &mut guidance.label,
                RequestedLabel::All,
                "all labels, coloured",
            );
            ui.selectable_value(&mut guidance.label, RequestedLabel::None, "unconditional");
            for label in 0..labels as u32 {
                ui.selectable_value(
                    &mut guidance.label,
                    RequestedLabel::One(label),
                    format!("label {label}"),
                );
            }
        })
        .response;
    tip(
        response,
        "The label particles ask for: one for all, every label in turn (particles coloured by it), or none.",
    );
    let gaussian_path = scene.space == SpaceKind::PLANE && scene.source.name == "gaussian";
    if !gaussian_path {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "Note: guidance is derived for Gaussian probability paths. With this source or on this space it is an open problem — watch what it does.",
        );
    }
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
    // The group-averaged MLP averages over a declared symmetry.
    let offered: Vec<Network> = scene
        .space
        .model()
        .networks()
        .iter()
        .copied()
        .filter(|&n| n != Network::GroupAveraged || scene.symmetry.is_some())
        .collect();
    if offered.len() > 1 {
        let response = ui
            .horizontal(|ui| {
                ui.label("network");
                for network in offered {
                    let label = match network {
                        Network::Mlp => "MLP",
                        Network::GroupAveraged => "group-averaged",
                        Network::Egnn => "EGNN",
                    };
                    ui.selectable_value(&mut model.network, network, label);
                }
            })
            .response;
        tip(
            response,
            "The MLP; the MLP averaged over the symmetry group, v(x, t) = (1/|G|) Σ g⁻¹·f(g·x, t); or, for point clouds, the EGNN, a graph network over the particles. The last two are equivariant, so the learned density keeps the data's symmetry. Changing it restarts training.",
        );
    }
}

fn sampling_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let sample = &mut scene.sample;
    let response = ui
        .horizontal(|ui| {
            ui.label("solver");
            let solvers: &[(Solver, &str)] = if scene.space.geometry().is_euclidean() {
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

/// Why the model's or the data's density cannot be drawn for a scene (None: it can).
pub struct DensityAvailability {
    pub model: Option<String>,
    pub data: Option<String>,
}

impl DensityAvailability {
    pub fn of(scene: &Scene) -> Self {
        let space = scene.space;
        let no_grid = (!space.render().has_density_grid()).then(|| {
            format!(
                "Densities are drawn on the plane, the sphere, the torus, the disk and meshes, not on {}.",
                space.name()
            )
        });
        let closed_form = |dist: &DistConfig| {
            crate::data::log_density(space, dist)
                .ok()
                .flatten()
                .is_some()
        };
        let model = no_grid.clone().or_else(|| {
            if scene.coupling.method == CouplingMethod::Paired {
                Some("A model restoring observations has no density of its own.".into())
            } else if !closed_form(&scene.source) {
                Some(format!(
                    "The source '{}' has no closed-form density for the likelihood to start from.",
                    scene.source.name
                ))
            } else {
                None
            }
        });
        let data = no_grid.or_else(|| {
            (!closed_form(&scene.target)).then(|| {
                format!(
                    "The target '{}' has no closed-form density.",
                    scene.target.name
                )
            })
        });
        Self { model, data }
    }
}

/// Layers, colours, sizes and the time animation.
pub fn view_ui(
    ui: &mut egui::Ui,
    style: &mut Style,
    time: &mut TimeControl,
    densities: &DensityAvailability,
) {
    let layers = &mut style.layers;
    ui.horizontal_wrapped(|ui| {
        for (shown, label, help) in [
            (&mut layers.particles, "particles", "The particles at time t."),
            (&mut layers.trails, "trails", "Each particle's recent path, fading with age."),
            (
                &mut layers.source,
                "source",
                "Samples of the source distribution (paired coupling: the observations Y).",
            ),
            (&mut layers.target, "target", "Samples of the target distribution."),
            (
                &mut layers.coupling,
                "coupling",
                "The current training batch's pairs x0 → x1: crossing when independent, parallel under OT.",
            ),
            (&mut layers.field, "field", "The learned velocity field at time t, as arrows."),
            (&mut layers.density, "density", "A heat map at time t: of the particles, of the model's own density, or of the data's."),
        ] {
            tip(ui.checkbox(shown, label), help);
        }
    });
    if layers.density {
        ui.horizontal(|ui| {
            ui.label("density of");
            tip(
                ui.selectable_value(
                    &mut layers.density_source,
                    DensitySource::Particles,
                    "particles",
                ),
                "Where the particles are at time t: a smoothed histogram.",
            );
            for (source, label, unavailable, help) in [
                (
                    DensitySource::Model,
                    "model",
                    &densities.model,
                    "The model's own density q_t at time t, from its exact likelihood (integrating the divergence back to the source): log scale, an isoline every two nats. Coarse while training or animating, refined when both stand still.",
                ),
                (
                    DensitySource::Data,
                    "data",
                    &densities.data,
                    "The target's true density, log scale, an isoline every two nats: compare it with the model's at t = 1.",
                ),
            ] {
                let response = ui
                    .add_enabled_ui(unavailable.is_none(), |ui| {
                        ui.selectable_value(&mut layers.density_source, source, label)
                    })
                    .inner;
                match unavailable {
                    Some(reason) => {
                        response.on_disabled_hover_text(reason.as_str());
                    }
                    None => {
                        tip(response, help);
                    }
                }
            }
        });
        // A scene change may take a chosen source away.
        let gone = match layers.density_source {
            DensitySource::Model => densities.model.is_some(),
            DensitySource::Data => densities.data.is_some(),
            DensitySource::Particles => false,
        };
        if gone {
            layers.density_source = DensitySource::Particles;
        }
    }
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
        "Colour particles by where they started, by the target label they reach (under guidance: the label they ask for), or by their speed.",
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
