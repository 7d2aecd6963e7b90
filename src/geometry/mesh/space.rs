//! A mesh as a space to flow on (the general geometries of the lecture's last chapter). Points
//! are stored as ambient coordinates — (x, y) on a planar domain such as a maze, (x, y, z) on a
//! curved surface — and located on the mesh (face + barycentric coordinates) whenever the
//! geometry is asked about them.
//!
//! With a premetric d (geodesic, biharmonic or diffusion), the conditional path from x0 to x1
//! is the premetric flow: d(x_t, x1) = (1 − κ(t))·d(x0, x1), reached by walking down ∇d on the
//! mesh (no closed form), with velocity u_t = −κ'(t)·d(x0, x1)·∇d/|∇d|². A step of the sampler
//! is a walk along the mesh, which slides along walls and never passes through one. The
//! `euclidean` premetric is the baseline that ignores the mesh: straight lines, steps that go
//! wherever the velocity points, through walls.

use burn::tensor::{Tensor, TensorData};
use glam::DVec3;
use serde::{Deserialize, Serialize};

use super::locate::Locator;
use super::walk::{Adjacency, MeshPoint};
use super::{
    ConditionalFlow, GeodesicDistance, Premetric, PreparedTarget, SpectralDistance, SpectralKind,
    Spectrum, TriMesh, load_mesh,
};
use crate::data::Points;
use crate::geometry::Space;
use crate::rng::Rng;
use crate::{Error, Result};

/// Which premetric the conditional flow descends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PremetricKind {
    /// The geodesic distance on the mesh (heat method): Riemannian flow matching.
    Geodesic,
    /// The biharmonic distance from the first eigenpairs of the Laplace–Beltrami operator.
    Biharmonic,
    /// The diffusion distance at time `tau`.
    Diffusion,
    /// Straight lines in the ambient space, ignoring walls: the baseline.
    Euclidean,
}

impl PremetricKind {
    pub fn name(self) -> &'static str {
        match self {
            PremetricKind::Geodesic => "geodesic",
            PremetricKind::Biharmonic => "biharmonic",
            PremetricKind::Diffusion => "diffusion",
            PremetricKind::Euclidean => "euclidean",
        }
    }
}

/// A scene's mesh (`[mesh]`): which mesh and which premetric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeshConfig {
    /// A shipped mesh (`maze`, `maze-SEED`, `spiral`, `comb`, `room`, `bumpy-sphere`, …) or an
    /// `.obj` file.
    pub name: String,
    pub premetric: PremetricKind,
    /// Eigenpairs of the spectral premetrics (the zero one included).
    pub eigenpairs: usize,
    /// The diffusion premetric's time.
    pub tau: f64,
}

impl Default for MeshConfig {
    fn default() -> Self {
        Self {
            name: "maze".into(),
            premetric: PremetricKind::Biharmonic,
            eigenpairs: 100,
            tau: 0.05,
        }
    }
}

/// Most eigenpairs a scene may ask for.
pub const MAX_EIGENPAIRS: usize = 1000;

impl MeshConfig {
    /// A short label for titles and the window: `maze, biharmonic K = 100`.
    pub fn label(&self) -> String {
        match self.premetric {
            PremetricKind::Biharmonic => {
                format!("{}, biharmonic K = {}", self.name, self.eigenpairs)
            }
            PremetricKind::Diffusion => format!(
                "{}, diffusion τ = {} K = {}",
                self.name, self.tau, self.eigenpairs
            ),
            other => format!("{}, {}", self.name, other.name()),
        }
    }
}

/// A mesh with everything its flows need, built once per scene setting.
pub struct MeshSpace {
    pub config: MeshConfig,
    mesh: TriMesh,
    adjacency: Adjacency,
    locator: Locator,
    /// None for the euclidean baseline.
    premetric: Option<Premetric>,
    /// The geodesic distance (heat method), unless the premetric is that distance itself: it
    /// leads a stalled spectral descent out of a spurious basin, and measures every
    /// premetric's results by the same yardstick.
    geodesic: Option<GeodesicDistance>,
    planar: bool,
    mean_edge: f64,
    max_step: f64,
    lo: DVec3,
    hi: DVec3,
}

impl std::fmt::Debug for MeshSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MeshSpace({})", self.config.label())
    }
}

