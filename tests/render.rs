//! Drawing: every WGSL pipeline validates with naga, and offscreen pictures on the software
//! adapter put particles, trails and surfaces where the cameras say they are.

use flowscope::render::{
    CloudData, ColourMode, DensityImage, DrawContent, Frame, Offscreen, OrbitCamera, PanZoomCamera,
    Rgba, Style, ViewMode, ViewResources, shader_sources,
};
use std::sync::Arc;

use glam::{Mat4, Vec2, Vec3, Vec4};

#[test]
fn every_shader_validates_with_naga() {
    for (name, source) in shader_sources() {
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(&source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} does not validate: {e:?}"));
    }
}

fn offscreen() -> Offscreen {
    Offscreen::new().expect("a GPU adapter for drawing (CI installs Mesa's lavapipe)")
}

const SIZE: [u32; 2] = [200, 200];
const RED: Rgba = Rgba::rgb(255, 40, 40);

struct Picture {
    pixels: Vec<u8>,
    width: u32,
}

impl Picture {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 4) as usize;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// The reddest pixel within `radius` of (x, y): tolerant of half-pixel rounding.
    fn reddest_near(&self, x: u32, y: u32, radius: u32) -> [u8; 3] {
        let mut best = [0, 0, 0];
        for dy in 0..=2 * radius {
            for dx in 0..=2 * radius {
                let (px, py) = (
                    (x + dx).saturating_sub(radius),
                    (y + dy).saturating_sub(radius),
                );
                let c = self.at(px.min(self.width - 1), py.min(self.width - 1));
                if i32::from(c[0]) - i32::from(c[1]) > i32::from(best[0]) - i32::from(best[1]) {
                    best = c;
                }
            }
        }
        best
    }
}

fn is_red(c: [u8; 3]) -> bool {
    c[0] > 180 && c[1] < 110 && c[2] < 110
}

fn draw(
    gpu: &Offscreen,
    content: &DrawContent,
    mode: ViewMode,
    clip_from_world: Mat4,
    eye: Vec3,
    t: f32,
    style: &Style,
) -> Picture {
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    view.set_content(&gpu.renderer, &gpu.device, content);
    let frame = Frame {
        mode,
        clip_from_world,
        eye,
        t,
        style,
    };
    render(gpu, &mut view, &frame)
}

/// `frame` drawn by `view` (which keeps what it drew, as the window's views do).
fn render(gpu: &Offscreen, view: &mut ViewResources, frame: &Frame) -> Picture {
    Picture {
        pixels: gpu
            .render_rgba(view, frame, SIZE)
            .expect("the picture renders"),
        width: SIZE[0],
    }
}

fn particles_only() -> Style {
    let mut style = Style::default();
    style.layers.trails = false;
    style.layers.target = false;
    style.particle_size_px = 8.0;
    style
}

/// The pixel a world point lands on.
fn pixel_of(clip_from_world: Mat4, p: Vec3) -> (u32, u32) {
    let clip = clip_from_world * Vec4::new(p.x, p.y, p.z, 1.0);
    let ndc = clip.truncate() / clip.w;
    (
        ((ndc.x + 1.0) * 0.5 * SIZE[0] as f32) as u32,
        ((1.0 - ndc.y) * 0.5 * SIZE[1] as f32) as u32,
    )
}

#[test]
fn plane_particles_move_along_their_trajectory_with_t() {
    let gpu = offscreen();
    // One particle going from (−2, 0) at t = 0 to (2, 1) at t = 1.
    let content = DrawContent {
        version: 1,
        particles: CloudData {
            frames: 2,
            count: 1,
            dim: 2,
            positions: Arc::new(vec![-2.0, 0.0, 2.0, 1.0]),
            colours: vec![RED],
        },
        ..DrawContent::default()
    };
    let camera = PanZoomCamera::new(Vec2::ZERO, 10.0);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let style = particles_only();
    for (t, expected) in [
        (0.0, Vec3::new(-2.0, 0.0, 0.0)),
        (0.5, Vec3::new(0.0, 0.5, 0.0)),
        (1.0, Vec3::new(2.0, 1.0, 0.0)),
    ] {
        let picture = draw(&gpu, &content, ViewMode::PLANE, clip, Vec3::Z, t, &style);
        let (x, y) = pixel_of(clip, expected);
        assert!(
            is_red(picture.reddest_near(x, y, 1)),
            "at t = {t} the particle should be at pixel ({x}, {y}), found {:?}",
            picture.at(x, y)
        );
        // Far away from it: background only.
        let (fx, fy) = pixel_of(clip, -expected + Vec3::new(0.0, -3.0, 0.0));
        assert!(!is_red(picture.at(fx, fy)));
    }
    // (−2, 0) at t = 0 lands 40 pixels left of the centre: the camera spans 10 units.
    assert_eq!(pixel_of(clip, Vec3::new(-2.0, 0.0, 0.0)), (60, 100));
}

