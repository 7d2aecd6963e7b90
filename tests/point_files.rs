//! Your own data: a CSV point set as a distribution on every space, its labels kept, its shape
//! fixing a point cloud's, and one clear sentence when the file is missing or wrong.

use flowscope::data::{DistConfig, build_sampler};
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::space::SpaceKind;

fn points_from(path: &std::path::Path) -> DistConfig {
    let mut config = DistConfig::named("points");
    config.path = Some(path.to_path_buf());
    config
}

#[test]
fn a_labelled_file_is_drawn_from_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.csv");
    std::fs::write(&path, "x,y,label\n-2,0,0\n-2.5,0.5,0\n2,0,1\n2.5,-0.5,1\n").unwrap();
    let sampler = build_sampler(SpaceKind::PLANE, &points_from(&path)).unwrap();
    assert_eq!(sampler.num_labels(), 2);
    let drawn = sampler.sample(400, &mut Rng::new(1));
    let rows = [[-2.0, 0.0], [-2.5, 0.5], [2.0, 0.0], [2.5, -0.5]];
    for (p, &label) in drawn.iter().zip(drawn.labels().unwrap()) {
        let row = rows.iter().position(|r| r[0] == p[0] && r[1] == p[1]);
        let row = row.expect("every draw is a row of the file");
        assert_eq!(label as usize, row / 2, "each draw keeps its row's label");
    }
    // Every row is drawn about as often as the others.
    let left = drawn.iter().filter(|p| p[0] < 0.0).count();
    assert!((150..250).contains(&left), "{left} of 400 on the left");
}

#[test]
fn jitter_moves_draws_along_the_space() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sphere.csv");
    std::fs::write(&path, "x,y,z\n1,0,0\n0,0,1\n").unwrap();
    let mut config = points_from(&path);
    config.params.insert("jitter".into(), 0.05);
    let drawn = build_sampler(SpaceKind::SPHERE, &config)
        .unwrap()
        .sample(200, &mut Rng::new(2));
    for p in drawn.iter() {
        let norm = p.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-9, "on the sphere");
        let near = (p[0] - 1.0).abs() < 0.3 || (p[2] - 1.0).abs() < 0.3;
        assert!(near, "{p:?} stays near a row");
    }
    assert!(
        drawn.iter().any(|p| p[0] != 1.0 && p[2] != 1.0),
        "jitter moves them"
    );
}

#[test]
fn a_file_of_configurations_fixes_the_cloud_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triangles.csv");
    let mut text = String::from("p0_x,p0_y,p0_z,p1_x,p1_y,p1_z,p2_x,p2_y,p2_z\n");
    let mut rng = Rng::new(3);
    for _ in 0..50 {
        let a = rng.uniform_in(0.0, std::f64::consts::TAU);
        let (c, s) = (a.cos(), a.sin());
        text.push_str(&format!("{c},{s},0,{},{},0,0,0,1\n", -s, c));
    }
    std::fs::write(&path, text).unwrap();
    let toml = format!(
        "space = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"points\"\npath = {:?}\n\
         [train]\nsteps = 20\nbatch = 32\n[sample]\nparticles = 16\nsteps = 5\n[eval]\npoints = 32\nsteps = 5\n",
        path.to_string_lossy()
    );
    let scene = Scene::from_toml(&toml).unwrap();
    assert_eq!(scene.space.dim(), 9);
    assert_eq!(scene.space.geometry().particle_dim(), 3);
    scene.validate().unwrap();
    let drawn = scene
        .sampler(&scene.target)
        .unwrap()
        .sample(10, &mut Rng::new(4));
    for p in drawn.iter() {
        for k in 0..3 {
            let centre: f64 = (0..3).map(|i| p[i * 3 + k]).sum();
            assert!(centre.abs() < 1e-9, "stored mean-free");
        }
    }
    let mut session =
        flowscope::session::Session::new(scene, &burn::tensor::Device::flex()).unwrap();
    session.train(|_| {}).unwrap();
    assert_eq!(session.steps_done(), 20);
}

#[test]
fn a_missing_path_or_file_is_one_sentence() {
    let missing = build_sampler(SpaceKind::PLANE, &DistConfig::named("points"))
        .err()
        .unwrap()
        .to_string();
    assert!(missing.contains("set path"), "{missing}");
    let dir = tempfile::tempdir().unwrap();
    let absent = build_sampler(SpaceKind::PLANE, &points_from(&dir.path().join("nope.csv")))
        .err()
        .unwrap()
        .to_string();
    assert!(absent.contains("nope.csv"), "{absent}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x,y\n0,0\n1,oops\n").unwrap();
    let message = build_sampler(SpaceKind::PLANE, &points_from(&bad))
        .err()
        .unwrap()
        .to_string();
    assert!(
        message.contains("bad.csv") && message.contains("line 3"),
        "{message}"
    );
    let mut with_path = DistConfig::named("moons");
    with_path.path = Some(bad);
    let refused = build_sampler(SpaceKind::PLANE, &with_path)
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("'points'"), "{refused}");
}

#[test]
fn a_saved_scene_keeps_its_data_files_beside_it_and_reads_them_from_there() {
    let drawn = tempfile::tempdir().unwrap();
    let file = drawn.path().join("drawn-target-1.csv");
    std::fs::write(&file, "x,y\n1,1\n1.5,1\n-1,-1\n").unwrap();
    let mut scene = Scene {
        target: points_from(&file),
        ..Scene::default()
    };
    scene.train.steps = 3;
    scene.train.batch = 16;

    let folder = tempfile::tempdir().unwrap();
    let saved = folder.path().join("lecture.toml");
    scene.save_with_files(&saved).unwrap();
    let copy = folder.path().join("lecture-target.csv");
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        std::fs::read_to_string(&file).unwrap()
    );
    // Named relative to the scene, so the folder can move.
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("path = \"lecture-target.csv\""), "{text}");
    drop(drawn);
    let moved = tempfile::tempdir().unwrap();
    for name in ["lecture.toml", "lecture-target.csv"] {
        std::fs::copy(folder.path().join(name), moved.path().join(name)).unwrap();
    }
    let loaded = Scene::load(&moved.path().join("lecture.toml")).unwrap();
    assert_eq!(
        loaded.target.path.as_deref(),
        Some(moved.path().join("lecture-target.csv").as_path())
    );
    let draws = loaded
        .sampler(&loaded.target)
        .unwrap()
        .sample(30, &mut Rng::new(2));
    assert!(draws.iter().all(|p| {
        [[1.0, 1.0], [1.5, 1.0], [-1.0, -1.0]]
            .iter()
            .any(|r| r[0] == p[0] && r[1] == p[1])
    }));

    // Saving again into the same folder leaves the file where it is.
    loaded
        .save_with_files(&moved.path().join("lecture.toml"))
        .unwrap();
    let text = std::fs::read_to_string(moved.path().join("lecture.toml")).unwrap();
    assert!(text.contains("path = \"lecture-target.csv\""), "{text}");
    let entries = std::fs::read_dir(moved.path()).unwrap().count();
    assert_eq!(entries, 2, "no second copy");

    // The command line trains it from any working directory.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(["train", "--scene"])
        .arg(moved.path().join("lecture.toml"))
        .arg("--out")
        .arg(moved.path().join("run"))
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