/// A point read from a file may lie this far (relative to the mesh's size) from the mesh.
const OFF_MESH_TOLERANCE: f64 = 1e-4;

impl MeshSpace {
    /// Loads the mesh and builds its premetric; errors name the mesh and what is wrong.
    pub fn new(config: &MeshConfig) -> Result<Self> {
        let mesh = load_mesh(&config.name)?;
        Self::with_mesh(config, mesh)
    }

    /// The space of an already loaded mesh.
    pub fn with_mesh(config: &MeshConfig, mesh: TriMesh) -> Result<Self> {
        let spectral = |kind| -> Result<Premetric> {
            if config.eigenpairs < 2 || config.eigenpairs > MAX_EIGENPAIRS {
                return Err(Error::invalid(format!(
                    "mesh eigenpairs must be between 2 and {MAX_EIGENPAIRS}, got {}",
                    config.eigenpairs
                )));
            }
            let spectrum = Spectrum::of(&mesh, config.eigenpairs)?;
            Ok(Premetric::Spectral(SpectralDistance::new(&spectrum, kind)?))
        };
        let premetric = match config.premetric {
            PremetricKind::Geodesic => Some(Premetric::Geodesic(GeodesicDistance::new(&mesh)?)),
            PremetricKind::Biharmonic => Some(spectral(SpectralKind::Biharmonic)?),
            PremetricKind::Diffusion => {
                Some(spectral(SpectralKind::Diffusion { tau: config.tau })?)
            }
            PremetricKind::Euclidean => None,
        };
        // The heat method's systems are factorised once per mesh.
        let geodesic = match premetric {
            Some(Premetric::Geodesic(_)) => None,
            _ => Some(GeodesicDistance::new(&mesh)?),
        };
        let (lo, hi) = mesh.bounds();
        let planar = mesh.is_planar();
        let mean_edge = mesh.mean_edge_length();
        Ok(Self {
            config: config.clone(),
            adjacency: Adjacency::of(&mesh),
            locator: Locator::of(&mesh),
            premetric,
            geodesic,
            planar,
            mean_edge,
            max_step: 2.0 * mean_edge,
            lo,
            hi,
            mesh,
        })
    }

    pub fn mesh(&self) -> &TriMesh {
        &self.mesh
    }

    /// Whether the mesh is a planar domain (points stored as x, y).
    pub fn is_planar(&self) -> bool {
        self.planar
    }

    /// The bounding box of the mesh.
    pub fn bounds(&self) -> (DVec3, DVec3) {
        (self.lo, self.hi)
    }

    /// The length of the bounding box's diagonal.
    pub fn size(&self) -> f64 {
        (self.hi - self.lo).length()
    }

    /// The premetric, or None for the euclidean baseline.
    pub fn premetric(&self) -> Option<&Premetric> {
        self.premetric.as_ref()
    }

    /// A stored point as an ambient position.
    pub fn ambient(&self, x: &[f64]) -> DVec3 {
        DVec3::new(x[0], x[1], if self.planar { 0.0 } else { x[2] })
    }

    fn store(&self, p: DVec3, out: &mut [f64]) {
        out[0] = p.x;
        out[1] = p.y;
        if !self.planar {
            out[2] = p.z;
        }
    }

    /// Where a stored point lies on the mesh (its nearest point).
    pub fn locate(&self, x: &[f64]) -> MeshPoint {
        self.locator.nearest(&self.mesh, self.ambient(x)).0
    }

    /// The ambient position of a point of the mesh.
    pub fn position(&self, point: MeshPoint) -> DVec3 {
        self.mesh.point(point.face, point.bary)
    }

    /// The distance from a stored point to the mesh: zero on it; inside a wall of a maze, how
    /// far into it.
    pub fn distance_to_mesh(&self, x: &[f64]) -> f64 {
        self.locator.nearest(&self.mesh, self.ambient(x)).1
    }

