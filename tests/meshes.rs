//! Meshes and their spectra: the checks a mesh must pass, the Laplace–Beltrami eigenvalues of
//! shapes whose spectrum is known in closed form, and the spectral distances built on them.

use flowscope::geometry::mesh::{
    Adjacency, ConditionalFlow, GeodesicDistance, MESH_NAMES, Premetric, RadialChart,
    SpectralDistance, SpectralKind, Spectrum, TriMesh, cotangent_laplacian, icosphere, named_mesh,
    parse_obj, rectangle, uv_sphere,
};
use flowscope::geometry::{direction_uv, uv_direction};
use glam::DVec3;

/// l(l + 1) with multiplicity 2l + 1, for l = 1, 2, …: the unit sphere's nonzero spectrum.
fn sphere_spectrum(count: usize) -> Vec<f64> {
    (1..)
        .flat_map(|l: usize| std::iter::repeat_n((l * (l + 1)) as f64, 2 * l + 1))
        .take(count)
        .collect()
}

fn assert_relative(found: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            ((f - e) / e).abs() <= tolerance,
            "{what}: eigenvalue {} is {f}, expected {e}",
            i + 1
        );
    }
}

#[test]
fn the_sphere_has_eigenvalues_l_times_l_plus_one() {
    for (mesh, what) in [
        (icosphere(5), "icosphere"),
        (uv_sphere(70, 144), "UV sphere"),
    ] {
        assert!(
            mesh.vertex_count() > 9_000,
            "{what}: {}",
            mesh.vertex_count()
        );
        let spectrum = Spectrum::of(&mesh, 26).unwrap();
        assert!(
            spectrum.eigenvalues[0].abs() < 1e-8,
            "{what}: {:?}",
            spectrum.eigenvalues[0]
        );
        assert_relative(&spectrum.eigenvalues[1..], &sphere_spectrum(25), 0.01, what);
    }
}

#[test]
fn a_rectangle_with_free_edges_has_the_neumann_spectrum() {
    let (a, b) = (2.0, 1.0);
    let mesh = rectangle(a, b, 120, 60);
    let mut expected: Vec<f64> = (0..8)
        .flat_map(|m| (0..8).map(move |n| (m, n)))
        .map(|(m, n): (i32, i32)| {
            std::f64::consts::PI.powi(2) * ((m * m) as f64 / (a * a) + (n * n) as f64 / (b * b))
        })
        .collect();
    expected.sort_by(f64::total_cmp);
    let spectrum = Spectrum::of(&mesh, 20).unwrap();
    assert!(spectrum.eigenvalues[0].abs() < 1e-8);
    assert_relative(
        &spectrum.eigenvalues[1..],
        &expected[1..20],
        0.01,
        "rectangle",
    );
}

#[test]
fn eigenvectors_are_mass_orthonormal_and_solve_the_pencil() {
    // 162 vertices are solved densely, 642 and 2562 by block Lanczos.
    for mesh in [
        icosphere(2),
        icosphere(3),
        named_mesh("bumpy-sphere").unwrap(),
    ] {
        check_eigenpairs(&mesh);
    }
}

fn check_eigenpairs(mesh: &TriMesh) {
    let spectrum = Spectrum::of(mesh, 12).unwrap();
    let (entries, mass) = cotangent_laplacian(mesh);
    let n = mesh.vertex_count();
    for i in 0..12 {
        let phi: Vec<f64> = (0..n).map(|v| spectrum.at_vertex(v)[i]).collect();
        let mut l_phi = vec![0.0; n];
        for &(r, c, value) in &entries {
            l_phi[r] += value * phi[c];
        }
        let lambda = spectrum.eigenvalues[i];
        let residual: f64 = (0..n)
            .map(|v| (l_phi[v] - lambda * mass[v] * phi[v]).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(residual < 1e-7, "eigenpair {i}: residual {residual}");
        for j in 0..=i {
            let inner: f64 = (0..n)
                .map(|v| mass[v] * phi[v] * spectrum.at_vertex(v)[j])
                .sum();
            let expected = if i == j { 1.0 } else { 0.0 };
            assert!((inner - expected).abs() < 1e-8, "⟨φ{i}, φ{j}⟩_M = {inner}");
        }
    }
}

#[test]
fn too_many_eigenpairs_are_refused_with_the_limit() {
    let mesh = rectangle(1.0, 1.0, 3, 3);
    let error = Spectrum::of(&mesh, 17).unwrap_err().to_string();
    assert!(
        error.contains("16 vertices") && error.contains("1 to 16"),
        "{error}"
    );
    assert!(Spectrum::of(&mesh, 16).is_ok());
}

#[test]
fn bad_meshes_are_refused_naming_the_element() {
    let p = |x: f64, y: f64| DVec3::new(x, y, 0.0);
    let square = vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0), p(0.0, 1.0)];
    let attempts = [
        (square.clone(), vec![[0, 1, 5]], "face 1 uses vertex 6"),
        (square.clone(), vec![[0, 1, 1]], "face 1 repeats a vertex"),
        (
            vec![p(0.0, 0.0), p(1.0, 0.0), p(2.0, 0.0)],
            vec![[0, 1, 2]],
            "face 1 has no area",
        ),
        (
            square.clone(),
            vec![[0, 1, 2]],
            "vertex 4 belongs to no face",
        ),
        (
            vec![
                p(0.0, 0.0),
                p(1.0, 0.0),
                p(0.0, 1.0),
                p(0.0, -1.0),
                p(1.0, 1.0),
            ],
            vec![[0, 1, 2], [1, 0, 3], [0, 1, 4]],
            "shared by 3 faces",
        ),
    ];
    for (positions, faces, message) in attempts {
        let error = TriMesh::new(positions, faces).unwrap_err().to_string();
        assert!(error.contains(message), "{error} (wanted '{message}')");
    }
}

