//! Point clouds laid out for the eye. Small multiples: the first few samples, each in its own
//! cell of a grid, drawn as their particles (coloured by particle index, so relabellings show)
//! with their trails and with bonds between particles closer than a cutoff. The aligned
//! overlay: every sample turned onto one reference configuration and drawn together. Clouds in
//! space are seen along a fixed oblique direction.

use super::content::{CloudData, Rgba, Segment, hsl};
use super::view::DrawContent;
use crate::coupling::{CloudCoupling, OrbitMatch};
use crate::data::Points;
use crate::geometry::Cloud;
use crate::session::live::Snapshot;

/// Cells per row; the grid is square.
pub const COLUMNS: usize = 4;
/// Samples shown.
pub const CELLS: usize = COLUMNS * COLUMNS;

/// Where the samples of a snapshot go in the grid of unit cells.
pub struct Multiples {
    particles: usize,
    particle_dim: usize,
    /// World units per unit of the space: a sample fits its cell with a margin.
    scale: f64,
    /// Particles closer than this (in the space's units) are joined by a bond.
    bond_cutoff: f64,
    samples: usize,
}

/// Rows of the rotation clouds in space are seen through (about 35° down and 30° around).
const OBLIQUE: [[f64; 3]; 2] = [[0.866, -0.5, 0.0], [0.287, 0.497, 0.819]];

impl Multiples {
    /// The layout of `snapshot`'s samples; none when its space's points are single particles.
    pub fn of(snapshot: &Snapshot) -> Option<Multiples> {
        let cloud = Cloud::of(snapshot.scene.space.geometry())?;
        let (particles, particle_dim) = (cloud.n, cloud.d);
        // The particles' distance from the centre that 98% stay within: a stray particle of
        // an evaporating droplet does not shrink every cell.
        let mut radii: Vec<f64> = snapshot
            .source_samples
            .iter()
            .chain(snapshot.target_samples.iter())
            .flat_map(|p| {
                p.chunks_exact(particle_dim)
                    .map(|q| q.iter().map(|v| v * v).sum::<f64>().sqrt())
                    .collect::<Vec<_>>()
            })
            .collect();
        // Selected, not sorted: the window lays the cells out at every frame.
        let reach = if radii.is_empty() {
            1.0
        } else {
            let at = radii.len() * 98 / 100;
            *radii.select_nth_unstable_by(at, f64::total_cmp).1
        }
        .max(1e-6);
        Some(Multiples {
            particles,
            particle_dim,
            scale: 0.45 / reach,
            bond_cutoff: bond_cutoff(&snapshot.target_samples, cloud),
            samples: snapshot.trajectories.count.min(CELLS),
        })
    }

    /// The world position of particle `p` (its coordinates) of sample `sample`.
    pub fn place(&self, sample: usize, p: &[f64]) -> [f32; 3] {
        let (x, y) = if self.particle_dim == 3 {
            let dot = |row: &[f64; 3]| row[0] * p[0] + row[1] * p[1] + row[2] * p[2];
            (dot(&OBLIQUE[0]), dot(&OBLIQUE[1]))
        } else {
            (p[0], p[1])
        };
        let (column, row) = (sample % COLUMNS, sample / COLUMNS);
        [
            (column as f64 + x * self.scale) as f32,
            (-(row as f64) + y * self.scale) as f32,
            0.0,
        ]
    }

    /// The colour of particle `index`.
    fn particle_colour(&self, index: usize) -> Rgba {
        hsl(index as f64 / self.particles as f64, 0.75, 0.6)
    }

    /// What the view draws: each shown sample's particles along their trajectories.
    pub fn content(&self, snapshot: &Snapshot, version: u64) -> DrawContent {
        let trajectories = &snapshot.trajectories;
        let dim = self.particles * self.particle_dim;
        let mut positions =
            Vec::with_capacity(trajectories.frames * self.samples * self.particles * 2);
        for frame in 0..trajectories.frames {
            let start = frame * trajectories.count * dim;
            for sample in 0..self.samples {
                let state = &trajectories.positions[start + sample * dim..][..dim];
                for particle in state.chunks_exact(self.particle_dim) {
                    let p: Vec<f64> = particle.iter().map(|&v| f64::from(v)).collect();
                    let [x, y, _] = self.place(sample, &p);
                    positions.extend([x, y]);
                }
            }
        }
        let colours = (0..self.samples)
            .flat_map(|_| (0..self.particles).map(|i| self.particle_colour(i)))
            .collect();
        DrawContent {
            version,
            particles: CloudData {
                frames: trajectories.frames,
                count: self.samples * self.particles,
                dim: 2,
                positions: std::sync::Arc::new(positions),
                colours,
            },
            source: CloudData::still(2, Vec::new(), Rgba::default()),
            target: CloudData::still(2, Vec::new(), Rgba::default()),
            coupling: Vec::new(),
            surface: None,
        }
    }

