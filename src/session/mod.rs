//! A training run: the scene's data, coupling, model and optimiser, stepped on demand.
//!
//! The CLI drives a session directly; the window runs the same session on a worker thread
//! ([`live`]).

mod clouds;
pub mod live;
mod meshes;
mod turns;

pub use clouds::CloudReport;
pub use meshes::MeshReport;

pub use turns::{Turn, TurnTaker, Turns};

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use serde::Serialize;

use crate::coupling::{
    CouplingConfig, CouplingMethod, Observation, PairBatch, PairOrigin, PairStream, PairedApproach,
    PrefetchedPairs,
};
use crate::data::{LabelledPool, Points, Sampler};
use crate::flow::{
    Conditioning, Estimator, GuidanceConfig, Integration, Integrator, RequestedLabel, Solver,
    StepReport, Trainer, VelocityField, integrate, velocity_at,
};
use crate::geometry::{Element, Symmetry};
use crate::metrics::{FlowMetrics, Restoration, evaluate_flow};
use crate::rng::Rng;
use crate::scene::{EvalConfig, Scene};
use crate::{Error, Result};

/// Fewer points than this per core are not worth a thread of their own for log-densities.
const MIN_POINTS_PER_CORE: usize = 256;

/// File names inside a run directory.
pub const SCENE_FILE: &str = "scene.toml";
pub const MODEL_FILE: &str = "model.bpk";
pub const METRICS_FILE: &str = "metrics.json";

/// A live training run.
pub struct Session {
    scene: Scene,
    device: Device,
    /// The scene's distributions, built once (the image density reads its file). With the
    /// paired coupling the source is the observation model.
    source: Arc<dyn Sampler>,
    target: Arc<dyn Sampler>,
    /// The paired coupling's observation model.
    observation: Option<Arc<Observation>>,
    pairs: PrefetchedPairs,
    trainer: Trainer,
    /// Every step taken in this session: step, loss and coupling cost.
    history: Vec<StepReport>,
    training_secs: f64,
    /// The batch of pairs being trained on and the steps it has served (`coupling.reuse`
    /// each); its pairs are drawn as the coupling.
    current_batch: Option<(PairBatch, usize)>,
}

/// The first of burn's per-parameter load errors ("hidden.0.weight: shape mismatch, …"), and
/// how many more there are; the whole text when it has no such list.
fn first_mismatch(text: &str) -> String {
    match text.find("[\"") {
        Some(start) => {
            let list = &text[start + 2..];
            let first = list.split('"').next().unwrap_or(list);
            let more = list.matches("\", \"").count();
            if more > 0 {
                format!("{first} (and {more} more)")
            } else {
                first.to_string()
            }
        }
        None => text.to_string(),
    }
}

/// Every float parameter's values, in visiting order.
#[derive(Default)]
struct ParameterValues(Vec<burn::tensor::TensorData>);

impl burn::module::ModuleVisitor for ParameterValues {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<D>>,
    ) {
        self.0.push(param.val().into_data());
    }
}

impl ParameterValues {
    fn into_iter(self) -> ParameterWriter {
        ParameterWriter(self.0.into_iter())
    }
}

/// Writes values, in visiting order, into a model of the same shape.
struct ParameterWriter(std::vec::IntoIter<burn::tensor::TensorData>);

impl burn::module::ModuleMapper for ParameterWriter {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<D>>,
    ) -> burn::module::Param<burn::tensor::Tensor<D>> {
        match self.0.next() {
            // Built like a freshly initialised parameter (lazily, on its device).
            Some(values) => {
                let device = param.val().device();
                let shape = param.val().shape();
                burn::module::Param::uninitialized(
                    burn::module::ParamId::new(),
                    move |device, require_grad| {
                        burn::tensor::Tensor::from_data(values, device)
                            .set_require_grad(require_grad)
                    },
                    device,
                    true,
                    shape,
                )
            }
            None => param,
        }
    }
}

/// How a new scene relates to a running session's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SceneChange {
    /// Nothing the session uses changed.
    Same,
    /// Applied to the running session; the weights are kept.
    Applied,
    /// The session must start again from fresh weights, for the reason given.
    NeedsRestart(&'static str),
}

impl SceneChange {
    /// What moving a running session from `old` to `new` takes.
    pub fn between(old: &Scene, new: &Scene) -> SceneChange {
        let reason = if new.space != old.space {
            Some("the space changed")
        } else if new.symmetry != old.symmetry {
            Some("the symmetry changed")
        } else if new.source != old.source || new.target != old.target {
            Some("the data changed")
        } else if new.model != old.model {
            Some("the model changed")
        } else if new.path != old.path {
            Some("the probability path changed")
        } else if new.coupling.method != old.coupling.method
            && [new.coupling.method, old.coupling.method]
                .iter()
                .any(|m| matches!(m, CouplingMethod::Paired | CouplingMethod::Reflow))
            || new.coupling.paired != old.coupling.paired
            || new.coupling.reflow != old.coupling.reflow
        {
            Some("the training pairs changed")
        } else if new.train.samples_per_label != old.train.samples_per_label {
            Some("the training data changed")
        } else if new.train.seed != old.train.seed {
            Some("the seed changed")
        } else if new.train.p_drop != old.train.p_drop || new.train.grad_clip != old.train.grad_clip
        {
            Some("the optimiser changed")
        } else {
            None
        };
        match reason {
            Some(reason) => SceneChange::NeedsRestart(reason),
            None if new == old => SceneChange::Same,
            None => SceneChange::Applied,
        }
    }
}