/// Which of red, green and blue clearly dominates a pixel, if any.
fn dominant(c: [u8; 3]) -> Option<usize> {
    let c = c.map(i32::from);
    (0..3).find(|&i| (0..3).all(|j| j == i || c[i] > c[j] + 40))
}

/// Plane particles moving at constant speed from each `from` to its `to`, 9 recorded states each.
fn straight_tracks(tracks: &[(Vec2, Vec2)], colours: Vec<Rgba>) -> DrawContent {
    let frames = 9;
    let mut positions = Vec::new();
    for frame in 0..frames {
        let s = frame as f32 / (frames - 1) as f32;
        for (from, to) in tracks {
            positions.extend_from_slice(&from.lerp(*to, s).to_array());
        }
    }
    DrawContent {
        version: 1,
        particles: CloudData {
            frames,
            count: tracks.len(),
            dim: 2,
            positions: Arc::new(positions),
            colours,
        },
        ..DrawContent::default()
    }
}

#[test]
fn plane_trails_follow_each_particle_in_its_own_colour_without_gaps() {
    let gpu = offscreen();
    // A fast red particle, a slow green one and a blue one standing still, 9 recorded states
    // each. The renderer walks them in its own order (by trail length): colours must follow.
    let tracks = [
        (Vec2::new(-3.975, 3.025), Vec2::new(4.025, 3.025)),
        (Vec2::new(-0.975, 0.025), Vec2::new(1.025, 0.025)),
        (Vec2::new(0.025, -2.975), Vec2::new(0.025, -2.975)),
    ];
    let content = straight_tracks(
        &tracks,
        vec![RED, Rgba::rgb(40, 255, 40), Rgba::rgb(40, 40, 255)],
    );
    let camera = PanZoomCamera::new(Vec2::ZERO, 10.0);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = Style::default();
    style.layers.particles = false;
    style.layers.target = false;
    style.trail_frames = 8;
    let picture = draw(&gpu, &content, ViewMode::PLANE, clip, Vec3::Z, 1.0, &style);
    // The newer half of each moving trail, pixel by pixel: no gaps, the particle's colour.
    for (channel, (from, to)) in tracks.iter().enumerate().take(2) {
        let middle = from.lerp(*to, 0.5);
        let (x0, y) = pixel_of(clip, middle.extend(0.0));
        let (x1, _) = pixel_of(clip, to.extend(0.0));
        for x in x0 + 1..x1 {
            let c = picture.at(x, y);
            assert_eq!(
                dominant(c),
                Some(channel),
                "trail {channel} at pixel ({x}, {y}) in [{x0}, {x1}): {c:?}"
            );
        }
    }
    let (x, y) = pixel_of(clip, tracks[2].0.extend(0.0));
    assert_eq!(dominant(picture.at(x, y)), Some(2), "the standing particle");
}

