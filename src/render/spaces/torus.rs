//! The flat torus, drawn as a donut or unrolled: coupling lines and arrows that take the short
//! way round, hues by θ and lightness by φ.

use std::f64::consts::TAU;

use glam::{Vec2, Vec3};

use super::{Edge, SpaceRender, push_arrow};
use crate::data::Points;
use crate::render::content::{Rgba, Segment, hsl};

pub struct TorusRender;

fn angles(p: &[f64]) -> [f32; 2] {
    [p[0] as f32, p[1] as f32]
}

impl SpaceRender for TorusRender {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        hsl(p[0] / TAU, 0.75, 0.55 + 0.15 * p[1].cos())
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        out.push(Segment::torus_geodesic(angles(a), angles(b), colour));
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let start = [p[0] as f32, p[1] as f32, 0.0];
        let end = [
            (p[0] + v[0] * length) as f32,
            (p[1] + v[1] * length) as f32,
            0.0,
        ];
        let segment =
            |a: [f32; 3], b: [f32; 3]| Segment::torus_geodesic([a[0], a[1]], [b[0], b[1]], colour);
        push_arrow(start, end, Vec3::Z, segment, out);
    }
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        TAU / 20.0
    }
    /// uv = (θ, φ)/2π.
    fn density_uv(&self, p: &[f64], _min: Vec2, _max: Vec2) -> (f64, f64) {
        (p[0].rem_euclid(TAU) / TAU, p[1].rem_euclid(TAU) / TAU)
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Wrap, Edge::Wrap]
    }
    fn density_point(&self, u: f64, v: f64, _min: Vec2, _max: Vec2) -> Option<Vec<f64>> {
        Some(vec![u * TAU, v * TAU])
    }
}
