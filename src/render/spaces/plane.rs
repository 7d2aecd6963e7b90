//! The plane drawn flat: straight coupling lines and arrows, hues by angle around the origin.

use glam::{Vec2, Vec3};

use super::{Edge, SpaceRender, position, push_arrow};
use crate::data::Points;
use crate::render::content::{Rgba, Segment, hsl};

pub struct PlaneRender;

impl SpaceRender for PlaneRender {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        let hue = p[1].atan2(p[0]) / std::f64::consts::TAU + 0.5;
        hsl(hue, 0.75, 0.55 + 0.15 * (p[0].hypot(p[1]) / 2.5).min(1.0))
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        out.push(Segment::new(position(a), position(b), colour));
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let tip = [p[0] + v[0] * length, p[1] + v[1] * length];
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(p), position(&tip), Vec3::Z, segment, out);
    }
    /// A twentieth of the probes' width.
    fn arrow_spacing(&self, probes: &Points) -> f64 {
        let xs = probes.iter().map(|p| p[0]);
        let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        (hi - lo) / 20.0
    }
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        (
            (p[0] - min.x as f64) / (max.x - min.x) as f64,
            (p[1] - min.y as f64) / (max.y - min.y) as f64,
        )
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Open, Edge::Open]
    }
    fn density_point(&self, u: f64, v: f64, min: Vec2, max: Vec2) -> Option<Vec<f64>> {
        Some(vec![
            min.x as f64 + u * (max.x - min.x) as f64,
            min.y as f64 + v * (max.y - min.y) as f64,
        ])
    }
}
