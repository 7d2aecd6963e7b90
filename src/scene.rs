//! A scene: every setting needed to reproduce a run, read from and written to TOML.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::coupling::CouplingConfig;
use crate::coupling::{Alignment, CouplingMethod, PlaneGroup};
use crate::data::{DistConfig, Sampler, Symmetrised, build_sampler};
use crate::flow::{GuidanceConfig, ModelConfig, Network, PathConfig, Solver, TrainConfig};
use crate::geometry::Symmetry;
use crate::geometry::mesh::MeshConfig;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// How particles are integrated for display and for `flowscope sample`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleConfig {
    pub solver: Solver,
    pub steps: usize,
    /// Particles drawn from the source and followed along the flow.
    pub particles: usize,
    /// Classifier-free guidance (conditional models); without it the unconditional field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<GuidanceConfig>,
}

impl Default for SampleConfig {
    fn default() -> Self {
        Self {
            solver: Solver::Euler,
            steps: 100,
            particles: 1000,
            guidance: None,
        }
    }
}

/// How a trained model is scored (DESIGN.md: 1000 held-out points, 100 Euler steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    pub points: usize,
    pub steps: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            points: 1000,
            steps: 100,
        }
    }
}

/// Largest accepted particle or evaluation count.
pub const MAX_POINTS: usize = 1_000_000;

/// Every setting of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    /// A title shown in the window and written with exports.
    #[serde(default)]
    pub title: String,
    pub space: SpaceKind,
    /// A symmetry group of the data (the plane's C_m or D_m): the equivariant coupling aligns
    /// pairs along it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetry: Option<Symmetry>,
    /// The mesh space's mesh and premetric (`space = "mesh"`; the default maze without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh: Option<MeshConfig>,
    pub source: DistConfig,
    pub target: DistConfig,
    #[serde(default)]
    pub coupling: CouplingConfig,
    #[serde(default)]
    pub path: PathConfig,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub train: TrainConfig,
    #[serde(default)]
    pub sample: SampleConfig,
    #[serde(default)]
    pub eval: EvalConfig,
}

impl Default for Scene {
    fn default() -> Self {
        Self {
            title: "Gaussian → moons".to_string(),
            space: SpaceKind::PLANE,
            symmetry: None,
            mesh: None,
            source: DistConfig::named("gaussian"),
            target: DistConfig::named("moons"),
            coupling: CouplingConfig::default(),
            path: PathConfig::default(),
            model: ModelConfig::default(),
            train: TrainConfig::default(),
            sample: SampleConfig::default(),
            eval: EvalConfig::default(),
        }
    }
}

/// The longest value an error message quotes; longer ones are cut with an ellipsis.
const MAX_QUOTED_CHARS: usize = 32;