/// What `flowscope train` writes to metrics.json.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub metrics: FlowMetrics,
    /// Mean coupling cost over the last tenth of training.
    pub coupling_cost: f64,
    pub final_loss: f32,
    pub steps: usize,
    pub steps_per_sec: f64,
    pub loss_curve: Vec<(usize, f32)>,
    /// Mean coupling cost of each training batch.
    pub coupling_cost_curve: Vec<(usize, f64)>,
    /// Conditional models: the requested label's share and the diversity at w = 0, 1, 2, 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Vec<GuidancePoint>>,
    /// Paired coupling: how well held-out observations are restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restoration: Option<Restoration>,
    /// Reflow: k of this k-rectified flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reflow_level: Option<usize>,
    /// Symmetric data: how well the learned flow keeps the symmetry.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub symmetry: Option<SymmetryReport>,
    /// Flat spaces: network evaluations per particle of the adaptive dopri5 solver (tolerance
    /// 1e-5) over the whole flow, fewer the straighter the learned paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dopri5_nfe: Option<usize>,
    /// Point clouds: distance and energy histograms against held-out samples, equivariance.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudReport>,
    /// Meshes: wall crossings and W2 under the geodesic distance.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub mesh: Option<MeshReport>,
    /// Where the likelihood is computed: the held-out target points' negative log-likelihood.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub likelihood: Option<LikelihoodReport>,
}

/// The model's negative log-likelihood of held-out target points.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LikelihoodReport {
    /// Nats per sample.
    pub nll: f64,
    /// The same in bits per dimension (of the mean-free subspace on point clouds).
    pub bits_per_dim: f64,
    /// The standard error of `nll` where Hutchinson's estimator computed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nll_se: Option<f64>,
    /// Where the target's density is known: its own NLL of the same points (an estimate of
    /// its entropy). `nll − data_nll` estimates the model's KL divergence from the data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_nll: Option<f64>,
    /// Data with a symmetry: the mean |log q(g·x) − log q(x)| over held-out points, each
    /// moved by a random element g of the group; zero for an invariant density.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likelihood_invariance: Option<f64>,
}

/// A model's negative log-likelihood of held-out target points.
#[derive(Debug, Clone)]
pub struct HeldOutNll {
    /// Nats per point.
    pub nll: f64,
    pub bits_per_dim: f64,
    /// The standard error of `nll` where Hutchinson's estimator computed it.
    pub nll_se: Option<f64>,
    /// The target's own NLL of the same points, where its density is known.
    pub data_nll: Option<f64>,
    /// The points and the RK4 steps used.
    pub points: Points,
    pub steps: usize,
}

/// RK4 steps of the backward integration behind metrics.json's `nll`.
const NLL_STEPS: usize = 50;

/// Held-out points the likelihood's invariance is measured on (at most).
pub(crate) const INVARIANCE_POINTS: usize = 32;

/// Up to this many dimensions `nll` uses exact traces.
const EXACT_NLL_DIM: usize = 3;

/// How well a run of symmetric data keeps the data's symmetry group G.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SymmetryReport {
    /// max |v(g·x) − g·v(x)| over G, held-out source points and t = 0, ½, 1, relative to the
    /// largest |v(x)|: 0 for an equivariant field (up to rounding).
    pub equivariance_error: f64,
    /// Mean W2 between the generated samples and their images under each element of G but the
    /// identity: at `invariance_w2_floor` when the learned density is invariant.
    pub invariance_w2: f64,
    /// The same for held-out target samples, which are invariant: what sampling noise gives.
    pub invariance_w2_floor: f64,
}

/// Guided samples at one guidance scale.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GuidancePoint {
    pub w: f64,
    /// Share of samples landing in the region of the label they asked for.
    pub label_fraction: f64,
    /// Mean distance between samples asking for the same label.
    pub diversity: f64,
}

/// Guidance scales reported in metrics.json.
pub const REPORTED_GUIDANCE: [f64; 4] = [0.0, 1.0, 2.0, 4.0];

impl Session {
    /// A fresh run of `scene` on `device` (weights seeded by the scene's seed). A reflow run
    /// generates its pairs from its parent run and starts from the parent's weights when the
    /// architectures match.
    pub fn new(mut scene: Scene, device: &Device) -> Result<Self> {
        scene.validate()?;
        device.seed(scene.train.seed);
        let fresh = scene.model.init(
            scene.space,
            scene.symmetry,
            scene.coupling.observes(),
            &device.clone().autodiff(),
        );
        if scene.coupling.method != CouplingMethod::Reflow {
            return Self::with_model(scene, device, fresh, None);
        }
        let (pool, parent) = reflow_pairs(&mut scene, device)?;
        let model = if parent.scene.model == scene.model {
            trainable_copy(&parent.model(), &scene, device)
        } else {
            fresh
        };
        Self::with_model(scene, device, model, Some(pool))
    }