#[test]
fn obj_files_parse_with_polygons_and_slashes_and_errors_name_the_line() {
    let text = "# a unit square as one quad\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1 4//1\n";
    let mesh = parse_obj(text).unwrap();
    assert_eq!(mesh.faces().len(), 2);
    assert!((mesh.area() - 1.0).abs() < 1e-12);
    let negative = parse_obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\n").unwrap();
    assert_eq!(negative.faces(), &[[0, 1, 2]]);
    for (text, message) in [
        ("v 0 0\n", "line 1: a vertex needs three numbers"),
        (
            "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n",
            "line 4: vertex 9 does not exist",
        ),
        (
            "v 0 0 0\nv 1 0 0\nv 0 1 0\n\nf 1 2\n",
            "line 5: a face needs at least three",
        ),
        ("v 0 0 0\nf a b c\n", "line 2: 'a' is not a vertex number"),
        ("v 0 0 0\n", "no faces"),
    ] {
        let error = parse_obj(text).unwrap_err().to_string();
        assert!(error.contains(message), "{error} (wanted '{message}')");
    }
}

#[test]
fn every_named_mesh_builds_and_planar_ones_have_walls() {
    for name in MESH_NAMES.iter().copied().chain(["maze-7"]) {
        let mesh = named_mesh(name).unwrap();
        let walls = mesh.boundary_edges().len();
        if mesh.is_planar() {
            assert!(walls > 0, "{name} has no boundary");
            let (lo, hi) = mesh.positions().iter().fold(
                (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN)),
                |(lo, hi), p| (lo.min(*p), hi.max(*p)),
            );
            assert!(
                (hi - lo).max_element() <= 1.0 + 1e-12 || name == "rectangle",
                "{name}: {lo} {hi}"
            );
        } else {
            assert_eq!(walls, 0, "{name} should be closed");
        }
    }
    assert_ne!(named_mesh("maze-1").unwrap(), named_mesh("maze-2").unwrap());
    let error = named_mesh("labyrinth").unwrap_err().to_string();
    assert!(
        error.contains("maze-SEED") && error.contains("spiral"),
        "{error}"
    );
}

#[test]
fn a_generated_maze_is_connected() {
    // A perfect maze is one piece: exactly one zero eigenvalue.
    let mesh = named_mesh("maze-3").unwrap();
    let spectrum = Spectrum::of(&mesh, 4).unwrap();
    assert!(spectrum.eigenvalues[0] < 1e-6, "{:?}", spectrum.eigenvalues);
    assert!(spectrum.eigenvalues[1] > 1e-3, "{:?}", spectrum.eigenvalues);
}

#[test]
fn spectral_distances_go_around_the_walls() {
    // In the comb, the top of the first corridor and the top of the second are a wall apart
    // but the whole corridor's length away along the floor.
    let mesh = named_mesh("comb").unwrap();
    let spectrum = Spectrum::of(&mesh, 60).unwrap();
    let distance = SpectralDistance::new(&spectrum, SpectralKind::Biharmonic).unwrap();
    let nearest = |x: f64, y: f64| {
        let target = DVec3::new(x, y, 0.0);
        (0..mesh.vertex_count())
            .min_by(|&a, &b| {
                (mesh.positions()[a] - target)
                    .length()
                    .total_cmp(&(mesh.positions()[b] - target).length())
            })
            .unwrap()
    };
    let block = 1.0 / 11.0;
    let top = |column: f64| nearest((column + 0.5) * block, 1.0 - 1.5 * block);
    let bottom = |column: f64| nearest((column + 0.5) * block, 1.5 * block);
    let d = |a: usize, b: usize| SpectralDistance::between(distance.vertex(a), distance.vertex(b));
    let across_the_wall = d(top(1.0), top(3.0));
    let along_the_corridor = d(top(1.0), bottom(1.0));
    // top(1) → top(3) walks down corridor 1 and up corridor 3: twice as far as down one.
    assert!(
        across_the_wall > 1.5 * along_the_corridor,
        "{across_the_wall} vs {along_the_corridor}"
    );
}

