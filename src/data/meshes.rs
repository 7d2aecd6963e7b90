//! Distributions on a mesh: blobs (a normal spread walked out along the mesh from a centre, so
//! that it fills the corridor it starts in and never reaches through a wall), mixtures of
//! blobs, and the uniform distribution by area. Centres are given as fractions of the mesh's
//! bounding box (0 to 1 per axis, y up) and moved to the nearest point of the mesh.

use glam::DVec3;

use super::dataset::{Dataset, ParamInfo, Params, param};
use super::{FnSampler, Sampler};
use crate::geometry::Space;
use crate::geometry::mesh::MeshSpace;
use crate::rng::Rng;
use crate::{Error, Result};

/// A blob's parameters, with its default centre.
const fn blob_params(u: f64, v: f64) -> [ParamInfo; 4] {
    [
        param("u", u, "centre across the mesh's box (0 left, 1 right)"),
        param("v", v, "centre up the box (0 bottom, 1 top)"),
        param("w", 0.5, "centre through the box's depth (surfaces only)"),
        param("std", 0.025, "spread along the mesh (the maze is 1 across)"),
    ]
}

/// Where the default source blob sits, as a fraction of the mesh's box: the centre of the top-left
/// cell of the default maze (its 13 blocks are 1/13 wide, and the outer wall is one of them).
pub const TOP_LEFT_CORNER: [f64; 2] = [0.115, 0.885];

const TOP_LEFT: [ParamInfo; 4] = blob_params(TOP_LEFT_CORNER[0], TOP_LEFT_CORNER[1]);
const BOTTOM_RIGHT: [ParamInfo; 4] = blob_params(TOP_LEFT_CORNER[1], TOP_LEFT_CORNER[0]);

/// The meshes' datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "blob",
        summary: "a blob spread along the mesh, by default in the top-left corner",
        labels: None,
        params: &TOP_LEFT,
        reads_file: false,
        build: blob,
        density: None,
    },
    Dataset {
        name: "opposite_blob",
        summary: "a blob spread along the mesh, by default in the bottom-right corner",
        labels: None,
        params: &BOTTOM_RIGHT,
        reads_file: false,
        build: blob,
        density: None,
    },
    Dataset {
        name: "blobs",
        summary: "blobs at places of the mesh drawn from a seed",
        labels: Some("one per blob"),
        params: &[
            param("count", 4.0, "number of blobs"),
            param("std", 0.025, "spread of each along the mesh"),
            param("seed", 1.0, "where the blobs are"),
        ],
        reads_file: false,
        build: blobs,
        density: None,
    },
    Dataset {
        name: "uniform",
        summary: "uniform over the mesh's area",
        labels: None,
        params: &[],
        reads_file: false,
        build: uniform,
        density: Some(uniform_density),
    },
    super::point_file::DATASET,
];

/// The mesh the parameters' space is made of.
fn mesh_space(params: &Params) -> Result<&'static MeshSpace> {
    crate::space::mesh_of(params.space()).ok_or_else(|| {
        Error::invalid(format!(
            "'{}' is a distribution on a mesh, not on the {}",
            params.dataset_name(),
            params.space().name()
        ))
    })
}

/// A point drawn around `centre`: a normal step of spread `std` walked along the mesh.
fn around(space: &MeshSpace, centre: &[f64], std: f64, rng: &mut Rng, out: &mut [f64]) {
    let mut step: Vec<f64> = (0..centre.len()).map(|_| std * rng.normal()).collect();
    space.project_tangent(centre, &mut step);
    space.exp(centre, &step, out);
}

/// The mesh's point nearest the box fraction (u, v, w), stored.
fn centre_at(space: &MeshSpace, fraction: DVec3) -> Vec<f64> {
    let (lo, hi) = space.bounds();
    let p = lo + (hi - lo) * fraction;
    let mut centre = vec![p.x, p.y, p.z];
    centre.truncate(space.dim());
    space.project(&mut centre);
    centre
}

fn blob(params: &Params) -> Result<Box<dyn Sampler>> {
    let space = mesh_space(params)?;
    let std = params.positive("std")?;
    let fraction = DVec3::new(params.get("u"), params.get("v"), params.get("w"));
    if !(0.0..=1.0).contains(&fraction.min_element()) || fraction.max_element() > 1.0 {
        return Err(Error::invalid(format!(
            "{}'s centre (u, v, w) is a fraction of the mesh's box: each from 0 to 1",
            params.dataset_name()
        )));
    }
    let centre = centre_at(space, fraction);
    Ok(FnSampler::boxed(space.dim(), 0, move |rng, out| {
        around(space, &centre, std, rng, out);
        0
    }))
}

fn blobs(params: &Params) -> Result<Box<dyn Sampler>> {
    let space = mesh_space(params)?;
    let count = params.count("count", 1, 64)?;
    let std = params.positive("std")?;
    let seed = params.count("seed", 0, u32::MAX as usize)? as u64;
    let mut places = Rng::stream(seed, "mesh-blobs");
    let centres: Vec<Vec<f64>> = (0..count)
        .map(|_| {
            let mut centre = vec![0.0; space.dim()];
            space.sample_uniform(&mut places, &mut centre);
            centre
        })
        .collect();
    Ok(FnSampler::boxed(space.dim(), count, move |rng, out| {
        let label = rng.below(centres.len());
        around(space, &centres[label], std, rng, out);
        label as u32
    }))
}

fn uniform(params: &Params) -> Result<Box<dyn Sampler>> {
    let space = mesh_space(params)?;
    Ok(FnSampler::boxed(space.dim(), 0, move |rng, out| {
        space.sample_uniform(rng, out);
        0
    }))
}

/// One over the mesh's area.
fn uniform_density(params: &Params) -> Result<Option<super::LogDensity>> {
    let value = -mesh_space(params)?.mesh().area().ln();
    Ok(Some(Box::new(move |_: &[f64]| value)))
}
