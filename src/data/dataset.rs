//! One entry of a space's dataset table, its tunable parameters (what each one means and its
//! default) and the values a scene resolves them to. Below the dataset tables and the catalog
//! that looks them up, so both can use it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Sampler;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// One entry of a space's dataset table: what it is, its parameters, and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct Dataset {
    pub name: &'static str,
    pub summary: &'static str,
    /// How labels are assigned, if the distribution is labelled.
    pub labels: Option<&'static str>,
    pub params: &'static [ParamInfo],
    /// Whether it reads the file the scene names in `path` (the image density).
    pub reads_file: bool,
    /// A sampler for resolved parameters (which hold the file, for one that reads it).
    pub build: fn(&Params) -> Result<Box<dyn Sampler>>,
    /// Its closed-form log-density (per unit of the space's area or volume), where one is
    /// known; `None` from it where its parameters leave none (a point mass).
    pub density: Option<DensityBuilder>,
}

/// A closed-form log-density (natural log, per unit of the space's area or volume).
pub type LogDensity = Box<dyn Fn(&[f64]) -> f64 + Send + Sync>;

/// Builds a dataset's closed-form log-density from its resolved parameters.
pub type DensityBuilder = fn(&Params) -> Result<Option<LogDensity>>;

/// One tunable parameter of a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamInfo {
    pub name: &'static str,
    pub default: f64,
    pub help: &'static str,
}

/// A parameter entry of a dataset table.
pub const fn param(name: &'static str, default: f64, help: &'static str) -> ParamInfo {
    ParamInfo {
        name,
        default,
        help,
    }
}

/// Resolved parameters: defaults overridden by the scene, unknown names rejected.
pub struct Params {
    values: BTreeMap<&'static str, f64>,
    dataset: &'static str,
    path: Option<PathBuf>,
    space: SpaceKind,
}

impl Params {
    /// `overrides` on top of the defaults in `infos`, for the dataset `dataset`.
    pub(crate) fn resolve(
        space: SpaceKind,
        dataset: &'static str,
        infos: &'static [ParamInfo],
        overrides: &BTreeMap<String, f64>,
        path: Option<PathBuf>,
    ) -> Result<Self> {
        let mut values: BTreeMap<&'static str, f64> =
            infos.iter().map(|p| (p.name, p.default)).collect();
        for (name, &value) in overrides {
            let Some(known) = infos.iter().find(|p| p.name == name) else {
                let names: Vec<&str> = infos.iter().map(|p| p.name).collect();
                return Err(Error::invalid(format!(
                    "distribution '{dataset}' has no parameter '{name}' (its parameters: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            };
            if !value.is_finite() {
                return Err(Error::invalid(format!(
                    "{dataset}.{name} must be a finite number"
                )));
            }
            values.insert(known.name, value);
        }
        Ok(Self {
            values,
            dataset,
            path,
            space,
        })
    }

    /// The dataset these parameters are for, as error messages name it.
    pub fn dataset_name(&self) -> &'static str {
        self.dataset
    }

    /// The file the scene names for a dataset that reads one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The space the distribution is built on (a point cloud's shape is its space's).
    pub fn space(&self) -> SpaceKind {
        self.space
    }

    pub fn get(&self, name: &str) -> f64 {
        self.values.get(name).copied().unwrap_or(f64::NAN)
    }

    /// A parameter that must be > 0.
    pub fn positive(&self, name: &str) -> Result<f64> {
        let v = self.get(name);
        if v > 0.0 {
            Ok(v)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must be positive, got {}",
                self.dataset,
                crate::error::quoted(v)
            )))
        }
    }

    /// A parameter that must be ≥ 0.
    pub fn non_negative(&self, name: &str) -> Result<f64> {
        let v = self.get(name);
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must not be negative, got {}",
                self.dataset,
                crate::error::quoted(v)
            )))
        }
    }

    /// A whole number in `lo..=hi`.
    pub fn count(&self, name: &str, lo: usize, hi: usize) -> Result<usize> {
        let v = self.get(name);
        if v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
            Ok(v as usize)
        } else {
            Err(Error::invalid(format!(
                "{}.{name} must be a whole number from {lo} to {hi}, got {}",
                self.dataset,
                crate::error::quoted(v)
            )))
        }
    }
}