    fn with_model(
        scene: Scene,
        device: &Device,
        model: VelocityField,
        reflow_pool: Option<Arc<(Points, Points)>>,
    ) -> Result<Self> {
        let mut source: Arc<dyn Sampler> = scene.sampler(&scene.source)?.into();
        let target: Arc<dyn Sampler> = scene.sampler(&scene.target)?.into();
        let seed = scene.train.seed;
        let mut observation = None;
        let origin = match (scene.coupling.method, reflow_pool) {
            (CouplingMethod::Reflow, Some(pool)) => PairOrigin::Pool(pool),
            (CouplingMethod::Reflow, None) => {
                return Err(Error::Internal(
                    "a reflow run was built without its pairs".into(),
                ));
            }
            (CouplingMethod::Paired, _) => {
                let observed = Arc::new(Observation::new(
                    scene.space,
                    scene.coupling.paired,
                    source.clone(),
                    target.clone(),
                ));
                source = observed.clone();
                observation = Some(observed.clone());
                PairOrigin::Observed(observed)
            }
            _ if scene.train.samples_per_label > 0 => {
                let pool = LabelledPool::draw(
                    target.as_ref(),
                    scene.train.samples_per_label,
                    &mut Rng::stream(seed, "label-pool"),
                )?;
                PairOrigin::Samplers {
                    source: source.clone(),
                    target: Arc::new(pool),
                }
            }
            _ => PairOrigin::Samplers {
                source: source.clone(),
                target: target.clone(),
            },
        };
        let pairs = PairStream::with_origin(scene.space, scene.coupling.clone(), origin, seed)
            .with_group(scene.alignment())
            .with_path(scene.path.scheduler, seed);
        let trainer = Trainer::new(
            scene.space,
            scene.path.clone(),
            scene.train.clone(),
            model,
            device,
        );
        Ok(Self {
            scene,
            device: device.clone(),
            source,
            target,
            observation,
            pairs: PrefetchedPairs::new(pairs),
            trainer,
            history: Vec::new(),
            training_secs: 0.0,
            current_batch: None,
        })
    }

    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    pub fn steps_done(&self) -> usize {
        self.trainer.steps_done()
    }

    /// Every step taken in this session.
    pub fn history(&self) -> &[StepReport] {
        &self.history
    }

    /// The last training batch's pairs (x0, x1).
    pub fn last_pairs(&self) -> Option<(&Points, &Points)> {
        self.current_batch
            .as_ref()
            .map(|(batch, _)| (&batch.x0, &batch.x1))
    }

    pub fn source(&self) -> &Arc<dyn Sampler> {
        &self.source
    }

    pub fn target(&self) -> &Arc<dyn Sampler> {
        &self.target
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Takes on `scene`'s settings when the weights can be kept (coupling, k, ε, learning
    /// rate, batch, step count, sampling and evaluation settings); otherwise changes nothing
    /// and says why a restart is needed.
    pub fn apply_scene(&mut self, scene: &Scene) -> Result<SceneChange> {
        scene.validate()?;
        let change = SceneChange::between(&self.scene, scene);
        if change != SceneChange::Applied {
            return Ok(change);
        }
        if scene.coupling != self.scene.coupling {
            self.set_coupling(scene.coupling.clone())?;
        }
        if scene.train.lr != self.scene.train.lr {
            self.set_learning_rate(scene.train.lr)?;
        }
        self.scene = scene.clone();
        Ok(SceneChange::Applied)
    }

    /// The current weights, for sampling.
    pub fn model(&self) -> VelocityField {
        self.trainer.model()
    }

    /// Whether exact log-densities take the forward-mode path (an MLP, plain or group-averaged,
    /// on a space with its divergence in closed form from the network's Jacobian: every space
    /// but the point clouds, whose EGNN takes backward passes), several times cheaper than one
    /// backward pass per coordinate: the window asks such runs for finer live density grids.
    pub fn density_is_cheap(&self) -> bool {
        self.scene.space.model().has_jacobian_divergence()
            && self.trainer.network().has_forward_jacobian()
    }

    /// Changes the coupling (method, k, ε) while keeping the weights.
    pub fn set_coupling(&mut self, coupling: CouplingConfig) -> Result<()> {
        coupling.validate()?;
        self.scene.coupling = coupling.clone();
        self.pairs.set_config(coupling)
    }

    /// Changes the learning rate while keeping the weights.
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        let mut train = self.scene.train.clone();
        train.lr = lr;
        train.validate()?;
        self.scene.train.lr = lr;
        self.trainer.set_learning_rate(lr);
        Ok(())
    }

    /// One training step.
    pub fn step(&mut self) -> Result<StepReport> {
        let start = Instant::now();
        let (size, reuse) = (self.scene.train.batch, self.scene.coupling.reuse);
        let current = match self.current_batch.take() {
            Some((batch, uses)) if uses < reuse && batch.x0.len() == size => (batch, uses),
            _ => (self.pairs.next_batch(size)?, 0),
        };
        let (batch, uses) = self.current_batch.insert(current);
        let report = self.trainer.step(batch)?;
        *uses += 1;
        self.training_secs += start.elapsed().as_secs_f64();
        self.history.push(report);
        Ok(report)
    }

    /// Trains until the scene's step count, calling `progress` after each step.
    pub fn train(&mut self, mut progress: impl FnMut(&StepReport)) -> Result<()> {
        self.train_while(|report| {
            progress(report);
            true
        })?;
        Ok(())
    }

    /// Trains to the scene's step count while `go_on` (told after every step) says so; whether
    /// every step was trained.
    pub fn train_while(&mut self, mut go_on: impl FnMut(&StepReport) -> bool) -> Result<bool> {
        while self.steps_done() < self.scene.train.steps {
            let report = self.step()?;
            if !go_on(&report) {
                return Ok(self.steps_done() >= self.scene.train.steps);
            }
        }
        Ok(true)
    }

