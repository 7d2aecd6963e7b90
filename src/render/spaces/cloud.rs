//! Point clouds drawn as their particles: a sample of n particles in R^d is n points in the
//! plane (d = 2) or in 3-D (d = 3), all in the sample's colour; coupling lines join each
//! particle of x0 to the particle of x1 it is paired with.

use glam::Vec2;

use super::{Edge, SpaceRender, position};
use crate::data::Points;
use crate::geometry::Cloud;
use crate::render::content::{Rgba, Segment, hsl};

pub struct CloudRender {
    pub cloud: Cloud,
}

impl SpaceRender for CloudRender {
    fn particle_dim(&self) -> usize {
        self.cloud.d
    }
    /// Hue by the direction of the first particle, lightness by the cloud's spread.
    fn source_colour(&self, p: &[f64]) -> Rgba {
        let spread = (p.iter().map(|v| v * v).sum::<f64>() / self.cloud.n as f64).sqrt();
        hsl(
            p[1].atan2(p[0]) / std::f64::consts::TAU + 0.5,
            0.75,
            0.45 + 0.25 * (spread / 2.5).min(1.0),
        )
    }
    /// One straight line per particle, from its place in `a` to the same particle in `b`.
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        let d = self.cloud.d;
        for (p, q) in a.chunks_exact(d).zip(b.chunks_exact(d)) {
            out.push(Segment::new(position(p), position(q), colour));
        }
    }
    /// A configuration's velocity is n·d numbers, not one arrow: none are drawn.
    fn arrow(&self, _p: &[f64], _v: &[f64], _length: f64, _colour: Rgba, _out: &mut Vec<Segment>) {}
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        1.0
    }
    /// The first particle's place: for data invariant under relabelling, the heat map is the
    /// density of any one particle.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        (
            (p[0] - min.x as f64) / (max.x - min.x) as f64,
            (p[1] - min.y as f64) / (max.y - min.y) as f64,
        )
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Open, Edge::Open]
    }
}
