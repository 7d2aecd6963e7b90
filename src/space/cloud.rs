//! The point-cloud spaces: one space per shape (n particles in R^d), all named `cloud`, made
//! when first asked for. A scene names the family; its data fix the shape (DW4 is 4 particles
//! in the plane, LJ13 13 in space, a CSV file's header names its own).

use std::sync::{Mutex, OnceLock};

use super::{SpaceEntry, SpaceFamily, SpaceKind, member_for_point_file};
use crate::coupling::CloudCoupling;
use crate::data::{CLOUD_DATASETS, DW4, DistConfig, SYSTEMS, system};
use crate::flow::CloudModel;
use crate::geometry::Cloud;
use crate::render::{CloudRender, ViewMode};
use crate::{Error, Result};

/// What every cloud space is called.
pub const NAME: &str = "cloud";

/// The family of cloud spaces, which fits a scene's space to its data.
pub struct CloudFamily;

pub(super) static FAMILY: CloudFamily = CloudFamily;

impl SpaceFamily for CloudFamily {
    fn member_for(&self, dist: &DistConfig) -> Result<Option<SpaceKind>> {
        if let Some(system) = system(&dist.name) {
            return cloud_space(system.cloud).map(Some);
        }
        // Your own configurations: the file's header names their shape.
        member_for_point_file(self, dist)
    }

    fn member_for_columns(&self, header: &[&str]) -> std::result::Result<SpaceKind, String> {
        let d = if header.get(2) == Some(&"p0_z") { 3 } else { 2 };
        let n = header.len() / d;
        let expected = column_names(Cloud { n: n.max(1), d });
        if !header.len().is_multiple_of(d) || header != expected.as_slice() {
            return Err(format!(
                "a cloud file's header names its particles' coordinates in order, p0_x,p0_y[,p0_z],p1_x,… (here {})",
                if header.len().is_multiple_of(d) && n > 0 {
                    format!("{n} particles in {d}-D need {}", expected.join(","))
                } else {
                    format!(
                        "{} columns are not a whole number of {d}-D particles",
                        header.len()
                    )
                }
            ));
        }
        cloud_space(Cloud { n, d }).map_err(|e| e.to_string())
    }

    fn members(&self) -> Vec<SpaceKind> {
        for system in SYSTEMS {
            // Shapes of the shipped systems always exist, so their views are always listed.
            let _ = cloud_space(system.cloud);
        }
        let made = made()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        made.iter().map(|&entry| SpaceKind(entry)).collect()
    }
}

/// The cloud spaces made so far, by shape.
fn made() -> &'static Mutex<Vec<&'static SpaceEntry>> {
    static MADE: OnceLock<Mutex<Vec<&'static SpaceEntry>>> = OnceLock::new();
    MADE.get_or_init(Default::default)
}

/// `p0_x, p0_y[, p0_z], p1_x, …`.
fn column_names(cloud: Cloud) -> Vec<String> {
    (0..cloud.n)
        .flat_map(|i| {
            ["x", "y", "z"][..cloud.d]
                .iter()
                .map(move |axis| format!("p{i}_{axis}"))
        })
        .collect()
}

/// The space of clouds of `cloud`'s shape (made once, then shared).
pub fn cloud_space(cloud: Cloud) -> Result<SpaceKind> {
    if !(2..=Cloud::MAX_PARTICLES).contains(&cloud.n) || !Cloud::DIMENSIONS.contains(&cloud.d) {
        return Err(Error::invalid(format!(
            "a point cloud has 2 to {} particles in 2-D or 3-D, not {} in {}-D",
            Cloud::MAX_PARTICLES,
            cloud.n,
            cloud.d
        )));
    }
    let mut made = made()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&entry) = made.iter().find(|entry| {
        entry.geometry.dim() == cloud.n * cloud.d && entry.geometry.particle_dim() == cloud.d
    }) {
        return Ok(SpaceKind(entry));
    }
    // One entry per shape for the life of the process: a handful at most.
    let columns: Vec<&'static str> = column_names(cloud)
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    let entry: &'static SpaceEntry = Box::leak(Box::new(SpaceEntry {
        name: NAME,
        summary: "configurations of identical particles, centre of mass removed",
        columns: Box::leak(columns.into_boxed_slice()),
        default_source: "gaussian",
        default_target: SYSTEMS
            .iter()
            .find(|system| system.cloud == cloud)
            .map_or("gaussian", |system| system.name),
        views: if cloud.d == 2 {
            &[ViewMode::CONFIGURATIONS, ViewMode::ALIGNED, ViewMode::PLANE]
        } else {
            &[ViewMode::CONFIGURATIONS, ViewMode::ALIGNED, ViewMode::SPACE]
        },
        geometry: Box::leak(Box::new(cloud)),
        datasets: CLOUD_DATASETS,
        coupling: Box::leak(Box::new(CloudCoupling { cloud })),
        model: Box::leak(Box::new(CloudModel { cloud })),
        render: Box::leak(Box::new(CloudRender { cloud })),
        family: Some(&FAMILY),
    }));
    made.push(entry);
    Ok(SpaceKind(entry))
}

/// The cloud space a scene starts from: DW4's shape.
pub fn default_cloud() -> SpaceKind {
    cloud_space(DW4.cloud).expect("DW4's shape is a valid cloud")
}
