// Turns splat.wgsl's canvas into colours over the view: each covered pixel takes the colour
// and opacity stored in its key. One quad over the rectangle that holds everything
// plotted: a software rasteriser then shades no more than it must.

@group(1) @binding(0) var<storage, read> canvas: array<u32>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
}

// Corners of a unit square as two triangles.
const SQUARE: array<vec2<f32>, 6> = array<vec2<f32>, 6>(
    vec2<f32>(0.0, 0.0), vec2<f32>(1.0, 0.0), vec2<f32>(0.0, 1.0),
    vec2<f32>(0.0, 1.0), vec2<f32>(1.0, 0.0), vec2<f32>(1.0, 1.0),
);

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32) -> VertexOut {
    let at = plotted_rect_index();
    let low = vec2<f32>(f32(~canvas[at]), f32(~canvas[at + 1u]));
    let high = vec2<f32>(f32(canvas[at + 2u]), f32(canvas[at + 3u]));
    var out: VertexOut;
    // Nothing plotted: every corner at one point, no area.
    var corner_px = vec2<f32>(0.0);
    if high.x > 0.0 {
        corner_px = mix(low, high, SQUARE[vertex]);
    }
    let ndc = corner_px / view.viewport_px * vec2<f32>(2.0, -2.0) + vec2<f32>(-1.0, 1.0);
    out.position = vec4<f32>(ndc, 0.0, 1.0);
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let value = canvas[pixel_index(vec2<i32>(in.position.xy))];
    if value == 0u {
        discard;
    }
    let colour = unpack4x8unorm(value & 0xFFFFFFu);
    return vec4<f32>(colour.rgb, f32(value >> 24u) / 255.0);
}
