//! Small CPU-made pictures laid over a view each frame or each snapshot: the plane's grid, the
//! coupling's x0 → x1 segments, vector-field arrows and the density heat maps (of the
//! particles, and of a log-density on a grid: the model's or the data's).

use glam::Vec2;

use super::content::{DensityImage, Palette, Rgba, Segment};
use super::spaces::Edge;
use crate::data::Points;
use crate::session::live::DensityRequest;
use crate::space::SpaceKind;

/// A 1-2-5 step giving about `target_lines` lines over `span`.
fn nice_step(span: f32, target_lines: f32) -> f32 {
    let raw = span / target_lines;
    let magnitude = 10f32.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction < 1.5 {
        1.0
    } else if fraction < 3.5 {
        2.0
    } else if fraction < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Grid lines and the two axes over the visible part of the plane; returns the segments and
/// the grid step (for tick labels).
pub fn plane_grid(min: Vec2, max: Vec2, palette: &Palette) -> (Vec<Segment>, f32) {
    let step = nice_step((max - min).min_element().max(1e-6), 8.0);
    let mut segments = Vec::new();
    let first = (min / step).floor();
    let last = (max / step).ceil();
    for i in first.x as i64..=last.x as i64 {
        let x = i as f32 * step;
        let colour = if i == 0 { palette.axis } else { palette.grid };
        segments.push(Segment::new([x, min.y, 0.0], [x, max.y, 0.0], colour));
    }
    for j in first.y as i64..=last.y as i64 {
        let y = j as f32 * step;
        let colour = if j == 0 { palette.axis } else { palette.grid };
        segments.push(Segment::new([min.x, y, 0.0], [max.x, y, 0.0], colour));
    }
    (segments, step)
}

/// The training batch's pairs x0 → x1 as geodesic segments.
pub fn coupling_segments(space: SpaceKind, x0: &Points, x1: &Points, colour: Rgba) -> Vec<Segment> {
    let render = space.render();
    let mut out = Vec::with_capacity(x0.len());
    for (a, b) in x0.iter().zip(x1.iter()) {
        render.geodesic(a, b, colour, &mut out);
    }
    out
}

/// Arrows for velocities `velocities` at `points` (tangent vectors), `length_per_speed` world
/// units per unit of speed. Each arrow is a shaft and two head strokes.
pub fn field_arrows(
    space: SpaceKind,
    points: &Points,
    velocities: &[f64],
    length_per_speed: f64,
    colour: Rgba,
) -> Vec<Segment> {
    let (dim, render) = (points.dim(), space.render());
    let mut out = Vec::with_capacity(points.len() * 3);
    for (i, p) in points.iter().enumerate() {
        let v = &velocities[i * dim..(i + 1) * dim];
        render.arrow(p, v, length_per_speed, colour, &mut out);
    }
    out
}

/// A heat map of `points` on a `resolution`² grid (bilinear splats, then two blurs), coloured
/// from transparent through the palette's target colour to white. `min..max` is the plane
/// rectangle it covers (ignored on the sphere and torus, which cover their whole surface).
pub fn density_image(
    space: SpaceKind,
    points: &Points,
    min: Vec2,
    max: Vec2,
    resolution: u32,
    palette: &Palette,
) -> DensityImage {
    let n = resolution.max(2) as usize;
    let render = space.render();
    let edges = render.density_edges();
    let mut grid = vec![0f32; n * n];
    for p in points.iter() {
        let (u, v) = render.density_uv(p, min, max);
        let (x, y) = (u * n as f64 - 0.5, v * n as f64 - 0.5);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
        for (dx, dy, w) in [
            (0, 0, (1.0 - fx) * (1.0 - fy)),
            (1, 0, fx * (1.0 - fy)),
            (0, 1, (1.0 - fx) * fy),
            (1, 1, fx * fy),
        ] {
            let [cx, cy] =
                [(x0 as i64 + dx, edges[0]), (y0 as i64 + dy, edges[1])].map(|(cell, edge)| {
                    match edge {
                        Edge::Open => cell,
                        Edge::Clamp => cell.clamp(0, n as i64 - 1),
                        Edge::Wrap => cell.rem_euclid(n as i64),
                    }
                });
            if (0..n as i64).contains(&cx) && (0..n as i64).contains(&cy) {
                grid[cy as usize * n + cx as usize] += w;
            }
        }
    }
    // Two passes: few particles per cell otherwise read as separate blobs.
    let wraps = edges[0] == Edge::Wrap;
    let blurred = blur(&blur(&grid, n, wraps), n, wraps);
    let peak = blurred.iter().copied().fold(0f32, f32::max).max(1e-12);
    let colour = palette.target.to_f32();
    let mut rgba = Vec::with_capacity(n * n * 4);
    for &value in &blurred {
        let s = (value / peak).sqrt();
        let whiten = (s - 0.6).max(0.0) / 0.4;
        rgba.extend(tinted(colour, whiten, s.min(1.0) * 230.0 / 255.0));
    }
    DensityImage {
        width: n as u32,
        height: n as u32,
        rgba,
        world_min: min,
        world_max: max,
    }
}

/// One RGBA8 texel of `colour` moved `whiten` of the way to white, at opacity `alpha`.
fn tinted(colour: [f32; 4], whiten: f32, alpha: f32) -> [u8; 4] {
    let [r, g, b, _] = colour.map(|c| ((c + (1.0 - c) * whiten) * 255.0).round() as u8);
    [r, g, b, (alpha * 255.0).round() as u8]
}

/// The log-density heat map spans this many nats below its peak (a factor e⁻⁸ ≈ 3·10⁻⁴).
const LOG_DENSITY_RANGE: f32 = 8.0;
/// Isolines every this many nats below the peak...
const ISOLINE_STEP: f32 = 2.0;
/// ...on grids of at least this many cells a side (coarser ones would misplace them).
const MIN_ISOLINE_RESOLUTION: u32 = 90;
/// Texels a side the log-density image aims at: the grid is interpolated between its cells'
/// centres, so the fill is smooth and each isoline a curve a texel or two wide, not a chain of
/// cells.
const LOG_DENSITY_TEXELS: usize = 384;
/// Half an isoline's width, in texels of that image (the line fades out over one more).
const ISOLINE_HALF_WIDTH: f32 = 1.0;

/// The centres of a `resolution`² density image's cells that lie in `space` (row r at
/// v = (r + ½)/resolution, as [`DensityImage`] lays them out), and the index of each one's
/// cell; none for a space without a density grid.
pub fn density_grid(
    space: SpaceKind,
    min: Vec2,
    max: Vec2,
    resolution: u32,
) -> Option<(Points, Vec<usize>)> {
    let n = resolution.max(2) as usize;
    let render = space.render();
    let mut data = Vec::with_capacity(n * n * space.dim());
    let mut cells = Vec::with_capacity(n * n);
    for row in 0..n {
        for column in 0..n {
            let (u, v) = (
                (column as f64 + 0.5) / n as f64,
                (row as f64 + 0.5) / n as f64,
            );
            if let Some(point) = render.density_point(u, v, min, max) {
                data.extend(point);
                cells.push(row * n + column);
            }
        }
    }
    if cells.is_empty() {
        return None;
    }
    Some((Points::new(space.dim(), data, None), cells))
}

/// The window's request for the model's log-density on a `resolution`² image over `min..max`
/// (the cells [`density_grid`] gives), at time `t` with `steps` RK4 steps; none for a space
/// without a density grid.
pub fn density_request(
    space: SpaceKind,
    min: Vec2,
    max: Vec2,
    resolution: u32,
    t: f64,
    steps: usize,
) -> Option<DensityRequest> {
    let (points, cells) = density_grid(space, min, max, resolution)?;
    Some(DensityRequest {
        t,
        points,
        cells,
        resolution,
        min: min.into(),
        max: max.into(),
        steps,
    })
}

/// A heat map of log-densities given per cell of a `resolution`² grid (non-finite: nothing
/// there): log scale over the top [`LOG_DENSITY_RANGE`] nats in the palette's target colour,
/// whitening near the peak, with an isoline every [`ISOLINE_STEP`] nats on grids fine enough to
/// place them. The image has [`LOG_DENSITY_TEXELS`] or so texels a side, interpolated from the
/// grid; a texel whose own cell is empty stays empty, so walls and rims keep their cells' shape.
pub fn log_density_image(
    log_density: &[f32],
    resolution: u32,
    min: Vec2,
    max: Vec2,
    palette: &Palette,
) -> DensityImage {
    let n = resolution.max(2) as usize;
    let cell = |i: usize| log_density.get(i).copied().unwrap_or(f32::NAN);
    let peak = (0..n * n)
        .map(cell)
        .filter(|v| v.is_finite())
        .fold(f32::NEG_INFINITY, f32::max);
    let isolines = resolution >= MIN_ISOLINE_RESOLUTION && peak.is_finite();
    let scale = LOG_DENSITY_TEXELS.div_ceil(n).clamp(1, 8);
    let side = n * scale;
    let fill = upsampled(&(0..n * n).map(cell).collect::<Vec<_>>(), n, scale);
    // Lines follow the values averaged over 3 × 3 cells: the backward integration's small
    // errors would otherwise fray them.
    let lines = if isolines {
        upsampled(&smoothed(log_density, n), n, scale)
    } else {
        Vec::new()
    };
    let colour = palette.target.to_f32();
    let mut rgba = Vec::with_capacity(side * side * 4);
    for (i, &value) in fill.iter().enumerate() {
        if !(value.is_finite() && peak.is_finite()) {
            rgba.extend([0, 0, 0, 0]);
            continue;
        }
        let level = ((value - (peak - LOG_DENSITY_RANGE)) / LOG_DENSITY_RANGE).clamp(0.0, 1.0);
        let (whiten, alpha) = (
            0.5 * (level - 0.85).max(0.0) / 0.15,
            0.85 * level.powf(0.75),
        );
        let line = if isolines {
            isoline_coverage(&lines, side, i, peak)
        } else {
            0.0
        };
        rgba.extend(tinted(
            colour,
            whiten + (0.7 - whiten) * line,
            alpha + (0.95 - alpha) * line,
        ));
    }
    DensityImage {
        width: side as u32,
        height: side as u32,
        rgba,
        world_min: min,
        world_max: max,
    }
}

/// Each cell's value averaged with its finite neighbours in a 3 × 3 block (NaN stays NaN).
fn smoothed(values: &[f32], n: usize) -> Vec<f32> {
    (0..n * n)
        .map(|i| {
            let (row, column) = ((i / n) as i64, (i % n) as i64);
            if !values.get(i).is_some_and(|v| v.is_finite()) {
                return f32::NAN;
            }
            let (mut total, mut count) = (0.0, 0);
            for (dr, dc) in (-1..=1).flat_map(|dr| (-1..=1).map(move |dc| (dr, dc))) {
                let (r, c) = (row + dr, column + dc);
                if (0..n as i64).contains(&r) && (0..n as i64).contains(&c) {
                    let value = values.get(r as usize * n + c as usize).copied();
                    if let Some(value) = value.filter(|v| v.is_finite()) {
                        total += value;
                        count += 1;
                    }
                }
            }
            total / count as f32
        })
        .collect()
}

/// An n² grid of cell values at `scale` texels a cell: bilinear between the cells' centres over
/// the finite ones, NaN where the texel's own cell is.
fn upsampled(grid: &[f32], n: usize, scale: usize) -> Vec<f32> {
    let side = n * scale;
    let last = n as i64 - 1;
    let at = |column: i64, row: i64| {
        grid[(row.clamp(0, last) * n as i64 + column.clamp(0, last)) as usize]
    };
    let mut out = Vec::with_capacity(side * side);
    for y in 0..side {
        let gy = (y as f32 + 0.5) / scale as f32 - 0.5;
        let (row, fy) = (gy.floor() as i64, gy - gy.floor());
        for x in 0..side {
            if !grid[(y / scale) * n + x / scale].is_finite() {
                out.push(f32::NAN);
                continue;
            }
            let gx = (x as f32 + 0.5) / scale as f32 - 0.5;
            let (column, fx) = (gx.floor() as i64, gx - gx.floor());
            let (mut total, mut weight) = (0.0, 0.0);
            for (dx, dy, w) in [
                (0, 0, (1.0 - fx) * (1.0 - fy)),
                (1, 0, fx * (1.0 - fy)),
                (0, 1, (1.0 - fx) * fy),
                (1, 1, fx * fy),
            ] {
                let value = at(column + dx, row + dy);
                if value.is_finite() && w > 0.0 {
                    total += w * value;
                    weight += w;
                }
            }
            out.push(if weight > 0.0 {
                total / weight
            } else {
                f32::NAN
            });
        }
    }
    out
}

/// How much of texel `i` an isoline covers: its distance to the nearest level strictly inside
/// the map's range (not the floor, where the map fades out: a line there would ring every sharp
/// mode with dots), in texels by the local slope, against the line's half-width.
fn isoline_coverage(values: &[f32], side: usize, i: usize, peak: f32) -> f32 {
    let value = values[i];
    if !value.is_finite() || value <= peak - LOG_DENSITY_RANGE {
        return 0.0;
    }
    let levels = (LOG_DENSITY_RANGE / ISOLINE_STEP) as i32 - 1;
    let k = ((peak - value) / ISOLINE_STEP)
        .round()
        .clamp(1.0, levels as f32);
    let off = (value - (peak - k * ISOLINE_STEP)).abs();
    // The slope per texel from the neighbours on each axis (one-sided at an edge or a hole).
    let (x, y) = ((i % side) as i64, (i / side) as i64);
    let value_at = |x: i64, y: i64| {
        ((0..side as i64).contains(&x) && (0..side as i64).contains(&y))
            .then(|| values[y as usize * side + x as usize])
            .filter(|v| v.is_finite())
    };
    let slope = |before: Option<f32>, after: Option<f32>| match (before, after) {
        (Some(b), Some(a)) => (a - b) / 2.0,
        (Some(b), None) => value - b,
        (None, Some(a)) => a - value,
        (None, None) => 0.0,
    };
    let gradient = slope(value_at(x - 1, y), value_at(x + 1, y))
        .hypot(slope(value_at(x, y - 1), value_at(x, y + 1)));
    if gradient <= f32::EPSILON {
        return 0.0;
    }
    (ISOLINE_HALF_WIDTH + 0.5 - off / gradient).clamp(0.0, 1.0)
}

fn blur(grid: &[f32], n: usize, wraps: bool) -> Vec<f32> {
    let mut out = vec![0f32; n * n];
    for y in 0..n as i64 {
        for x in 0..n as i64 {
            let mut sum = 0.0;
            for (dy, dx) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1), (0, 0)] {
                let (mut sx, sy) = (x + dx, y + dy);
                if wraps {
                    sx = sx.rem_euclid(n as i64);
                }
                if (0..n as i64).contains(&sx) && (0..n as i64).contains(&sy) {
                    let weight = if dx == 0 && dy == 0 { 2.0 } else { 1.0 };
                    sum += weight * grid[sy as usize * n + sx as usize];
                }
            }
            out[y as usize * n + x as usize] = sum / 6.0;
        }
    }
    out
}