    /// The conditional flow of the premetric (None for the baseline).
    fn flow(&self) -> Option<ConditionalFlow<'_>> {
        self.premetric.as_ref().map(|premetric| ConditionalFlow {
            mesh: &self.mesh,
            adjacency: &self.adjacency,
            premetric,
            max_step: self.max_step,
            rescue: matches!(premetric, Premetric::Spectral(_)).then_some(self.geodesic()),
        })
    }

    /// The geodesic distance on the mesh, whatever the premetric.
    pub fn geodesic(&self) -> &GeodesicDistance {
        match (&self.premetric, &self.geodesic) {
            (Some(Premetric::Geodesic(geodesic)), _) | (_, Some(geodesic)) => geodesic,
            _ => unreachable!("a mesh space keeps a geodesic distance"),
        }
    }

    /// The squared geodesic distance from each point of `a` (rows) to each of `b` (columns),
    /// row-major: one heat solve per column, the columns shared among the cores.
    pub fn squared_geodesic_costs(&self, a: &Points, b: &Points) -> Vec<f32> {
        let located: Vec<MeshPoint> = a.iter().map(|p| self.locate(p)).collect();
        let columns = in_parallel(b.len(), |j| {
            let target = self.locate(b.point(j));
            let field = self
                .geodesic()
                .from_point(&self.mesh, target.face, target.bary);
            located
                .iter()
                .map(|p| {
                    let d: f64 = self.mesh.faces()[p.face]
                        .iter()
                        .zip(p.bary)
                        .map(|(v, w)| w * field[*v as usize])
                        .sum();
                    (d * d) as f32
                })
                .collect::<Vec<f32>>()
        });
        let (rows, n) = (a.len(), b.len());
        let mut costs = vec![0f32; rows * n];
        for (j, column) in columns.iter().enumerate() {
            for (i, &c) in column.iter().enumerate() {
                costs[i * n + j] = c;
            }
        }
        costs
    }

    /// Whether a step from stored point `a` to `b` of a planar domain goes through a wall:
    /// either end lies off the floor (inside a wall, or outside the domain), or the straight
    /// chord between them passes deeper than two mean edge lengths into a wall (a jump over
    /// it). A step that walked round a corner of a wall cuts it by less; never on a surface.
    pub fn crosses_wall(&self, a: &[f64], b: &[f64]) -> bool {
        if !self.planar {
            return false;
        }
        let tolerance = 1e-6 * self.size();
        if self.distance_to_mesh(a) > tolerance || self.distance_to_mesh(b) > tolerance {
            return true;
        }
        let (p, q) = (self.ambient(a), self.ambient(b));
        let depth = 2.0 * self.mean_edge;
        // A chord reaches at most half its length away from its ends.
        if (q - p).length() <= 2.0 * depth {
            return false;
        }
        let pieces = ((q - p).length() / depth).ceil() as usize * 2;
        (1..pieces).any(|k| {
            let point = p + (q - p) * (k as f64 / pieces as f64);
            self.locator.nearest(&self.mesh, point).1 > depth
        })
    }

    /// x1 prepared for repeated premetric queries.
    pub fn prepare(&self, x1: &[f64]) -> Option<PreparedTarget> {
        let premetric = self.premetric.as_ref()?;
        Some(premetric.prepare(&self.mesh, self.locate(x1)))
    }

    /// d(x, x1) for a prepared x1 (the Euclidean distance for the baseline).
    pub fn premetric_distance(
        &self,
        x: &[f64],
        x1: &[f64],
        prepared: Option<&PreparedTarget>,
    ) -> f64 {
        match (&self.premetric, prepared) {
            (Some(premetric), Some(target)) => {
                premetric.distance(&self.mesh, self.locate(x), target)
            }
            _ => (self.ambient(x) - self.ambient(x1)).length(),
        }
    }

    /// The spectral coordinates of a stored point, whose Euclidean distances are the spectral
    /// premetric's (None unless the premetric is spectral).
    pub fn spectral_coordinates(&self, x: &[f64]) -> Option<Vec<f64>> {
        let Some(Premetric::Spectral(spectral)) = &self.premetric else {
            return None;
        };
        let point = self.locate(x);
        let mut out = vec![0.0; spectral.dim()];
        spectral.embed(&self.mesh, point.face, point.bary, &mut out);
        Some(out)
    }

    /// The conditional path from x0 to x1 at the given κ̃ = 1 − κ values (descending), as
    /// stored points; a straight line for the baseline.
    pub fn conditional_path(&self, x0: &[f64], x1: &[f64], remaining: &[f64]) -> Vec<Vec<f64>> {
        let dim = self.dim();
        let Some(flow) = self.flow() else {
            let (a, b) = (self.ambient(x0), self.ambient(x1));
            return remaining
                .iter()
                .map(|&r| {
                    let mut out = vec![0.0; dim];
                    self.store(a + (b - a) * (1.0 - r), &mut out);
                    out
                })
                .collect();
        };
        let (start, end) = (self.locate(x0), self.locate(x1));
        let target = flow.premetric.prepare(&self.mesh, end);
        flow.path(start, end, &target, remaining)
            .points
            .into_iter()
            .map(|p| {
                let mut out = vec![0.0; dim];
                self.store(self.position(p), &mut out);
                out
            })
            .collect()
    }

    /// Applies `per_row` to the rows of `[N, dim]` tensors read back to the CPU, on every
    /// core, and returns its `outputs` results as tensors on the same device.
    fn rows_on_cpu<const OUT: usize>(
        &self,
        inputs: &[Tensor<2>],
        per_row: impl Fn(&[&[f32]], &mut [[f64; 3]; OUT]) + Sync,
    ) -> [Tensor<2>; OUT] {
        let device = inputs[0].device();
        let dims: Vec<usize> = inputs.iter().map(|t| t.dims()[1]).collect();
        let n = inputs[0].dims()[0];
        let data: Vec<Vec<f32>> = inputs
            .iter()
            .map(|t| {
                t.to_data()
                    .try_to_vec::<f32>()
                    .expect("f32 tensors read back as f32")
            })
            .collect();
        let dim = self.dim();
        let mut results = vec![[[0.0f64; 3]; OUT]; n];
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let chunk = n.div_ceil(cores).max(16);
        std::thread::scope(|scope| {
            for (c, rows) in results.chunks_mut(chunk).enumerate() {
                let (data, dims, per_row) = (&data, &dims, &per_row);
                scope.spawn(move || {
                    for (i, out) in rows.iter_mut().enumerate() {
                        let row = c * chunk + i;
                        let slices: Vec<&[f32]> = data
                            .iter()
                            .zip(dims)
                            .map(|(values, &d)| &values[row * d..(row + 1) * d])
                            .collect();
                        per_row(&slices, out);
                    }
                });
            }
        });
        std::array::from_fn(|k| {
            let values: Vec<f32> = results
                .iter()
                .flat_map(|r| r[k][..dim].iter().map(|&v| v as f32))
                .collect();
            Tensor::<2>::from_data(TensorData::new(values, [n, dim]), &device)
        })
    }
}