/// The parser quotes a bad value as it read it (1e308 as 309 digits): quote the file's own text
/// instead, shortened if long.
fn quoted_as_written(message: &str, written: &str) -> String {
    let Some((head, rest)) = message.split_once('`') else {
        return message.to_string();
    };
    let Some((quoted, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    if quoted.chars().count() <= MAX_QUOTED_CHARS {
        return message.to_string();
    }
    let written = written.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown: String = if written.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = written.chars().take(MAX_QUOTED_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        written
    };
    format!("{head}`{shown}`{tail}")
}

impl Scene {
    /// A scene parsed from TOML text; errors name the line and column.
    pub fn from_toml(text: &str) -> std::result::Result<Scene, String> {
        let mut scene: Scene = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    let written = text.get(span).unwrap_or_default();
                    let message = quoted_as_written(&message, written);
                    format!("line {line}, column {column}: {message}")
                }
                None => message,
            }
        })?;
        scene.fit_space().map_err(|e| e.to_string())?;
        Ok(scene)
    }

    /// Brings the space to the shape the scene's data fix (a point cloud's number of particles
    /// and dimension, from its target or source); call it after changing either.
    pub fn fit_space(&mut self) -> Result<()> {
        self.space = self
            .space
            .fitted_to_mesh(self.mesh.as_ref())?
            .fitted(&self.source, &self.target)?;
        Ok(())
    }

    /// Reads and validates a scene file.
    pub fn load(path: &Path) -> Result<Scene> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        let scene = Self::from_toml(&text).map_err(|message| Error::BadFile {
            path: path.to_path_buf(),
            message,
        })?;
        // A data file named relative to the scene lies beside it.
        let mut scene = scene;
        if let Some(dir) = path.parent() {
            for dist in [&mut scene.source, &mut scene.target] {
                if let Some(file) = dist.path.as_mut().filter(|file| file.is_relative()) {
                    *file = dir.join(&*file);
                }
            }
        }
        // A setting the file holds is at fault, so the error names the file.
        scene.validate().map_err(|error| Error::BadFile {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        Ok(scene)
    }

    /// Saves the scene with the data files it reads (a drawing, a point file, an image) copied
    /// beside it as `STEM-source.EXT` / `STEM-target.EXT` and named relative to it, so the
    /// folder alone reproduces the run. Files already in the scene's folder stay where they are.
    pub fn save_with_files(&self, path: &Path) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let stem = path
            .file_stem()
            .map_or_else(|| "scene".into(), |s| s.to_string_lossy().into_owned());
        let mut saved = self.clone();
        for (dist, side) in [(&mut saved.source, "source"), (&mut saved.target, "target")] {
            let Some(file) = dist.path.clone() else {
                continue;
            };
            let beside = |candidate: &Path| {
                candidate
                    .parent()
                    .zip(std::fs::canonicalize(dir).ok())
                    .and_then(|(parent, dir)| Some(std::fs::canonicalize(parent).ok()? == dir))
                    .unwrap_or(false)
            };
            let name = if beside(&file) {
                file.file_name().map(std::path::PathBuf::from)
            } else {
                let extension = file
                    .extension()
                    .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
                let name = std::path::PathBuf::from(format!("{stem}-{side}{extension}"));
                let bytes = std::fs::read(&file).map_err(|cause| Error::Read {
                    path: file.clone(),
                    cause,
                })?;
                crate::data::write_atomically(&dir.join(&name), &bytes)?;
                Some(name)
            };
            dist.path = name.or(Some(file));
        }
        saved.save(path)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("scenes always serialise to TOML")
    }

    /// Writes the scene as TOML, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::data::write_atomically(path, self.to_toml().as_bytes())
    }

    /// How a run of this scene is labelled in views, plots and videos: its coupling, and its
    /// guidance when it samples with one.
    pub fn run_label(&self) -> String {
        let coupling = self.coupling.label();
        match self.sample.guidance {
            Some(guidance) => {
                let asked = match guidance.label {
                    crate::flow::RequestedLabel::All => "every label".to_string(),
                    crate::flow::RequestedLabel::None => "no label".to_string(),
                    crate::flow::RequestedLabel::One(label) => format!("label {label}"),
                };
                format!("{coupling} · guided to {asked}, w = {}", guidance.w)
            }
            None => coupling,
        }
    }

    /// The sampler of `dist`, one of this scene's distributions: symmetrised along the scene's
    /// symmetry group when it asks to be.
    pub fn sampler(&self, dist: &DistConfig) -> Result<Box<dyn Sampler>> {
        let base = build_sampler(self.space, dist)?;
        match (dist.symmetrised, self.symmetry) {
            (false, _) => Ok(base),
            (true, Some(group)) => Ok(Box::new(Symmetrised::new(base, group))),
            (true, None) => Err(Error::invalid(format!(
                "'{}' is to be symmetrised, but the scene declares no symmetry (e.g. symmetry = \"c4\")",
                dist.name
            ))),
        }
    }

    /// The group the equivariant coupling aligns pairs along: the symmetry the scene declares,
    /// or the one its space's points carry (a point cloud's rotations and relabellings).
    pub fn alignment(&self) -> Option<std::sync::Arc<dyn Alignment>> {
        match self.symmetry {
            Some(group) => Some(std::sync::Arc::new(PlaneGroup::new(group))),
            None => self
                .space
                .coupling()
                .alignment()
                .map(|group| std::sync::Arc::new(group) as std::sync::Arc<dyn Alignment>),
        }
    }

    /// Checks every setting, including that the distributions exist on the scene's space.
    pub fn validate(&self) -> Result<()> {
        if self.mesh.is_some() && self.space.name() != crate::space::MESH {
            return Err(Error::invalid(format!(
                "a [mesh] table sets the mesh space's mesh; the {} space has none",
                self.space.name()
            )));
        }
        if self.space.fitted_to_mesh(self.mesh.as_ref())? != self.space {
            return Err(Error::invalid(
                "the scene's space was built for another [mesh] setting (fit the space after changing it)",
            ));
        }
        let fitted = self.space.fitted(&self.source, &self.target)?;
        if fitted != self.space {
            return Err(Error::invalid(format!(
                "the {} space here holds points of {} coordinates, but '{}' needs {}",
                self.space.name(),
                self.space.dim(),
                self.target.name,
                fitted.dim()
            )));
        }
        self.sampler(&self.source)?;
        let target = self.sampler(&self.target)?;
        self.coupling.validate()?;
        self.path.scheduler.validate()?;
        self.model.validate()?;
        let networks = self.space.model().networks();
        if !networks.contains(&self.model.network) {
            let offered: Vec<&str> = networks.iter().map(|n| n.name()).collect();
            return Err(Error::invalid(format!(
                "the {} space has no '{}' velocity network (it offers: {})",
                self.space.name(),
                self.model.network.name(),
                if offered.is_empty() {
                    "none".to_string()
                } else {
                    offered.join(", ")
                }
            )));
        }
        self.train.validate()?;
        if self.model.labels > 0 && target.num_labels() == 0 {
            return Err(Error::invalid(format!(
                "a conditional model needs a labelled target, and '{}' has no labels",
                self.target.name
            )));
        }
        if self.model.labels > 0 && self.model.labels != target.num_labels() {
            return Err(Error::invalid(format!(
                "model.labels is {} but the target '{}' has {} labels",
                self.model.labels,
                self.target.name,
                target.num_labels()
            )));
        }
        if let Some(guidance) = &self.sample.guidance {
            guidance.validate(self.model.labels)?;
        }
        if self.train.samples_per_label > 0 && target.num_labels() == 0 {
            return Err(Error::invalid(format!(
                "samples per label needs a labelled target, and '{}' has no labels",
                self.target.name
            )));
        }
        if self.coupling.method == CouplingMethod::Paired && self.train.samples_per_label > 0 {
            return Err(Error::invalid(
                "the paired coupling draws its own targets; samples per label does not apply",
            ));
        }
        for (name, value) in [
            ("sample.steps", self.sample.steps),
            ("eval.steps", self.eval.steps),
        ] {
            if value == 0 || value > 100_000 {
                return Err(Error::invalid(format!(
                    "{name} must be between 1 and 100000, got {value}"
                )));
            }
        }
        // Scores use exact W2, an assignment of eval.points × eval.points costs.
        for (name, value, max) in [
            ("sample.particles", self.sample.particles, MAX_POINTS),
            ("eval.points", self.eval.points, crate::coupling::MAX_K),
        ] {
            if !(2..=max).contains(&value) {
                return Err(Error::invalid(format!(
                    "{name} must be between 2 and {max}, got {value}"
                )));
            }
        }
        if let Some(symmetry) = self.symmetry
            && self.space != SpaceKind::PLANE
        {
            return Err(Error::invalid(format!(
                "symmetry {} is a group of the plane; the {} space has none to declare",
                symmetry.name(),
                self.space.name()
            )));
        }
        if self.model.network == Network::GroupAveraged && self.symmetry.is_none() {
            return Err(Error::invalid(
                "the group-averaged model averages over the data's symmetry: set symmetry (e.g. symmetry = \"d8\", or --symmetry d8)",
            ));
        }
        if self.model.network == Network::Egnn
            && (self.model.labels > 0 || self.coupling.observes())
        {
            return Err(Error::invalid(
                "the EGNN reads only the particles and the time: it takes no labels or observations",
            ));
        }
        if self.coupling.method == CouplingMethod::Equivariant && self.alignment().is_none() {
            return Err(Error::invalid(
                "the equivariant coupling aligns pairs along the data's symmetry: set symmetry (e.g. symmetry = \"d8\", or --symmetry d8)",
            ));
        }
        if self.sample.solver == Solver::Dopri5 && !self.space.geometry().is_euclidean() {
            return Err(Error::invalid(format!(
                "the dopri5 solver integrates in flat spaces only (the plane, point clouds), not on the {}",
                self.space.name()
            )));
        }
        Ok(())
    }
}
