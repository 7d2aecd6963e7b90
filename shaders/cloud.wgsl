// Point clouds that move along recorded trajectories: the trajectory buffer and its reader,
// shared by the particle and trail pipelines (prepended after common.wgsl).

struct Cloud {
    // Recorded states per particle (1 for a static sample).
    frames: u32,
    count: u32,
    // Coordinates stored per point: 2 (plane, torus angles) or 3 (sphere).
    dim: u32,
    // 0: the per-particle colour buffer; 1: colour by speed.
    colour_mode: u32,
    size_px: f32,
    alpha: f32,
    // Speed mapped to the top of the colour ramp.
    speed_max: f32,
    // Trail length in recorded frames.
    trail_frames: u32,
}

@group(1) @binding(0) var<storage, read> cloud: Cloud;
// Row-major [count, frames, dim]: each particle's states side by side.
@group(1) @binding(1) var<storage, read> positions: array<f32>;
// One packed RGBA8 colour per particle.
@group(1) @binding(2) var<storage, read> colours: array<u32>;

// Coordinates per stored point: three on the sphere and in space, else two; fixed with the
// mode when it is.
fn stored_dim() -> u32 {
    if FIXED_MODE != 0xFFFFFFFFu {
        return select(2u, 3u, FIXED_MODE == MODE_SPHERE || FIXED_MODE == MODE_SPACE);
    }
    return cloud.dim;
}

fn stored_point(frame: u32, i: u32) -> vec3<f32> {
    let base = (i * cloud.frames + frame) * stored_dim();
    var z = 0.0;
    if stored_dim() == 3u {
        z = positions[base + 2u];
    }
    return vec3<f32>(positions[base], positions[base + 1u], z);
}

// The head's fractional frame index at the view's time.
fn head_frame() -> f32 {
    return view.t * f32(cloud.frames - 1u);
}

// A particle's position at a fractional frame, interpolated along the space.
fn point_at(i: u32, frame: f32) -> vec3<f32> {
    let f = clamp(frame, 0.0, f32(cloud.frames - 1u));
    let f0 = u32(floor(f));
    let f1 = min(f0 + 1u, cloud.frames - 1u);
    let s = f - f32(f0);
    let a = stored_point(f0, i);
    let b = stored_point(f1, i);
    let p = a + space_delta(a, b) * s;
    if view_mode() == MODE_SPHERE {
        return normalize(p);
    }
    return p;
}

fn particle_colour(i: u32, frame: f32) -> vec4<f32> {
    if cloud.colour_mode == 1u && cloud.frames > 1u {
        let f0 = u32(clamp(floor(frame), 0.0, f32(cloud.frames - 2u)));
        let step = space_delta(stored_point(f0, i), stored_point(f0 + 1u, i));
        let speed = length(step) * f32(cloud.frames - 1u);
        return vec4<f32>(speed_colour(speed / cloud.speed_max), 1.0);
    }
    return unpack4x8unorm(colours[i]);
}