/// `f` of each index below `n`, in order, the indices shared among the cores.
pub(crate) fn in_parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let chunk = n.div_ceil(cores).max(1);
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        for (part, slots) in out.chunks_mut(chunk).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (offset, slot) in slots.iter_mut().enumerate() {
                    *slot = Some(f(part * chunk + offset));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}

/// Widens f32 coordinates.
fn wide<const D: usize>(x: &[f32]) -> [f64; D] {
    std::array::from_fn(|k| x.get(k).copied().unwrap_or(0.0) as f64)
}

impl Space for MeshSpace {
    fn dim(&self) -> usize {
        if self.planar { 2 } else { 3 }
    }
    fn is_euclidean(&self) -> bool {
        self.premetric.is_none() && self.planar
    }
    fn simulates_paths(&self) -> bool {
        self.premetric.is_some()
    }

    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let step = self.ambient(v);
        if self.premetric.is_none() {
            // The baseline goes where its velocity points: on a surface, back onto it.
            self.store(self.ambient(x) + step, out);
            if !self.planar {
                self.project(out);
            }
            return;
        }
        let (end, _) = self.adjacency.walk(&self.mesh, self.locate(x), step);
        self.store(self.position(end), out);
    }

    /// The conditional velocity at t = 0 towards y (the premetric flow's initial velocity).
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        let Some(flow) = self.flow() else {
            self.store(self.ambient(y) - self.ambient(x), out);
            return;
        };
        let target = flow.premetric.prepare(&self.mesh, self.locate(y));
        self.store(flow.velocity(self.locate(x), &target, 0.0), out);
    }

    /// The squared premetric, which the couplings minimise and W2 measures.
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        let prepared = self.prepare(y);
        self.premetric_distance(x, y, prepared.as_ref()).powi(2)
    }

    fn project_tangent(&self, x: &[f64], v: &mut [f64]) {
        if self.planar {
            return;
        }
        let point = self.locate(x);
        let [a, b, c] = self.mesh.corners(point.face);
        let normal = (b - a).cross(c - a).normalize();
        let w = self.ambient(v);
        self.store(w - normal * w.dot(normal), v);
    }

    fn project(&self, x: &mut [f64]) {
        let point = self.locate(x);
        self.store(self.position(point), x);
    }

    /// Uniform by area over the mesh.
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        let point = self.mesh.random_point(rng);
        self.store(self.position(point), out);
    }

    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String> {
        if point.iter().any(|v| !v.is_finite()) {
            return Err("a coordinate is not a finite number".into());
        }
        let off = self.distance_to_mesh(point);
        if off > OFF_MESH_TOLERANCE * self.size() {
            return Err(format!(
                "the point lies off the mesh (its nearest point of the mesh is {off:.3} away)"
            ));
        }
        self.project(point);
        Ok(())
    }

    /// On a planar domain, the points of a 24 × 24 grid over the box that lie on the floor;
    /// on a surface, about 400 of its vertices.
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        if self.planar {
            let side = 24;
            let extent = self.hi - self.lo;
            let mut probes = Vec::new();
            for j in 0..side {
                for i in 0..side {
                    let p = [
                        self.lo.x + extent.x * (i as f64 + 0.5) / side as f64,
                        self.lo.y + extent.y * (j as f64 + 0.5) / side as f64,
                    ];
                    if self.distance_to_mesh(&p) < 1e-9 {
                        probes.extend_from_slice(&p);
                    }
                }
            }
            probes
        } else {
            let stride = (self.mesh.vertex_count() / 400).max(1);
            self.mesh
                .positions()
                .iter()
                .step_by(stride)
                .flat_map(|p| [p.x, p.y, p.z])
                .collect()
        }
    }

    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    ) {
        let Some(flow) = self.flow() else {
            let (a, b) = (self.ambient(x0), self.ambient(x1));
            self.store(a + (b - a) * kappa, xt);
            self.store((b - a) * dkappa, ut);
            return;
        };
        let (start, end) = (self.locate(x0), self.locate(x1));
        let target = flow.premetric.prepare(&self.mesh, end);
        let path = flow.path(start, end, &target, &[1.0 - kappa]);
        let at = path.points[0];
        self.store(self.position(at), xt);
        // u_t = (d log κ̃/dt)·d(x_t)·∇d/|∇d|² with d(x_t) = κ̃·d(x0): −κ'·d(x0)·∇d/|∇d|².
        let gradient = flow.premetric.gradient(&self.mesh, at, &target);
        let slope_squared = gradient.length_squared();
        let velocity = if slope_squared > 0.0 && !path.stalled {
            -gradient * (dkappa * path.start_distance / slope_squared)
        } else {
            DVec3::ZERO
        };
        self.store(velocity, ut);
    }

    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let [moved] = self.rows_on_cpu(&[x, v], |rows, out| {
            self.exp(&wide::<3>(rows[0]), &wide::<3>(rows[1]), &mut out[0]);
        });
        moved
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let [direction] = self.rows_on_cpu(&[x, y], |rows, out| {
            self.log(&wide::<3>(rows[0]), &wide::<3>(rows[1]), &mut out[0]);
        });
        direction
    }
    fn project_tangent_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        if self.planar {
            return v;
        }
        let [projected] = self.rows_on_cpu(&[x, v], |rows, out| {
            out[0] = wide::<3>(rows[1]);
            self.project_tangent(&wide::<3>(rows[0]), &mut out[0]);
        });
        projected
    }
    /// The premetric flow's x_t and u_t, solved pair by pair on every core.
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let [xt, ut] = self.rows_on_cpu(&[x0, x1, kappa, dkappa], |rows, out| {
            let [xt, ut] = out;
            self.interpolate(
                &wide::<3>(rows[0]),
                &wide::<3>(rows[1]),
                rows[2][0] as f64,
                rows[3][0] as f64,
                xt,
                ut,
            );
        });
        (xt, ut)
    }
}
