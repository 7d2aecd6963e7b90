// Trails and particles drawn by compute: each invocation walks one particle's trail (or covers
// its disc) pixel by pixel and keeps, per pixel, the most opaque thing that touched it as
// (alpha << 24 | colour), and the rectangle it plotted in (canvas.wgsl). Software rasterisers
// set up every line and triangle at a high fixed cost; this path has none, so tens of
// thousands of trails stay interactive on lavapipe. splat_resolve.wgsl turns the canvas into
// colours.

@group(2) @binding(0) var<storage, read_write> canvas: array<atomic<u32>>;

// Bounds on the work of one invocation: pixels per trail segment, radius of a particle's disc.
const MAX_STEPS: i32 = 512;
const MAX_DISC_RADIUS_PX: f32 = 32.0;

// A rectangle of pixel coordinates (min x, min y, max x, max y) grown point by point.
const NOTHING_PLOTTED: vec4<f32> = vec4<f32>(1e30, 1e30, -1e30, -1e30);

fn grow(rect: ptr<function, vec4<f32>>, pixel: vec2<f32>) {
    *rect = vec4<f32>(min((*rect).xy, pixel), max((*rect).zw, pixel));
}

// Merges one invocation's rectangle into the canvas's (canvas.wgsl).
fn publish(rect: vec4<f32>) {
    if rect.x > rect.z {
        return;
    }
    let last = canvas_size() - 1;
    let low = vec2<u32>(clamp(vec2<i32>(floor(rect.xy)), vec2<i32>(0), last));
    let high = vec2<u32>(clamp(vec2<i32>(floor(rect.zw)), vec2<i32>(0), last));
    let at = plotted_rect_index();
    atomicMax(&canvas[at], ~low.x);
    atomicMax(&canvas[at + 1u], ~low.y);
    atomicMax(&canvas[at + 2u], high.x + 1u);
    atomicMax(&canvas[at + 3u], high.y + 1u);
}

// Pixel coordinates (y down) of a space point, and whether it lies in front of the camera.
fn to_pixel(p: vec3<f32>) -> vec3<f32> {
    let clip = view.clip_from_world * vec4<f32>(world_of(p), 1.0);
    let ndc = clip.xy / clip.w;
    return vec3<f32>(
        (ndc.x * 0.5 + 0.5) * view.viewport_px.x,
        (0.5 - ndc.y * 0.5) * view.viewport_px.y,
        clip.w,
    );
}

fn plot(pixel: vec2<i32>, key: u32) {
    let size = canvas_size();
    if pixel.x < 0 || pixel.y < 0 || pixel.x >= size.x || pixel.y >= size.y {
        return;
    }
    atomicMax(&canvas[u32(pixel.y * size.x + pixel.x)], key);
}

// The colour rides in the key, so the resolve needs no per-pixel lookup; among equally opaque
// marks the larger colour value wins.
fn key_of(alpha: f32, colour: vec4<f32>) -> u32 {
    let opacity = u32(clamp(alpha * colour.a, 0.0, 1.0) * 254.0);
    return (opacity << 24u) | (pack4x8unorm(vec4<f32>(colour.rgb, 0.0)) & 0xFFFFFFu);
}

// Walks the segment a → b (space points), plotting the pixels whose world point is shown.
fn draw_segment(a: vec3<f32>, b: vec3<f32>, key: u32, rect: ptr<function, vec4<f32>>) {
    let pa = to_pixel(a);
    let pb = to_pixel(b);
    if pa.z <= 0.0 || pb.z <= 0.0 {
        return;
    }
    grow(rect, pa.xy);
    grow(rect, pb.xy);
    let delta = pb.xy - pa.xy;
    let steps = min(i32(ceil(max(abs(delta.x), abs(delta.y)))), MAX_STEPS);
    for (var k = 0; k <= steps; k++) {
        let s = f32(k) / f32(max(steps, 1));
        if view_mode() == MODE_TORUS_FLAT && outside_flat_square(mix(a, b, s)) {
            continue;
        }
        plot(vec2<i32>(floor(pa.xy + delta * s)), key);
    }
}

// Dispatches are 2-D when one row of workgroups is not enough.
fn linear_index(id: vec3<u32>, groups: vec3<u32>) -> u32 {
    return id.y * groups.x * 64u + id.x;
}

