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
    // A quad one pixel wide along the segment on screen: corners 0, 1 at the start, 2, 3 at
    // the end, on either side.
    let at_end = vertex >= 2u;
    let side = select(-0.5, 0.5, (vertex & 1u) == 1u);
    let p = select(start - shift, end - shift, at_end);
    let world = world_of(p);
    let clip = view.clip_from_world * vec4<f32>(world, 1.0);
    let clip_start = view.clip_from_world * vec4<f32>(world_of(start - shift), 1.0);
    let clip_end = view.clip_from_world * vec4<f32>(world_of(end - shift), 1.0);
    var across = vec2<f32>(0.0);
    if clip_start.w > 1e-6 && clip_end.w > 1e-6 {
        let along_px = (clip_end.xy / clip_end.w - clip_start.xy / clip_start.w) * view.viewport_px;
        if dot(along_px, along_px) > 1e-12 {
            let direction = normalize(along_px);
            across = vec2<f32>(-direction.y, direction.x);
        }
    }
    var out: VertexOut;
    out.position = clip + vec4<f32>(across * side * 2.0 / view.viewport_px * clip.w, 0.0, 0.0);
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
