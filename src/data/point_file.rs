//! Your own data: a point set read from a CSV file (columns as `flowscope draw` writes them,
//! labels optional), drawn from with replacement, each draw optionally jittered along the
//! space. Every space lists it as `points`.

use super::dataset::{Dataset, Params, param};
use super::{Points, Sampler};
use crate::rng::Rng;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// The `points` entry of every space's dataset table.
pub(crate) const DATASET: Dataset = Dataset {
    name: "points",
    summary: "your own points, read from the CSV file the scene names (path = \"FILE.csv\")",
    labels: Some("the file's label column, when it has one"),
    params: &[param(
        "jitter",
        0.0,
        "spread of the noise added to each draw, along the space (0: the points themselves)",
    )],
    reads_file: true,
    build,
    density: None,
};

/// Draws from a fixed point set.
struct PointSet {
    space: SpaceKind,
    points: Points,
    labels: usize,
    jitter: f64,
}

impl Sampler for PointSet {
    fn dim(&self) -> usize {
        self.points.dim()
    }
    fn num_labels(&self) -> usize {
        self.labels
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let row = rng.below(self.points.len());
        let point = self.points.point(row);
        if self.jitter > 0.0 {
            let geometry = self.space.geometry();
            let mut step: Vec<f64> = (0..point.len())
                .map(|_| self.jitter * rng.normal())
                .collect();
            geometry.project_tangent(point, &mut step);
            geometry.exp(point, &step, out);
            geometry.project(out);
        } else {
            out.copy_from_slice(point);
        }
        self.points.labels().map_or(0, |labels| labels[row])
    }
}

fn build(params: &Params) -> Result<Box<dyn Sampler>> {
    let path = params.path().ok_or_else(|| {
        Error::invalid(
            "the 'points' distribution reads a CSV file: set path = \"FILE.csv\" under its table",
        )
    })?;
    let space = params.space();
    let points = Points::read_csv(path, space)?;
    let labels = points.labels().map_or(0, |labels| {
        labels.iter().max().map_or(0, |&l| l as usize + 1)
    });
    Ok(Box::new(PointSet {
        space,
        points,
        labels,
        jitter: params.non_negative("jitter")?,
    }))
}

/// The CSV header of a `points` distribution's file, for a family of spaces to fit its shape
/// to; none when the distribution reads no file.
pub fn header_of(dist: &super::DistConfig) -> Result<Option<Vec<String>>> {
    let Some(path) = dist.path.as_ref().filter(|_| dist.name == DATASET.name) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Read {
        path: path.clone(),
        cause,
    })?;
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut names: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
    if names.last().is_some_and(|n| n == "label") {
        names.pop();
    }
    Ok(Some(names))
}
