//! The registry of spaces: each space is one [`SpaceEntry`] naming its CSV columns, default
//! source and target, and the views that can show it, and holding one object per layer — its
//! geometry, its dataset table, its pair cost and corruptions, its model's inputs and outputs,
//! and how a point of it is drawn. Everything else reaches a space through a [`SpaceKind`].
//!
//! A new space adds one file per layer and an entry here (or calls [`register`] from outside
//! the crate); no other file names a space.

mod cloud;
mod euclidean;
mod mesh;

use std::sync::RwLock;

pub use cloud::{cloud_space, default_cloud};
pub use euclidean::{NAME as EUCLIDEAN, default_euclidean, euclidean_space};
pub use mesh::{NAME as MESH, default_mesh, mesh_of, mesh_space};

use crate::coupling::{
    HyperbolicCoupling, PlaneCoupling, SpaceCoupling, SphereCoupling, TorusCoupling,
};
use crate::data::{
    Dataset, DistConfig, HYPERBOLIC_DATASETS, PLANE_DATASETS, SPHERE_DATASETS, TORUS_DATASETS,
};
use crate::flow::{HyperbolicModel, PlaneModel, SpaceModel, SphereModel, TorusModel};
use crate::geometry::{Hyperbolic, Plane, Space, Sphere, Torus};
use crate::render::{
    HyperbolicRender, PlaneRender, SpaceRender, SphereRender, TorusRender, ViewMode,
};
use crate::{Error, Result};

/// Everything flowscope knows about one space.
pub struct SpaceEntry {
    /// The name scenes, the CLI and the window use (`space = "plane"`).
    pub name: &'static str,
    /// What it is, in a few words, for the window's tooltips.
    pub summary: &'static str,
    /// CSV column names, in storage order.
    pub columns: &'static [&'static str],
    /// The source and target a scene starts from when it switches to this space.
    pub default_source: &'static str,
    pub default_target: &'static str,
    /// The pictures that can show it; the first is the usual one.
    pub views: &'static [ViewMode],
    pub geometry: &'static dyn Space,
    pub datasets: &'static [Dataset],
    pub coupling: &'static dyn SpaceCoupling,
    pub model: &'static dyn SpaceModel,
    pub render: &'static dyn SpaceRender,
    /// For a space whose points' shape its data fix (a point cloud of n particles in R^d):
    /// the family its members share a name in.
    pub family: Option<&'static dyn SpaceFamily>,
}

/// Spaces that share a name and differ in shape, one member per shape: a scene names the
/// family and its data pick the member.
pub trait SpaceFamily: Send + Sync {
    /// The member that holds `dist`; None when `dist` fits every member (a Gaussian).
    fn member_for(&self, dist: &DistConfig) -> Result<Option<SpaceKind>>;
    /// The member whose CSV columns are `header`; the error says what a header must name.
    fn member_for_columns(&self, header: &[&str]) -> std::result::Result<SpaceKind, String>;
    /// The members made so far.
    fn members(&self) -> Vec<SpaceKind>;
    /// The views its members may offer (by default, those of the members made so far).
    fn views(&self) -> Vec<ViewMode> {
        self.members()
            .into_iter()
            .flat_map(|member| member.views().iter().copied())
            .collect()
    }
    /// Whether two entries of this family are one space (by default: the same columns).
    fn same_member(&self, a: &'static SpaceEntry, b: &'static SpaceEntry) -> bool {
        a.columns == b.columns
    }
}

/// The member of `family` a points file's header names; None for a distribution without one.
fn member_for_point_file(family: &dyn SpaceFamily, dist: &DistConfig) -> Result<Option<SpaceKind>> {
    let Some(header) = crate::data::header_of(dist)? else {
        return Ok(None);
    };
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    family
        .member_for_columns(&names)
        .map(Some)
        .map_err(|message| Error::BadFile {
            path: dist.path.clone().unwrap_or_default(),
            message,
        })
}