// Between two stored states, a fraction s of the way along the space.
fn between(a: vec3<f32>, b: vec3<f32>, s: f32) -> vec3<f32> {
    let p = a + space_delta(a, b) * s;
    if view_mode() == MODE_SPHERE {
        return normalize(p);
    }
    return p;
}

// Plots the pixels from `start` to `end` (pixel coordinates, already projected), leaving out
// the first `skip` of them.
fn draw_pixels(start: vec2<f32>, end: vec2<f32>, key: u32, skip: i32) {
    let delta = end - start;
    let steps = min(i32(ceil(max(abs(delta.x), abs(delta.y)))), MAX_STEPS);
    for (var k = skip; k <= steps; k++) {
        plot(vec2<i32>(floor(start + delta * (f32(k) / f32(max(steps, 1))))), key);
    }
}

// One invocation per particle walks its trail from the head backwards, one recorded frame per
// segment. Consecutive segments share a state, so each stored state is read once and (away
// from the unrolled torus) projected once.
@compute @workgroup_size(64)
fn trails(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = linear_index(id, groups);
    if i >= cloud.count {
        return;
    }
    let segments = cloud.trail_frames;
    let head = head_frame();
    let fraction = head - floor(head);
    var lower_frame = u32(floor(head));
    var lower = stored_point(lower_frame, i);
    var upper = stored_point(min(lower_frame + 1u, cloud.frames - 1u), i);
    var newer_point = between(lower, upper, fraction);
    var newer_pixel = to_pixel(newer_point);
    var rect = NOTHING_PLOTTED;
    // The whole trail takes the particle's colour at the head.
    let colour = particle_colour(i, head);
    for (var segment = 0u; segment < segments; segment++) {
        let newer = head - f32(segment);
        if newer <= 0.0 {
            break;
        }
        // The state one recorded frame earlier, at the same fraction between stored states.
        var older_point = lower;
        if lower_frame > 0u {
            upper = lower;
            lower_frame -= 1u;
            lower = stored_point(lower_frame, i);
            older_point = between(lower, upper, fraction);
        }
        let age = (f32(segment) + 0.5) / f32(segments);
        let alpha = cloud.alpha * (1.0 - age) * facing_alpha(newer_point) * 0.9;
        let key = key_of(alpha, colour);
        if view_mode() == MODE_TORUS_FLAT {
            let start = wrap_into_square(older_point);
            let end = start + space_delta(start, newer_point);
            draw_segment(start, end, key, &rect);
            // A segment leaving the square re-enters on the opposite side.
            let shift = flat_copy_shift(start, end, 1u);
            if any(shift != vec3<f32>(0.0)) {
                draw_segment(start - shift, end - shift, key, &rect);
            }
        } else {
            let older_pixel = to_pixel(older_point);
            if older_pixel.z > 0.0 && newer_pixel.z > 0.0 {
                // From the newer end, which the previous segment has already plotted.
                draw_pixels(newer_pixel.xy, older_pixel.xy, key, i32(segment > 0u));
                grow(&rect, newer_pixel.xy);
                grow(&rect, older_pixel.xy);
            }
            newer_pixel = older_pixel;
        }
        newer_point = older_point;
    }
    publish(rect);
}

@compute @workgroup_size(64)
fn particles(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = linear_index(id, groups);
    if i >= cloud.count {
        return;
    }
    var p = point_at(i, head_frame());
    if view_mode() == MODE_TORUS_FLAT {
        p = wrap_into_square(p);
        if outside_flat_square(p) {
            return;
        }
    }
    let centre = to_pixel(p);
    if centre.z <= 0.0 {
        return;
    }
    // Particles are fully opaque (trails at most 0.9), so they stay on top of every trail;
    // on a surface's far side they are dimmed like everything else there.
    let key = key_of(facing_alpha(p), particle_colour(i, head_frame()));
    let radius = cloud.size_px * 0.5;
    let reach = i32(ceil(min(radius, MAX_DISC_RADIUS_PX)));
    publish(vec4<f32>(centre.xy - f32(reach), centre.xy + f32(reach)));
    for (var dy = -reach; dy <= reach; dy++) {
        for (var dx = -reach; dx <= reach; dx++) {
            let offset = vec2<f32>(f32(dx), f32(dy)) + 0.5;
            let pixel = vec2<i32>(floor(centre.xy + offset - 0.5));
            if length(vec2<f32>(pixel) + 0.5 - centre.xy) <= radius {
                plot(pixel, key);
            }
        }
    }
}
