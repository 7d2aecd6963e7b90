//! The mesh spaces: one space per mesh and premetric (`[mesh]` in a scene, `--mesh` and
//! `--premetric` on the command line), all named `mesh`, built when first asked for (the
//! spectrum and the heat method's factorisations are computed once per process).

use std::sync::{Mutex, OnceLock};

use super::{SpaceEntry, SpaceFamily, SpaceKind};
use crate::Result;
use crate::coupling::MeshCoupling;
use crate::data::{DistConfig, MESH_DATASETS};
use crate::flow::MeshModel;
use crate::geometry::mesh::{MeshConfig, MeshSpace};
use crate::render::{MeshRender, ViewMode};

/// What every mesh space is called.
pub const NAME: &str = "mesh";

pub struct MeshFamily;

pub(super) static FAMILY: MeshFamily = MeshFamily;

impl SpaceFamily for MeshFamily {
    /// The mesh is the scene's `[mesh]` setting, not its data's: no distribution picks one.
    fn member_for(&self, _dist: &DistConfig) -> Result<Option<SpaceKind>> {
        Ok(None)
    }

    fn member_for_columns(&self, header: &[&str]) -> std::result::Result<SpaceKind, String> {
        Err(format!(
            "a mesh file names its points' coordinates x,y (a planar domain) or x,y,z (a surface), not {}",
            header.join(",")
        ))
    }

    fn members(&self) -> Vec<SpaceKind> {
        // The default maze's views are always listed.
        let _ = default_mesh();
        made()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .map(|made| SpaceKind(made.entry))
            .collect()
    }

    /// A floor's view and a surface's, whichever meshes have been loaded.
    fn views(&self) -> Vec<ViewMode> {
        vec![ViewMode::MESH_FLOOR, ViewMode::MESH_SURFACE]
    }

    /// Each member is made once per setting, so two members are the same one.
    fn same_member(&self, a: &'static SpaceEntry, b: &'static SpaceEntry) -> bool {
        std::ptr::eq(a, b)
    }
}

struct Made {
    config: MeshConfig,
    space: &'static MeshSpace,
    entry: &'static SpaceEntry,
}

fn made() -> &'static Mutex<Vec<Made>> {
    static MADE: OnceLock<Mutex<Vec<Made>>> = OnceLock::new();
    MADE.get_or_init(Default::default)
}

/// The space of the mesh and premetric `config` names (built once, then shared).
pub fn mesh_space(config: &MeshConfig) -> Result<SpaceKind> {
    if let Some(made) = made()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .find(|made| made.config == *config)
    {
        return Ok(SpaceKind(made.entry));
    }
    // Built outside the lock: a spectrum takes a moment, and other spaces stay usable.
    let space = MeshSpace::new(config)?;
    let mut made = made()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(existing) = made.iter().find(|made| made.config == *config) {
        return Ok(SpaceKind(existing.entry));
    }
    // One entry per setting for the life of the process: a handful at most.
    let geometry: &'static MeshSpace = Box::leak(Box::new(space));
    let entry: &'static SpaceEntry = Box::leak(Box::new(SpaceEntry {
        name: NAME,
        summary: "a triangle mesh: a maze's floor, a room, a curved surface",
        columns: if geometry.is_planar() {
            &["x", "y"]
        } else {
            &["x", "y", "z"]
        },
        default_source: "blob",
        default_target: "opposite_blob",
        views: if geometry.is_planar() {
            &[ViewMode::MESH_FLOOR]
        } else {
            &[ViewMode::MESH_SURFACE]
        },
        geometry,
        datasets: MESH_DATASETS,
        coupling: Box::leak(Box::new(MeshCoupling { space: geometry })),
        model: Box::leak(Box::new(MeshModel { space: geometry })),
        render: Box::leak(Box::new(MeshRender::new(geometry))),
        family: Some(&FAMILY),
    }));
    made.push(Made {
        config: config.clone(),
        space: geometry,
        entry,
    });
    Ok(SpaceKind(entry))
}

/// The mesh space a scene starts from: the default maze with the biharmonic premetric.
pub fn default_mesh() -> SpaceKind {
    mesh_space(&MeshConfig::default()).expect("the default maze builds")
}

/// The mesh behind a mesh space, None for other spaces.
pub fn mesh_of(space: SpaceKind) -> Option<&'static MeshSpace> {
    if space.name() != NAME {
        return None;
    }
    made()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .find(|made| std::ptr::eq(made.entry, space.0))
        .map(|made| made.space)
}