#[test]
fn speed_colouring_paints_fast_particles_and_their_trails_from_the_top_of_the_ramp() {
    let gpu = offscreen();
    // One particle crossing 8 units in t ∈ [0, 1] (speed 8, the ramp's top here) and one
    // standing still (the ramp's bottom); both white in the colour buffer, which speed ignores.
    let tracks = [
        (Vec2::new(-4.0, 2.0), Vec2::new(4.0, 2.0)),
        (Vec2::new(0.0, -2.0), Vec2::new(0.0, -2.0)),
    ];
    let content = straight_tracks(&tracks, vec![Rgba::rgb(255, 255, 255); 2]);
    let camera = PanZoomCamera::new(Vec2::ZERO, 10.0);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = Style::default();
    style.layers.target = false;
    style.particle_size_px = 8.0;
    style.trail_frames = 8;
    style.colour_mode = ColourMode::Speed;
    style.speed_max = 8.0;
    let picture = draw(&gpu, &content, ViewMode::PLANE, clip, Vec3::Z, 1.0, &style);
    let yellow = |c: [u8; 3]| {
        let [r, g, b] = c.map(u32::from);
        r > 2 * b + 20 && g > 2 * b + 20
    };
    let (x, y) = pixel_of(clip, tracks[0].1.extend(0.0));
    let head = picture.at(x, y);
    assert!(yellow(head) && head[0] > 200, "the fast head: {head:?}");
    // Halfway along its trail: fainter, but the head's colour.
    let (x, y) = pixel_of(clip, Vec3::new(0.0, 2.0, 0.0));
    assert!(
        yellow(picture.at(x, y)),
        "its trail: {:?}",
        picture.at(x, y)
    );
    let (x, y) = pixel_of(clip, tracks[1].0.extend(0.0));
    let still = picture.at(x, y);
    assert!(
        u32::from(still[2]) > u32::from(still[1]) + 40
            && u32::from(still[0]) > u32::from(still[1]) + 40,
        "the standing particle is the ramp's dark purple: {still:?}"
    );
}

#[test]
fn plane_samples_follow_each_new_snapshot_and_the_camera() {
    let gpu = offscreen();
    let sample_at = |version: u64, x: f32| DrawContent {
        version,
        target: CloudData {
            frames: 1,
            count: 1,
            dim: 2,
            positions: Arc::new(vec![x, 0.0]),
            colours: vec![RED],
        },
        ..DrawContent::default()
    };
    let camera = PanZoomCamera::new(Vec2::ZERO, 10.0);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = Style::default();
    style.layers.target = true;
    style.sample_size_px = 8.0;
    style.palette.target = RED;
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    let picture = |view: &mut ViewResources, content: &DrawContent, clip: Mat4| {
        view.set_content(&gpu.renderer, &gpu.device, content);
        let frame = Frame {
            mode: ViewMode::PLANE,
            clip_from_world: clip,
            eye: Vec3::Z,
            t: 0.5,
            style: &style,
        };
        render(&gpu, view, &frame)
    };
    let reddish = |c: [u8; 3]| c[0] > c[1] + 40;
    let left = pixel_of(clip, Vec3::new(-2.0, 0.0, 0.0));
    let right = pixel_of(clip, Vec3::new(2.0, 0.0, 0.0));
    let first = picture(&mut view, &sample_at(1, -2.0), clip);
    assert!(reddish(first.reddest_near(left.0, left.1, 1)));
    assert!(!reddish(first.reddest_near(right.0, right.1, 1)));
    // The next snapshot moves the sample: the old one is gone from the picture.
    let second = picture(&mut view, &sample_at(2, 2.0), clip);
    assert!(
        !reddish(second.reddest_near(left.0, left.1, 1)),
        "stale sample"
    );
    assert!(
        reddish(second.reddest_near(right.0, right.1, 1)),
        "new sample"
    );
    // Panning the camera moves it too.
    let panned = PanZoomCamera::new(Vec2::new(2.0, 0.0), 10.0).clip_from_world(Vec2::splat(200.0));
    let third = picture(&mut view, &sample_at(2, 2.0), panned);
    assert!(
        !reddish(third.reddest_near(right.0, right.1, 1)),
        "stale camera"
    );
    assert!(
        reddish(third.reddest_near(100, 100, 1)),
        "panned to the centre"
    );
}

#[test]
fn sphere_particles_lie_on_the_surface_and_the_far_side_is_dimmed() {
    let gpu = offscreen();
    let camera = OrbitCamera::default();
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let towards_eye = camera.eye().normalize();
    let up = Vec3::Z;
    let side = towards_eye.cross(up).normalize();
    let front = (towards_eye + side * 0.4).normalize();
    let back = (-towards_eye + side * 0.4).normalize();
    let content = DrawContent {
        version: 1,
        particles: CloudData {
            frames: 1,
            count: 2,
            dim: 3,
            positions: Arc::new(vec![front.x, front.y, front.z, back.x, back.y, back.z]),
            colours: vec![RED, RED],
        },
        ..DrawContent::default()
    };
    let style = particles_only();
    let picture = draw(
        &gpu,
        &content,
        ViewMode::SPHERE,
        clip,
        camera.eye(),
        1.0,
        &style,
    );
    let (fx, fy) = pixel_of(clip, front);
    let (bx, by) = pixel_of(clip, back);
    let front_colour = picture.reddest_near(fx, fy, 1);
    let back_colour = picture.reddest_near(bx, by, 1);
    assert!(is_red(front_colour), "front particle: {front_colour:?}");
    assert!(
        !is_red(back_colour) && back_colour[0] > back_colour[1],
        "the far particle shows through, dimmed: {back_colour:?}"
    );
    // The lit sphere covers the centre; the corner is background.
    let centre = picture.at(100, 100);
    let corner = picture.at(2, 2);
    assert!(
        u32::from(centre[2]) > u32::from(corner[2]) + 20,
        "sphere {centre:?} vs background {corner:?}"
    );
}

