// The splat canvas's layout, shared by splat.wgsl (which writes it) and splat_resolve.wgsl
// (which reads it): one key per pixel, row by row, then the pixel rectangle that holds
// everything plotted, so the resolve shades only that rectangle. The rectangle is kept as four
// values that only grow (atomicMax) from the cleared canvas's zeros: !min x, !min y,
// max x + 1, max y + 1; max x + 1 = 0 means nothing was plotted.

fn canvas_size() -> vec2<i32> {
    return vec2<i32>(view.viewport_px);
}

fn pixel_index(pixel: vec2<i32>) -> u32 {
    return u32(pixel.y * canvas_size().x + pixel.x);
}

// Where the plotted rectangle's four values live: after the last pixel.
fn plotted_rect_index() -> u32 {
    let size = canvas_size();
    return u32(size.x * size.y);
}