#[test]
fn the_spectral_gradient_matches_finite_differences_along_a_face() {
    let mesh = icosphere(3);
    let spectrum = Spectrum::of(&mesh, 30).unwrap();
    for kind in [
        SpectralKind::Biharmonic,
        SpectralKind::Diffusion { tau: 0.05 },
    ] {
        let distance = SpectralDistance::new(&spectrum, kind).unwrap();
        let target = distance.vertex(100).to_vec();
        let (f, bary) = (17, [0.2, 0.3, 0.5]);
        let gradient = distance.gradient(&mesh, f, bary, &target);
        let [a, b, c] = mesh.corners(f);
        let mut x = vec![0.0; distance.dim()];
        let at = |bary: [f64; 3], x: &mut Vec<f64>| {
            distance.embed(&mesh, f, bary, x);
            SpectralDistance::between(x, &target)
        };
        let h = 1e-6;
        // Moving along the edges a→b and a→c of the face.
        for (edge, step) in [(b - a, [-h, h, 0.0]), (c - a, [-h, 0.0, h])] {
            let moved = [bary[0] + step[0], bary[1] + step[1], bary[2] + step[2]];
            let numeric = (at(moved, &mut x) - at(bary, &mut x)) / h;
            let analytic = gradient.dot(edge);
            assert!(
                (numeric - analytic).abs() < 1e-5 * (1.0 + analytic.abs()),
                "{kind:?}: {numeric} vs {analytic}"
            );
        }
        // The gradient lies in the face's plane.
        let normal = (b - a).cross(c - a).normalize();
        assert!(gradient.dot(normal).abs() < 1e-9 * gradient.length().max(1.0));
    }
}

#[test]
fn diffusion_distances_need_a_positive_time() {
    let spectrum = Spectrum::of(&icosphere(1), 5).unwrap();
    for tau in [0.0, -1.0, f64::NAN] {
        let error = SpectralDistance::new(&spectrum, SpectralKind::Diffusion { tau })
            .unwrap_err()
            .to_string();
        assert!(error.contains("diffusion time must be positive"), "{error}");
    }
}

#[test]
fn the_heat_method_measures_great_circles_on_the_sphere_and_straight_lines_in_the_plane() {
    let sphere = icosphere(4);
    let geodesic = GeodesicDistance::new(&sphere).unwrap();
    let source = 7;
    let distances = geodesic.from_vertex(&sphere, source);
    let p = sphere.positions()[source];
    let worst = sphere
        .positions()
        .iter()
        .zip(&distances)
        .map(|(q, d)| (d - p.dot(*q).clamp(-1.0, 1.0).acos()).abs())
        .fold(0.0, f64::max);
    // The heat method's error on a mesh of edge h ≈ 0.07 is a few percent of π.
    assert!(worst < 0.05 * std::f64::consts::PI, "worst error {worst}");
    assert_eq!(distances[source], 0.0);

    let square = rectangle(1.0, 1.0, 40, 40);
    let geodesic = GeodesicDistance::new(&square).unwrap();
    let distances = geodesic.from_point(&square, 0, [1.0, 0.0, 0.0]);
    let corner = square.positions()[square.faces()[0][0] as usize];
    let worst = square
        .positions()
        .iter()
        .zip(&distances)
        .map(|(q, d)| (d - (*q - corner).length()).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.05, "worst error {worst}");
}

#[test]
fn geodesics_in_the_comb_walk_the_corridors() {
    let mesh = named_mesh("comb").unwrap();
    let geodesic = GeodesicDistance::new(&mesh).unwrap();
    let block = 1.0 / 11.0;
    let nearest = |x: f64, y: f64| {
        let target = DVec3::new(x, y, 0.0);
        (0..mesh.vertex_count())
            .min_by(|&a, &b| {
                (mesh.positions()[a] - target)
                    .length()
                    .total_cmp(&(mesh.positions()[b] - target).length())
            })
            .unwrap()
    };
    let start = nearest(1.5 * block, 1.0 - 1.5 * block);
    let distances = geodesic.from_vertex(&mesh, start);
    // Down corridor 1 (8 blocks), across (2), up corridor 3 (8): about 18 blocks, against 2
    // in a straight line through the wall.
    let across = distances[nearest(3.5 * block, 1.0 - 1.5 * block)];
    assert!(
        (across / block - 18.0).abs() < 2.0,
        "{} blocks",
        across / block
    );
}

