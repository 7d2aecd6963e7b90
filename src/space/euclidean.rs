//! The spaces R^d of the dimension study: one per d, all named `euclidean`, made when first
//! asked for. The target fixes d (`dim = 64` among its parameters), a CSV file by its header
//! `x0,x1,…`; the Gaussian source fits every d.

use std::sync::{Mutex, OnceLock};

use super::{SpaceEntry, SpaceFamily, SpaceKind, member_for_point_file};
use crate::coupling::EuclideanCoupling;
use crate::data::{DistConfig, EUCLIDEAN_DATASETS, requested_dim};
use crate::flow::EuclideanModel;
use crate::geometry::Euclidean;
use crate::render::{EuclideanRender, ViewMode};
use crate::{Error, Result};

/// What every R^d is called.
pub const NAME: &str = "euclidean";

/// The d a scene starts from when it names the family and its data fix none.
pub const DEFAULT_DIM: usize = 16;

pub struct EuclideanFamily;

pub(super) static FAMILY: EuclideanFamily = EuclideanFamily;

impl SpaceFamily for EuclideanFamily {
    fn member_for(&self, dist: &DistConfig) -> Result<Option<SpaceKind>> {
        if let Some(d) = requested_dim(dist) {
            if d.fract() != 0.0 || d < 0.0 {
                return Err(Error::invalid(format!(
                    "{}.dim must be a whole number, got {}",
                    dist.name,
                    crate::error::quoted(d)
                )));
            }
            return euclidean_space(d as usize).map(Some);
        }
        member_for_point_file(self, dist)
    }

    fn member_for_columns(&self, header: &[&str]) -> std::result::Result<SpaceKind, String> {
        let expected = column_names(header.len());
        if header != expected.as_slice() {
            return Err(format!(
                "a file of points in R^d names its coordinates x0,x1,… in order (here {} columns: {})",
                header.len(),
                expected.join(",")
            ));
        }
        euclidean_space(header.len()).map_err(|e| e.to_string())
    }

    fn members(&self) -> Vec<SpaceKind> {
        let made = made()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        made.iter().map(|&entry| SpaceKind(entry)).collect()
    }
}

fn made() -> &'static Mutex<Vec<&'static SpaceEntry>> {
    static MADE: OnceLock<Mutex<Vec<&'static SpaceEntry>>> = OnceLock::new();
    MADE.get_or_init(Default::default)
}

fn column_names(d: usize) -> Vec<String> {
    (0..d).map(|i| format!("x{i}")).collect()
}

/// R^d (made once, then shared).
pub fn euclidean_space(d: usize) -> Result<SpaceKind> {
    if !Euclidean::DIMENSIONS.contains(&d) {
        return Err(Error::invalid(format!(
            "the euclidean space has {} to {} dimensions, not {d}",
            Euclidean::DIMENSIONS.start(),
            Euclidean::DIMENSIONS.end()
        )));
    }
    let mut made = made()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&entry) = made.iter().find(|entry| entry.geometry.dim() == d) {
        return Ok(SpaceKind(entry));
    }
    // One entry per d for the life of the process: a sweep's handful.
    let columns: Vec<&'static str> = column_names(d)
        .into_iter()
        .map(|name| &*Box::leak(name.into_boxed_str()))
        .collect();
    let space = Euclidean { d };
    let entry: &'static SpaceEntry = Box::leak(Box::new(SpaceEntry {
        name: NAME,
        summary: "R^d, drawn as its shadow on the plane its targets spread in",
        columns: Box::leak(columns.into_boxed_slice()),
        default_source: "gaussian",
        default_target: "mixture",
        views: &[ViewMode::PLANE],
        geometry: Box::leak(Box::new(space)),
        datasets: EUCLIDEAN_DATASETS,
        coupling: Box::leak(Box::new(EuclideanCoupling {
            space,
            embedding: space.embedding(),
        })),
        model: Box::leak(Box::new(EuclideanModel { space })),
        render: Box::leak(Box::new(EuclideanRender {
            embedding: space.embedding(),
        })),
        family: Some(&FAMILY),
    }));
    made.push(entry);
    Ok(SpaceKind(entry))
}

/// The R^d a scene starts from.
pub fn default_euclidean() -> SpaceKind {
    euclidean_space(DEFAULT_DIM).expect("the default dimension is in range")
}
