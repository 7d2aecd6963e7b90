//! The velocity field v_θ(x, t [, label]): an MLP on the space's features, a sinusoidal time
//! embedding and an optional class-label embedding with an extra null label for guidance.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::{relu, sigmoid, silu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::Network;
use super::egnn::Egnn;
use crate::geometry::Symmetry;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// Non-linearity between hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Silu,
    Selu,
    Relu,
}

/// SELU's constants (Klambauer et al., 2017).
const SELU_ALPHA: f32 = 1.673_263_2;
const SELU_LAMBDA: f32 = 1.050_701;

impl Activation {
    /// Applies the non-linearity element-wise.
    pub fn apply(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Activation::Silu => silu(x),
            // λ·(relu(x) + α·(exp(−relu(−x)) − 1)): burn's selu as plain element-wise ops,
            // much faster on the CPU backend than its masked form.
            Activation::Selu => {
                let negative_part = relu(-x.clone());
                (relu(x) + ((-negative_part).exp() - 1.0) * SELU_ALPHA) * SELU_LAMBDA
            }
            Activation::Relu => relu(x),
        }
    }

    /// The non-linearity and its derivative, element-wise, at `x`.
    fn apply_with_slope(self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        match self {
            Activation::Silu => {
                if let Some(fused) = super::fused_silu::silu_with_slope(&x) {
                    return fused;
                }
                let s = sigmoid(x.clone());
                let slope = s.clone() * ((-s.clone() + 1.0) * x.clone() + 1.0);
                (x * s, slope)
            }
            Activation::Selu => {
                let positive = x.clone().greater_elem(0.0).float();
                // exp(min(x, 0)): 1 where x > 0.
                let decay = (-relu(-x.clone())).exp();
                let value = (relu(x) + (decay.clone() - 1.0) * SELU_ALPHA) * SELU_LAMBDA;
                let slope =
                    (positive.clone() + decay * (-positive + 1.0) * SELU_ALPHA) * SELU_LAMBDA;
                (value, slope)
            }
            Activation::Relu => {
                let positive = x.clone().greater_elem(0.0).float();
                (x * positive.clone(), positive)
            }
        }
    }
}

/// Architecture of the velocity field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(skip_serializing_if = "Network::is_default")]
    pub network: Network,
    /// Units per hidden layer.
    pub width: usize,
    /// Number of hidden layers.
    pub depth: usize,
    pub activation: Activation,
    /// Sinusoidal frequencies of the time embedding (each gives a sin and a cos feature).
    pub time_frequencies: usize,
    /// Number of class labels the model is conditioned on (0: unconditional). Label
    /// `labels` is the null label used for classifier-free guidance.
    pub labels: usize,
    /// Size of the label embedding.
    pub label_dim: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            network: Network::Mlp,
            width: 64,
            depth: 3,
            activation: Activation::Selu,
            time_frequencies: 4,
            labels: 0,
            label_dim: 16,
        }
    }
}

/// Largest accepted width and depth (larger ones do not train interactively on a laptop).
const MAX_WIDTH: usize = 4096;
const MAX_DEPTH: usize = 32;

impl ModelConfig {
    pub fn validate(&self) -> Result<()> {
        if self.width == 0 || self.width > MAX_WIDTH {
            return Err(Error::invalid(format!(
                "width must be between 1 and {MAX_WIDTH}, got {}",
                self.width
            )));
        }
        if self.depth == 0 || self.depth > MAX_DEPTH {
            return Err(Error::invalid(format!(
                "depth must be between 1 and {MAX_DEPTH}, got {}",
                self.depth
            )));
        }
        if self.time_frequencies > 64 {
            return Err(Error::invalid("time_frequencies must be at most 64"));
        }
        Ok(())
    }