/// Pixels of the sphere's middle that stand out from their four neighbours: the graticule's
/// lines, and nothing else on a smoothly lit surface.
fn sphere_edge_pixels(picture: &Picture) -> usize {
    let luminance = |x: u32, y: u32| {
        let [r, g, b] = picture.at(x, y);
        i32::from(r) + i32::from(g) + i32::from(b)
    };
    (60..140u32)
        .flat_map(|y| (60..140u32).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let around = luminance(x - 1, y)
                + luminance(x + 1, y)
                + luminance(x, y - 1)
                + luminance(x, y + 1);
            (4 * luminance(x, y) - around).abs() > 4 * 12
        })
        .count()
}

#[test]
fn the_sphere_shows_its_graticule_and_no_mesh_edges() {
    // lavapipe's helper invocations read the surface parameters (a storage buffer) as zeros,
    // and a derivative taken through them drew a line along every triangle edge: a maze.
    let gpu = offscreen();
    let camera = OrbitCamera::default();
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = particles_only();
    style.layers.particles = false;
    let picture = draw(
        &gpu,
        &DrawContent::default(),
        ViewMode::SPHERE,
        clip,
        camera.eye(),
        1.0,
        &style,
    );
    let edges = sphere_edge_pixels(&picture);
    assert!(edges > 20, "the graticule is drawn: {edges} edge pixels");
    assert!(
        edges < 1500,
        "no lines along the mesh's edges: {edges} edge pixels"
    );
}

/// A 64 × 32 heat map laid out by direction (u the longitude from −π, v the polar angle), red
/// only around `marked`.
fn marked_direction(marked: Vec3) -> DensityImage {
    let (width, height) = (64u32, 32u32);
    let (u, v) = direction_uv(marked);
    let mut rgba = vec![0u8; (width * height * 4) as usize];
    for row in 0..height {
        for column in 0..width {
            let du = (f64::from(column) + 0.5) / f64::from(width) - u;
            let dv = (f64::from(row) + 0.5) / f64::from(height) - v;
            if du.abs() < 0.06 && dv.abs() < 0.1 {
                let at = ((row * width + column) * 4) as usize;
                rgba[at..at + 4].copy_from_slice(&[255, 30, 30, 255]);
            }
        }
    }
    DensityImage {
        width,
        height,
        rgba,
        world_min: Vec2::ZERO,
        world_max: Vec2::ONE,
    }
}

fn direction_uv(direction: Vec3) -> (f64, f64) {
    flowscope::geometry::direction_uv(direction.as_dvec3())
}

#[test]
fn sphere_heat_map_shows_on_the_near_side_and_follows_every_change() {
    let gpu = offscreen();
    let camera = OrbitCamera::default();
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let towards_eye = camera.eye().normalize();
    let side = towards_eye.cross(Vec3::Z).normalize();
    let marked = (towards_eye + side * 0.3).normalize();
    let image = marked_direction(marked);
    let style = particles_only();
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    let picture = |view: &mut ViewResources, clip: Mat4, eye: Vec3| {
        let frame = Frame {
            mode: ViewMode::SPHERE,
            clip_from_world: clip,
            eye,
            t: 1.0,
            style: &style,
        };
        render(&gpu, view, &frame)
    };
    let (x, y) = pixel_of(clip, marked);
    view.set_density(&gpu.renderer, &gpu.device, &gpu.queue, Some(&image));
    let with_heat = picture(&mut view, clip, camera.eye());
    // Only the sphere's near side is drawn: its far side would show other uv here.
    assert!(
        is_red(with_heat.at(x, y)),
        "the heat map's mark on the near side: {:?}",
        with_heat.at(x, y)
    );
    // Hiding the heat map, then moving the camera away, each show at once.
    view.set_density(&gpu.renderer, &gpu.device, &gpu.queue, None);
    let without_heat = picture(&mut view, clip, camera.eye());
    assert!(!is_red(without_heat.at(x, y)), "the heat map is hidden");
    let lit_sphere = without_heat.at(100, 100);
    let far = OrbitCamera {
        distance: 12.0,
        ..camera
    };
    let moved = picture(
        &mut view,
        far.clip_from_world(Vec2::new(200.0, 200.0)),
        far.eye(),
    );
    let background = style.palette.background.0;
    let (ex, ey) = pixel_of(
        clip,
        marked + (marked - towards_eye * marked.dot(towards_eye)),
    );
    assert_eq!(
        moved.at(ex, ey),
        [background[0], background[1], background[2]],
        "the smaller sphere no longer covers ({ex}, {ey})"
    );
    // The same shade (the head light faces the centre at any distance), to rounding.
    let centre = moved.at(100, 100);
    assert!(
        (0..3).all(|c| centre[c].abs_diff(lit_sphere[c]) <= 2),
        "the centre is still sphere: {centre:?}, was {lit_sphere:?}"
    );
}

