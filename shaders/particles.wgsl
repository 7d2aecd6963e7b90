// Particles at the view's time: one screen-aligned disc per particle, read from the trajectory.

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
    @location(1) corner: vec2<f32>,
    @location(2) world: vec3<f32>,
}

// One triangle strip per particle.
const CORNERS = array<vec2<f32>, 4>(
    vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(-1.0, 1.0), vec2<f32>(1.0, 1.0),
);

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32, @builtin(instance_index) i: u32) -> VertexOut {
    let frame = head_frame();
    var p = point_at(i, frame);
    if view_mode() == MODE_TORUS_FLAT {
        p = wrap_into_square(p);
    }
    let world = world_of(p);
    let clip = view.clip_from_world * vec4<f32>(world, 1.0);
    let corner = CORNERS[vertex];
    var out: VertexOut;
    out.position = clip + vec4<f32>(corner * cloud.size_px / view.viewport_px * clip.w, 0.0, 0.0);
    var colour = particle_colour(i, frame);
    colour.a *= cloud.alpha * facing_alpha(p);
    out.colour = colour;
    out.corner = corner;
    out.world = world;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let r2 = dot(in.corner, in.corner);
    if r2 > 1.0 || outside_flat_square(in.world) {
        discard;
    }
    // Soft rim so discs stay smooth without multisampling.
    let edge = 1.0 - smoothstep(0.6, 1.0, r2);
    return vec4<f32>(in.colour.rgb, in.colour.a * edge);
}