    /// Integrates `n` source particles drawn with `seed` through the current model.
    pub fn sample(
        &self,
        n: usize,
        seed: u64,
        solver: Solver,
        steps: usize,
        record_trajectory: bool,
    ) -> Result<(Points, Integration)> {
        let (x0, observation) = self.starting_points(n, &mut Rng::stream(seed, "sample-source"));
        let guidance = self
            .scene
            .sample
            .guidance
            .map(|g| g.for_particles(n, self.scene.model.labels));
        let conditioning = Conditioning {
            guidance: guidance.as_ref(),
            observation: observation.as_ref(),
        };
        let integration = integrate(
            &self.model(),
            self.scene.space,
            &x0,
            solver,
            steps,
            conditioning,
            record_trajectory,
            &self.device,
        )?;
        Ok((x0, integration))
    }

    /// `n` starting points, with the observation each restores when the model takes one as
    /// input (the conditional-model approach to paired data).
    fn starting_points(&self, n: usize, rng: &mut Rng) -> (Points, Option<Points>) {
        match &self.observation {
            Some(model) if model.approach() == PairedApproach::Condition => {
                let pairs = model.draw(n, rng);
                (pairs.x0, Some(pairs.y))
            }
            _ => (self.source.sample(n, rng), None),
        }
    }

    /// The paired coupling's observation model.
    pub fn observation(&self) -> Option<&Arc<Observation>> {
        self.observation.as_ref()
    }

    /// Pushes `x0` through the current field (unguided) with `steps` Euler steps; `observation`
    /// is given to a model that restores observations.
    pub fn push_forward(
        &self,
        x0: &Points,
        observation: Option<&Points>,
        steps: usize,
    ) -> Result<Points> {
        let conditioning = Conditioning {
            guidance: None,
            observation: observation.filter(|_| self.scene.coupling.observes()),
        };
        Ok(self
            .euler(&self.model(), x0, steps, conditioning)?
            .final_points())
    }

    /// `x0` integrated through `model` with `steps` Euler steps, keeping only the ends: how
    /// the session scores and compares flows.
    fn euler(
        &self,
        model: &VelocityField,
        x0: &Points,
        steps: usize,
        conditioning: Conditioning,
    ) -> Result<Integration> {
        integrate(
            model,
            self.scene.space,
            x0,
            Solver::Euler,
            steps,
            conditioning,
            false,
            &self.device,
        )
    }

    /// Guided samples at each scale in `scales`: the share landing in the requested label's
    /// region and their diversity. `n` source points (the same for every scale), `steps`
    /// Euler steps; the scene's requested label, or every label in turn.
    pub fn guidance_sweep(
        &self,
        scales: &[f64],
        n: usize,
        steps: usize,
    ) -> Result<Vec<GuidancePoint>> {
        let labels = self.scene.model.labels;
        if labels == 0 {
            return Err(Error::invalid(
                "guidance needs a model trained with labels (train --conditional); this one has none",
            ));
        }
        let seed = self.scene.train.seed;
        let label = match self.scene.sample.guidance.map(|g| g.label) {
            Some(RequestedLabel::One(label)) => RequestedLabel::One(label),
            _ => RequestedLabel::All,
        };
        let (x0, observation) = self.starting_points(n, &mut Rng::stream(seed, "guidance-source"));
        let reference = self
            .target
            .sample(2000, &mut Rng::stream(seed, "label-reference"));
        let model = self.model();
        scales
            .iter()
            .map(|&w| {
                let config = GuidanceConfig { label, w };
                let guidance = config.for_particles(n, labels);
                let conditioning = Conditioning {
                    guidance: Some(&guidance),
                    observation: observation.as_ref(),
                };
                let samples = self.euler(&model, &x0, steps, conditioning)?.final_points();
                let requested = guidance.labels.unwrap_or_default();
                Ok(GuidancePoint {
                    w,
                    label_fraction: crate::metrics::label_fraction(
                        self.scene.space,
                        &samples,
                        &requested,
                        &reference,
                    )?,
                    diversity: diversity_per_label(self.scene.space, &samples, &requested),
                })
            })
            .collect()
    }

    /// How well the current model restores `n` held-out observations (paired coupling only).
    pub fn restoration(&self, n: usize, steps: usize) -> Result<Option<Restoration>> {
        let Some(observation) = &self.observation else {
            return Ok(None);
        };
        let pairs = observation.draw(n, &mut Rng::stream(self.scene.train.seed, "eval-pairs"));
        let restored = self.push_forward(&pairs.x0, Some(&pairs.y), steps)?;
        crate::metrics::restoration(self.scene.space, &restored, &pairs.x1).map(Some)
    }

    /// The adaptive solver's evaluations per particle for `n` held-out source points, in the
    /// flat spaces it runs in.
    pub fn dopri5_nfe(&self, n: usize) -> Result<Option<usize>> {
        if !self.scene.space.geometry().is_euclidean() || self.observation.is_some() {
            return Ok(None);
        }
        let seed = self.scene.train.seed;
        let (_, flow) = self.sample(n, seed, Solver::Dopri5, 1, false)?;
        Ok(Some(flow.nfe))
    }

