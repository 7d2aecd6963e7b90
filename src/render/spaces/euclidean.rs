//! R^d drawn as its shadow on the embedding plane, the plane its shipped targets spread their
//! modes in (their two principal directions): particles, lines and arrows are projected there.

use glam::{Vec2, Vec3};

use super::{Edge, SpaceRender, position, push_arrow};
use crate::data::Points;
use crate::geometry::Embedding;
use crate::render::content::{Rgba, Segment, hsl};

pub struct EuclideanRender {
    pub embedding: Embedding,
}

impl SpaceRender for EuclideanRender {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        let [x, y] = self.embedding.project(p);
        hsl(
            y.atan2(x) / std::f64::consts::TAU + 0.5,
            0.75,
            0.55 + 0.15 * (x.hypot(y) / 2.5).min(1.0),
        )
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        let (a, b) = (self.embedding.project(a), self.embedding.project(b));
        out.push(Segment::new(position(&a), position(&b), colour));
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let (p, v) = (self.embedding.project(p), self.embedding.project(v));
        let tip = [p[0] + v[0] * length, p[1] + v[1] * length];
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(&p), position(&tip), Vec3::Z, segment, out);
    }
    /// A twentieth of the probes' width in the plane.
    fn arrow_spacing(&self, probes: &Points) -> f64 {
        let xs = probes.iter().map(|p| self.embedding.project(p)[0]);
        let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        (hi - lo) / 20.0
    }
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        let [x, y] = self.embedding.project(p);
        (
            (x - min.x as f64) / (max.x - min.x) as f64,
            (y - min.y as f64) / (max.y - min.y) as f64,
        )
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Open, Edge::Open]
    }
    fn projected(&self, positions: &[f32], dim: usize) -> Option<Vec<f32>> {
        let [u, v] = self.embedding.directions();
        let (u, v): (Vec<f32>, Vec<f32>) =
            u.iter().zip(v).map(|(&a, &b)| (a as f32, b as f32)).unzip();
        let dot = |w: &[f32], p: &[f32]| w.iter().zip(p).map(|(a, b)| a * b).sum::<f32>();
        Some(
            positions
                .chunks_exact(dim.max(1))
                .flat_map(|p| [dot(&u, p), dot(&v, p)])
                .collect(),
        )
    }
}