#[test]
fn torus_trails_cross_the_seam_on_the_unrolled_view() {
    let gpu = offscreen();
    let tau = std::f32::consts::TAU;
    // θ goes 5.9 → 6.2 → 0.2 → 0.5 (wrapping once) at φ = π.
    let thetas = [5.9f32, 6.2, 0.2, 0.5];
    let positions: Vec<f32> = thetas
        .iter()
        .flat_map(|&t| [t, std::f32::consts::PI])
        .collect();
    let content = DrawContent {
        version: 1,
        particles: CloudData {
            frames: thetas.len(),
            count: 1,
            dim: 2,
            positions: Arc::new(positions),
            colours: vec![RED],
        },
        ..DrawContent::default()
    };
    let camera = PanZoomCamera::new(Vec2::splat(tau / 2.0), tau * 1.1);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut style = Style::default();
    style.layers.particles = false;
    style.layers.target = false;
    style.trail_frames = 8;
    let picture = draw(
        &gpu,
        &content,
        ViewMode::TORUS_FLAT,
        clip,
        Vec3::Z * 10.0,
        1.0,
        &style,
    );
    let phi = std::f32::consts::PI;
    for theta in [6.05, 6.25, 0.05, 0.35] {
        let (x, y) = pixel_of(clip, Vec3::new(theta, phi, 0.0));
        let c = picture.reddest_near(x, y, 1);
        assert!(c[0] > c[1] + 60, "trail missing at θ = {theta}: {c:?}");
    }
    // No segment jumps across the square.
    for theta in [1.5, 3.0, 4.5] {
        let (x, y) = pixel_of(clip, Vec3::new(theta, phi, 0.0));
        let c = picture.reddest_near(x, y, 1);
        assert!(
            c[0] < c[1] + 30,
            "a trail crosses the middle at θ = {theta}: {c:?}"
        );
    }
    // Nothing is drawn outside the square.
    let (x, y) = pixel_of(clip, Vec3::new(tau + 0.15, phi, 0.0));
    let c = picture.at(x, y);
    assert!(
        c[0] < c[1] + 30,
        "the trail leaks outside the square: {c:?}"
    );
}

#[test]
fn donut_view_draws_the_surface_and_particles_on_it() {
    let gpu = offscreen();
    // Looking almost straight down, the hole shows the background.
    let camera = OrbitCamera {
        pitch: 1.35,
        ..OrbitCamera::default()
    };
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let half_pi = std::f32::consts::FRAC_PI_2;
    // The top of the tube at θ = 0 (φ = π/2 faces up).
    let content = DrawContent {
        version: 1,
        particles: CloudData {
            frames: 1,
            count: 1,
            dim: 2,
            positions: Arc::new(vec![0.0, half_pi]),
            colours: vec![RED],
        },
        ..DrawContent::default()
    };
    let style = particles_only();
    let picture = draw(
        &gpu,
        &content,
        ViewMode::TORUS_DONUT,
        clip,
        camera.eye(),
        1.0,
        &style,
    );
    let (x, y) = pixel_of(clip, Vec3::new(1.0, 0.0, 0.45));
    assert!(is_red(picture.reddest_near(x, y, 1)));
    let background = style.palette.background.0;
    let hole = picture.at(100, 100);
    assert_eq!(
        hole,
        [background[0], background[1], background[2]],
        "the hole is empty"
    );
    let (rx, ry) = pixel_of(clip, Vec3::new(-1.0, 0.0, 0.45));
    let ring = picture.at(rx, ry);
    assert!(
        u32::from(ring[2]) > u32::from(background[2]) + 20,
        "the ring is drawn: {ring:?}"
    );
}

