//! The real window in a virtual X display (Xvfb, driven by xdotool; CI installs both): a short
//! soak through scenes, compare and presentation modes, resizes, minimising, an export and a
//! reflow (tests/soak.sh; README gives the 30-minute figures), and the GPU path with the window
//! drawing on the device burn trains on (a software adapter standing in for the GPU).
//!
//! The two share the machine's cores, so they run one after the other.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

static ONE_WINDOW_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs tests/soak.sh for `minutes` with `gui_args`, returning its output folder and status.
fn soak(
    minutes: u32,
    env: &[(&str, &str)],
    gui_args: &[&str],
) -> (tempfile::TempDir, bool, String) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/soak.sh"))
        .args(["-m", &minutes.to_string(), "-o"])
        .arg(out.path())
        .arg("--")
        .args(gui_args)
        .env("FLOWSCOPE_BIN", env!("CARGO_BIN_EXE_flowscope"))
        .envs(env.iter().copied())
        .output()
        .expect("tests/soak.sh runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (out, output.status.success(), report)
}

fn window_log(out: &Path) -> String {
    std::fs::read_to_string(out.join("window.log")).unwrap_or_default()
}

/// Distinct colours in the screen captured at the end: a drawn window has many.
fn colours_on_screen(out: &Path) -> usize {
    let image = image::open(out.join("last.png"))
        .expect("a screenshot")
        .to_rgb8();
    let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
fn the_window_lives_through_a_two_minute_soak() {
    let _one = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let (out, passed, report) = soak(2, &[], &[]);
    assert!(passed, "{report}\n{}", window_log(out.path()));
    let samples = std::fs::read_to_string(out.path().join("samples.csv")).unwrap();
    assert!(
        samples.lines().count() > 20,
        "sampled every few seconds:\n{samples}"
    );
    assert!(
        out.path().join("saves/flow.mp4").is_file(),
        "the export finished: {report}"
    );
    assert!(colours_on_screen(out.path()) > 50, "the window is drawn");
}

#[test]
fn the_window_draws_with_the_device_it_trains_on() {
    let _one = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let (out, passed, report) = soak(1, &[("FLOWSCOPE_SOFTWARE_GPU", "1")], &["--device", "gpu"]);
    let log = window_log(out.path());
    assert!(passed, "{report}\n{log}");
    assert!(
        log.contains("device: gpu (burn wgpu)"),
        "the window trains on the wgpu device: {log}"
    );
    assert!(colours_on_screen(out.path()) > 50, "the window is drawn");
}

#[test]
fn the_window_without_a_vulkan_driver_says_what_to_install() {
    let _one = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let display = ":59";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "800x600x24", "-nolisten", "tcp"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Xvfb runs (CI installs it)");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_flowscope"))
        .arg("gui")
        .env("DISPLAY", display)
        .env("XDG_CONFIG_HOME", dir.path())
        // The Vulkan loader finds no driver; wgpu's GL fallback cannot draw our views.
        .env("VK_ICD_FILENAMES", dir.path().join("none.json"))
        .env("VK_DRIVER_FILES", dir.path().join("none.json"))
        .output()
        .expect("the binary runs");
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("mesa-vulkan-drivers") && stderr.contains("flowscope --help"),
        "{stderr}"
    );
}
