//! Faults a user meets, run against the real binary: a disk that fills up during an export or a
//! checkpoint, the process killed while it saves a checkpoint, the output folder removed while
//! a command runs. Each gives one clear sentence, keeps the user's existing files whole and
//! leaves no partial file.
//!
//! A full disk is simulated with a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored): writes
//! past it fail with EFBIG exactly where ENOSPC would, and it needs no privileges or mounts.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn flowscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flowscope"))
}

/// `flowscope args…` where no file may grow past `limit_bytes`, as on a disk that is full.
fn on_a_full_disk<S: AsRef<std::ffi::OsStr>>(args: &[S], limit_bytes: u64) -> Output {
    let mut command = flowscope();
    command.args(args);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: limit_bytes,
                rlim_max: limit_bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    command.output().expect("the binary runs")
}

fn run(args: &[&str]) -> Output {
    flowscope().args(args).output().expect("the binary runs")
}

fn succeeds(args: &[&str]) -> Output {
    let output = run(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The error a failed command printed: one line, no panic, naming `expected`.
fn one_clear_sentence(output: &Output, expected: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let error = stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .collect::<Vec<_>>();
    assert_eq!(error.len(), 1, "one error line: {stderr}");
    assert!(
        error[0].contains(expected),
        "{:?} names {expected}",
        error[0]
    );
    error[0].to_string()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `export` of `scene` to `out`: 320×240, `seconds` long.
fn small_export(scene: &str, out: &Path, seconds: u32) -> Vec<String> {
    let out = out.to_string_lossy();
    let seconds = seconds.to_string();
    [
        "export",
        "--scene",
        scene,
        "--out",
        &out,
        "--width",
        "320",
        "--height",
        "240",
        "--duration-secs",
        &seconds,
    ]
    .map(str::to_string)
    .to_vec()
}

/// Panics unless `run_dir` holds a checkpoint the window and the CLI can open.
fn loads(run_dir: &Path) {
    if let Err(error) =
        flowscope::session::Session::load_checkpoint(run_dir, &burn::tensor::Device::flex())
    {
        panic!(
            "the checkpoint in {} does not load: {error}",
            run_dir.display()
        );
    }
}

fn quick_scene(dir: &Path, steps: usize, width: usize) -> String {
    let path = dir.join("quick.toml");
    std::fs::write(
        &path,
        format!(
            "title = \"Quick test\"\nspace = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n\
             [model]\nwidth = {width}\n[train]\nsteps = {steps}\nbatch = 128\n[sample]\nparticles = 300\nsteps = 20\n"
        ),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn an_export_onto_a_full_disk_fails_cleanly_and_keeps_the_file_it_would_replace() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 30, 32);
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).unwrap();
    for name in ["flow.mp4", "flow.gif"] {
        let out = videos.join(name);
        std::fs::write(&out, b"last week's video").unwrap();
        let output = on_a_full_disk(&small_export(&scene, &out, 2), 32 * 1024);
        let error = one_clear_sentence(&output, name);
        assert!(error.contains("File too large"), "{error}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            b"last week's video",
            "{name} is kept"
        );
    }
    assert_eq!(
        names_in(&videos),
        ["flow.gif", "flow.mp4"],
        "no partial file"
    );
}

#[test]
fn a_checkpoint_onto_a_full_disk_fails_cleanly_and_keeps_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 20, 128);
    let run_dir = dir.path().join("run");
    let run_text = run_dir.to_string_lossy().into_owned();
    succeeds(&["train", "--scene", &scene, "--out", &run_text]);
    let before: Vec<(String, Vec<u8>)> = names_in(&run_dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(run_dir.join(&n)).unwrap()))
        .collect();
    let model_bytes = std::fs::metadata(run_dir.join("model.bpk")).unwrap().len();
    assert!(model_bytes > 16 * 1024, "the weights outgrow the limit");

    let output = on_a_full_disk(
        &[
            "train", "--resume", &run_text, "--steps", "20", "--out", &run_text,
        ],
        16 * 1024,
    );
    one_clear_sentence(&output, "model.bpk");
    let after: Vec<(String, Vec<u8>)> = names_in(&run_dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(run_dir.join(&n)).unwrap()))
        .collect();
    assert_eq!(
        after.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        before.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "no partial file"
    );
    let unchanged = |name: &str| {
        before.iter().find(|(n, _)| n == name).map(|(_, b)| b)
            == after.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    };
    assert!(unchanged("model.bpk") && unchanged("scene.toml"));
    loads(&run_dir);
}