    /// The model's velocity at `points` at time `t` and its exact divergence there.
    pub fn velocity_and_divergence(&self, points: &Points, t: f64) -> Result<(Vec<f64>, Vec<f64>)> {
        let device = self.device.clone().autodiff();
        let model = trainable_copy(&self.model(), &self.scene, &self.device);
        let x: Vec<f64> = points.iter().flatten().copied().collect();
        let (velocity, mut divergences) = crate::flow::velocity_and_divergences(
            &model,
            self.scene.space,
            &x,
            points.dim(),
            t,
            None,
            &device,
        )?;
        Ok((velocity, divergences.swap_remove(0)))
    }

    /// The model's log-density (natural log) at each of `points`: log p0(x0) − ∫₀¹ div v dt,
    /// x0 found by integrating back from each point with `steps` RK4 steps and the divergence
    /// exact. Needs a source whose density is known in closed form; a conditional model gives
    /// the density of its unconditional (null-label) field.
    pub fn log_density(&self, points: &Points, steps: usize) -> Result<Vec<f64>> {
        Ok(self
            .log_density_with(points, Integrator::Rk4 { steps }, Estimator::Exact)?
            .0)
    }

    /// As [`Session::log_density`] with the divergence by `estimator`, and for Hutchinson
    /// with two or more probes each value's standard error.
    pub fn log_density_with(
        &self,
        points: &Points,
        integrator: Integrator,
        estimator: Estimator,
    ) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
        self.log_density_at(points, 1.0, integrator, estimator)
    }

    /// The model's log-density log q_t of `points` at time `t` of the flow (t = 1: the data's
    /// side), as [`Session::log_density_with`].
    pub fn log_density_at(
        &self,
        points: &Points,
        t: f64,
        integrator: Integrator,
        estimator: Estimator,
    ) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
        if t <= 0.0 {
            // At t = 0 the flow has not moved: the source's own density.
            if let Some(source) = crate::data::log_density(self.scene.space, &self.scene.source)? {
                return Ok((points.iter().map(&source).collect(), None));
            }
        }
        if self.observation.is_some() {
            return Err(Error::invalid(
                "the likelihood of a model restoring observations is not defined without them",
            ));
        }
        if !crate::flow::has_likelihood(self.scene.space) {
            return Err(Error::invalid(format!(
                "likelihoods are computed on the plane, the torus, the sphere, the hyperbolic plane, point clouds, R^d and meshes, not on the {}",
                self.scene.space.name()
            )));
        }
        let source =
            crate::data::log_density(self.scene.space, &self.scene.source)?.ok_or_else(|| {
                Error::invalid(format!(
                    "the source '{}' has no closed-form density to start the likelihood from",
                    self.scene.source.name
                ))
            })?;
        let device = self.device.clone().autodiff();
        // Gradients flow to the inputs only: no weight gradient is computed in the passes.
        let model = trainable_copy(&self.model(), &self.scene, &self.device).no_grad();
        let (space, seed) = (self.scene.space, self.scene.train.seed);
        let change_of = |points: &Points| {
            crate::flow::log_density_change(
                &model, space, points, t, integrator, estimator, seed, &device,
            )
        };
        // Exact divergences with fixed steps give each point the same answer whichever batch
        // it is in, so on the CPU backend (one core per pass) the points are shared among the
        // cores. Probes and adaptive steps depend on the batch: those stay whole.
        let parts = if self.device == Device::flex()
            && estimator == Estimator::Exact
            && matches!(integrator, Integrator::Rk4 { .. })
        {
            let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
            cores.min(points.len() / MIN_POINTS_PER_CORE).max(1)
        } else {
            1
        };
        let change = if parts > 1 {
            let mut rest = points.clone();
            let per_part = points.len().div_ceil(parts);
            let chunks: Vec<Points> = (0..parts)
                .map(|_| rest.take_front(per_part.min(rest.len())))
                .collect();
            let changes = std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .iter()
                    .map(|chunk| scope.spawn(|| change_of(chunk)))
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| {
                        handle.join().unwrap_or_else(|_| {
                            Err(Error::Internal("a density thread panicked".into()))
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })?;
            let mut changes = changes.into_iter();
            let mut whole = changes
                .next()
                .ok_or_else(|| Error::Internal("no part of the density was computed".into()))?;
            changes.for_each(|part| whole.append(part));
            whole
        } else {
            change_of(points)?
        };
        let values = change
            .origins
            .iter()
            .zip(&change.change)
            .map(|(x, dz)| source(x) + dz)
            .collect();
        Ok((values, change.standard_error))
    }

    /// Scores the current model on held-out source and target samples with Euler steps.
    pub fn evaluate(&self) -> Result<FlowMetrics> {
        self.evaluate_with(&self.scene.eval)
    }

    /// Scores the current model with other evaluation settings than the scene's.
    pub fn evaluate_with(&self, eval: &EvalConfig) -> Result<FlowMetrics> {
        let (x0, end, reference, flow) = self.held_out_flow(eval)?;
        evaluate_flow(
            self.scene.space,
            &x0,
            &end,
            &reference,
            flow.path_energy,
            flow.path_length,
            flow.nfe,
        )
    }

    /// W2 between the held-out flow's samples and held-out data only (e.g. after one Euler
    /// step), without the rest of [`Session::evaluate_with`]'s scores.
    pub fn w2_with(&self, eval: &EvalConfig) -> Result<f64> {
        let (_, end, reference, _) = self.held_out_flow(eval)?;
        crate::metrics::w2(self.scene.space, &end, &reference)
    }

    /// The held-out source points, where the flow takes them, held-out target points, and the
    /// integration itself.
    fn held_out_flow(&self, eval: &EvalConfig) -> Result<(Points, Points, Points, Integration)> {
        let seed = self.scene.train.seed;
        let (x0, observation) =
            self.starting_points(eval.points, &mut Rng::stream(seed, "eval-source"));
        let reference = self
            .target
            .sample(eval.points, &mut Rng::stream(seed, "eval-target"));
        let conditioning = Conditioning {
            guidance: None,
            observation: observation.as_ref(),
        };
        let flow = self.euler(&self.model(), &x0, eval.steps, conditioning)?;
        Ok((x0, flow.final_points(), reference, flow))
    }

    /// Evaluation plus training statistics, as written to metrics.json.
    pub fn report(&self) -> Result<RunReport> {
        let recent = &self.history[self.history.len() - self.history.len().div_ceil(10)..];
        Ok(RunReport {
            metrics: self.evaluate()?,
            coupling_cost: if recent.is_empty() {
                0.0
            } else {
                recent.iter().map(|r| r.coupling_cost).sum::<f64>() / recent.len() as f64
            },
            final_loss: self.history.last().map_or(f32::NAN, |r| r.loss),
            steps: self.steps_done(),
            steps_per_sec: if self.training_secs > 0.0 {
                self.history.len() as f64 / self.training_secs
            } else {
                0.0
            },
            loss_curve: self.history.iter().map(|r| (r.step, r.loss)).collect(),
            coupling_cost_curve: self
                .history
                .iter()
                .map(|r| (r.step, r.coupling_cost))
                .collect(),
            guidance: if self.scene.model.labels > 0 {
                Some(self.guidance_sweep(
                    &REPORTED_GUIDANCE,
                    self.scene.eval.points,
                    self.scene.eval.steps,
                )?)
            } else {
                None
            },
            restoration: self.restoration(self.scene.eval.points, self.scene.eval.steps)?,
            reflow_level: match (&self.scene.coupling.reflow, self.scene.coupling.method) {
                (Some(reflow), CouplingMethod::Reflow) => Some(reflow.level),
                _ => None,
            },
            symmetry: self.symmetry_report(&self.scene.eval)?,
            dopri5_nfe: self.dopri5_nfe(self.scene.eval.points)?,
            cloud: self.cloud_report(&self.scene.eval)?,
            mesh: self.mesh_report(&self.scene.eval)?,
            likelihood: self.likelihood_report(&self.scene.eval)?,
        })
    }

    /// The negative log-likelihood of held-out target points, where the likelihood is
    /// computed (the plane, a source of known density, no observations); none elsewhere.
    pub fn likelihood_report(&self, eval: &EvalConfig) -> Result<Option<LikelihoodReport>> {
        let Some(held_out) = self.held_out_nll(eval.points, NLL_STEPS)? else {
            return Ok(None);
        };
        Ok(Some(LikelihoodReport {
            nll: held_out.nll,
            bits_per_dim: held_out.bits_per_dim,
            nll_se: held_out.nll_se,
            data_nll: held_out.data_nll,
            likelihood_invariance: self.likelihood_invariance(
                &held_out.points,
                held_out.steps,
                INVARIANCE_POINTS,
            )?,
        }))
    }

    /// The model's NLL of `points` held-out target points with `steps` RK4 steps (exact traces
    /// in low dimensions; beyond, two Rademacher probes on at most 256 points and half the
    /// steps), and the data's own where its density is known; none where the likelihood is
    /// not computed.
    pub fn held_out_nll(&self, points: usize, steps: usize) -> Result<Option<HeldOutNll>> {
        let known_source = crate::data::log_density(self.scene.space, &self.scene.source)?;
        if !crate::flow::has_likelihood(self.scene.space)
            || known_source.is_none()
            || self.observation.is_some()
        {
            return Ok(None);
        }
        // Dimensions the density lives in: a cloud's mean-free subspace has (n − 1)·d.
        let free = match crate::geometry::Cloud::of(self.scene.space.geometry()) {
            Some(cloud) => (cloud.n - 1) * cloud.d,
            None => self.scene.space.dim(),
        };
        // Exact traces in low dimensions; beyond, two Rademacher probes on fewer points and
        // steps keep the report to seconds (its standard error says how much that costs).
        let (estimator, points, steps) = if free <= EXACT_NLL_DIM {
            (Estimator::Exact, points, steps)
        } else {
            (
                Estimator::Hutchinson {
                    probes: 2,
                    probe: crate::flow::Probe::Rademacher,
                },
                points.min(256),
                (steps / 2).max(1),
            )
        };
        let held_out = self.scene.sampler(&self.scene.target)?.sample(
            points,
            &mut Rng::stream(self.scene.train.seed, "eval-likelihood"),
        );
        let (log_density, errors) =
            self.log_density_with(&held_out, Integrator::Rk4 { steps }, estimator)?;
        let count = log_density.len().max(1) as f64;
        let nll = -log_density.iter().sum::<f64>() / count;
        let data_nll = crate::data::log_density(self.scene.space, &self.scene.target)?
            .map(|density| -held_out.iter().map(&density).sum::<f64>() / count)
            .filter(|v| v.is_finite());
        Ok(Some(HeldOutNll {
            nll,
            bits_per_dim: nll / (free as f64 * std::f64::consts::LN_2),
            nll_se: errors.map(|e| e.iter().map(|s| s * s).sum::<f64>().sqrt() / count),
            data_nll,
            points: held_out,
            steps,
        }))
    }

    /// The mean |log q(g·x) − log q(x)| over the first `count` of `points`, each moved by a
    /// random element of the scene's group, both with exact traces (a stochastic trace's noise
    /// would hide the gap); none without a group.
    pub fn likelihood_invariance(
        &self,
        points: &Points,
        steps: usize,
        count: usize,
    ) -> Result<Option<f64>> {
        let dim = points.dim();
        let count = points.len().min(count);
        let points = Points::new(
            dim,
            points.iter().take(count).flatten().copied().collect(),
            None,
        );
        let mut rng = Rng::stream(self.scene.train.seed, "eval-likelihood-motions");
        let mut moved = vec![0.0; points.len() * dim];
        if let Some(cloud) = crate::geometry::Cloud::of(self.scene.space.geometry()) {
            for (out, x) in moved.chunks_exact_mut(dim).zip(points.iter()) {
                cloud.apply(&cloud.random_motion(&mut rng), x, out);
            }
        } else if let Some(group) = self.scene.symmetry {
            let elements = group.elements();
            for (out, x) in moved.chunks_exact_mut(dim).zip(points.iter()) {
                let g = &elements[rng.below(elements.len())];
                out.copy_from_slice(&crate::geometry::Symmetry::apply(g, x));
            }
        } else {
            return Ok(None);
        }
        let moved = Points::new(dim, moved, None);
        let log_density = self.log_density(&points, steps)?;
        let at_moved = self.log_density(&moved, steps)?;
        let gap = at_moved
            .iter()
            .zip(&log_density)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / log_density.len().max(1) as f64;
        Ok(Some(gap))
    }

    /// The equivariance of the learned field and the invariance of its samples under the
    /// scene's symmetry group (none without one).
    pub fn symmetry_report(&self, eval: &EvalConfig) -> Result<Option<SymmetryReport>> {
        let Some(group) = self.scene.symmetry else {
            return Ok(None);
        };
        let (x0, end, reference, _) = self.held_out_flow(eval)?;
        let elements = group.elements();
        let moved = |points: &Points, g: &Element| {
            let data = points.iter().flat_map(|p| Symmetry::apply(g, p)).collect();
            Points::new(2, data, None)
        };
        let invariance = |points: &Points| -> Result<f64> {
            let mut total = 0.0;
            for g in &elements[1..] {
                total += crate::metrics::w2(self.scene.space, points, &moved(points, g))?;
            }
            Ok(total / (elements.len() - 1) as f64)
        };
        Ok(Some(SymmetryReport {
            equivariance_error: self.plane_equivariance_error(&elements, &x0)?,
            invariance_w2: invariance(&end)?,
            invariance_w2_floor: invariance(&reference)?,
        }))
    }

    /// max |v(g·x) − g·v(x)| over the group's elements but the identity, points `x0` and
    /// t = 0, ½, 1, relative to the largest |v(x)|.
    fn plane_equivariance_error(&self, elements: &[Element], x0: &Points) -> Result<f64> {
        let moved = |points: &Points, g: &Element| {
            let data = points.iter().flat_map(|p| Symmetry::apply(g, p)).collect();
            Points::new(2, data, None)
        };
        let model = self.model();
        let mut worst = 0.0f64;
        let mut scale = 0.0f64;
        for t in [0.0, 0.5, 1.0] {
            let velocity = |points: &Points| {
                velocity_at(
                    &model,
                    self.scene.space,
                    points,
                    t,
                    Conditioning::default(),
                    &self.device,
                )
            };
            let v = velocity(x0)?;
            scale = v.chunks(2).map(|w| w[0].hypot(w[1])).fold(scale, f64::max);
            for g in &elements[1..] {
                let v_moved = velocity(&moved(x0, g))?;
                for (w, u) in v.chunks(2).zip(v_moved.chunks(2)) {
                    let turned = Symmetry::apply(g, w);
                    worst = worst.max((turned[0] - u[0]).hypot(turned[1] - u[1]));
                }
            }
        }
        Ok(worst / scale.max(f64::MIN_POSITIVE))
    }

    /// The equivariance error of the current field on `n` held-out source points, under the
    /// scene's symmetry or the point cloud's rotations and relabellings; none without a group.
    pub fn equivariance_error(&self, n: usize) -> Result<Option<f64>> {
        let (x0, _) =
            self.starting_points(n, &mut Rng::stream(self.scene.train.seed, "eval-source"));
        if let Some(group) = self.scene.symmetry {
            return self
                .plane_equivariance_error(&group.elements(), &x0)
                .map(Some);
        }
        match crate::geometry::Cloud::of(self.scene.space.geometry()) {
            Some(cloud) => self.cloud_equivariance_error(cloud, &x0).map(Some),
            None => Ok(None),
        }
    }

    /// Writes scene.toml and the model checkpoint into `dir` (created if needed).
    pub fn save_checkpoint(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|cause| Error::Write {
            path: dir.to_path_buf(),
            cause,
        })?;
        // The weights go to a partial file first and the scene is replaced only once they are
        // whole, so a full disk or a kill midway leaves the previous checkpoint as it was.
        let path = dir.join(MODEL_FILE);
        let partial = dir.join(".model.bpk.partial");
        let written = self
            .model()
            .save_file(&partial)
            .map_err(|e| Error::Checkpoint {
                path: path.clone(),
                message: format!("could not write the weights: {e}"),
            })
            .and_then(|()| {
                let mut scene = self.scene.clone();
                scene.train.steps = self.steps_done();
                scene.save(&dir.join(SCENE_FILE))
            })
            .and_then(|()| {
                std::fs::rename(&partial, &path).map_err(|cause| Error::Write {
                    path: path.clone(),
                    cause,
                })
            });
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written
    }

    /// Reopens a run saved by [`Session::save_checkpoint`]: its scene and weights.
    pub fn load_checkpoint(dir: &Path, device: &Device) -> Result<Self> {
        let mut scene = Scene::load(&dir.join(SCENE_FILE))?;
        let path = dir.join(MODEL_FILE);
        if !path.is_file() {
            return Err(Error::Checkpoint {
                path,
                message:
                    "no model checkpoint here (expected a run directory written by flowscope train)"
                        .into(),
            });
        }
        // Read into memory first: a file-backed record reads the file lazily, so a checkpoint
        // overwritten or deleted later would change or break the running model.
        let bytes = std::fs::read(&path).map_err(|cause| Error::Read {
            path: path.clone(),
            cause,
        })?;
        let mismatch = |e: burn::store::RecordError| Error::Checkpoint {
            path: path.clone(),
            message: format!(
                "does not match the model described by scene.toml (its space, width, depth or labels differ): {}",
                first_mismatch(&e.to_string())
            ),
        };
        let record =
            burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
                .map_err(mismatch)?;
        // Loaded without autodiff, then its values copied into a freshly initialised trainable
        // model: parameters loaded from a record stay tied to the autodiff graph of their first
        // update, so a resumed run would fail at its second step.
        let loaded = scene
            .model
            .init(
                scene.space,
                scene.symmetry,
                scene.coupling.observes(),
                device,
            )
            .try_load_record(record)
            .map_err(mismatch)?;
        let model = trainable_copy(&loaded, &scene, device);
        let reflow_pool = match scene.coupling.method {
            CouplingMethod::Reflow => Some(reflow_pairs(&mut scene, device)?.0),
            _ => None,
        };
        let steps = scene.train.steps;
        let mut session = Self::with_model(scene, device, model, reflow_pool)?;
        session.trainer.set_steps_done(steps);
        Ok(session)
    }
}

