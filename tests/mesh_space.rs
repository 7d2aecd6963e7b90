//! Flow matching on meshes: the mesh space's geometry (points located on the mesh, steps that
//! never pass through a wall, premetric conditional paths), its couplings, its data, training
//! on the maze with its wall-crossing count against the euclidean baseline, and the command
//! line.

use std::process::Command;

use flowscope::coupling::{CostMatrix, optimal_assignment};
use flowscope::data::{DistConfig, build_sampler};
use flowscope::geometry::mesh::{MeshConfig, PremetricKind};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::space::{SpaceKind, mesh_of, mesh_space};

fn maze(premetric: PremetricKind) -> SpaceKind {
    mesh_space(&MeshConfig {
        premetric,
        ..MeshConfig::default()
    })
    .unwrap()
}

#[test]
fn points_are_located_at_their_nearest_point_of_the_mesh() {
    for name in ["maze", "bumpy-sphere"] {
        let space = mesh_space(&MeshConfig {
            name: name.into(),
            ..MeshConfig::default()
        })
        .unwrap();
        let mesh = mesh_of(space).unwrap();
        let geometry = space.geometry();
        let mut rng = Rng::new(3);
        for _ in 0..300 {
            // A point near the mesh's box, then its nearest point by the grid and by brute
            // force over every vertex of every face (a vertex is never nearer than a face).
            let (lo, hi) = mesh.bounds();
            let mut p: Vec<f64> = (0..geometry.dim())
                .map(|k| rng.uniform_in(lo[k] - 0.1, hi[k] + 0.1))
                .collect();
            let off = mesh.distance_to_mesh(&p);
            let ambient = mesh.ambient(&p);
            let nearest_vertex = mesh
                .mesh()
                .positions()
                .iter()
                .map(|v| (*v - ambient).length())
                .fold(f64::MAX, f64::min);
            assert!(
                off <= nearest_vertex + 1e-12,
                "{name}: {off} > {nearest_vertex}"
            );
            geometry.project(&mut p);
            assert!(
                mesh.distance_to_mesh(&p) < 1e-9,
                "{name}: projected point is off"
            );
        }
    }
}

#[test]
fn steps_walk_along_the_floor_and_never_through_a_wall() {
    let space = maze(PremetricKind::Biharmonic);
    let mesh = mesh_of(space).unwrap();
    let geometry = space.geometry();
    let mut rng = Rng::new(4);
    let (mut start, mut end) = ([0.0; 2], [0.0; 2]);
    for _ in 0..2000 {
        geometry.sample_uniform(&mut rng, &mut start);
        let v = [0.2 * rng.normal(), 0.2 * rng.normal()];
        geometry.exp(&start, &v, &mut end);
        assert!(mesh.distance_to_mesh(&end) < 1e-9, "a step left the floor");
    }
    // The baseline steps straight, walls or not: some land inside a wall.
    let baseline = maze(PremetricKind::Euclidean);
    let mut outside = 0;
    for _ in 0..2000 {
        baseline.geometry().sample_uniform(&mut rng, &mut start);
        let v = [0.2 * rng.normal(), 0.2 * rng.normal()];
        baseline.geometry().exp(&start, &v, &mut end);
        if mesh.distance_to_mesh(&end) > 1e-9 {
            outside += 1;
        }
    }
    assert!(
        outside > 200,
        "only {outside} of 2000 straight steps left the floor"
    );
}