    /// A freshly initialised field for `space` on `device` (weights drawn from burn's seeded RNG).
    /// With `observed`, the field also takes an observation of the target (a point of the
    /// space) as input: the conditional-model approach to paired data. The group-averaged
    /// network averages over `symmetry` (which the scene's validation requires it to have).
    pub fn init(
        &self,
        space: SpaceKind,
        symmetry: Option<Symmetry>,
        observed: bool,
        device: &Device,
    ) -> VelocityField {
        let io = space.model();
        let time_features = 1 + 2 * self.time_frequencies;
        // Frequencies π·2^k: the lowest resolves the whole [0, 1], the highest fine detail.
        let frequencies: Vec<f32> = (0..self.time_frequencies)
            .map(|k| std::f32::consts::PI * 2f32.powi(k as i32))
            .collect();
        if self.network == Network::Egnn {
            let geometry = space.geometry();
            let d = geometry.particle_dim();
            return VelocityField {
                hidden: Vec::new(),
                output: None,
                egnn: Some(Egnn::new(
                    geometry.dim() / d,
                    d,
                    self.width,
                    self.depth,
                    time_features,
                    self.activation,
                    device,
                )),
                label_embedding: None,
                frequencies,
                activation: self.activation,
                null_label: 0,
                observed: false,
                group: Vec::new(),
            };
        }
        let label_features = if self.labels > 0 { self.label_dim } else { 0 };
        let observation_features = if observed { io.feature_dim() } else { 0 };
        let mut input = io.feature_dim() + time_features + label_features + observation_features;
        let mut hidden = Vec::with_capacity(self.depth);
        for _ in 0..self.depth {
            hidden.push(LinearConfig::new(input, self.width).init(device));
            input = self.width;
        }
        VelocityField {
            hidden,
            output: Some(LinearConfig::new(input, io.output_dim()).init(device)),
            egnn: None,
            label_embedding: (self.labels > 0)
                .then(|| EmbeddingConfig::new(self.labels + 1, self.label_dim).init(device)),
            frequencies,
            activation: self.activation,
            null_label: self.labels,
            observed,
            group: match (self.network, symmetry) {
                (Network::GroupAveraged, Some(symmetry)) => symmetry
                    .elements()
                    .iter()
                    .map(|g| g.map(|v| v as f32))
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// The learned velocity field.
#[derive(Module, Debug)]
pub struct VelocityField {
    hidden: Vec<Linear>,
    /// The MLP's last layer; none for the EGNN, which is all of `egnn`.
    output: Option<Linear>,
    egnn: Option<Egnn>,
    label_embedding: Option<Embedding>,
    /// Angular frequencies of the sinusoidal time embedding.
    #[module(skip)]
    frequencies: Vec<f32>,
    #[module(skip)]
    activation: Activation,
    null_label: usize,
    /// Whether an observation's features follow the label embedding in the input.
    #[module(skip)]
    observed: bool,
    /// The group the MLP is averaged over, row-major 2×2 matrices; empty for a plain MLP.
    #[module(skip)]
    group: Vec<[f32; 4]>,
}

impl VelocityField {
    /// Time features [t, sin(ω_k t), cos(ω_k t)] for each time, row-major `[N, 1 + 2F]`.
    ///
    /// Computed on the CPU: times are drawn there, and it keeps the embedding out of the
    /// autodiff graph.
    pub fn time_features(&self, times: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(times.len() * self.time_feature_dim());
        for &t in times {
            out.push(t);
            out.extend(self.frequencies.iter().map(|w| (w * t).sin()));
            out.extend(self.frequencies.iter().map(|w| (w * t).cos()));
        }
        out
    }

    /// Number of time features per point.
    pub fn time_feature_dim(&self) -> usize {
        1 + 2 * self.frequencies.len()
    }

    /// Raw network output (not yet projected to the tangent space).
    ///
    /// # Shapes
    /// - features `[N, F]` (from `SpaceModel::features`), time `[N, T]` (from
    ///   [`Self::time_features`]), labels `[N]`, observation `[N, F]` (features of the observed
    ///   points, for a field built `observed`; ignored otherwise)
    /// - returns `[N, out]` with out the space's `SpaceModel::output_dim`
    pub fn forward(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        labels: Option<Tensor<1, Int>>,
        observation: Option<Tensor<2>>,
    ) -> Tensor<2> {
        if let Some(egnn) = &self.egnn {
            return egnn.forward(features, time);
        }
        if self.group.is_empty() {
            return self.mlp(features, time, labels, observation);
        }
        // Every g·x (and g·y) in one batch of |G|·N rows, then each block turned back by g⁻¹
        // and the blocks averaged. The plane's features are its points, so g acts on them.
        let (n, device) = (features.dims()[0], features.device());
        let matrix =
            |g: &[f32; 4]| Tensor::<2>::from_data(TensorData::new(g.to_vec(), [2, 2]), &device);
        // Row vectors: (g·x)ᵀ = xᵀ·gᵀ, and (g⁻¹·r)ᵀ = rᵀ·g for orthogonal g.
        let transposed = |g: &[f32; 4]| matrix(&[g[0], g[2], g[1], g[3]]);
        let act = |x: &Tensor<2>| {
            Tensor::cat(
                self.group
                    .iter()
                    .map(|g| x.clone().matmul(transposed(g)))
                    .collect(),
                0,
            )
        };
        let copies = self.group.len();
        let raw = self.mlp(
            act(&features),
            Tensor::cat(vec![time; copies], 0),
            labels.map(|l| Tensor::cat(vec![l; copies], 0)),
            observation.map(|o| act(&o)),
        );
        let blocks = raw.chunk(copies, 0);
        let turned_back: Vec<Tensor<2>> = blocks
            .into_iter()
            .zip(&self.group)
            .map(|(block, g)| block.matmul(matrix(g)))
            .collect();
        debug_assert_eq!(turned_back[0].dims()[0], n);
        Tensor::stack::<3>(turned_back, 0)
            .mean_dim(0)
            .squeeze_dim::<2>(0)
    }

    /// Whether [`VelocityField::forward_with_derivatives`] can answer for this network: an MLP,
    /// plain or averaged over a group (not the EGNN).
    pub fn has_forward_jacobian(&self) -> bool {
        self.egnn.is_none() && !self.hidden.is_empty() && self.output.is_some()
    }

    /// The raw output without labels (the null label of a conditional field) and its
    /// derivatives along `directions` in feature space, `derivatives[k, r, j]` = ∂outⱼ along
    /// direction k at point r, for an MLP; `None` for the EGNN. Without directions, along each
    /// feature: the Jacobian, `[i, r, j]` = ∂outⱼ/∂featureᵢ. Forward mode: one pass carries a
    /// tangent per direction beside the values, exact and several times cheaper than a
    /// backward pass per direction.
    ///
    /// # Shapes
    /// - features `[N, F]`, time `[N, T]`, directions `[K, N, F]` → `([N, O], [K, N, O])`
    ///   (K = F without directions)
    pub fn forward_with_derivatives(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        directions: Option<Tensor<3>>,
    ) -> Option<(Tensor<2>, Tensor<3>)> {
        if !self.has_forward_jacobian() {
            return None;
        }
        if self.group.is_empty() {
            return self.mlp_with_derivatives(features, time, directions);
        }
        let (raw, jacobian) = self.group_averaged_jacobian(features, time)?;
        Some(match directions {
            Some(directions) => (raw, along(jacobian, directions)),
            None => (raw, jacobian),
        })
    }

    /// The group-averaged field's raw output and Jacobian.
    fn group_averaged_jacobian(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
    ) -> Option<(Tensor<2>, Tensor<3>)> {
        // v(x) = (1/|G|) Σ g⁻¹ f(g·x), so ∂v/∂x = (1/|G|) Σ g⁻¹ (∂f/∂y at g·x) g: every copy in
        // one batch as in `forward`, then each block's Jacobian turned by g on both sides.
        let (n, device) = (features.dims()[0], features.device());
        let matrix =
            |g: &[f32; 4]| Tensor::<2>::from_data(TensorData::new(g.to_vec(), [2, 2]), &device);
        let transposed = |g: &[f32; 4]| matrix(&[g[0], g[2], g[1], g[3]]);
        let copies = self.group.len();
        let moved = Tensor::cat(
            self.group
                .iter()
                .map(|g| features.clone().matmul(transposed(g)))
                .collect(),
            0,
        );
        let (raw, jacobian) =
            self.mlp_with_derivatives(moved, Tensor::cat(vec![time; copies], 0), None)?;
        let outputs = raw.dims()[1];
        let raw_blocks = raw.chunk(copies, 0);
        let jacobian_blocks = jacobian.chunk(copies, 1);
        let (mut raw_sum, mut jacobian_sum) = (None::<Tensor<2>>, None::<Tensor<3>>);
        for ((raw, jacobian), g) in raw_blocks.into_iter().zip(jacobian_blocks).zip(&self.group) {
            // Rows: g⁻¹·out as a row vector is outᵀ·g; the features' index: ∂/∂x_k = Σᵢ gᵢₖ ∂/∂yᵢ.
            let raw = raw.matmul(matrix(g));
            let jacobian = transposed(g)
                .matmul(jacobian.reshape([2, n * outputs]))
                .reshape([2 * n, outputs])
                .matmul(matrix(g))
                .reshape([2, n, outputs]);
            raw_sum = Some(raw_sum.map_or(raw.clone(), |sum| sum + raw));
            jacobian_sum = Some(jacobian_sum.map_or(jacobian.clone(), |sum| sum + jacobian));
        }
        let scale = 1.0 / copies as f32;
        Some((raw_sum? * scale, jacobian_sum? * scale))
    }

    /// [`Self::forward_with_derivatives`] of the MLP itself, without any group average.
    fn mlp_with_derivatives(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        directions: Option<Tensor<3>>,
    ) -> Option<(Tensor<2>, Tensor<3>)> {
        let [n, feature_count] = features.dims();
        let output = self.output.as_ref()?;
        let (first, rest) = self.hidden.split_first()?;
        let (mut values, slope) = self
            .activation
            .apply_with_slope(first.forward(self.mlp_input(features, time, None, None)));
        let width = slope.dims()[1];
        let rows = first.weight.val().slice([0..feature_count, 0..width]);
        let (traced, before_activation) = match directions {
            // Direction k's tangent before the first activation is its combination of the
            // features' rows of the weights, point by point.
            Some(directions) => {
                let traced = directions.dims()[0];
                let combined = directions
                    .reshape([traced * n, feature_count])
                    .matmul(rows)
                    .reshape([traced, n, width]);
                (traced, combined)
            }
            // Feature i's is row i of the weights, whatever the point: [F, 1, width].
            None => (feature_count, rows.unsqueeze_dim::<3>(1)),
        };
        let mut tangents: Tensor<3> = before_activation * slope.unsqueeze_dim::<3>(0);
        for layer in rest {
            let weights = layer.weight.val();
            let (next, slope) = self.activation.apply_with_slope(layer.forward(values));
            let width_in = tangents.dims()[2];
            let width = slope.dims()[1];
            tangents = tangents
                .reshape([traced * n, width_in])
                .matmul(weights)
                .reshape([traced, n, width])
                * slope.unsqueeze_dim::<3>(0);
            values = next;
        }
        let width = tangents.dims()[2];
        let outputs = output.weight.dims()[1];
        let raw = output.forward(values);
        let jacobian = tangents
            .reshape([traced * n, width])
            .matmul(output.weight.val())
            .reshape([traced, n, outputs]);
        Some((raw, jacobian))
    }

    /// The MLP itself. # Shapes: as [`Self::forward`].
    fn mlp(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        labels: Option<Tensor<1, Int>>,
        observation: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let mut x = self.mlp_input(features, time, labels, observation);
        for layer in &self.hidden {
            x = self.activation.apply(layer.forward(x));
        }
        match &self.output {
            Some(output) => output.forward(x),
            None => x,
        }
    }

    /// The MLP's input row per point: features, time features, the label's embedding (the
    /// null label's without labels) and the observation's features, side by side.
    fn mlp_input(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        labels: Option<Tensor<1, Int>>,
        observation: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let mut inputs = vec![features, time];
        if let Some(embedding) = &self.label_embedding {
            let n = inputs[0].dims()[0];
            let device = inputs[0].device();
            let labels = labels.unwrap_or_else(|| {
                Tensor::<1, Int>::from_data(
                    TensorData::new(vec![self.null_label as i64; n], [n]),
                    &device,
                )
            });
            let embedded = embedding.forward(labels.reshape([n, 1]));
            inputs.push(embedded.reshape([n as i32, -1]));
        }
        if self.observed {
            // Absent only through a caller's mistake; zeros keep the shapes valid.
            let observation = observation.unwrap_or_else(|| inputs[0].zeros_like());
            debug_assert_eq!(observation.dims(), inputs[0].dims());
            inputs.push(observation);
        }
        Tensor::cat(inputs, 1)
    }

    /// Whether the field takes an observation as input.
    pub fn is_observed(&self) -> bool {
        self.observed
    }

    /// Whether the field takes class labels.
    pub fn is_conditional(&self) -> bool {
        self.label_embedding.is_some()
    }

    /// The null label (the unconditional model under classifier-free guidance).
    pub fn null_label(&self) -> usize {
        self.null_label
    }
}

/// Derivatives along `directions` from a Jacobian: Σᵢ directions[k, r, i]·jacobian[i, r, ·].
/// # Shapes: jacobian `[F, N, O]`, directions `[K, N, F]` → `[K, N, O]`.
fn along(jacobian: Tensor<3>, directions: Tensor<3>) -> Tensor<3> {
    // Per point, [K, F] × [F, O]: a product batched over the points.
    directions
        .swap_dims(0, 1)
        .matmul(jacobian.swap_dims(0, 1))
        .swap_dims(0, 1)
}
