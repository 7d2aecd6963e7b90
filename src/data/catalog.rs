use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Sampler, image_density, planar, spherical, toroidal};
use crate::geometry::SpaceKind;
use crate::{Error, Result};

/// A distribution as a scene names it: a catalog name, optional parameter overrides, and a file
/// for the image density.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistConfig {
    pub name: String,
    /// Image file for the `image` distribution (PNG or JPEG; darker pixels are denser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Parameter overrides; unspecified parameters take the catalog default.
    #[serde(flatten)]
    pub params: BTreeMap<String, f64>,
}

impl DistConfig {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            path: None,
            params: BTreeMap::new(),
        }
    }
}

/// One tunable parameter of a distribution.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    pub name: &'static str,
    pub default: f64,
    pub help: &'static str,
}

/// A catalog entry: where a distribution lives, what it looks like, and its parameters.
#[derive(Debug, Clone, Serialize)]
pub struct DistInfo {
    pub space: SpaceKind,
    pub name: &'static str,
    pub summary: &'static str,
    /// How labels are assigned, if the distribution is labelled.
    pub labels: Option<&'static str>,
    pub params: &'static [ParamInfo],
}

const fn p(name: &'static str, default: f64, help: &'static str) -> ParamInfo {
    ParamInfo {
        name,
        default,
        help,
    }
}

/// The default source and target of a space (used when a scene switches space).
pub fn default_distributions(space: SpaceKind) -> (&'static str, &'static str) {
    match space {
        SpaceKind::Plane => ("gaussian", "moons"),
        SpaceKind::Sphere => ("uniform", "vmf"),
        SpaceKind::Torus => ("uniform", "wrapped_gaussians"),
    }
}