/// Walks random pairs of `mesh` along `premetric`'s conditional flow and returns, over the
/// paths that did not stall, the worst |ψ₁ − x₁| and the worst |d(ψ_t, x₁)/d(x₀, x₁) − κ̃(t)|,
/// and the number of paths that stalled.
fn conditional_flow_errors(
    mesh: &TriMesh,
    premetric: &Premetric,
    rescue: Option<&GeodesicDistance>,
    pairs: usize,
) -> (f64, f64, usize) {
    let adjacency = Adjacency::of(mesh);
    let mean_edge = mesh
        .boundary_edges()
        .first()
        .map(|&(a, b)| (mesh.positions()[a as usize] - mesh.positions()[b as usize]).length())
        .unwrap_or(0.05);
    let flow = ConditionalFlow {
        mesh,
        adjacency: &adjacency,
        premetric,
        max_step: 0.5 * mean_edge,
        rescue,
    };
    let mut rng = flowscope::rng::Rng::new(5);
    let remaining: Vec<f64> = (0..=10).map(|i| 1.0 - i as f64 / 10.0).collect();
    let (mut reach, mut schedule, mut stalled) = (0.0f64, 0.0f64, 0);
    for _ in 0..pairs {
        let (x0, x1) = (mesh.random_point(&mut rng), mesh.random_point(&mut rng));
        let target = premetric.prepare(mesh, x1);
        let path = flow.path(x0, x1, &target, &remaining);
        if path.stalled {
            stalled += 1;
            continue;
        }
        let end = path.points.last().unwrap();
        reach = reach.max((mesh.point(end.face, end.bary) - mesh.point(x1.face, x1.bary)).length());
        for (point, kappa) in path.points.iter().zip(&remaining) {
            let ratio = premetric.distance(mesh, *point, &target) / path.start_distance;
            schedule = schedule.max((ratio - kappa).abs());
        }
    }
    (reach, schedule, stalled)
}

#[test]
fn the_premetric_flow_reaches_its_target_on_schedule_in_the_maze_and_on_the_surface() {
    // A truncated biharmonic distance has spurious critical points where a plain descent
    // stalls (in 1000 pairs: 2 on the bumpy sphere, 26 in the room); the geodesic rescue leads
    // every one out.
    for name in ["maze", "bumpy-sphere", "room"] {
        let mesh = named_mesh(name).unwrap();
        let spectrum = Spectrum::of(&mesh, 100).unwrap();
        let premetric = Premetric::Spectral(
            SpectralDistance::new(&spectrum, SpectralKind::Biharmonic).unwrap(),
        );
        let geodesic = GeodesicDistance::new(&mesh).unwrap();
        let (reach, schedule, stalled) =
            conditional_flow_errors(&mesh, &premetric, Some(&geodesic), 1000);
        // Lengths in units of the domain: the maze is 1 across, the surface about 2.
        assert_eq!(stalled, 0, "{name}: {stalled} paths stalled");
        assert!(reach <= 1e-3, "{name}: ψ₁ is {reach} from x₁");
        assert!(schedule <= 1e-3, "{name}: schedule off by {schedule}");
        if name == "room" {
            let (_, _, unrescued) = conditional_flow_errors(&mesh, &premetric, None, 1000);
            assert!(
                unrescued > 0,
                "the room's distance has no spurious basin any more"
            );
        }
    }
}

#[test]
fn walks_never_leave_the_floor_of_the_maze() {
    let mesh = named_mesh("spiral").unwrap();
    let adjacency = Adjacency::of(&mesh);
    let mut rng = flowscope::rng::Rng::new(9);
    let block = 1.0 / 11.0;
    for _ in 0..500 {
        let start = mesh.random_point(&mut rng);
        let direction = DVec3::new(rng.normal(), rng.normal(), 0.0);
        let (end, _) = adjacency.walk(&mesh, start, direction * 0.7);
        let p = mesh.point(end.face, end.bary);
        // Inside an open block of the layout, never inside a wall block.
        let (column, row) = ((p.x / block) as usize, ((1.0 - p.y) / block) as usize);
        let layout = flowscope::geometry::mesh::MAZE_LAYOUTS
            .iter()
            .find(|l| l.name == "spiral")
            .unwrap();
        let inside = |c: usize, r: usize| {
            layout.rows.get(r).and_then(|row| row.as_bytes().get(c)) == Some(&b'.')
        };
        let near_open = (column.saturating_sub(1)..=column + 1)
            .any(|c| (row.saturating_sub(1)..=row + 1).any(|r| inside(c, r)));
        assert!(inside(column.min(10), row.min(10)) || near_open, "{p}");
        assert!(end.bary.iter().all(|b| (0.0..=1.0).contains(b)));
    }
}

