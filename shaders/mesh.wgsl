// Surfaces: the lit sphere, the donut, and flat quads (plane heat map, unrolled torus square),
// with graticule lines and an optional density texture laid over by uv. Uses common.wgsl's view.

struct Surface {
    colour: vec4<f32>,
    line_colour: vec4<f32>,
    // Graticule cells per uv unit (u, v); 0 disables the lines.
    lines: vec2<f32>,
    // 1 shades by a head light; 0 draws flat.
    lit: f32,
    // Opacity of the density texture on top.
    density_alpha: f32,
}

@group(1) @binding(0) var<storage, read> surface: Surface;
@group(1) @binding(1) var density: texture_2d<f32>;
@group(1) @binding(2) var density_sampler: sampler;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
}

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
}

@vertex
fn vs_main(in: VertexIn) -> VertexOut {
    var out: VertexOut;
    out.position = view.clip_from_world * vec4<f32>(in.position, 1.0);
    out.world = in.position;
    out.normal = in.normal;
    out.uv = in.uv;
    return out;
}

fn graticule(uv: vec2<f32>) -> f32 {
    // The derivative of uv alone, scaled after: lavapipe's helper invocations (the quad's
    // lanes outside the triangle) read the storage buffer as zeros, so a derivative of
    // uv * lines drew a line along every triangle edge.
    let width = fwidth(uv) * surface.lines * 1.2;
    if surface.lines.x <= 0.0 {
        return 0.0;
    }
    let cell = uv * surface.lines;
    let distance = abs(fract(cell + 0.5) - 0.5) / max(width, vec2<f32>(1e-6));
    return 1.0 - clamp(min(distance.x, distance.y), 0.0, 1.0);
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    var colour = surface.colour.rgb;
    if surface.lit > 0.5 {
        let n = normalize(in.normal);
        let to_eye = normalize(view.eye.xyz - in.world);
        let diffuse = abs(dot(n, to_eye));
        colour = colour * (0.35 + 0.65 * diffuse);
    }
    let heat = textureSample(density, density_sampler, in.uv);
    colour = mix(colour, heat.rgb, heat.a * surface.density_alpha);
    colour = mix(colour, surface.line_colour.rgb, graticule(in.uv) * surface.line_colour.a);
    return vec4<f32>(colour, surface.colour.a);
}