/// Every distribution flowscope knows, with its default parameters: the one table of defaults.
pub fn catalog() -> &'static [DistInfo] {
    use SpaceKind::*;
    const CATALOG: &[DistInfo] = &[
        DistInfo {
            space: Plane,
            name: "gaussian",
            summary: "isotropic Gaussian",
            labels: None,
            params: &[
                p("std", 1.0, "standard deviation per coordinate"),
                p("mean_x", 0.0, "centre x"),
                p("mean_y", 0.0, "centre y"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "8gaussians",
            summary: "8 Gaussians on a circle",
            labels: Some("one per Gaussian (8)"),
            params: &[
                p("radius", 5.0, "radius of the circle of centres"),
                p("variance", 0.1, "variance per coordinate"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "25gaussians",
            summary: "5×5 grid of Gaussians",
            labels: Some("one per Gaussian (25)"),
            params: &[
                p("spacing", 2.0, "distance between neighbouring centres"),
                p("std", 0.1, "standard deviation per coordinate"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "moons",
            summary: "two interleaved half circles, then x·scale + shift",
            labels: Some("one per moon (2)"),
            params: &[
                p("noise", 0.2, "Gaussian noise std before scaling"),
                p("scale", 3.0, "scale factor"),
                p("shift", -1.0, "added after scaling"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "circles",
            summary: "two concentric circles",
            labels: Some("one per circle (2)"),
            params: &[
                p("factor", 0.5, "inner radius / outer radius"),
                p("noise", 0.05, "Gaussian noise std before scaling"),
                p("scale", 3.0, "outer radius"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "checkerboard",
            summary: "alternating squares of a checkerboard",
            labels: None,
            params: &[
                p("cells", 4.0, "cells per side"),
                p("size", 2.0, "side of one cell"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "spirals",
            summary: "two interleaved spirals",
            labels: Some("one per arm (2)"),
            params: &[
                p("noise", 0.5, "uniform jitter before scaling"),
                p("scale", 0.3333333333333333, "scale factor"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "swissroll",
            summary: "a 2-D swiss roll",
            labels: None,
            params: &[
                p("noise", 1.0, "Gaussian noise std before scaling"),
                p("scale", 0.2, "scale factor"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "pinwheel",
            summary: "curved arms of a pinwheel",
            labels: Some("one per arm"),
            params: &[
                p("arms", 5.0, "number of arms"),
                p("radial_std", 0.3, "radial spread"),
                p("tangential_std", 0.1, "tangential spread"),
                p("rate", 0.25, "how fast arms curl"),
                p("scale", 2.0, "scale factor"),
            ],
        },
        DistInfo {
            space: Plane,
            name: "image",
            summary: "density from the darkness of a PNG/JPEG file (set path)",
            labels: None,
            params: &[p(
                "extent",
                4.0,
                "half-width of the square the image is fitted into",
            )],
        },
        DistInfo {
            space: Sphere,
            name: "uniform",
            summary: "uniform on the sphere",
            labels: None,
            params: &[],
        },
        DistInfo {
            space: Sphere,
            name: "vmf",
            summary: "mixture of von Mises–Fisher distributions",
            labels: Some("one per component"),
            params: &[
                p(
                    "components",
                    4.0,
                    "number of components (centres spread evenly)",
                ),
                p("concentration", 20.0, "vMF concentration κ"),
            ],
        },
        DistInfo {
            space: Sphere,
            name: "checkerboard",
            summary: "alternating latitude/longitude cells",
            labels: None,
            params: &[
                p("lon_cells", 8.0, "cells around the equator"),
                p("lat_cells", 4.0, "cells from pole to pole"),
            ],
        },
        DistInfo {
            space: Sphere,
            name: "spiral",
            summary: "a band along a spiral from pole to pole",
            labels: None,
            params: &[
                p("turns", 3.0, "turns around the axis"),
                p("width", 0.08, "angular spread of the band (radians)"),
            ],
        },
        DistInfo {
            space: Torus,
            name: "uniform",
            summary: "uniform on the torus",
            labels: None,
            params: &[],
        },
        DistInfo {
            space: Torus,
            name: "wrapped_gaussians",
            summary: "mixture of wrapped Gaussians",
            labels: Some("one per component"),
            params: &[
                p(
                    "components",
                    4.0,
                    "number of components (centres on a diagonal lattice)",
                ),
                p("std", 0.35, "standard deviation per angle"),
            ],
        },
        DistInfo {
            space: Torus,
            name: "checkerboard",
            summary: "alternating cells of the unrolled torus",
            labels: None,
            params: &[p("cells", 4.0, "cells per angle")],
        },
        DistInfo {
            space: Torus,
            name: "ramachandran",
            summary: "protein backbone (φ, ψ) modes: α-helix, β-sheet, left-handed helix",
            labels: Some("one per secondary structure (3)"),
            params: &[p("spread", 1.0, "scales the spread of every mode")],
        },
    ];
    CATALOG
}

/// The catalog entry for `name` on `space`.
pub fn find(space: SpaceKind, name: &str) -> Result<&'static DistInfo> {
    catalog()
        .iter()
        .find(|d| d.space == space && d.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = catalog()
                .iter()
                .filter(|d| d.space == space)
                .map(|d| d.name)
                .collect();
            Error::UnknownName {
                kind: match space {
                    SpaceKind::Plane => "plane distribution",
                    SpaceKind::Sphere => "sphere distribution",
                    SpaceKind::Torus => "torus distribution",
                },
                name: name.to_string(),
                choices: names.join(", "),
            }
        })
}

/// Resolved parameters: defaults overridden by the scene, unknown names rejected.
pub(crate) struct Params {
    values: BTreeMap<&'static str, f64>,
    dist: &'static str,
}

impl Params {
    fn resolve(info: &'static DistInfo, config: &DistConfig) -> Result<Self> {
        let mut values: BTreeMap<&'static str, f64> =
            info.params.iter().map(|p| (p.name, p.default)).collect();
        for (name, &value) in &config.params {
            let Some(known) = info.params.iter().find(|p| p.name == name) else {
                let names: Vec<&str> = info.params.iter().map(|p| p.name).collect();
                return Err(Error::invalid(format!(
                    "distribution '{}' has no parameter '{name}' (its parameters: {})",
                    info.name,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            };
            if !value.is_finite() {
                return Err(Error::invalid(format!(
                    "{}.{name} must be a finite number",
                    info.name
                )));
            }
            values.insert(known.name, value);
        }
        Ok(Self {
            values,
            dist: info.name,
        })
    }

    pub(crate) fn get(&self, name: &str) -> f64 {
        self.values.get(name).copied().unwrap_or(f64::NAN)
    }

    /// A parameter that must be > 0.
    pub(crate) fn positive(&self, name: &str) -> Result<f64> {
        let v = self.get(name);
        if v > 0.0 {
            Ok(v)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must be positive, got {v}",
                self.dist
            )))
        }
    }

    /// A parameter that must be ≥ 0.
    pub(crate) fn non_negative(&self, name: &str) -> Result<f64> {
        let v = self.get(name);
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must not be negative, got {v}",
                self.dist
            )))
        }
    }

    /// A whole number in `lo..=hi`.
    pub(crate) fn count(&self, name: &str, lo: usize, hi: usize) -> Result<usize> {
        let v = self.get(name);
        if v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
            Ok(v as usize)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must be a whole number from {lo} to {hi}, got {v}",
                self.dist
            )))
        }
    }
}

/// Builds the sampler a scene asks for, checking the name and every parameter.
pub fn build_sampler(space: SpaceKind, config: &DistConfig) -> Result<Box<dyn Sampler>> {
    let info = find(space, &config.name)?;
    let params = Params::resolve(info, config)?;
    if config.path.is_some() && info.name != "image" {
        return Err(Error::invalid(format!(
            "distribution '{}' does not read a file; only 'image' takes a path",
            info.name
        )));
    }
    match space {
        SpaceKind::Plane if info.name == "image" => {
            let path = config.path.as_ref().ok_or_else(|| {
                Error::invalid("the 'image' distribution needs a path to a PNG or JPEG file")
            })?;
            image_density::build(path, &params)
        }
        SpaceKind::Plane => planar::build(info.name, &params),
        SpaceKind::Sphere => spherical::build(info.name, &params),
        SpaceKind::Torus => toroidal::build(info.name, &params),
    }
}