#[test]
fn the_conditional_path_runs_from_x0_to_x1_on_schedule_with_its_velocity() {
    let space = maze(PremetricKind::Biharmonic);
    let mesh = mesh_of(space).unwrap();
    let geometry = space.geometry();
    let mut rng = Rng::new(5);
    let (mut x0, mut x1) = ([0.0; 2], [0.0; 2]);
    let (mut xt, mut ut) = ([0.0; 2], [0.0; 2]);
    let mut rate_errors = Vec::new();
    for _ in 0..100 {
        geometry.sample_uniform(&mut rng, &mut x0);
        geometry.sample_uniform(&mut rng, &mut x1);
        let prepared = mesh.prepare(&x1);
        let d0 = mesh.premetric_distance(&x0, &x1, prepared.as_ref());
        geometry.interpolate(&x0, &x1, 0.0, 1.0, &mut xt, &mut ut);
        assert!((xt[0] - x0[0]).hypot(xt[1] - x0[1]) < 1e-9, "x_0 is not x0");
        for kappa in [0.25, 0.5, 0.9] {
            geometry.interpolate(&x0, &x1, kappa, 1.0, &mut xt, &mut ut);
            let d = mesh.premetric_distance(&xt, &x1, prepared.as_ref());
            assert!(
                (d / d0 - (1.0 - kappa)).abs() < 1e-3,
                "d(x_t, x1)/d(x0, x1) = {} at κ = {kappa}",
                d / d0
            );
            assert!(mesh.distance_to_mesh(&xt) < 1e-9);
            // u_t moves x_t down the premetric at the scheduled rate, d' = −κ'·d0 (checked by
            // a small step, which may cross into a face where the gradient differs).
            let h = 1e-5;
            let ahead = [xt[0] + h * ut[0], xt[1] + h * ut[1]];
            if mesh.distance_to_mesh(&ahead) < 1e-12 {
                let rate = (mesh.premetric_distance(&ahead, &x1, prepared.as_ref()) - d) / h;
                rate_errors.push((rate + d0).abs() / d0);
            }
        }
        geometry.interpolate(&x0, &x1, 1.0, 1.0, &mut xt, &mut ut);
        assert!((xt[0] - x1[0]).hypot(xt[1] - x1[1]) < 1e-3, "x_1 is not x1");
    }
    rate_errors.sort_by(f64::total_cmp);
    let median = rate_errors[rate_errors.len() / 2];
    let within = rate_errors.iter().filter(|&&e| e < 0.02).count();
    assert!(median < 1e-3, "median rate error {median}");
    assert!(
        within * 10 >= rate_errors.len() * 9,
        "{within} of {} rates within 2%",
        rate_errors.len()
    );
}

#[test]
fn exact_ot_on_a_mesh_minimises_the_squared_premetric() {
    for premetric in [PremetricKind::Biharmonic, PremetricKind::Geodesic] {
        let space = maze(premetric);
        let source = build_sampler(space, &DistConfig::named("blob"))
            .unwrap()
            .sample(24, &mut Rng::new(1));
        let target = build_sampler(space, &DistConfig::named("uniform"))
            .unwrap()
            .sample(24, &mut Rng::new(2));
        let costs = CostMatrix::squared_geodesic(space, &source, &target);
        for i in 0..24 {
            for j in 0..24 {
                let pair = space.coupling().pair_cost(source.point(i), target.point(j));
                assert!((costs.get(i, j) as f64 - pair).abs() <= 1e-4 * pair.max(1e-3));
            }
        }
        let assignment = optimal_assignment(space, &source, &target);
        let mut seen = assignment.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..24).collect::<Vec<_>>(), "not a permutation");
        let cost = |i: usize, j: usize| costs.get(i, j) as f64;
        for a in 0..24 {
            for b in 0..24 {
                let now = cost(a, assignment[a]) + cost(b, assignment[b]);
                let swapped = cost(a, assignment[b]) + cost(b, assignment[a]);
                assert!(swapped >= now - 1e-5 * now.max(1e-6), "a swap is cheaper");
            }
        }
    }
}

#[test]
fn blobs_start_in_their_corners_and_stay_on_the_floor() {
    let space = maze(PremetricKind::Biharmonic);
    let mesh = mesh_of(space).unwrap();
    let mut rng = Rng::new(6);
    for (name, corner) in [("blob", [0.115, 0.885]), ("opposite_blob", [0.885, 0.115])] {
        let points = build_sampler(space, &DistConfig::named(name))
            .unwrap()
            .sample(500, &mut rng);
        let mean: Vec<f64> = (0..2)
            .map(|k| points.iter().map(|p| p[k]).sum::<f64>() / 500.0)
            .collect();
        assert!(
            (mean[0] - corner[0]).hypot(mean[1] - corner[1]) < 0.1,
            "{name} centred at {mean:?}"
        );
        assert!(points.iter().all(|p| mesh.distance_to_mesh(p) < 1e-9));
    }
    let error = build_sampler(space, &DistConfig::named("moons"))
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("moons"), "{error}");
}

#[test]
fn a_scene_names_its_mesh_and_round_trips() {
    let text = "space = \"mesh\"\n[mesh]\nname = \"spiral\"\npremetric = \"diffusion\"\ntau = 0.002\n[source]\nname = \"blob\"\n[target]\nname = \"uniform\"\n";
    let scene = Scene::from_toml(text).unwrap();
    scene.validate().unwrap();
    let mesh = mesh_of(scene.space).unwrap();
    assert_eq!(mesh.config.name, "spiral");
    assert_eq!(mesh.config.premetric, PremetricKind::Diffusion);
    let again = Scene::from_toml(&scene.to_toml()).unwrap();
    assert_eq!(again, scene);
    assert!(again.space == scene.space);
    // Two settings are two spaces.
    assert!(maze(PremetricKind::Biharmonic) != maze(PremetricKind::Geodesic));
    let bad = Scene::from_toml("space = \"mesh\"\n[mesh]\nname = \"labyrinth\"\n[source]\nname = \"blob\"\n[target]\nname = \"uniform\"\n")
        .unwrap_err();
    assert!(bad.contains("labyrinth"), "{bad}");
    let stray = Scene::from_toml(
        "space = \"plane\"\n[mesh]\nname = \"maze\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n",
    )
    .unwrap();
    let error = stray.validate().unwrap_err().to_string();
    assert!(error.contains("[mesh]"), "{error}");
}

