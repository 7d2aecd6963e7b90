//! One flow-matching training step: couple, interpolate, regress the velocity, update.

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::{PathConfig, VelocityField};
use crate::coupling::PairBatch;
use crate::rng::Rng;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// Optimiser settings of a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub steps: usize,
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Clip the gradient norm to this value (0 disables clipping).
    pub grad_clip: f64,
    pub seed: u64,
    /// Probability that a label is replaced by the null label (conditional models only).
    pub p_drop: f64,
    /// Train on a fixed set of this many examples per label (0: fresh draws, unlimited).
    pub samples_per_label: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 2000,
            batch: 512,
            lr: 1e-3,
            grad_clip: 0.0,
            seed: 0,
            p_drop: 0.2,
            samples_per_label: 0,
        }
    }
}

/// Largest accepted batch.
pub const MAX_BATCH: usize = 65536;

/// Largest fixed training set per label.
pub const MAX_SAMPLES_PER_LABEL: usize = 100_000;

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        if self.batch == 0 || self.batch > MAX_BATCH {
            return Err(Error::invalid(format!(
                "batch must be between 1 and {MAX_BATCH}, got {}",
                self.batch
            )));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::invalid(format!(
                "learning rate must be positive, got {}",
                crate::error::quoted(self.lr)
            )));
        }
        if !(self.grad_clip.is_finite() && self.grad_clip >= 0.0) {
            return Err(Error::invalid(format!(
                "grad_clip must be 0 (off) or positive, got {}",
                crate::error::quoted(self.grad_clip)
            )));
        }
        if !(0.0..=1.0).contains(&self.p_drop) {
            return Err(Error::invalid(format!(
                "p_drop must be between 0 and 1, got {}",
                crate::error::quoted(self.p_drop)
            )));
        }
        if self.samples_per_label > MAX_SAMPLES_PER_LABEL {
            return Err(Error::invalid(format!(
                "samples per label must be at most {MAX_SAMPLES_PER_LABEL} (0 for unlimited), got {}",
                self.samples_per_label
            )));
        }
        Ok(())
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StepReport {
    pub step: usize,
    pub loss: f32,
    pub coupling_cost: f64,
}

/// A model with its optimiser, trained step by step on the autodiff version of a device.
pub struct Trainer {
    space: SpaceKind,
    path: PathConfig,
    config: TrainConfig,
    device: Device,
    model: VelocityField,
    /// The weights before the last update: restored when that update made the loss non-finite.
    last_good: VelocityField,
    optimizer: ModuleOptimizer,
    time_rng: Rng,
    steps_done: usize,
}

impl Trainer {
    pub fn new(
        space: SpaceKind,
        path: PathConfig,
        config: TrainConfig,
        model: VelocityField,
        device: &Device,
    ) -> Self {
        let device = device.clone().autodiff();
        let model = model.to_device(&device);
        Self {
            space,
            path,
            time_rng: Rng::stream(config.seed, "train-time"),
            optimizer: new_optimizer(&config),
            config,
            last_good: model.clone(),
            model,
            device,
            steps_done: 0,
        }
    }