/// A space of the registry: a small copyable handle, compared by name.
#[derive(Clone, Copy)]
pub struct SpaceKind(&'static SpaceEntry);

const PLANE_ENTRY: SpaceEntry = SpaceEntry {
    name: "plane",
    summary: "the plane R²",
    columns: &["x", "y"],
    default_source: "gaussian",
    default_target: "moons",
    views: &[ViewMode::PLANE],
    geometry: &Plane,
    datasets: PLANE_DATASETS,
    coupling: &PlaneCoupling,
    model: &PlaneModel,
    render: &PlaneRender,
    family: None,
};

const SPHERE_ENTRY: SpaceEntry = SpaceEntry {
    name: "sphere",
    summary: "the unit sphere S²",
    columns: &["x", "y", "z"],
    default_source: "uniform",
    default_target: "vmf",
    views: &[ViewMode::SPHERE],
    geometry: &Sphere,
    datasets: SPHERE_DATASETS,
    coupling: &SphereCoupling,
    model: &SphereModel,
    render: &SphereRender,
    family: None,
};

const TORUS_ENTRY: SpaceEntry = SpaceEntry {
    name: "torus",
    summary: "the flat torus [0, 2π)²",
    columns: &["theta", "phi"],
    default_source: "uniform",
    default_target: "wrapped_gaussians",
    views: &[ViewMode::TORUS_DONUT, ViewMode::TORUS_FLAT],
    geometry: &Torus,
    datasets: TORUS_DATASETS,
    coupling: &TorusCoupling,
    model: &TorusModel,
    render: &TorusRender,
    family: None,
};

const HYPERBOLIC_ENTRY: SpaceEntry = SpaceEntry {
    name: "hyperbolic",
    summary: "the hyperbolic plane (Poincaré disk)",
    columns: &["x", "y"],
    default_source: "wrapped_normal",
    default_target: "wrapped_mixture",
    views: &[ViewMode::DISK],
    geometry: &Hyperbolic,
    datasets: HYPERBOLIC_DATASETS,
    coupling: &HyperbolicCoupling,
    model: &HyperbolicModel,
    render: &HyperbolicRender,
    family: None,
};

impl SpaceKind {
    pub const PLANE: SpaceKind = SpaceKind(&PLANE_ENTRY);
    pub const SPHERE: SpaceKind = SpaceKind(&SPHERE_ENTRY);
    pub const TORUS: SpaceKind = SpaceKind(&TORUS_ENTRY);
    pub const HYPERBOLIC: SpaceKind = SpaceKind(&HYPERBOLIC_ENTRY);

    /// The space registered under `name`.
    pub fn named(name: &str) -> Result<SpaceKind> {
        all()
            .into_iter()
            .find(|space| space.name() == name)
            .ok_or_else(|| Error::UnknownName {
                kind: "space".to_string(),
                name: name.to_string(),
                choices: names().join(", "),
            })
    }

    pub fn entry(self) -> &'static SpaceEntry {
        self.0
    }
    pub fn name(self) -> &'static str {
        self.0.name
    }
    /// CSV column names, in storage order.
    pub fn columns(self) -> &'static [&'static str] {
        self.0.columns
    }
    /// Coordinates stored per point.
    pub fn dim(self) -> usize {
        self.0.geometry.dim()
    }
    pub fn geometry(self) -> &'static dyn Space {
        self.0.geometry
    }
    pub fn datasets(self) -> &'static [Dataset] {
        self.0.datasets
    }
    pub fn coupling(self) -> &'static dyn SpaceCoupling {
        self.0.coupling
    }
    pub fn model(self) -> &'static dyn SpaceModel {
        self.0.model
    }
    pub fn render(self) -> &'static dyn SpaceRender {
        self.0.render
    }
    pub fn views(self) -> &'static [ViewMode] {
        self.0.views
    }
    /// The source and target a scene starts from on this space.
    pub fn default_distributions(self) -> (&'static str, &'static str) {
        (self.0.default_source, self.0.default_target)
    }

    /// The member of this space's family that holds `target` and `source` (the target decides
    /// when both fix a shape and they disagree, which the samplers then report); the space
    /// itself when it has no family or neither fixes a shape.
    pub fn fitted(self, source: &DistConfig, target: &DistConfig) -> Result<SpaceKind> {
        let Some(family) = self.0.family else {
            return Ok(self);
        };
        Ok(match family.member_for(target)? {
            Some(member) => member,
            None => family.member_for(source)?.unwrap_or(self),
        })
    }

    /// The member of this space's family whose CSV columns are `header`; the space itself
    /// when it has no family or its own columns are `header`.
    pub fn fitted_to_columns(self, header: &[&str]) -> std::result::Result<SpaceKind, String> {
        match self.0.family {
            Some(_) if header == self.columns() => Ok(self),
            Some(family) => family.member_for_columns(header),
            None => Ok(self),
        }
    }

    /// The member of this space's family that a scene's `[mesh]` setting names (the default
    /// maze when it names none); the space itself when it is not a mesh space.
    pub fn fitted_to_mesh(
        self,
        mesh: Option<&crate::geometry::mesh::MeshConfig>,
    ) -> Result<SpaceKind> {
        if self.name() != mesh::NAME {
            return Ok(self);
        }
        mesh_space(&mesh.cloned().unwrap_or_default())
    }
}

