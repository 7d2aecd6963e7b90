//! Premetric flow matching on a mesh (Chen & Lipman 2023): the conditional flow ψ_t(x0|x1) is
//! the one whose premetric to x1 shrinks on schedule, d(ψ_t, x1) = κ̃(t)·d(x0, x1), driven by
//! u_t(x|x1) = (d log κ̃/dt)·d(x, x1)·∇d/|∇d|². Its paths are the premetric's descent curves,
//! so x_t is reached by walking down ∇d from x0 until d has shrunk by κ̃(t); the walk stays on
//! the mesh and slides along walls (see `walk`).

use glam::DVec3;

use super::distance::{SpectralTarget, barycentric_gradients};
use super::walk::{Adjacency, MeshPoint};
use super::{GeodesicDistance, SpectralDistance, TriMesh};

/// Which premetric a mesh flow uses.
#[derive(Debug)]
pub enum Premetric {
    /// Biharmonic or diffusion distance from the mesh's spectrum.
    Spectral(SpectralDistance),
    /// The geodesic distance by the heat method.
    Geodesic(GeodesicDistance),
}

/// A target point x1 prepared for repeated distance queries.
#[derive(Debug, Clone)]
pub enum PreparedTarget {
    /// x1's spectral coordinates, with what repeated queries reuse.
    Spectral(Box<SpectralTarget>),
    /// The distance from x1 at every vertex.
    Field(Vec<f64>),
}

impl Premetric {
    pub fn prepare(&self, mesh: &TriMesh, x1: MeshPoint) -> PreparedTarget {
        match self {
            Premetric::Spectral(spectral) => {
                PreparedTarget::Spectral(Box::new(spectral.target(mesh, x1.face, x1.bary)))
            }
            Premetric::Geodesic(geodesic) => {
                PreparedTarget::Field(geodesic.from_point(mesh, x1.face, x1.bary))
            }
        }
    }

    /// d(x, x1).
    pub fn distance(&self, mesh: &TriMesh, x: MeshPoint, target: &PreparedTarget) -> f64 {
        match (self, target) {
            (Premetric::Spectral(spectral), PreparedTarget::Spectral(y)) => {
                spectral.distance_to(mesh, x.face, x.bary, y)
            }
            (_, PreparedTarget::Field(field)) => mesh.faces()[x.face]
                .iter()
                .zip(x.bary)
                .map(|(v, w)| w * field[*v as usize])
                .sum(),
            (Premetric::Geodesic(_), PreparedTarget::Spectral(_)) => {
                unreachable!("targets are prepared by the premetric that reads them")
            }
        }
    }

    /// ∇_x d(x, x1) along x's face.
    pub fn gradient(&self, mesh: &TriMesh, x: MeshPoint, target: &PreparedTarget) -> DVec3 {
        match (self, target) {
            (Premetric::Spectral(spectral), PreparedTarget::Spectral(y)) => {
                spectral.gradient_to(mesh, x.face, x.bary, y)
            }
            (_, PreparedTarget::Field(field)) => {
                let gradients = barycentric_gradients(mesh, x.face);
                mesh.faces()[x.face]
                    .iter()
                    .zip(gradients)
                    .map(|(v, g)| g * field[*v as usize])
                    .sum()
            }
            (Premetric::Geodesic(_), PreparedTarget::Spectral(_)) => {
                unreachable!("targets are prepared by the premetric that reads them")
            }
        }
    }
}

/// The conditional flow between two points of one mesh.
pub struct ConditionalFlow<'a> {
    pub mesh: &'a TriMesh,
    pub adjacency: &'a Adjacency,
    pub premetric: &'a Premetric,
    /// The longest single step of the descent: it follows the curve of ∇d within a face.
    pub max_step: f64,
    /// The geodesic distance that leads a stalled spectral descent out of its basin.
    pub rescue: Option<&'a GeodesicDistance>,
}

/// Relative precision of the distance schedule: d(x_t, x1)/d(x0, x1) − κ̃(t).
const SCHEDULE_TOLERANCE: f64 = 1e-6;

/// A descent that stops within this fraction of d(x0, x1) above its goal has arrived.
const ARRIVED: f64 = 1e-4;

/// Steps allowed in one descent or one escape.
const MAX_STEPS: usize = 10_000;

/// Where a conditional path ended.
#[derive(Debug, Clone)]
pub struct ConditionalPath {
    /// x_t at each requested time.
    pub points: Vec<MeshPoint>,
    /// d(x0, x1).
    pub start_distance: f64,
    /// Whether the descent stalled before x1 (it ends where it stalled).
    pub stalled: bool,
}

/// Times one path may be led out of a spurious basin.
const MAX_RESCUES: usize = 8;