    /// The network as it trains (with its autodiff tape): for questions about its shape.
    pub fn network(&self) -> &VelocityField {
        &self.model
    }

    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    pub fn set_steps_done(&mut self, steps: usize) {
        self.steps_done = steps;
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Changes the learning rate from the next step on, keeping the weights.
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    /// The current weights, detached from autodiff for sampling.
    pub fn model(&self) -> VelocityField {
        self.model.valid()
    }

    /// One optimisation step on a batch of coupled pairs. A non-finite loss leaves the weights
    /// untouched and returns [`Error::Diverged`].
    pub fn step(&mut self, batch: &PairBatch) -> Result<StepReport> {
        let n = batch.x0.len();
        let dim = self.space.dim();
        let (geometry, io) = (self.space.geometry(), self.space.model());
        // A space that simulates its paths had its times and x_t solved ahead with the pairs;
        // the others draw their times here (before the labels' dropout, from the same stream).
        let drawn = batch.path.is_none().then(|| {
            let mut times = Vec::with_capacity(n);
            let mut kappa = Vec::with_capacity(n);
            let mut dkappa = Vec::with_capacity(n);
            for _ in 0..n {
                let t = self.time_rng.uniform();
                times.push(t as f32);
                kappa.push(self.path.scheduler.kappa(t) as f32);
                dkappa.push(self.path.scheduler.dkappa(t) as f32);
            }
            (times, kappa, dkappa)
        });
        let labels = self.training_labels(batch);
        let device = &self.device;
        let column =
            |values: Vec<f32>| Tensor::<2>::from_data(TensorData::new(values, [n, 1]), device);
        let rows = |values: &[f64]| {
            let values: Vec<f32> = values.iter().map(|&v| v as f32).collect();
            Tensor::<2>::from_data(TensorData::new(values, [n, dim]), device)
        };
        let (times, xt, ut) = match &batch.path {
            Some(path) => (
                path.times.iter().map(|&t| t as f32).collect::<Vec<f32>>(),
                rows(&path.xt),
                rows(&path.ut),
            ),
            None => {
                let (times, kappa, dkappa) = drawn.unwrap_or_default();
                let (x0, x1) = (rows(batch.x0.data()), rows(batch.x1.data()));
                let (xt, ut) = geometry.interpolate_tensor(x0, x1, column(kappa), column(dkappa));
                (times, xt, ut)
            }
        };
        let time_dim = self.model.time_feature_dim();
        let time = TensorData::new(self.model.time_features(&times), [n, time_dim]);
        let observation = match (&batch.observation, self.model.is_observed()) {
            (Some(y), true) => Some(io.features(Tensor::<2>::from_data(
                TensorData::new(y.to_f32(), [n, dim]),
                device,
            ))),
            _ => None,
        };
        let raw = self.model.forward(
            io.features(xt.clone()),
            Tensor::from_data(time, device),
            labels,
            observation,
        );
        let v = io.velocity(xt.clone(), raw);
        let loss = geometry.squared_norm_tensor(xt, v - ut).mean();
        let loss_value: f32 = loss.clone().into_scalar();
        let step = self.steps_done + 1;
        if !loss_value.is_finite() {
            self.model = self.last_good.clone();
            self.optimizer = new_optimizer(&self.config);
            return Err(Error::Diverged {
                step,
                loss: loss_value,
            });
        }
        let gradients = GradientsParams::from_grads(loss.backward(), &self.model);
        let updated = self
            .optimizer
            .step(self.config.lr, self.model.clone(), gradients);
        self.last_good = std::mem::replace(&mut self.model, updated);
        self.steps_done = step;
        Ok(StepReport {
            step,
            loss: loss_value,
            coupling_cost: batch.coupling_cost,
        })
    }

    /// Replaces the weights (e.g. from a checkpoint), keeping the optimiser settings.
    pub fn load_model(&mut self, model: VelocityField) {
        self.model = model.to_device(&self.device).train();
        self.last_good = self.model.clone();
        self.optimizer = new_optimizer(&self.config);
    }

    /// Target labels with classifier-free dropout applied, for conditional models.
    fn training_labels(&mut self, batch: &PairBatch) -> Option<Tensor<1, Int>> {
        if !self.model.is_conditional() {
            return None;
        }
        let null = self.model.null_label() as u32;
        let n = batch.x1.len();
        let labels: Vec<i64> = match batch.x1.labels() {
            Some(labels) => drop_labels(labels, null, self.config.p_drop, &mut self.time_rng),
            None => vec![null; n],
        }
        .into_iter()
        .map(i64::from)
        .collect();
        Some(Tensor::from_data(
            TensorData::new(labels, [n]),
            &self.device,
        ))
    }
}

/// Classifier-free dropout: each label replaced by `null` with probability `p_drop`.
pub fn drop_labels(labels: &[u32], null: u32, p_drop: f64, rng: &mut Rng) -> Vec<u32> {
    labels
        .iter()
        .map(|&label| if rng.uniform() < p_drop { null } else { label })
        .collect()
}

fn new_optimizer(config: &TrainConfig) -> ModuleOptimizer {
    let clip =
        (config.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(config.grad_clip as f32));
    AdamConfig::new()
        .with_epsilon(1e-8)
        .with_grad_clipping(clip)
        .init()
}
