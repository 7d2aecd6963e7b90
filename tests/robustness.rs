//! No file a user hands flowscope crashes it: random mutations of the shipped scenes, of point
//! CSVs, of OBJ meshes, of sweep settings and of checkpoints either work or give one readable
//! sentence — never a panic, never an allocation the input asked for without a limit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use proptest::prelude::*;

use flowscope::data::Points;
use flowscope::scene::Scene;
use flowscope::space::SpaceKind;

/// Values a hand-edited file may hold where a number, a name or a table was.
const JUNK: &[&str] = &[
    "1e308",
    "-1e308",
    "-1",
    "0",
    "-0.0",
    "nan",
    "inf",
    "-inf",
    "1000000000000",
    "18446744073709551616",
    "1e-320",
    "\"\"",
    "\"text\"",
    "\"plane\"",
    "\"cloud\"",
    "[1, 2]",
    "[]",
    "{ a = 1 }",
    "true",
    "0.5",
    "4096",
];

fn shipped_scenes() -> Vec<String> {
    let mut scenes: Vec<String> = std::fs::read_dir(Path::new("assets/scenes"))
        .expect("the shipped scenes")
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    scenes.sort();
    scenes
}

/// One edit of a text file, as a hand or a broken editor makes it.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    /// Replace what follows `=` on a line by a junk value.
    Retype(usize, usize),
    /// Misspell the key of a line.
    RenameKey(usize),
    Truncate(usize),
    InsertBytes(usize, Vec<u8>),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), 0..JUNK.len()).prop_map(|(line, junk)| Edit::Retype(line, junk)),
        any::<usize>().prop_map(Edit::RenameKey),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..6))
            .prop_map(|(at, bytes)| Edit::InsertBytes(at, bytes)),
    ]
}

fn apply(text: &[u8], edit: &Edit) -> Vec<u8> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let pick = |i: usize| i % lines.len().max(1);
    let join = |lines: Vec<Vec<u8>>| lines.join(&b'\n');
    let owned = || lines.iter().map(|l| l.to_vec()).collect::<Vec<_>>();
    match edit {
        Edit::DeleteLine(i) => {
            let mut out = owned();
            if !out.is_empty() {
                out.remove(pick(*i));
            }
            join(out)
        }
        Edit::DuplicateLine(i) => {
            let mut out = owned();
            if !out.is_empty() {
                let line = out[pick(*i)].clone();
                out.insert(pick(*i), line);
            }
            join(out)
        }
        Edit::Retype(i, junk) => {
            let mut out = owned();
            // The first line with a value at or after the picked one.
            let start = pick(*i);
            if let Some(line) = (0..out.len())
                .map(|k| (start + k) % out.len())
                .find(|&k| out[k].contains(&b'='))
            {
                let at = out[line].iter().position(|&b| b == b'=').unwrap_or(0);
                out[line].truncate(at + 1);
                out[line].extend_from_slice(b" ");
                out[line].extend_from_slice(JUNK[*junk].as_bytes());
            }
            join(out)
        }
        Edit::RenameKey(i) => {
            let mut out = owned();
            if !out.is_empty() {
                let line = &mut out[pick(*i)];
                if let Some(first) = line.iter().position(|b| b.is_ascii_alphabetic()) {
                    line.insert(first, b'x');
                }
            }
            join(out)
        }
        Edit::Truncate(at) => text[..at % (text.len() + 1)].to_vec(),
        Edit::InsertBytes(at, bytes) => {
            let at = at % (text.len() + 1);
            let mut out = text[..at].to_vec();
            out.extend_from_slice(bytes);
            out.extend_from_slice(&text[at..]);
            out
        }
    }
}

