//! A training run: the scene's data, coupling, model and optimiser, stepped on demand.
//!
//! The CLI drives a session directly; the window runs the same session on a worker thread
//! ([`live`]).

pub mod live;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use serde::Serialize;

use crate::coupling::{CouplingConfig, PairStream, PrefetchedPairs};
use crate::data::{Points, Sampler, build_sampler};
use crate::flow::{Integration, Solver, StepReport, Trainer, VelocityField, integrate};
use crate::metrics::{FlowMetrics, evaluate_flow};
use crate::rng::Rng;
use crate::scene::{EvalConfig, Scene};
use crate::{Error, Result};

/// File names inside a run directory.
pub const SCENE_FILE: &str = "scene.toml";
pub const MODEL_FILE: &str = "model.bpk";
pub const METRICS_FILE: &str = "metrics.json";

/// A live training run.
pub struct Session {
    scene: Scene,
    device: Device,
    /// The scene's distributions, built once (the image density reads its file).
    source: Arc<dyn Sampler>,
    target: Arc<dyn Sampler>,
    pairs: PrefetchedPairs,
    trainer: Trainer,
    /// Every step taken in this session: step, loss and coupling cost.
    history: Vec<StepReport>,
    training_secs: f64,
    /// The last training batch's pairs (x0, x1), for drawing the coupling.
    last_pairs: Option<(Points, Points)>,
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
        } else if new.source != old.source || new.target != old.target {
            Some("the data changed")
        } else if new.model != old.model {
            Some("the model changed")
        } else if new.path != old.path {
            Some("the probability path changed")
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
}

impl Session {
    /// A fresh run of `scene` on `device` (weights seeded by the scene's seed).
    pub fn new(scene: Scene, device: &Device) -> Result<Self> {
        scene.validate()?;
        device.seed(scene.train.seed);
        let model = scene.model.init(scene.space, &device.clone().autodiff());
        Self::with_model(scene, device, model)
    }

    fn with_model(scene: Scene, device: &Device, model: VelocityField) -> Result<Self> {
        let source: Arc<dyn Sampler> = build_sampler(scene.space, &scene.source)?.into();
        let target: Arc<dyn Sampler> = build_sampler(scene.space, &scene.target)?.into();
        let pairs = PairStream::new(
            scene.space,
            scene.coupling.clone(),
            source.clone(),
            target.clone(),
            scene.train.seed,
        );
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
            pairs: PrefetchedPairs::new(pairs),
            trainer,
            history: Vec::new(),
            training_secs: 0.0,
            last_pairs: None,
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
    pub fn last_pairs(&self) -> Option<&(Points, Points)> {
        self.last_pairs.as_ref()
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
        let batch = self.pairs.next_batch(self.scene.train.batch)?;
        let report = self.trainer.step(&batch)?;
        self.training_secs += start.elapsed().as_secs_f64();
        self.history.push(report);
        self.last_pairs = Some((batch.x0, batch.x1));
        Ok(report)
    }

    /// Trains until the scene's step count, calling `progress` after each step.
    pub fn train(&mut self, mut progress: impl FnMut(&StepReport)) -> Result<()> {
        while self.steps_done() < self.scene.train.steps {
            let report = self.step()?;
            progress(&report);
        }
        Ok(())
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
        let x0 = self
            .source
            .sample(n, &mut Rng::stream(seed, "sample-source"));
        let integration = integrate(
            &self.model(),
            self.scene.space,
            &x0,
            solver,
            steps,
            record_trajectory,
            &self.device,
        )?;
        Ok((x0, integration))
    }

    /// Scores the current model on held-out source and target samples with Euler steps.
    pub fn evaluate(&self) -> Result<FlowMetrics> {
        self.evaluate_with(&self.scene.eval)
    }

    /// Scores the current model with other evaluation settings than the scene's.
    pub fn evaluate_with(&self, eval: &EvalConfig) -> Result<FlowMetrics> {
        let seed = self.scene.train.seed;
        let x0 = self
            .source
            .sample(eval.points, &mut Rng::stream(seed, "eval-source"));
        let reference = self
            .target
            .sample(eval.points, &mut Rng::stream(seed, "eval-target"));
        let flow = integrate(
            &self.model(),
            self.scene.space,
            &x0,
            Solver::Euler,
            eval.steps,
            false,
            &self.device,
        )?;
        evaluate_flow(
            self.scene.space,
            &x0,
            &flow.final_points(),
            &reference,
            flow.path_energy,
            flow.nfe,
        )
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
        })
    }

    /// Writes scene.toml and the model checkpoint into `dir` (created if needed).
    pub fn save_checkpoint(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|cause| Error::Write {
            path: dir.to_path_buf(),
            cause,
        })?;
        let mut scene = self.scene.clone();
        scene.train.steps = self.steps_done();
        scene.save(&dir.join(SCENE_FILE))?;
        let path = dir.join(MODEL_FILE);
        let partial = dir.join(".model.bpk.partial");
        self.model()
            .save_file(&partial)
            .map_err(|e| Error::Checkpoint {
                path: path.clone(),
                message: format!("could not write the weights: {e}"),
            })?;
        std::fs::rename(&partial, &path).map_err(|cause| Error::Write { path, cause })
    }

    /// Reopens a run saved by [`Session::save_checkpoint`]: its scene and weights.
    pub fn load_checkpoint(dir: &Path, device: &Device) -> Result<Self> {
        let scene = Scene::load(&dir.join(SCENE_FILE))?;
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
            .init(scene.space, device)
            .try_load_record(record)
            .map_err(mismatch)?;
        let mut values = ParameterValues::default();
        loaded.visit(&mut values);
        let model = scene
            .model
            .init(scene.space, &device.clone().autodiff())
            .map(&mut values.into_iter());
        let steps = scene.train.steps;
        let mut session = Self::with_model(scene, device, model)?;
        session.trainer.set_steps_done(steps);
        Ok(session)
    }
}