/// Spaces are told apart by name, and members of one family as the family tells them apart
/// (by their columns, or a mesh's by its setting).
impl PartialEq for SpaceKind {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
            && match self.0.family {
                Some(family) => family.same_member(self.0, other.0),
                None => self.columns() == other.columns(),
            }
    }
}

impl Eq for SpaceKind {}

impl std::hash::Hash for SpaceKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl std::fmt::Debug for SpaceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for SpaceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SpaceKind {
    type Err = Error;
    fn from_str(name: &str) -> Result<SpaceKind> {
        SpaceKind::named(name)
    }
}

impl serde::Serialize for SpaceKind {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for SpaceKind {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        SpaceKind::named(&name).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown space '{name}', expected one of: {}",
                names().join(", ")
            ))
        })
    }
}

/// Spaces added at run time, after the built-in ones.
static REGISTERED: RwLock<Vec<&'static SpaceEntry>> = RwLock::new(Vec::new());

const BUILT_IN: [SpaceKind; 4] = [
    SpaceKind::PLANE,
    SpaceKind::SPHERE,
    SpaceKind::TORUS,
    SpaceKind::HYPERBOLIC,
];

/// Every space, the built-in ones first (a family by its first member), in registration order.
pub fn all() -> Vec<SpaceKind> {
    let mut spaces = BUILT_IN.to_vec();
    spaces.push(default_cloud());
    spaces.push(default_euclidean());
    spaces.push(default_mesh());
    let registered = REGISTERED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    spaces.extend(registered.iter().map(|&entry| SpaceKind(entry)));
    spaces
}

/// Every view of every space, each once, in the order the spaces list them.
pub fn views() -> Vec<ViewMode> {
    let mut views: Vec<ViewMode> = Vec::new();
    let every = all().into_iter().flat_map(|space| match space.0.family {
        Some(family) => family.views(),
        None => space.views().to_vec(),
    });
    for view in every {
        if !views.contains(&view) {
            views.push(view);
        }
    }
    views
}

/// The names of every space.
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(SpaceKind::name).collect()
}

/// Adds a space defined outside this crate; its name must be new, its columns must match its
/// geometry's dimension, and it needs at least one view and one dataset.
pub fn register(entry: &'static SpaceEntry) -> Result<SpaceKind> {
    if entry.columns.len() != entry.geometry.dim() {
        return Err(Error::invalid(format!(
            "space '{}' names {} CSV columns but its points have {} coordinates",
            entry.name,
            entry.columns.len(),
            entry.geometry.dim()
        )));
    }
    if entry.views.is_empty() || entry.datasets.is_empty() {
        return Err(Error::invalid(format!(
            "space '{}' needs at least one view and one dataset",
            entry.name
        )));
    }
    for default in [entry.default_source, entry.default_target] {
        if !entry.datasets.iter().any(|d| d.name == default) {
            return Err(Error::invalid(format!(
                "space '{}' has no dataset '{default}' to start from",
                entry.name
            )));
        }
    }
    let mut registered = REGISTERED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut taken = BUILT_IN
        .map(SpaceKind::name)
        .into_iter()
        .chain([cloud::NAME, euclidean::NAME, mesh::NAME])
        .chain(registered.iter().map(|e| e.name));
    if taken.any(|name| name == entry.name) {
        return Err(Error::invalid(format!(
            "a space named '{}' is already registered",
            entry.name
        )));
    }
    registered.push(entry);
    Ok(SpaceKind(entry))
}
