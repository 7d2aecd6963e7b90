//! The kinds of velocity network: the model layer of each space says which it offers.

use serde::{Deserialize, Serialize};

/// The kind of network a velocity field is; each space lists the ones it offers
/// (`SpaceModel::networks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A multilayer perceptron on the space's features.
    #[default]
    Mlp,
    /// The MLP averaged over the scene's symmetry group, v(x, t) = (1/|G|) Σ_g g⁻¹·f(g·x, t):
    /// equivariant by construction.
    #[serde(rename = "group-averaged")]
    #[value(name = "group-averaged")]
    GroupAveraged,
    /// An E(n)-equivariant graph network over a point cloud's particles (Satorras et al. 2021):
    /// equivariant to rotations, reflections and relabellings by construction.
    Egnn,
}

impl Network {
    pub fn name(self) -> &'static str {
        match self {
            Network::Mlp => "mlp",
            Network::GroupAveraged => "group-averaged",
            Network::Egnn => "egnn",
        }
    }

    pub(super) fn is_default(&self) -> bool {
        *self == Network::default()
    }
}