/// A user-facing error: one line of reasonable length.
fn readable(message: &str) -> bool {
    !message.contains('\n') && !message.is_empty() && message.len() <= 600
}

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|cause| {
        let text = cause
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        TestCaseError::fail(format!("{what} panicked: {text}"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_scenes_load_or_say_why(scene in 0usize..64, edits in proptest::collection::vec(edit(), 1..4)) {
        let scenes = shipped_scenes();
        let mut bytes = scenes[scene % scenes.len()].clone().into_bytes();
        for e in &edits {
            bytes = apply(&bytes, e);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scene.toml");
        std::fs::write(&path, &bytes).unwrap();
        let loaded = no_panic("Scene::load", || Scene::load(&path))?;
        match loaded {
            Err(error) => {
                let message = error.to_string();
                prop_assert!(readable(&message), "unreadable error: {message:?}");
                prop_assert!(message.contains("scene.toml"), "the file is not named: {message}");
            }
            Ok(scene) => {
                // An accepted scene builds its distributions and draws from them.
                let drawn = no_panic("sampling", || -> flowscope::Result<()> {
                    let mut rng = flowscope::rng::Rng::new(1);
                    for dist in [&scene.source, &scene.target] {
                        let sampler = scene.sampler(dist)?;
                        sampler.sample(8, &mut rng);
                    }
                    Ok(())
                })?;
                if let Err(error) = drawn {
                    prop_assert!(readable(&error.to_string()), "{error}");
                }
            }
        }
    }

    #[test]
    fn edited_point_files_parse_or_say_why(space in 0usize..4, edits in proptest::collection::vec(edit(), 1..4)) {
        let (space, text) = [
            (SpaceKind::PLANE, "x,y,label\n0.5,1.5,0\n-2,3e-2,1\n1,1,0\n"),
            (SpaceKind::SPHERE, "x,y,z\n0,0,1\n1,0,0\n0.6,0.8,0\n"),
            (SpaceKind::TORUS, "theta,phi\n0.1,6.2\n3,1\n"),
            (SpaceKind::HYPERBOLIC, "x,y\n0.1,0.2\n-0.5,0.3\n0,0\n"),
        ][space];
        let mut bytes = text.as_bytes().to_vec();
        for e in &edits {
            bytes = apply(&bytes, e);
        }
        let text = String::from_utf8_lossy(&bytes);
        match no_panic("parse_csv", || Points::parse_csv(&text, space))? {
            Err(message) => prop_assert!(readable(&message), "{message:?}"),
            Ok(points) => {
                prop_assert!(points.data().iter().all(|v| v.is_finite()), "a non-finite coordinate was accepted");
            }
        }
    }

    #[test]
    fn edited_meshes_parse_or_say_why(edits in proptest::collection::vec(edit(), 1..4)) {
        let text = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0.5 0.5 0.2\nf 1 2 5\nf 2 3 5\nf 3 4 5\nf 4 1 5\n";
        let mut bytes = text.as_bytes().to_vec();
        for e in &edits {
            bytes = apply(&bytes, e);
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Err(error) = no_panic("parse_obj", || flowscope::geometry::mesh::parse_obj(&text))? {
            prop_assert!(readable(&error.to_string()), "{error}");
        }
    }

    #[test]
    fn sweep_settings_parse_or_say_why(key in "[a-z._]{0,12}", values in proptest::collection::vec("[-a-z0-9.e\"\\[\\]{} =]{0,8}", 0..4)) {
        let setting = format!("{key}={}", values.join(","));
        let table: toml::Table = "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n".parse().unwrap();
        let outcome = no_panic("sweep", || {
            flowscope::sweep::Axis::parse(&setting)
                .and_then(|axis| flowscope::sweep::Sweep::new(&table, vec![axis], 1))
        })?;
        if let Err(error) = outcome {
            prop_assert!(readable(&error.to_string()), "{error}");
        }
    }
}

/// A tiny trained run's checkpoint, written once for the checkpoint cases.
fn checkpoint() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut scene = Scene::default();
        scene.train.steps = 2;
        scene.model.width = 8;
        scene.model.depth = 2;
        let mut session =
            flowscope::session::Session::new(scene, &burn::tensor::Device::flex()).unwrap();
        session.train(|_| {}).unwrap();
        session.save_checkpoint(dir.path()).unwrap();
        dir
    })
    .path()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_checkpoints_load_or_say_why(file in 0usize..2, edits in proptest::collection::vec(edit(), 1..3)) {
        let source = checkpoint();
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        let name = ["model.bpk", "scene.toml"][file];
        let path = dir.path().join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        for e in &edits {
            bytes = apply(&bytes, e);
        }
        std::fs::write(&path, &bytes).unwrap();
        let device = burn::tensor::Device::flex();
        let loaded = no_panic("load_checkpoint", || {
            flowscope::session::Session::load_checkpoint(dir.path(), &device).map(|_| ())
        })?;
        if let Err(error) = loaded {
            let message = error.to_string();
            prop_assert!(readable(&message), "{message:?}");
            prop_assert!(message.contains(name) || message.contains("scene.toml"), "the file is not named: {message}");
        }
    }
}

#[test]
fn a_scene_asking_for_a_trillion_particles_is_refused_with_the_limit() {
    let text = "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n[sample]\nparticles = 1000000000000\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    std::fs::write(&path, text).unwrap();
    let message = Scene::load(&path).unwrap_err().to_string();
    assert!(message.contains("1000000"), "{message}");
    let text = "space = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n[train]\nbatch = 1000000000000\n";
    std::fs::write(&path, text).unwrap();
    let message = Scene::load(&path).unwrap_err().to_string();
    assert!(message.contains("batch"), "{message}");
}

#[test]
fn a_huge_value_is_quoted_as_written_not_as_parsed() {
    let message = Scene::from_toml("space = \"plane\"\n[train]\nsteps = 1e308\n").unwrap_err();
    assert!(message.contains("`1e308`"), "{message}");
    assert!(message.len() < 120, "{message}");
    assert!(message.starts_with("line 3, column 9"), "{message}");
    // Short values are quoted as the parser has them.
    let message = Scene::from_toml("space = \"plane\"\n[train]\nsteps = -3\n").unwrap_err();
    assert!(message.contains("-3"), "{message}");
}

/// Words a command line may hold: the subcommands (not the window or the benchmark), flags of
/// theirs and of none, and values good and bad.
const COMMANDS: &[&str] = &[
    "train",
    "sample",
    "couple",
    "metrics",
    "datasets",
    "draw",
    "export",
    "likelihood",
    "sweep",
    "mesh-info",
    "mesh-field",
];
const FLAGS: &[&str] = &[
    "--scene",
    "--run",
    "--resume",
    "--out",
    "--steps",
    "--batch",
    "--k",
    "--coupling",
    "--space",
    "--source",
    "--target",
    "--n",
    "--points",
    "--width",
    "--height",
    "--fps",
    "--duration-secs",
    "--device",
    "--set",
    "--repeat",
    "--eval-points",
    "--solver",
    "--estimator",
    "--probes",
    "--label",
    "--guidance",
    "--seed",
    "--lr",
    "--jobs",
    "--plot",
    "--ratio",
    "--view",
    "--animate",
    "--mesh",
    "--eigenpairs",
    "--no-caption",
    "--bogus",
];
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "3",
    "1e308",
    "nan",
    "inf",
    "abc",
    "",
    "plane",
    "sphere",
    "torus",
    "exact",
    "independent",
    "cpu",
    "gpu",
    "rk4",
    "hutchinson",
    "coupling.k=1,2",
    "train.steps=1",
    "nll=a/b",
    "out.csv",
    "out.mp4",
    "frames/",
    "missing/out.csv",
    "/nonexistent/x.toml",
    "\u{fffd}\u{0}",
    "--",
    "-",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(FLAGS).prop_map(str::to_string),
        3 => proptest::sample::select(VALUES).prop_map(|v| v.replace('\0', "")),
        1 => proptest::sample::select(COMMANDS).prop_map(str::to_string),
    ]
}