#[test]
fn the_log_density_view_is_brightest_at_the_modes_with_isolines_between() {
    use flowscope::data::{DistConfig, log_density};
    use flowscope::render::{density_grid, log_density_image};
    use flowscope::space::SpaceKind;
    let gpu = offscreen();
    // 8gaussians' true density over [−7, 7]², as the density view's "data" source draws it.
    let (min, max, resolution) = (Vec2::splat(-7.0), Vec2::splat(7.0), 96u32);
    let density = log_density(SpaceKind::PLANE, &DistConfig::named("8gaussians"))
        .unwrap()
        .unwrap();
    let (points, cells) = density_grid(SpaceKind::PLANE, min, max, resolution).unwrap();
    assert_eq!(cells.len(), 96 * 96);
    let mut values = vec![f32::NAN; 96 * 96];
    for (cell, point) in cells.into_iter().zip(points.iter()) {
        values[cell] = density(point) as f32;
    }
    let mut style = particles_only();
    style.palette.target = RED;
    let image = log_density_image(&values, resolution, min, max, &style.palette);
    // Isolines: texels much whiter than their band's fill ring each mode. The image
    // interpolates the grid, several texels a cell.
    let side = image.width as usize;
    assert!(
        side >= 3 * 96 && side.is_multiple_of(96),
        "{side} texels a side"
    );
    let scale = side / 96;
    let texel = |x: f32, y: f32| {
        let column = ((x - min.x) / (max.x - min.x) * side as f32) as usize;
        let row = ((y - min.y) / (max.y - min.y) * side as f32) as usize;
        let at = (row * side + column) * 4;
        [
            image.rgba[at],
            image.rgba[at + 1],
            image.rgba[at + 2],
            image.rgba[at + 3],
        ]
    };
    assert!(
        texel(5.0, 0.0)[3] > 200,
        "opaque at a mode: {:?}",
        texel(5.0, 0.0)
    );
    assert_eq!(texel(0.0, 0.0)[3], 0, "transparent far below the peak");
    // Below 0.7 of the range the fill is the plain colour, so whitened texels there are lines.
    let peak = values.iter().copied().fold(f32::MIN, f32::max);
    let cell_of = |i: usize| (i / side / scale) * 96 + (i % side) / scale;
    let lines = (0..side * side)
        .filter(|&i| values[cell_of(i)] < peak - 8.0 * 0.3 && values[cell_of(i)] > peak - 8.0)
        .filter(|&i| image.rgba[i * 4 + 1] > 150 && image.rgba[i * 4 + 3] > 200)
        .count();
    assert!(lines > 100 * scale, "isoline texels: {lines}");

    let camera = PanZoomCamera::new(Vec2::ZERO, 14.0);
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    view.set_content(&gpu.renderer, &gpu.device, &DrawContent::default());
    view.set_density(&gpu.renderer, &gpu.device, &gpu.queue, Some(&image));
    let frame = Frame {
        mode: ViewMode::PLANE,
        clip_from_world: clip,
        eye: Vec3::Z,
        t: 1.0,
        style: &style,
    };
    let picture = render(&gpu, &mut view, &frame);
    let reddish = |c: [u8; 3]| c[0] > c[1] + 60;
    let (mode_x, mode_y) = pixel_of(clip, Vec3::new(0.0, 5.0, 0.0));
    let (centre_x, centre_y) = pixel_of(clip, Vec3::ZERO);
    assert!(
        reddish(picture.reddest_near(mode_x, mode_y, 2)),
        "the mode at (0, 5): {:?}",
        picture.at(mode_x, mode_y)
    );
    assert!(
        !reddish(picture.at(centre_x, centre_y)),
        "nothing between the modes: {:?}",
        picture.at(centre_x, centre_y)
    );
}