/// A curved mesh's density image is laid out by direction from its centre: every direction of a
/// closed surface meets it, on the ray and at the surface (the unit icosphere: radius one, up
/// to its chords' sag), and the bumpy sphere's outermost crossing is as far as any crossing.
#[test]
fn every_direction_from_the_centre_meets_a_closed_surface() {
    let mesh = icosphere(3);
    let chart = RadialChart::of(&mesh, DVec3::ZERO);
    let (columns, rows) = (96, 48);
    for row in 0..rows {
        for column in 0..columns {
            let (u, v) = (
                (column as f64 + 0.5) / columns as f64,
                (row as f64 + 0.5) / rows as f64,
            );
            let direction = uv_direction(u, v);
            let hit = chart
                .outermost(&mesh, direction)
                .unwrap_or_else(|| panic!("no surface at u = {u}, v = {v}"));
            assert!(
                (hit.length() - 1.0).abs() < 0.01,
                "{hit:?} at u = {u}, v = {v}"
            );
            assert!(hit.normalize().dot(direction) > 1.0 - 1e-12);
            let (hit_u, hit_v) = direction_uv(hit);
            assert!((hit_u - u).abs() < 1e-9 && (hit_v - v).abs() < 1e-9);
        }
    }
    // Against every face: the outermost crossing, whatever the buckets hold.
    let bumpy = named_mesh("bumpy-sphere").unwrap();
    let (lo, hi) = bumpy.bounds();
    let centre = (lo + hi) * 0.5;
    let chart = RadialChart::of(&bumpy, centre);
    for k in 0..500 {
        let (u, v) = ((k as f64 * 0.618_034).fract(), (k as f64 + 0.5) / 500.0);
        let direction = uv_direction(u, v);
        let hit = chart.outermost(&bumpy, direction).unwrap();
        let farthest = (0..bumpy.faces().len())
            .filter_map(|f| {
                let [a, b, c] = bumpy.corners(f);
                let normal = (b - a).cross(c - a);
                let along = normal.dot(direction);
                if along.abs() < 1e-12 {
                    return None;
                }
                let s = normal.dot(a - centre) / along;
                let p = centre + direction * s;
                let inside = [(a, b), (b, c), (c, a)].iter().all(|&(x, y)| {
                    (y - x).cross(p - x).dot(normal) >= -1e-9 * normal.length_squared()
                });
                (s > 0.0 && inside).then_some(s)
            })
            .fold(f64::MIN, f64::max);
        assert!(
            ((hit - centre).length() - farthest).abs() < 1e-9,
            "direction {k}: {} against {farthest}",
            (hit - centre).length()
        );
    }
}

/// An open surface (the upper half of a sphere) meets the directions above its rim and no
/// other: those cells are left empty, not filled from a face nearby.
#[test]
fn directions_past_an_open_surface_meet_nothing() {
    let sphere = icosphere(3);
    let kept: Vec<[u32; 3]> = sphere
        .faces()
        .iter()
        .copied()
        .filter(|face| {
            face.iter()
                .all(|&v| sphere.positions()[v as usize].z > -1e-9)
        })
        .collect();
    let mut used: Vec<u32> = kept.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    let index = |v: u32| used.binary_search(&v).unwrap() as u32;
    let cap = TriMesh::new(
        used.iter()
            .map(|&v| sphere.positions()[v as usize])
            .collect(),
        kept.iter().map(|face| face.map(index)).collect(),
    )
    .unwrap();
    let chart = RadialChart::of(&cap, DVec3::ZERO);
    for k in 0..400 {
        let (u, v) = ((k as f64 * 0.618_034).fract(), (k as f64 + 0.5) / 400.0);
        let hit = chart.outermost(&cap, uv_direction(u, v));
        let height = uv_direction(u, v).z;
        if height > 0.05 {
            assert!(
                hit.is_some_and(|p| (p.length() - 1.0).abs() < 0.01),
                "above: {hit:?}"
            );
        } else if height < -0.05 {
            assert!(hit.is_none(), "below the rim: {hit:?}");
        }
    }
}