    /// Bonds between the close particles of each shown sample at time `t`, and the cells'
    /// outlines.
    pub fn segments(&self, snapshot: &Snapshot, t: f32, colour: Rgba, out: &mut Vec<Segment>) {
        let trajectories = &snapshot.trajectories;
        if trajectories.frames == 0 {
            return;
        }
        let frame = ((t as f64) * (trajectories.frames - 1) as f64).round() as usize;
        let states = trajectories.frame(frame);
        let d = self.particle_dim;
        for (sample, state) in states.iter().take(self.samples).enumerate() {
            for i in 0..self.particles {
                for j in i + 1..self.particles {
                    let (a, b) = (&state[i * d..][..d], &state[j * d..][..d]);
                    let distance = a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>();
                    if distance.sqrt() < self.bond_cutoff {
                        out.push(Segment::new(
                            self.place(sample, a),
                            self.place(sample, b),
                            colour,
                        ));
                    }
                }
            }
        }
        let outline = colour.with_alpha(40);
        for sample in 0..self.samples {
            let (column, row) = ((sample % COLUMNS) as f32, -((sample / COLUMNS) as f32));
            let corners = [(-0.48, -0.48), (0.48, -0.48), (0.48, 0.48), (-0.48, 0.48)];
            for k in 0..4 {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                out.push(Segment::new(
                    [column + a.0, row + a.1, 0.0],
                    [column + b.0, row + b.1, 0.0],
                    outline,
                ));
            }
        }
    }
}

/// 1.2 times the fifth-smallest fraction (20%) of the target's interparticle distances: the
/// nearest neighbours (LJ13's contacts near r_m, DW4's short well).
fn bond_cutoff(target: &Points, cloud: Cloud) -> f64 {
    let mut distances: Vec<f64> = target
        .iter()
        .take(200)
        .flat_map(|x| cloud.distances(x))
        .collect();
    if distances.is_empty() {
        return 0.0;
    }
    let fifth = distances.len() / 5;
    1.2 * *distances.select_nth_unstable_by(fifth, f64::total_cmp).1
}

/// The overlay of aligned samples: every sample turned and relabelled (by the motion that
/// brings its state at t = 1 nearest a reference configuration, the first target sample) and
/// all drawn together, each particle in the colour of the reference particle it matches. The
/// picture is the learned one-particle density in the reference's frame: blobs where the
/// reference's particles sit, for a flow that learned the system.
pub fn aligned_content(snapshot: &Snapshot, version: u64) -> Option<DrawContent> {
    let cloud = Cloud::of(snapshot.scene.space.geometry())?;
    if snapshot.target_samples.is_empty() {
        return None;
    }
    let d = cloud.d;
    let coupling = CloudCoupling { cloud };
    let reference = snapshot.target_samples.point(0);
    let trajectories = &snapshot.trajectories;
    let (count, dim) = (trajectories.count, cloud.n * d);
    let last = trajectories.frame(trajectories.frames.saturating_sub(1));
    let motions: Vec<OrbitMatch> = last
        .iter()
        .map(|x| coupling.best_motion(x, reference))
        .collect();
    let flat = |p: [f64; 3]| -> [f32; 2] {
        if d == 3 {
            let dot = |row: &[f64; 3]| row[0] * p[0] + row[1] * p[1] + row[2] * p[2];
            [dot(&OBLIQUE[0]) as f32, dot(&OBLIQUE[1]) as f32]
        } else {
            [p[0] as f32, p[1] as f32]
        }
    };
    let mut positions = Vec::with_capacity(trajectories.frames * count * cloud.n * 2);
    for frame in 0..trajectories.frames {
        let start = frame * count * dim;
        for (sample, motion) in motions.iter().enumerate() {
            let state = &trajectories.positions[start + sample * dim..][..dim];
            for particle in state.chunks_exact(d) {
                let mut turned = [0.0; 3];
                for (r, out) in turned.iter_mut().enumerate().take(d) {
                    *out = (0..d)
                        .map(|c| motion.rotation[r * d + c] * f64::from(particle[c]))
                        .sum();
                }
                positions.extend(flat(turned));
            }
        }
    }
    let colours = motions
        .iter()
        .flat_map(|motion| {
            motion
                .matching
                .iter()
                .map(|&j| hsl(j as f64 / cloud.n as f64, 0.75, 0.6))
                .collect::<Vec<_>>()
        })
        .collect();
    let reference_particles: Vec<f32> = reference
        .chunks_exact(d)
        .flat_map(|p| flat([p[0], p[1], p.get(2).copied().unwrap_or(0.0)]))
        .collect();
    Some(DrawContent {
        version,
        particles: CloudData {
            frames: trajectories.frames,
            count: count * cloud.n,
            dim: 2,
            positions: std::sync::Arc::new(positions),
            colours,
        },
        source: CloudData::still(2, Vec::new(), Rgba::default()),
        // The reference itself, where the blobs should gather.
        target: CloudData::still(2, reference_particles, Rgba::rgb(235, 235, 235)),
        coupling: Vec::new(),
        surface: None,
    })
}
