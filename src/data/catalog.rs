//! Distributions as a scene names them, and the lookup from a name to a sampler in the table of
//! datasets that each space owns.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Sampler;
use super::dataset::{Dataset, Params};
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

/// A closed-form log-density (natural log, per unit of the space's area).
pub type LogDensity = Box<dyn Fn(&[f64]) -> f64 + Send + Sync>;

/// The closed-form log-density of a distribution (with respect to the space's area), where one
/// is known: the plane's Gaussian, the uniform distributions of the sphere and the torus, the
/// hyperbolic plane's wrapped normal at the origin, point clouds' mean-free Gaussian (per unit
/// of volume of the mean-free subspace); `None` for the others.
pub fn log_density(space: SpaceKind, config: &DistConfig) -> Result<Option<LogDensity>> {
    let dataset = find(space, &config.name)?;
    let params = Params::resolve(
        space,
        dataset.name,
        dataset.params,
        &config.params,
        config.path.clone(),
    )?;
    if dataset.name == "uniform" && (space == SpaceKind::SPHERE || space == SpaceKind::TORUS) {
        // The sphere's area is 4π, the torus [0, 2π)²'s 4π².
        let area = if space == SpaceKind::SPHERE {
            4.0 * std::f64::consts::PI
        } else {
            std::f64::consts::TAU * std::f64::consts::TAU
        };
        let value = -area.ln();
        return Ok(Some(Box::new(move |_: &[f64]| value)));
    }
    if let Some(cloud) = crate::geometry::Cloud::of(space.geometry())
        && dataset.name == "gaussian"
    {
        // N(0, σ²) on the (n − 1)·d-dimensional mean-free subspace.
        let variance = params.positive("std")?.powi(2);
        let free = ((cloud.n - 1) * cloud.d) as f64;
        let normaliser = 0.5 * free * (std::f64::consts::TAU * variance).ln();
        return Ok(Some(Box::new(move |x: &[f64]| {
            -x.iter().map(|c| c * c).sum::<f64>() / (2.0 * variance) - normaliser
        })));
    }
    if space == SpaceKind::HYPERBOLIC && dataset.name == "wrapped_normal" {
        // A normal tangent vector u at the origin, |u| = r, carried out by exp: the area
        // element grows from r dr dθ to sinh r dr dθ.
        let variance = params.positive("std")?.powi(2);
        let normaliser = (std::f64::consts::TAU * variance).ln();
        return Ok(Some(Box::new(move |x: &[f64]| {
            let r = 2.0 * x[0].hypot(x[1]).min(1.0 - 1e-16).atanh();
            let spread = if r < 1e-8 { 0.0 } else { (r / r.sinh()).ln() };
            -r * r / (2.0 * variance) - normaliser + spread
        })));
    }
    if space.name() == crate::space::EUCLIDEAN && dataset.name == "gaussian" {
        // N(0, σ² I_d).
        let variance = params.positive("std")?.powi(2);
        let normaliser = 0.5 * space.dim() as f64 * (std::f64::consts::TAU * variance).ln();
        return Ok(Some(Box::new(move |x: &[f64]| {
            -x.iter().map(|c| c * c).sum::<f64>() / (2.0 * variance) - normaliser
        })));
    }
    if space == SpaceKind::PLANE && dataset.name == "gaussian" && !config.symmetrised {
        let (std, mx, my) = (
            params.non_negative("std")?,
            params.get("mean_x"),
            params.get("mean_y"),
        );
        if std == 0.0 {
            return Ok(None);
        }
        let variance = std * std;
        let normaliser = (std::f64::consts::TAU * variance).ln();
        return Ok(Some(Box::new(move |x: &[f64]| {
            -((x[0] - mx).powi(2) + (x[1] - my).powi(2)) / (2.0 * variance) - normaliser
        })));
    }
    Ok(None)
}
