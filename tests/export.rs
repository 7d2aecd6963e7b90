//! Export as a new user runs it: videos decode with real decoders (ffprobe, the gif crate, the
//! png decoder) at the size, rate and length asked; frames are drawn, change over time and are
//! the same for the same seed; cancelling or failing leaves no file; NPY loads in NumPy.

use std::path::Path;
use std::process::{Command, Output};

fn flowscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn succeeds(args: &[&str]) -> Output {
    let output = flowscope(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn fails_with(args: &[&str], expected: &str) {
    let output = flowscope(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} should fail");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains(&expected.to_lowercase()),
        "{args:?}: {stderr:?} does not mention {expected:?}"
    );
}

/// A scene that trains in a fraction of a second.
fn quick_scene(dir: &Path) -> String {
    let path = dir.join("quick.toml");
    std::fs::write(
        &path,
        "title = \"Quick test\"\nspace = \"plane\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"moons\"\n\
         [train]\nsteps = 30\nbatch = 128\n[sample]\nparticles = 300\nsteps = 20\n",
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

fn only_entry_is(dir: &Path, name: &str) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "quick.toml")
        .collect();
    assert_eq!(names, [name], "exactly the output, no partial files");
}

#[test]
fn mp4_decodes_at_the_asked_size_rate_and_length() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path());
    let out = dir.path().join("flow.mp4");
    let out_text = out.to_string_lossy();
    // An odd width is rounded down to even for H.264.
    let output = succeeds(&[
        "export",
        "--scene",
        &scene,
        "--out",
        &out_text,
        "--width",
        "321",
        "--height",
        "240",
        "--fps",
        "12",
        "--duration-secs",
        "1",
        "--device",
        "cpu",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("320×240"));
    only_entry_is(dir.path(), "flow.mp4");
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,width,height,r_frame_rate,nb_read_frames,pix_fmt",
            "-of",
            "json",
        ])
        .arg(&out)
        .output()
        .expect("ffprobe runs (.ci/run installs ffmpeg)");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let stream = &info["streams"][0];
    assert_eq!(stream["codec_name"], "h264");
    assert_eq!(stream["pix_fmt"], "yuv420p");
    assert_eq!(stream["width"], 320);
    assert_eq!(stream["height"], 240);
    assert_eq!(stream["r_frame_rate"], "12/1");
    assert_eq!(stream["nb_read_frames"], "12");
}

#[test]
fn gif_loops_with_the_asked_frames() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path());
    let out = dir.path().join("flow.gif");
    succeeds(&[
        "export",
        "--scene",
        &scene,
        "--out",
        &out.to_string_lossy(),
        "--width",
        "200",
        "--height",
        "120",
        "--fps",
        "10",
        "--duration-secs",
        "0.8",
        "--device",
        "cpu",
    ]);
    only_entry_is(dir.path(), "flow.gif");
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(&out).unwrap())
        .unwrap();
    assert_eq!((decoder.width(), decoder.height()), (200, 120));
    assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.delay, 10, "1/10 s per frame");
        frames.push(frame.buffer.to_vec());
    }
    assert_eq!(frames.len(), 8);
    assert_ne!(frames[0], frames[7], "the flow moves");
}

fn png_frames(dir: &Path) -> Vec<image::RgbaImage> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = (1..=names.len())
        .map(|i| format!("frame_{i:05}.png"))
        .collect();
    assert_eq!(names, expected, "numbered from 1 with no gaps");
    names
        .iter()
        .map(|n| image::open(dir.join(n)).unwrap().to_rgba8())
        .collect()
}

#[test]
fn png_frames_are_numbered_drawn_moving_and_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path());
    let mut runs = Vec::new();
    for name in ["a", "b"] {
        let out = dir.path().join(name);
        succeeds(&[
            "export",
            "--scene",
            &scene,
            "--out",
            &format!("{}/", out.display()),
            "--width",
            "160",
            "--height",
            "96",
            "--fps",
            "6",
            "--duration-secs",
            "1",
            "--device",
            "cpu",
        ]);
        runs.push(png_frames(&out));
    }
    let frames = &runs[0];
    assert_eq!(frames.len(), 6);
    for frame in frames {
        assert_eq!(frame.dimensions(), (160, 96));
        let first = frame.get_pixel(0, 0);
        let distinct = frame.pixels().filter(|p| *p != first).count();
        assert!(
            distinct > 200,
            "a frame is not blank ({distinct} pixels differ)"
        );
    }
    assert_ne!(frames[0], frames[5], "frames change over time");
    assert_eq!(runs[0], runs[1], "the same seed gives the same frames");
}

