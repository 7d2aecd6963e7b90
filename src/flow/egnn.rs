//! An E(d) × S(n)-equivariant velocity network for point clouds: the EGNN of Satorras et al.
//! (2021). Particles carry features h_i (all start as the time's embedding, the particles being
//! identical) and positions x_i; each layer passes messages
//! m_ij = φ_e(h_i, h_j, |x_i − x_j|²), moves x_i ← x_i + Σ_j (x_i − x_j)/(|x_i − x_j| + 1)·c·tanh(φ_x(m_ij)/c)/(n − 1)
//! and updates h_i ← h_i + φ_h(h_i, Σ_j m_ij). The velocity is x_out − x_in with its centre of
//! mass removed. Distances are invariant and differences turn with the cloud, so rotating,
//! reflecting or relabelling the input does the same to the output.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::Activation;

/// The most one layer may move a particle: bounds the velocity by depth × this, far above
/// the few units a DW4 or LJ13 flow needs.
const COORDINATE_RANGE: f64 = 10.0;

/// One message-passing layer.
#[derive(Module, Debug)]
pub struct EgnnLayer {
    // φ_e's first layer on [h_i, h_j, |x_i − x_j|²], split by input: the node parts are
    // computed once per particle instead of once per edge.
    edge_from: Linear,
    edge_to: Linear,
    edge_distance: Linear,
    edge_out: Linear,
    coordinate_hidden: Linear,
    coordinate_out: Linear,
    node_in: Linear,
    node_out: Linear,
}

impl EgnnLayer {
    fn new(width: usize, device: &Device) -> Self {
        Self {
            edge_from: LinearConfig::new(width, width).init(device),
            edge_to: LinearConfig::new(width, width)
                .with_bias(false)
                .init(device),
            edge_distance: LinearConfig::new(1, width).with_bias(false).init(device),
            edge_out: LinearConfig::new(width, width).init(device),
            coordinate_hidden: LinearConfig::new(width, width).init(device),
            coordinate_out: LinearConfig::new(width, 1).init(device),
            node_in: LinearConfig::new(2 * width, width).init(device),
            node_out: LinearConfig::new(width, width).init(device),
        }
    }
}

/// The network.
#[derive(Module, Debug)]
pub struct Egnn {
    time_embedding: Linear,
    layers: Vec<EgnnLayer>,
    #[module(skip)]
    particles: usize,
    #[module(skip)]
    particle_dim: usize,
    #[module(skip)]
    width: usize,
    #[module(skip)]
    activation: Activation,
}

impl Egnn {
    /// `depth` layers of `width` features for clouds of `particles` particles in
    /// R^`particle_dim`, reading `time_features` per sample.
    pub fn new(
        particles: usize,
        particle_dim: usize,
        width: usize,
        depth: usize,
        time_features: usize,
        activation: Activation,
        device: &Device,
    ) -> Self {
        Self {
            time_embedding: LinearConfig::new(time_features, width).init(device),
            layers: (0..depth).map(|_| EgnnLayer::new(width, device)).collect(),
            particles,
            particle_dim,
            width,
            activation,
        }
    }

    /// The velocity of each configuration (before its centre is removed).
    /// # Shapes: positions `[B, n·d]`, time `[B, T]` → `[B, n·d]`.
    pub fn forward(&self, positions: Tensor<2>, time: Tensor<2>) -> Tensor<2> {
        let (n, d, width) = (self.particles, self.particle_dim, self.width);
        let [batch, _] = positions.dims();
        let device = positions.device();
        // Particles as rows [B·n, d]; edges as rows [B·n·(n − 1), ·], grouped by their first
        // particle, so that summing over a particle's edges is a reshape and a sum.
        let start = positions.reshape([batch * n, d]);
        let mut x = start.clone();
        let mut h = self
            .activation
            .apply(self.time_embedding.forward(time))
            .unsqueeze_dim::<3>(1)
            .repeat_dim(1, n)
            .reshape([batch * n, width]);
        let neighbours = n.max(2) - 1;
        let (from, to) = edge_ends(batch, n, &device);
        let edges = batch * n * neighbours;
        for layer in &self.layers {
            let difference = x.clone().select(0, from.clone()) - x.clone().select(0, to.clone());
            let squared = difference.clone().square().sum_dim(1);
            let edge = layer.edge_from.forward(h.clone()).select(0, from.clone())
                + layer.edge_to.forward(h.clone()).select(0, to.clone())
                + layer.edge_distance.forward(squared.clone());
            let message = self
                .activation
                .apply(layer.edge_out.forward(self.activation.apply(edge)));
            let raw = layer.coordinate_out.forward(
                self.activation
                    .apply(layer.coordinate_hidden.forward(message.clone())),
            );
            // A soft clamp, the identity near zero: the distance feature grows with the
            // spread, so an unbounded weight would make the velocity grow like the squared
            // distance and an ODE solve of an early model blow up in finite time.
            let weight = (raw / COORDINATE_RANGE).tanh() * COORDINATE_RANGE;
            // Unit-ish directions keep far particles from dominating.
            let direction = difference / (squared.sqrt() + 1.0);
            let step = (direction * weight)
                .reshape([batch * n, neighbours, d])
                .sum_dim(1)
                .reshape([batch * n, d]);
            x = x + step / neighbours as f64;
            let gathered = message
                .reshape([batch * n, neighbours, width])
                .sum_dim(1)
                .reshape([batch * n, width]);
            debug_assert_eq!(edges, batch * n * neighbours);
            let update = layer.node_out.forward(
                self.activation.apply(
                    layer
                        .node_in
                        .forward(Tensor::cat(vec![h.clone(), gathered], 1)),
                ),
            );
            h = h + update;
        }
        (x - start).reshape([batch, n * d])
    }
}

/// The rows of each edge's two particles: for every configuration b and particle i, the edges
/// (i, j) to every other particle j, in order.
fn edge_ends(batch: usize, n: usize, device: &Device) -> (Tensor<1, Int>, Tensor<1, Int>) {
    let mut from = Vec::with_capacity(batch * n * n);
    let mut to = Vec::with_capacity(batch * n * n);
    for b in 0..batch {
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                from.push((b * n + i) as i64);
                to.push((b * n + j) as i64);
            }
        }
    }
    let tensor = |rows: Vec<i64>| {
        let len = rows.len();
        Tensor::<1, Int>::from_data(TensorData::new(rows, [len]), device)
    };
    (tensor(from), tensor(to))
}