/// A trainable copy of `model`: its values written into a freshly initialised model. Parameters
/// loaded from a record or taken from another trainer stay tied to the autodiff graph of their
/// first update, so training them directly fails at the second step.
fn trainable_copy(model: &VelocityField, scene: &Scene, device: &Device) -> VelocityField {
    let mut values = ParameterValues::default();
    model.visit(&mut values);
    scene
        .model
        .init(
            scene.space,
            scene.symmetry,
            scene.coupling.observes(),
            &device.clone().autodiff(),
        )
        .map(&mut values.into_iter())
}

/// The reflow pairs (x0, ψ1(x0)) of the run `scene` reflows, and that run. Sets the scene's
/// reflow level to one more than the parent's.
fn reflow_pairs(scene: &mut Scene, device: &Device) -> Result<(Arc<(Points, Points)>, Session)> {
    let Some(reflow) = scene.coupling.reflow.clone() else {
        return Err(Error::invalid(
            "the reflow coupling needs the run to reflow ([coupling.reflow] from = DIR)",
        ));
    };
    let parent = Session::load_checkpoint(&reflow.from, device).map_err(|e| {
        Error::invalid(format!(
            "cannot reflow the run in {}: {e}",
            reflow.from.display()
        ))
    })?;
    let parent_scene = parent.scene();
    if parent_scene.coupling.method == CouplingMethod::Paired {
        return Err(Error::invalid(
            "reflow starts from the source distribution; a paired run cannot be reflowed",
        ));
    }
    if parent_scene.space != scene.space
        || parent_scene.source != scene.source
        || parent_scene.target != scene.target
    {
        return Err(Error::invalid(format!(
            "a reflow run keeps the space and data of the run it reflows ({})",
            reflow.from.display()
        )));
    }
    let parent_level = parent_scene.coupling.reflow.as_ref().map_or(1, |r| r.level);
    if let Some(config) = scene.coupling.reflow.as_mut() {
        config.level = parent_level + 1;
    }
    let x0 = parent.source.sample(
        reflow.pairs,
        &mut Rng::stream(scene.train.seed, "reflow-source"),
    );
    let sample = &parent_scene.sample;
    let flow = integrate(
        &parent.model(),
        parent_scene.space,
        &x0,
        sample.solver,
        sample.steps,
        Conditioning::default(),
        false,
        device,
    )?;
    Ok((Arc::new((x0, flow.final_points())), parent))
}

/// Mean diversity of the groups of samples that asked for the same label.
fn diversity_per_label(space: crate::space::SpaceKind, samples: &Points, labels: &[u32]) -> f64 {
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, &label) in labels.iter().enumerate() {
        groups.entry(label).or_default().push(i);
    }
    let scores: Vec<f64> = groups
        .values()
        .map(|rows| crate::metrics::diversity(space, &samples.reordered(rows)))
        .collect();
    scores.iter().sum::<f64>() / scores.len().max(1) as f64
}