#[test]
fn cancelling_leaves_no_file() {
    use flowscope::export::{ExportRun, VideoSettings, export_video};
    let dir = tempfile::tempdir().unwrap();
    let mut scene = flowscope::scene::Scene::default();
    scene.sample.particles = 200;
    scene.sample.steps = 10;
    let session = flowscope::session::Session::new(scene, &burn::tensor::Device::flex()).unwrap();
    let mut runs = [ExportRun {
        session,
        label: "test".into(),
    }];
    let settings = VideoSettings {
        width: 128,
        height: 96,
        fps: 10,
        duration_secs: 2.0,
        ..VideoSettings::default()
    };
    for name in ["cancel.mp4", "cancel.gif", "frames/"] {
        let out = dir.path().join(name);
        let mut seen = 0;
        let result = export_video(&mut runs, &settings, &out, &mut |progress| {
            seen = progress.frame;
            progress.frame < 3
        });
        assert!(
            matches!(result, Err(flowscope::Error::Cancelled)),
            "{name}: {result:?}"
        );
        assert_eq!(seen, 3);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{name}: {left:?} left behind");
    }
}

#[test]
fn bad_export_settings_fail_cleanly_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path());
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    fails_with(
        &["export", "--scene", &scene, "--out", &out("a.avi")],
        "unknown video format",
    );
    fails_with(
        &[
            "export",
            "--scene",
            &scene,
            "--out",
            &out("a.mp4"),
            "--width",
            "5000",
        ],
        "not supported",
    );
    fails_with(
        &[
            "export",
            "--scene",
            &scene,
            "--out",
            &out("a.mp4"),
            "--fps",
            "0",
        ],
        "fps",
    );
    fails_with(
        &[
            "export",
            "--scene",
            &scene,
            "--out",
            "/nonexistent-dir/a.mp4",
            "--duration-secs",
            "0.2",
        ],
        "/nonexistent-dir/a.mp4",
    );
    only_entry_is_nothing_but_the_scene(dir.path());
}

fn only_entry_is_nothing_but_the_scene(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["quick.toml"]);
}

