// Turns splat.wgsl's canvas into colours over the view: each covered pixel takes its
// particle's colour at the stored opacity (one full-screen triangle).

@group(2) @binding(0) var<storage, read> canvas: array<u32>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32) -> VertexOut {
    let uv = vec2<f32>(f32((vertex << 1u) & 2u), f32(vertex & 2u));
    var out: VertexOut;
    out.position = vec4<f32>(uv * vec2<f32>(2.0, -2.0) + vec2<f32>(-1.0, 1.0), 0.0, 1.0);
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let pixel = vec2<u32>(in.position.xy);
    let width = u32(view.viewport_px.x);
    let value = canvas[pixel.y * width + pixel.x];
    if value == 0u {
        discard;
    }
    let particle = value & 0xFFFFFFu;
    let alpha = f32(value >> 24u) / 255.0;
    let colour = particle_colour(particle, head_frame());
    return vec4<f32>(colour.rgb, colour.a * alpha);
}
