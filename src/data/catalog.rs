//! Distributions as a scene names them, and the lookup from a name to a sampler in the table of
//! datasets that each space owns.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Sampler;
use super::dataset::{Dataset, LogDensity, Params};
use crate::space::SpaceKind;
use crate::{Error, Result};

/// A distribution as a scene names it: a dataset name, optional parameter overrides, and a file
/// for the image density.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistConfig {
    pub name: String,
    /// Image file for the `image` distribution (PNG or JPEG; darker pixels are denser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Made invariant under the scene's symmetry group: the union of the distribution's images.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub symmetrised: bool,
    /// Parameter overrides; unspecified parameters take the dataset's default.
    #[serde(flatten)]
    pub params: BTreeMap<String, f64>,
}

impl DistConfig {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            path: None,
            symmetrised: false,
            params: BTreeMap::new(),
        }
    }
}

/// The dataset `name` of `space`.
pub fn find(space: SpaceKind, name: &str) -> Result<&'static Dataset> {
    let datasets = space.datasets();
    datasets.iter().find(|d| d.name == name).ok_or_else(|| {
        let names: Vec<&str> = datasets.iter().map(|d| d.name).collect();
        Error::UnknownName {
            kind: format!("{} distribution", space.name()),
            name: name.to_string(),
            choices: names.join(", "),
        }
    })
}

/// Builds the sampler a scene asks for, checking the name and every parameter.
pub fn build_sampler(space: SpaceKind, config: &DistConfig) -> Result<Box<dyn Sampler>> {
    let dataset = find(space, &config.name)?;
    if config.path.is_some() && !dataset.reads_file {
        return Err(Error::invalid(format!(
            "distribution '{}' does not read a file; only 'image' and 'points' take a path",
            dataset.name
        )));
    }
    let params = Params::resolve(
        space,
        dataset.name,
        dataset.params,
        &config.params,
        config.path.clone(),
    )?;
    (dataset.build)(&params)
}

/// The closed-form log-density of a distribution (natural log, with respect to the space's
/// area or volume; a point cloud's per unit of volume of the mean-free subspace), where its
/// dataset knows one; `None` for the others and for symmetrised distributions.
pub fn log_density(space: SpaceKind, config: &DistConfig) -> Result<Option<LogDensity>> {
    let dataset = find(space, &config.name)?;
    let Some(density) = dataset.density.filter(|_| !config.symmetrised) else {
        return Ok(None);
    };
    let params = Params::resolve(
        space,
        dataset.name,
        dataset.params,
        &config.params,
        config.path.clone(),
    )?;
    density(&params)
}