/// Exports half a second of `scene`'s `view` at 2 fps, `size` pixels square, as numbered PNGs
/// into `frames`.
fn export_frames(scene: &std::path::Path, view: &str, size: u32, frames: &std::path::Path) {
    let size = size.to_string();
    let output = flowscope(&[
        "export",
        "--scene",
        &scene.to_string_lossy(),
        "--view",
        view,
        "--out",
        &format!("{}/", frames.display()),
        "--width",
        &size,
        "--height",
        &size,
        "--fps",
        "2",
        "--duration-secs",
        "0.5",
        "--device",
        "cpu",
        "--no-caption",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn flowscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn metrics_of(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_maze_run_never_crosses_a_wall_and_the_euclidean_baseline_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut fractions = Vec::new();
    for premetric in ["biharmonic", "euclidean"] {
        let out = dir.path().join(premetric);
        let output = flowscope(&[
            "train",
            "--space",
            "mesh",
            "--mesh",
            "maze",
            "--premetric",
            premetric,
            "--steps",
            "150",
            "--batch",
            "128",
            "--lr",
            "0.003",
            "--eval-points",
            "300",
            "--device",
            "cpu",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metrics = metrics_of(&out);
        let fraction = metrics["wall_crossing_fraction"].as_f64().unwrap();
        assert!(metrics["geodesic_w2"].as_f64().unwrap().is_finite());
        assert!(metrics["geodesic_w2_source"].as_f64().unwrap() > 0.3);
        fractions.push(fraction);
    }
    assert_eq!(fractions[0], 0.0, "the premetric flow crossed a wall");
    assert!(
        fractions[1] >= 0.1,
        "the baseline crossed in only {} of its trajectories",
        fractions[1]
    );
}

#[test]
fn the_command_line_draws_couples_and_refuses_bad_meshes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for (dist, file) in [("blob", &a), ("uniform", &b)] {
        let output = flowscope(&[
            "draw",
            "--space",
            "mesh",
            "--mesh",
            "room",
            "--dist",
            dist,
            "--n",
            "64",
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = flowscope(&[
        "couple",
        "--space",
        "mesh",
        "--mesh",
        "room",
        "--method",
        "exact",
        "--source",
        a.to_str().unwrap(),
        "--target",
        b.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["assignment"].as_array().unwrap().len(), 64);
    // A point inside a wall block of the room is refused, naming its line.
    let inside_wall = dir.path().join("wall.csv");
    std::fs::write(&inside_wall, "x,y\n0.1,0.9\n0.5,0.5\n").unwrap();
    let output = flowscope(&[
        "metrics",
        "--space",
        "mesh",
        "--mesh",
        "room",
        "--a",
        inside_wall.to_str().unwrap(),
        "--b",
        inside_wall.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("off the mesh"),
        "{stderr}"
    );
    assert!(stderr.contains("line 3"), "{stderr}");
    for (args, expected) in [
        (
            vec![
                "draw",
                "--space",
                "mesh",
                "--mesh",
                "labyrinth",
                "--dist",
                "blob",
                "--out",
                "x.csv",
            ],
            "labyrinth",
        ),
        (
            vec![
                "draw", "--space", "plane", "--mesh", "maze", "--dist", "moons", "--out", "x.csv",
            ],
            "--space mesh",
        ),
        (
            vec![
                "draw",
                "--space",
                "mesh",
                "--eigenpairs",
                "100000",
                "--dist",
                "blob",
                "--out",
                "x.csv",
            ],
            "eigenpairs",
        ),
    ] {
        let output = flowscope(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_maze_run_exports_with_its_walls_where_the_maze_is() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("maze.toml");
    std::fs::write(
        &scene,
        "space = \"mesh\"\n[mesh]\nname = \"maze\"\n[source]\nname = \"blob\"\n[target]\nname = \"opposite_blob\"\n\
         [train]\nsteps = 10\nbatch = 64\n[sample]\nparticles = 50\nsteps = 10\n[eval]\npoints = 64\nsteps = 10\n",
    )
    .unwrap();
    let frames = dir.path().join("frames");
    export_frames(&scene, "floor", 224, &frames);
    let mut names: Vec<_> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let frame = image::open(&names[0]).unwrap().to_rgba8();
    let background = *frame.get_pixel(2, 2);
    // The camera spans 1.12 units across 224 pixels around (0.5, 0.5): the floor's left edge,
    // x = 1/13 (the outer wall is one block of 13), is 85 pixels left of the centre.
    let wall_column = (112.0 - (0.5 - 1.0 / 13.0) * 200.0_f64).round() as u32;
    let lit = (40..184)
        .filter(|&y| {
            (wall_column - 1..=wall_column + 1).any(|x| *frame.get_pixel(x, y) != background)
        })
        .count();
    assert!(
        lit >= 100,
        "the maze's left wall shows in {lit} of 144 rows"
    );
    // Beyond the maze there is only background.
    for (x, y) in [(5, 112), (219, 112), (112, 5), (112, 219)] {
        assert_eq!(*frame.get_pixel(x, y), background, "({x}, {y}) is drawn on");
    }
    // Inside it, the floor is filled and the walls are not: block (3, 3) of the 13 × 13
    // layout is a cell, always floor, and block (2, 2) a pillar between cells, always wall.
    let pixel_of_block = |block: f64| (112.0 + ((block + 0.5) / 13.0 - 0.5) * 200.0).round() as u32;
    let (cell, pillar) = (pixel_of_block(3.0), pixel_of_block(2.0));
    assert_ne!(
        *frame.get_pixel(cell, cell),
        background,
        "the floor is not filled"
    );
    assert_eq!(
        *frame.get_pixel(pillar, pillar),
        background,
        "a wall is filled"
    );
}

#[test]
fn mesh_field_draws_three_distances_side_by_side_and_refuses_a_surface() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("field.png");
    let output = flowscope(&[
        "mesh-field",
        "--mesh",
        "comb",
        "--from",
        "0.14,0.86",
        "--size",
        "128",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let image = image::open(&out).unwrap().to_rgba8();
    assert_eq!(image.dimensions(), (3 * 128, 128 + 36));
    // The panels show different fields: more than a tenth of their pixels differ.
    let differing = (0..128u32)
        .flat_map(|y| (0..128u32).map(move |x| (x, y + 36)))
        .filter(|&(x, y)| image.get_pixel(x, y) != image.get_pixel(x + 128, y))
        .count();
    assert!(
        differing > 128 * 128 / 10,
        "geodesic and biharmonic panels nearly equal"
    );
    for (args, expected) in [
        (
            vec!["mesh-field", "--mesh", "bumpy-sphere", "--out"],
            "planar",
        ),
        (
            vec![
                "mesh-field",
                "--mesh",
                "comb",
                "--from",
                "0.227,0.5",
                "--out",
            ],
            "not on the floor",
        ),
        (
            vec!["mesh-field", "--mesh", "comb", "--from", "x", "--out"],
            "X,Y",
        ),
    ] {
        let mut args = args;
        let target = dir.path().join("bad.png");
        args.push(target.to_str().unwrap());
        let output = flowscope(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
        assert!(!target.exists(), "a failed picture left a file");
    }
}

#[test]
fn a_surface_is_drawn_as_its_lit_faces() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("bumpy.toml");
    std::fs::write(
        &scene,
        "space = \"mesh\"\n[mesh]\nname = \"bumpy-sphere\"\neigenpairs = 30\n[source]\nname = \"blob\"\n[target]\nname = \"opposite_blob\"\n\
         [train]\nsteps = 5\nbatch = 64\n[sample]\nparticles = 20\nsteps = 10\n[eval]\npoints = 64\nsteps = 10\n",
    )
    .unwrap();
    let frames = dir.path().join("frames");
    export_frames(&scene, "surface", 200, &frames);
    let path = std::fs::read_dir(&frames)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let frame = image::open(path).unwrap().to_rgba8();
    let background = *frame.get_pixel(1, 1);
    // The surface fills the middle of the picture: lit faces, in shades that vary with the
    // bumps, where the background would be flat.
    let middle: Vec<_> = (80..120)
        .flat_map(|y| (80..120).map(move |x| (x, y)))
        .map(|(x, y)| *frame.get_pixel(x, y))
        .collect();
    let covered = middle.iter().filter(|&&p| p != background).count();
    assert!(
        covered > middle.len() * 9 / 10,
        "only {covered} of {} pixels drawn",
        middle.len()
    );
    let shades: std::collections::HashSet<_> = middle.iter().map(|p| p.0).collect();
    assert!(
        shades.len() > 20,
        "{} shades: the faces are not lit",
        shades.len()
    );
}

#[test]
fn a_mesh_run_is_reproducible_from_its_seed() {
    // Edge lengths are summed in a fixed order: a hash map's order changes with every map, and
    // with it the last bits of the descent's step and of the heat method's time.
    let mesh = flowscope::geometry::mesh::named_mesh("maze").unwrap();
    let lengths: Vec<u64> = (0..8).map(|_| mesh.mean_edge_length().to_bits()).collect();
    assert!(lengths.windows(2).all(|w| w[0] == w[1]), "{lengths:?}");
    let dir = tempfile::tempdir().unwrap();
    let curves: Vec<serde_json::Value> = (0..2)
        .map(|run| {
            let out = dir.path().join(format!("run{run}"));
            let output = flowscope(&[
                "train",
                "--space",
                "mesh",
                "--mesh",
                "maze",
                "--steps",
                "40",
                "--batch",
                "128",
                "--eval-points",
                "64",
                "--device",
                "cpu",
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            metrics_of(&out)["loss_curve"].clone()
        })
        .collect();
    assert_eq!(curves[0], curves[1], "two runs of one seed differ");
}

#[test]
fn uniform_to_uniform_on_a_mesh_keeps_one_over_its_area() {
    // Uniform to uniform under exact OT (each point matched near itself): the learned field is
    // about zero and the density stays 1/area. On a closed curved mesh (the divergence along
    // its faces) to the sphere's bar of 0.01 nats (measured 0.008). On a bounded flat one the
    // field is not quite tangent at the rim, where the backward walk stops, and the interior
    // reads denser: 0.029 nats at 300 steps, hence the looser bound.
    for (name, tolerance) in [("sphere", 0.01), ("rectangle", 0.05)] {
        let mut scene = Scene::from_toml(&format!(
            "space = \"mesh\"\n[mesh]\nname = \"{name}\"\npremetric = \"euclidean\"\n\
             [source]\nname = \"uniform\"\n[target]\nname = \"uniform\"\n\
             [coupling]\nmethod = \"exact\"\nk = 256\n"
        ))
        .unwrap();
        let area = mesh_of(scene.space).unwrap().mesh().area();
        scene.train.steps = 300;
        scene.train.batch = 256;
        let mut session =
            flowscope::session::Session::new(scene, &burn::tensor::Device::flex()).unwrap();
        session.train(|_| {}).unwrap();
        let nll = session
            .held_out_nll(400, 20)
            .unwrap()
            .expect("a likelihood");
        assert!((nll.data_nll.unwrap() - area.ln()).abs() < 1e-12);
        assert!(
            (nll.nll - area.ln()).abs() < tolerance,
            "{name}: NLL {}, log area {}",
            nll.nll,
            area.ln()
        );
    }
}

#[test]
fn a_floor_has_a_density_grid_that_leaves_its_walls_out() {
    use flowscope::render::density_grid;
    let space = maze(PremetricKind::Biharmonic);
    let mesh = mesh_of(space).unwrap();
    let (lo, hi) = mesh.bounds();
    let (min, max) = (
        glam::Vec2::new(lo.x as f32, lo.y as f32),
        glam::Vec2::new(hi.x as f32, hi.y as f32),
    );
    assert!(space.render().has_density_grid());
    let (points, cells) = density_grid(space, min, max, 64).unwrap();
    assert_eq!(points.len(), cells.len());
    // The floor, not the walls: most cells, not all.
    assert!(
        (64 * 64 / 3..64 * 64 * 9 / 10).contains(&cells.len()),
        "{} of {} cells on the floor",
        cells.len(),
        64 * 64
    );
    assert!(points.iter().all(|p| mesh.distance_to_mesh(p) < 1e-9));
    // A curved surface has one cell per direction from its centre, each on the surface.
    let surface = mesh_space(&MeshConfig {
        name: "bumpy-sphere".into(),
        ..MeshConfig::default()
    })
    .unwrap();
    assert!(surface.render().has_density_grid());
    let (points, cells) = density_grid(surface, min, max, 32).unwrap();
    assert_eq!(
        cells.len(),
        32 * 32,
        "a closed surface meets every direction"
    );
    let bumpy = mesh_of(surface).unwrap();
    assert!(points.iter().all(|p| bumpy.distance_to_mesh(p) < 1e-9));
}
