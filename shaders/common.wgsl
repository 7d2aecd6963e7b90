// Shared by the particle, trail and segment pipelines: the view uniform and the map from a
// space's coordinates to world space. Prepended to each of those shaders at load time.

const TAU: f32 = 6.283185307179586;
const PI: f32 = 3.141592653589793;

const MODE_PLANE: u32 = 0u;
const MODE_SPHERE: u32 = 1u;
const MODE_TORUS_FLAT: u32 = 2u;
const MODE_TORUS_DONUT: u32 = 3u;
const MODE_SPACE: u32 = 4u;

// The donut: tube centre radius and tube radius (θ runs around the hole, φ around the tube).
const DONUT_MAJOR: f32 = 1.0;
const DONUT_MINOR: f32 = 0.45;

struct View {
    clip_from_world: mat4x4<f32>,
    eye: vec4<f32>,
    viewport_px: vec2<f32>,
    // Flow time in [0, 1] of the particles' heads.
    t: f32,
    mode: u32,
    // Opacity multiplier for points on the far side of a sphere or donut.
    back_alpha: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

// Read-only storage, not a uniform, like every parameter block here: lavapipe recompiles (and
// leaks) a shader whose branches read a uniform each time a new uniform buffer is bound (view.rs).
@group(0) @binding(0) var<storage, read> view: View;

// A pipeline made for one view mode fixes it here when it is created (the splat passes, whose
// inner loops then test nothing at run time); the others read it from the view uniform.
override FIXED_MODE: u32 = 0xFFFFFFFFu;

fn view_mode() -> u32 {
    if FIXED_MODE != 0xFFFFFFFFu {
        return FIXED_MODE;
    }
    return view.mode;
}

fn is_torus() -> bool {
    return view_mode() == MODE_TORUS_FLAT || view_mode() == MODE_TORUS_DONUT;
}

fn wrap_angle(d: f32) -> f32 {
    return d - TAU * round(d / TAU);
}

// b − a, the short way round on the torus.
fn space_delta(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
    let d = b - a;
    if is_torus() {
        return vec3<f32>(wrap_angle(d.x), wrap_angle(d.y), 0.0);
    }
    return d;
}

fn world_of(p: vec3<f32>) -> vec3<f32> {
    if view_mode() == MODE_TORUS_DONUT {
        let r = DONUT_MAJOR + DONUT_MINOR * cos(p.y);
        return vec3<f32>(r * cos(p.x), r * sin(p.x), DONUT_MINOR * sin(p.y));
    }
    return p;
}

// 1 on the side of a curved surface facing the camera, view.back_alpha behind it.
fn facing_alpha(p: vec3<f32>) -> f32 {
    var normal = vec3<f32>(0.0);
    if view_mode() == MODE_SPHERE {
        normal = p;
    } else if view_mode() == MODE_TORUS_DONUT {
        normal = vec3<f32>(cos(p.y) * cos(p.x), cos(p.y) * sin(p.x), sin(p.y));
    } else {
        return 1.0;
    }
    let to_eye = view.eye.xyz - world_of(p);
    return select(view.back_alpha, 1.0, dot(normal, to_eye) >= 0.0);
}

// The unrolled torus shows only the square [0, 2π)²; geometry leaving it is cut at its edge.
fn outside_flat_square(world: vec3<f32>) -> bool {
    return view_mode() == MODE_TORUS_FLAT
        && (world.x < 0.0 || world.x > TAU || world.y < 0.0 || world.y > TAU);
}

// Copy 1 of a torus segment is the same segment shifted by a lattice vector so that its end
// lies in the square; it is only needed when the segment leaves the square.
fn flat_copy_shift(start: vec3<f32>, end: vec3<f32>, copy: u32) -> vec3<f32> {
    if copy == 0u {
        return vec3<f32>(0.0);
    }
    return vec3<f32>(TAU * floor(end.x / TAU), TAU * floor(end.y / TAU), 0.0);
}

fn wrap_into_square(p: vec3<f32>) -> vec3<f32> {
    return vec3<f32>(p.x - TAU * floor(p.x / TAU), p.y - TAU * floor(p.y / TAU), p.z);
}

// A perceptual blue → yellow ramp for speeds, s in [0, 1].
fn speed_colour(s: f32) -> vec3<f32> {
    let x = clamp(s, 0.0, 1.0);
    let c0 = vec3<f32>(0.267, 0.005, 0.329);
    let c1 = vec3<f32>(0.128, 0.567, 0.551);
    let c2 = vec3<f32>(0.993, 0.906, 0.144);
    if x < 0.5 {
        return mix(c0, c1, x * 2.0);
    }
    return mix(c1, c2, x * 2.0 - 1.0);
}
