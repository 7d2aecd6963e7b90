//! The lecture scenes shipped in assets/scenes (built into the binary, the first ten on keys
//! 1–9 and 0) and the
//! one-click comparisons.

use crate::coupling::{CouplingConfig, CouplingMethod, PairedApproach};
use crate::scene::Scene;

/// (file name, TOML) of each shipped scene, in the order of the number keys.
pub const SHIPPED: [(&str, &str); 15] = [
    (
        "moons_independent",
        include_str!("../../assets/scenes/moons_independent.toml"),
    ),
    (
        "moons_ot_k256",
        include_str!("../../assets/scenes/moons_ot_k256.toml"),
    ),
    (
        "gaussian_to_8gaussians",
        include_str!("../../assets/scenes/gaussian_to_8gaussians.toml"),
    ),
    (
        "8gaussians_to_moons",
        include_str!("../../assets/scenes/8gaussians_to_moons.toml"),
    ),
    (
        "checkerboard_ot",
        include_str!("../../assets/scenes/checkerboard_ot.toml"),
    ),
    (
        "sphere_vmf",
        include_str!("../../assets/scenes/sphere_vmf.toml"),
    ),
    (
        "torus_mixture",
        include_str!("../../assets/scenes/torus_mixture.toml"),
    ),
    (
        "8gaussians_guidance",
        include_str!("../../assets/scenes/8gaussians_guidance.toml"),
    ),
    (
        "moons_paired",
        include_str!("../../assets/scenes/moons_paired.toml"),
    ),
    (
        "dw4_equivariant",
        include_str!("../../assets/scenes/dw4_equivariant.toml"),
    ),
    (
        "lj13_equivariant",
        include_str!("../../assets/scenes/lj13_equivariant.toml"),
    ),
    (
        "hyperbolic_tree",
        include_str!("../../assets/scenes/hyperbolic_tree.toml"),
    ),
    (
        "maze_biharmonic",
        include_str!("../../assets/scenes/maze_biharmonic.toml"),
    ),
    (
        "room_obstacles",
        include_str!("../../assets/scenes/room_obstacles.toml"),
    ),
    (
        "bumpy_sphere",
        include_str!("../../assets/scenes/bumpy_sphere.toml"),
    ),
];

/// The shipped scene at `index`.
pub fn shipped(index: usize) -> Option<Scene> {
    let (_, text) = SHIPPED.get(index)?;
    Scene::from_toml(text).ok()
}

/// A run in compare mode: the base scene with its own coupling.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub coupling: CouplingConfig,
}

impl Variant {
    pub fn name(&self) -> String {
        self.coupling.label()
    }
}

/// The lecture's main demonstration: independent vs OT with a small and a large k.
pub fn coupling_comparison() -> Vec<Variant> {
    let exact = |k| Variant {
        coupling: CouplingConfig {
            method: CouplingMethod::Exact,
            k,
            ..CouplingConfig::default()
        },
    };
    vec![
        Variant {
            coupling: CouplingConfig {
                method: CouplingMethod::Independent,
                ..CouplingConfig::default()
            },
        },
        exact(64),
        exact(1024),
    ]
}

/// Symmetric data: independent pairs, batch OT and equivariant OT (both at `k`), side by side,
/// each training `reuse` steps on a batch of pairs.
pub fn symmetry_comparison(k: usize, reuse: usize) -> Vec<Variant> {
    [
        CouplingMethod::Independent,
        CouplingMethod::Exact,
        CouplingMethod::Equivariant,
    ]
    .into_iter()
    .map(|method| Variant {
        coupling: CouplingConfig {
            method,
            k,
            reuse,
            ..CouplingConfig::default()
        },
    })
    .collect()
}

/// The runs of a comparison that carry over to another scene `scene`: couplings compare on
/// any data, but a reflow run rectifies the run it was made from, a paired run restores that
/// scene's observations, and equivariant OT needs a symmetry group. None when fewer than two
/// remain.
pub fn carried_comparison(scene: &Scene, variants: Vec<Variant>) -> Option<Vec<Variant>> {
    let aligns = scene.alignment().is_some();
    let carried: Vec<Variant> = variants
        .into_iter()
        .filter(|variant| match variant.coupling.method {
            CouplingMethod::Reflow | CouplingMethod::Paired => false,
            CouplingMethod::Equivariant => aligns,
            _ => true,
        })
        .collect();
    (carried.len() >= 2).then_some(carried)
}

/// The two approaches to one inverse problem: flows starting at the noisy observation, and a
/// conditional model starting at noise with the observation as input.
pub fn paired_comparison(coupling: &CouplingConfig) -> Vec<Variant> {
    [PairedApproach::Start, PairedApproach::Condition]
        .into_iter()
        .map(|approach| {
            let mut coupling = coupling.clone();
            coupling.method = CouplingMethod::Paired;
            coupling.paired.approach = approach;
            Variant { coupling }
        })
        .collect()
}