impl ConditionalFlow<'_> {
    /// x_t for each `remaining[i]` = κ̃(t_i) (descending from 1 to 0): the points where the
    /// premetric to x1 has shrunk to that fraction of d(x0, x1). A descent that stalls at a
    /// spurious critical point of a truncated spectral distance is led out of its basin down
    /// the geodesic distance to x1 (when `rescue` is given), then goes on.
    pub fn path(
        &self,
        x0: MeshPoint,
        x1: MeshPoint,
        target: &PreparedTarget,
        remaining: &[f64],
    ) -> ConditionalPath {
        let start_distance = self.premetric.distance(self.mesh, x0, target);
        let (mut x, mut d) = (x0, start_distance);
        let mut points = Vec::with_capacity(remaining.len());
        let mut stalled = false;
        let mut field: Option<PreparedTarget> = None;
        let mut rescues = 0;
        for &fraction in remaining {
            let goal = fraction.clamp(0.0, 1.0) * start_distance;
            let tolerance = SCHEDULE_TOLERANCE * start_distance;
            while !stalled {
                let arrived = self.descend(&mut x, &mut d, goal, tolerance, target);
                // Stopping this close to the goal is arriving: near x1 the distance is a
                // cone, whose tip the halved steps cannot always hit to round-off.
                if arrived || d <= goal + ARRIVED * start_distance {
                    break;
                }
                let rescue = match (self.rescue, self.premetric) {
                    (Some(geodesic), Premetric::Spectral(_)) if rescues < MAX_RESCUES => geodesic,
                    _ => {
                        stalled = true;
                        break;
                    }
                };
                rescues += 1;
                let field = field.get_or_insert_with(|| {
                    PreparedTarget::Field(rescue.from_point(self.mesh, x1.face, x1.bary))
                });
                let below = d - 1e-3 * start_distance;
                if !self.escape(&mut x, &mut d, goal - tolerance, below, target, field) {
                    stalled = true;
                }
            }
            points.push(x);
        }
        ConditionalPath {
            points,
            start_distance,
            stalled,
        }
    }

    /// Newton steps down the premetric from `x` until d ≤ goal + tolerance; false if it stalls
    /// first (a critical point, or no step that lowers d without passing the goal).
    fn descend(
        &self,
        x: &mut MeshPoint,
        d: &mut f64,
        goal: f64,
        tolerance: f64,
        target: &PreparedTarget,
    ) -> bool {
        for _ in 0..MAX_STEPS {
            if *d <= goal + tolerance {
                return true;
            }
            let gradient = self.premetric.gradient(self.mesh, *x, target);
            let slope = gradient.length();
            if slope == 0.0 {
                return false;
            }
            // Newton on d along −∇d/|∇d|, never longer than max_step.
            let mut step = ((*d - goal) / slope).min(self.max_step);
            loop {
                let (next, _) = self.adjacency.walk(self.mesh, *x, -gradient / slope * step);
                let next_d = self.premetric.distance(self.mesh, next, target);
                if next_d < *d && next_d >= goal - tolerance {
                    (*x, *d) = (next, next_d);
                    break;
                }
                // Past the goal, round a bend or into a wall head-on: a shorter step.
                step *= 0.5;
                if step < 1e-12 * self.max_step {
                    return false;
                }
            }
        }
        false
    }

    /// Walks down the geodesic `field` from `x` until the premetric falls to `below` (never
    /// under `floor`); false if x1 is reached or no step helps first.
    fn escape(
        &self,
        x: &mut MeshPoint,
        d: &mut f64,
        floor: f64,
        below: f64,
        target: &PreparedTarget,
        field: &PreparedTarget,
    ) -> bool {
        let mut g = self.premetric.distance(self.mesh, *x, field);
        for _ in 0..MAX_STEPS {
            let gradient = self.premetric.gradient(self.mesh, *x, field);
            let slope = gradient.length();
            if slope == 0.0 || g <= 0.0 {
                return false;
            }
            let mut step = (g / slope).min(self.max_step);
            loop {
                let (next, _) = self.adjacency.walk(self.mesh, *x, -gradient / slope * step);
                let next_g = self.premetric.distance(self.mesh, next, field);
                let next_d = self.premetric.distance(self.mesh, next, target);
                if next_g < g && next_d >= floor {
                    (*x, g, *d) = (next, next_g, next_d);
                    break;
                }
                step *= 0.5;
                if step < 1e-12 * self.max_step {
                    return false;
                }
            }
            if *d <= below {
                return true;
            }
        }
        false
    }

    /// u_t(x|x1) for κ̃(t) = 1 − t: −d(x, x1)/(1 − t)·∇d/|∇d|², the velocity the model learns.
    pub fn velocity(&self, x: MeshPoint, target: &PreparedTarget, t: f64) -> DVec3 {
        let gradient = self.premetric.gradient(self.mesh, x, target);
        let slope_squared = gradient.length_squared();
        if slope_squared == 0.0 {
            return DVec3::ZERO;
        }
        let d = self.premetric.distance(self.mesh, x, target);
        -gradient * (d / ((1.0 - t).max(1e-6) * slope_squared))
    }
}