#[test]
fn killing_the_process_while_it_saves_a_checkpoint_leaves_a_loadable_one() {
    // Weights of 8 MB, so writing them takes long enough to be caught in the act: each run is
    // killed the moment its partial weights file appears.
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 1, 1024);
    let run_dir = dir.path().join("run");
    let run_text = run_dir.to_string_lossy().into_owned();
    let quick_eval = ["--eval-points", "16", "--eval-steps", "2"];
    let mut first = vec!["train", "--scene", &scene, "--out", &run_text];
    first.extend(quick_eval);
    succeeds(&first);
    let mut resume = vec![
        "train", "--resume", &run_text, "--steps", "1", "--out", &run_text,
    ];
    resume.extend(quick_eval);
    let partial = run_dir.join(".model.bpk.partial");

    let device = burn::tensor::Device::flex();
    let mut caught_saving = 0;
    for _ in 0..6 {
        let mut child = flowscope()
            .args(&resume)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        loop {
            if partial.exists() {
                let _ = child.kill();
                caught_saving += 1;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::yield_now();
        }
        let _ = child.wait();
        let session = flowscope::session::Session::load_checkpoint(&run_dir, &device);
        assert!(
            session.is_ok(),
            "after a kill during the save the checkpoint does not load: {}",
            session.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
    assert!(caught_saving > 0, "no run was caught while saving");
    // The next save replaces the partial file a kill left.
    succeeds(&resume);
    assert_eq!(
        names_in(&run_dir),
        ["metrics.json", "model.bpk", "scene.toml"]
    );
}

#[test]
fn removing_the_output_folder_during_an_export_is_reported_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 30, 32);
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).unwrap();
    let out = videos.join("flow.gif");
    let child = flowscope()
        .args(small_export(&scene, &out, 30))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the partial file exists the export is under way: remove its folder.
    let deadline = Instant::now() + Duration::from_secs(60);
    while names_in(&videos).is_empty() {
        assert!(Instant::now() < deadline, "the export never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&videos).unwrap();
    let output = child.wait_with_output().unwrap();
    let error = one_clear_sentence(&output, "flow.gif");
    assert!(error.contains("removed"), "{error}");
    assert!(!videos.exists(), "nothing is written in its place");
}

#[test]
fn removing_the_output_folder_during_training_writes_the_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 1500, 64);
    let run_dir = dir.path().join("run");
    let child = flowscope()
        .args([
            "train",
            "--scene",
            &scene,
            "--out",
            &run_dir.to_string_lossy(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !run_dir.exists() {
        assert!(Instant::now() < deadline, "training never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::remove_dir_all(&run_dir).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        names_in(&run_dir),
        ["metrics.json", "model.bpk", "scene.toml"]
    );
    loads(&run_dir);
}

#[test]
fn an_export_without_a_vulkan_driver_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path(), 30, 32);
    let out = dir.path().join("flow.gif");
    let output = flowscope()
        .args(["export", "--scene", &scene, "--out", &out.to_string_lossy()])
        // The Vulkan loader finds no driver here.
        .env("VK_ICD_FILENAMES", dir.path().join("none.json"))
        .env("VK_DRIVER_FILES", dir.path().join("none.json"))
        .output()
        .unwrap();
    let error = one_clear_sentence(&output, "mesa-vulkan-drivers");
    assert!(error.contains("no GPU adapter for drawing"), "{error}");
    assert_eq!(names_in(dir.path()), ["quick.toml"], "nothing written");
}
