// Coloured line segments in space coordinates: coupling pairs, vector-field arrows, grids.
// A segment whose `start.w` is 1 is a geodesic on the torus: it takes the short way round and
// is drawn from both sides of a seam on the unrolled view.

struct Segment {
    start: vec4<f32>,
    end: vec4<f32>,
    colour: vec4<f32>,
}

@group(1) @binding(0) var<storage, read> segments: array<Segment>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) colour: vec4<f32>,
    @location(1) world: vec3<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32, @builtin(instance_index) instance: u32) -> VertexOut {
    let count = arrayLength(&segments);
    let s = segments[instance % count];
    let copy = instance / count;
    let wraps = s.start.w > 0.5 && is_torus();
    var start = s.start.xyz;
    var end = s.end.xyz;
    var shift = vec3<f32>(0.0);
    if wraps {
        if view_mode() == MODE_TORUS_FLAT {
            start = wrap_into_square(start);
        }
        end = start + space_delta(start, end);
        if view_mode() == MODE_TORUS_FLAT {
            shift = flat_copy_shift(start, end, copy);
        }
    }
    var p = end - shift;
    if vertex == 0u {
        p = start - shift;
    }
    let world = world_of(p);
    var out: VertexOut;
    out.position = view.clip_from_world * vec4<f32>(world, 1.0);
    var colour = s.colour;
    let needed = copy == 0u || any(shift != vec3<f32>(0.0));
    colour.a *= facing_alpha(p) * select(0.0, 1.0, needed);
    out.colour = colour;
    out.world = world;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    if in.colour.a <= 0.0 || outside_flat_square(in.world) {
        discard;
    }
    return in.colour;
}