/// Runs the binary in `dir` with `args`, killed after `limit` (a command that got past its
/// arguments and started real work): its exit code (None when killed) and stderr.
fn run_for_at_most(
    dir: &Path,
    args: &[String],
    limit: std::time::Duration,
) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    use std::os::unix::process::ExitStatusExt;
    let code = status.map(|s| {
        s.code()
            .or(s.signal().map(|signal| 128 + signal))
            .unwrap_or(-1)
    });
    (code, stderr)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any command line either works, is refused by the argument parser (status 2), or fails
    /// with one `error:` sentence (status 1): never a panic or a signal.
    #[test]
    fn any_command_line_works_or_says_why(
        command in proptest::sample::select(COMMANDS),
        rest in proptest::collection::vec(word(), 0..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![command.to_string()];
        args.extend(rest);
        let (code, stderr) = run_for_at_most(dir.path(), &args, std::time::Duration::from_secs(5));
        prop_assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        match code {
            None | Some(0) | Some(2) => {}
            Some(1) => {
                let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
                prop_assert_eq!(errors.len(), 1, "{:?}: one error line in {}", args, stderr);
                prop_assert!(readable(errors[0]), "{args:?}: {}", errors[0]);
            }
            Some(other) => prop_assert!(false, "{args:?} ended with status {other}: {stderr}"),
        }
    }
}