#[test]
fn density_isolines_mark_levels_but_not_the_floor_of_the_range() {
    use flowscope::render::log_density_image;
    // A ramp falling 0.1 nats a column: levels every 2 nats at columns 20, 40 and 60, and the
    // map's floor (8 nats below the peak) at column 80.
    let n = 100usize;
    let values: Vec<f32> = (0..n * n).map(|i| -0.1 * (i % n) as f32).collect();
    let palette = particles_only().palette;
    let image = log_density_image(
        &values,
        n as u32,
        Vec2::splat(-1.0),
        Vec2::splat(1.0),
        &palette,
    );
    // The image interpolates the grid, several texels a cell: texels across the middle row,
    // from the middle of cell `first` to the middle of cell `last`.
    let scale = image.width as usize / n;
    let alphas = |first: usize, last: usize| -> Vec<u8> {
        let y = 50 * scale + scale / 2;
        (first * scale + scale / 2..=last * scale + scale / 2)
            .map(|x| image.rgba[(y * image.width as usize + x) * 4 + 3])
            .collect()
    };
    for level in [20, 40, 60] {
        let near = alphas(level - 1, level + 1);
        assert!(
            near.iter().any(|&a| a > 240),
            "a line at column {level}: {near:?}"
        );
        // Thin: the line covers under a cell's width of texels.
        let covered = near.iter().filter(|&&a| a > 205).count();
        assert!(covered <= scale, "a line {covered} texels wide: {near:?}");
    }
    assert!(
        alphas(76, 84).iter().all(|&a| a < 60),
        "no line at the floor: {:?}",
        alphas(76, 84)
    );
}

/// A curved mesh's heat map is laid out by direction from its centre, as the sphere's: a mark
/// at one direction shows on the surface where that direction meets it, and nowhere else.
#[test]
fn a_curved_mesh_shows_its_heat_map_where_each_direction_meets_it() {
    use flowscope::geometry::mesh::{MeshConfig, PremetricKind};
    use flowscope::space::{mesh_of, mesh_space};
    let gpu = offscreen();
    let space = mesh_space(&MeshConfig {
        name: "bumpy-sphere".into(),
        premetric: PremetricKind::Euclidean,
        ..MeshConfig::default()
    })
    .unwrap();
    let layout = space.render();
    let mesh = mesh_of(space).unwrap();
    let camera = OrbitCamera::default();
    let clip = camera.clip_from_world(Vec2::new(200.0, 200.0));
    let towards_eye = camera.eye().normalize();
    let side = towards_eye.cross(Vec3::Z).normalize();
    // The surface point in the marked direction.
    let marked = (towards_eye + side * 0.3).normalize();
    let (u, v) = direction_uv(marked);
    let on_surface = layout
        .density_point(u, v, Vec2::ZERO, Vec2::ONE)
        .expect("every direction meets a closed surface");
    assert!(mesh.distance_to_mesh(&on_surface) < 1e-9);
    let image = marked_direction(marked);
    let style = particles_only();
    let mut view = ViewResources::new(&gpu.renderer, &gpu.device);
    let content = DrawContent {
        surface: layout.surface(),
        ..DrawContent::default()
    };
    view.set_content(&gpu.renderer, &gpu.device, &content);
    view.set_density(&gpu.renderer, &gpu.device, &gpu.queue, Some(&image));
    let frame = Frame {
        mode: ViewMode::MESH_SURFACE,
        clip_from_world: clip,
        eye: camera.eye(),
        t: 1.0,
        style: &style,
    };
    let picture = render(&gpu, &mut view, &frame);
    let point = Vec3::new(
        on_surface[0] as f32,
        on_surface[1] as f32,
        on_surface[2] as f32,
    );
    let (x, y) = pixel_of(clip, point);
    assert!(
        is_red(picture.at(x, y)),
        "the mark where its direction meets the surface: {:?}",
        picture.at(x, y)
    );
    // The rest of the surface keeps its own shade: only the mark's share of it is red.
    let red = (0..SIZE[1])
        .flat_map(|y| (0..SIZE[0]).map(move |x| (x, y)))
        .filter(|&(x, y)| is_red(picture.at(x, y)))
        .count();
    let covered = (0..SIZE[1])
        .flat_map(|y| (0..SIZE[0]).map(move |x| (x, y)))
        .filter(|&(x, y)| picture.at(x, y) != style.palette.background.0[..3])
        .count();
    assert!(
        red > 50 && red < covered / 4,
        "{red} red pixels of {covered} on the surface"
    );
}