/// A Python that has NumPy: the one on PATH, or the system's (where .ci/run installs it).
fn numpy_python() -> &'static str {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| {
            Command::new(python)
                .args(["-c", "import numpy"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("a python3 with NumPy (.ci/run installs python3-numpy)")
}

#[test]
fn npy_trajectories_load_in_numpy_and_equal_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let scene = quick_scene(dir.path());
    let run = dir.path().join("run").to_string_lossy().into_owned();
    succeeds(&["train", "--scene", &scene, "--device", "cpu", "--out", &run]);
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    for trajectories in ["t.npy", "t.csv"] {
        succeeds(&[
            "sample",
            "--run",
            &run,
            "--n",
            "7",
            "--steps",
            "5",
            "--device",
            "cpu",
            "--out",
            &path("x.csv"),
            "--trajectories",
            &path(trajectories),
        ]);
    }
    let numpy = Command::new(numpy_python())
        .args([
            "-c",
            "import sys, json, numpy; a = numpy.load(sys.argv[1]); \
             print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'values': a.ravel().tolist()}))",
        ])
        .arg(path("t.npy"))
        .output()
        .expect("python3 runs (.ci/run installs NumPy)");
    assert!(
        numpy.status.success(),
        "{}",
        String::from_utf8_lossy(&numpy.stderr)
    );
    let loaded: serde_json::Value = serde_json::from_slice(&numpy.stdout).unwrap();
    assert_eq!(loaded["shape"], serde_json::json!([6, 7, 2]));
    assert_eq!(loaded["dtype"], "float32");
    let csv = std::fs::read_to_string(path("t.csv")).unwrap();
    // Compared as float32, the arrays' type (JSON's decimal text round-trips through f64).
    let from_csv: Vec<f32> = csv
        .lines()
        .skip(1)
        .flat_map(|line| {
            line.split(',')
                .skip(3)
                .map(|v| v.parse::<f32>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let from_npy: Vec<f32> = loaded["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(from_npy, from_csv);
}

#[test]
fn a_dw4_run_exports_as_small_multiples_with_every_cell_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("dw4.toml");
    std::fs::write(
        &scene,
        "title = \"DW4\"\nspace = \"cloud\"\n[source]\nname = \"gaussian\"\n[target]\nname = \"dw4\"\n\
         [coupling]\nmethod = \"equivariant\"\nk = 64\n[model]\nnetwork = \"egnn\"\nwidth = 16\ndepth = 2\n\
         [train]\nsteps = 20\nbatch = 64\n[sample]\nparticles = 32\nsteps = 20\n[eval]\npoints = 64\nsteps = 10\n",
    )
    .unwrap();
    let scene = scene.to_string_lossy().into_owned();
    let frames = dir.path().join("frames");
    succeeds(&[
        "export",
        "--scene",
        &scene,
        "--view",
        "configurations",
        "--out",
        &format!("{}/", frames.display()),
        "--width",
        "320",
        "--height",
        "320",
        "--fps",
        "4",
        "--duration-secs",
        "1",
        "--device",
        "cpu",
    ]);
    let frames = png_frames(&frames);
    assert_eq!(frames.len(), 4);
    // The camera shows x from −0.6 to 3.6 and y from 0.6 down to −3.6: cell (c, r) is centred
    // at world (c, −r), 320/4.2 pixels a unit.
    let px = 320.0 / 4.2;
    for frame in &frames {
        let background = *frame.get_pixel(2, 2);
        for cell in 0..16 {
            let (cx, cy) = ((cell % 4) as f32, (cell / 4) as f32);
            let (x0, y0) = ((cx + 0.6 - 0.4) * px, (cy + 0.6 - 0.4) * px);
            let coloured = (x0 as u32..(x0 + 0.8 * px) as u32)
                .flat_map(|x| (y0 as u32..(y0 + 0.8 * px) as u32).map(move |y| (x, y)))
                .filter(|&(x, y)| {
                    let p = frame.get_pixel(x, y);
                    let spread = p.0[..3].iter().max().unwrap() - p.0[..3].iter().min().unwrap();
                    *p != background && spread > 60
                })
                .count();
            assert!(
                coloured > 8,
                "cell {cell} shows its particles ({coloured} coloured pixels)"
            );
        }
    }
    // The aligned overlay draws every sample's particles in the colours of the reference's.
    let aligned = dir.path().join("aligned");
    succeeds(&[
        "export",
        "--scene",
        &scene,
        "--view",
        "aligned",
        "--out",
        &format!("{}/", aligned.display()),
        "--width",
        "160",
        "--height",
        "160",
        "--fps",
        "2",
        "--duration-secs",
        "0.5",
        "--device",
        "cpu",
    ]);
    let frame = &png_frames(&aligned)[0];
    let hues: std::collections::BTreeSet<[u8; 3]> = frame
        .pixels()
        .filter(|p| p.0[..3].iter().max().unwrap() - p.0[..3].iter().min().unwrap() > 100)
        .map(|p| [p.0[0] / 64, p.0[1] / 64, p.0[2] / 64])
        .collect();
    assert!(
        hues.len() >= 4,
        "one colour per reference particle: {hues:?}"
    );
    let gif = dir.path().join("dw4.gif");
    succeeds(&[
        "export",
        "--scene",
        &scene,
        "--view",
        "configurations",
        "--out",
        &gif.to_string_lossy(),
        "--width",
        "160",
        "--height",
        "160",
        "--fps",
        "5",
        "--duration-secs",
        "0.6",
        "--device",
        "cpu",
    ]);
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(&gif).unwrap())
        .unwrap();
    let mut count = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 3);
}

#[test]
fn the_disk_view_draws_the_rim_where_the_unit_circle_is() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("disk.toml");
    std::fs::write(
        &scene,
        "space = \"hyperbolic\"\n[source]\nname = \"wrapped_normal\"\n[target]\nname = \"tree\"\n\
         [train]\nsteps = 10\nbatch = 64\n[sample]\nparticles = 50\nsteps = 10\n[eval]\npoints = 64\nsteps = 10\n",
    )
    .unwrap();
    let frames = dir.path().join("frames");
    succeeds(&[
        "export",
        "--scene",
        &scene.to_string_lossy(),
        "--view",
        "disk",
        "--out",
        &format!("{}/", frames.display()),
        "--width",
        "220",
        "--height",
        "220",
        "--fps",
        "2",
        "--duration-secs",
        "0.5",
        "--device",
        "cpu",
        "--no-caption",
    ]);
    let frame = &png_frames(&frames)[0];
    let background = *frame.get_pixel(1, 1);
    // The camera spans 2.2 units across 220 pixels: the rim is 100 pixels from the centre.
    let mut lit = 0;
    for k in 0..72 {
        let a = std::f32::consts::TAU * k as f32 / 72.0;
        let hit = (98..=102).any(|r| {
            let (x, y) = (110.0 + r as f32 * a.cos(), 110.0 - r as f32 * a.sin());
            *frame.get_pixel(x.round() as u32, y.round() as u32) != background
        });
        lit += usize::from(hit);
    }
    assert!(lit >= 68, "the rim shows in {lit} of 72 directions");
    // Outside the rim there is only background.
    assert_eq!(*frame.get_pixel(110 + 108, 110), background);
}
