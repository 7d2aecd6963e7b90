//! The command line: every run the window can make, reproducible headless.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use flowscope::coupling::{
    Alignment, Corruption, CouplingMethod, MAX_K, PairedApproach, PlaneGroup, ReflowConfig,
    aligned_sources, couple, orbit_assignment,
};
use flowscope::data::{DistConfig, Points, build_sampler, write_atomically};
use flowscope::device::{self, DeviceChoice};
use flowscope::flow::{Activation, GuidanceConfig, RequestedLabel, Solver};
use flowscope::geometry::mesh::MeshConfig;
use flowscope::metrics;
use flowscope::render::ViewMode;
use flowscope::rng::Rng;
use flowscope::scene::Scene;
use flowscope::session::{METRICS_FILE, Session};
use flowscope::space::SpaceKind;

#[derive(Parser)]
#[command(
    name = "flowscope",
    version,
    about = "Train flow-matching models in the plane, on the sphere and on the torus, and watch their paths."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Open the window (also what `flowscope` with no command does).
    Gui(GuiArgs),
    /// Train a model and write DIR/metrics.json, DIR/scene.toml and DIR/model.bpk.
    Train(Box<TrainArgs>),
    /// Push source samples through a trained model.
    Sample(SampleArgs),
    /// Match two equal-size samples by exact or entropic OT; JSON on stdout.
    Couple(CoupleArgs),
    /// W2 and energy distance between two samples; JSON on stdout.
    Metrics(MetricsArgs),
    /// List the distributions and their parameters.
    Datasets,
    /// Write samples of a distribution to CSV.
    Draw(DrawArgs),
    /// Measure training, OT and sampling speed; JSON on stdout.
    Bench(BenchArgs),
    /// Render a video of the flow or of training: MP4, GIF, or numbered PNGs in a directory.
    Export(ExportArgs),
    /// The trained model's log-density (natural log) at each point of a CSV file
    Likelihood(LikelihoodArgs),
    /// Train a grid of scene variants a few at a time; one row of metrics per run in
    /// DIR/results.csv, and a PNG plot per metric. Resumable: a rerun skips finished rows.
    Sweep(SweepArgs),
    /// A mesh's size and the smallest eigenvalues of its Laplace–Beltrami operator; JSON on stdout.
    MeshInfo(MeshInfoArgs),
    /// The geodesic, biharmonic and diffusion distance from one point of a planar mesh, side by
    /// side as heat maps with isolines, in one PNG.
    MeshField(MeshFieldArgs),
}

/// What `--view` asks for: one picture of the space, or three couplings side by side.
#[derive(Clone, Copy, PartialEq, Eq)]
enum VideoView {
    Picture(ViewMode),
    Compare,
}

/// Parses `--view` against the views, listing them (and `compare`) in `--help`.
fn video_view_parser() -> impl clap::builder::TypedValueParser<Value = VideoView> {
    use clap::builder::{PossibleValue, TypedValueParser};
    let views = flowscope::space::views();
    let mut values: Vec<PossibleValue> = views
        .iter()
        .map(|view| PossibleValue::new(view.cli_name).help(view.description))
        .collect();
    values.push(
        PossibleValue::new("compare")
            .help("Independent vs OT k = 64 vs OT k = 1024, side by side."),
    );
    clap::builder::PossibleValuesParser::new(values).map(move |name| {
        views
            .iter()
            .copied()
            .find(|view| view.cli_name == name)
            .map_or(VideoView::Compare, VideoView::Picture)
    })
}

#[derive(Args)]
struct ExportArgs {
    /// Scene file (TOML); without --run its model is trained first.
    #[arg(long)]
    scene: Option<PathBuf>,
    /// Run directory from `flowscope train`: its weights (and scene, unless --scene) are used.
    #[arg(long)]
    run: Option<PathBuf>,
    /// FILE.mp4, FILE.gif, or DIR/ for numbered PNG frames.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
    #[arg(long, default_value_t = 30)]
    fps: u32,
    #[arg(long, default_value_t = 10.0)]
    duration_secs: f64,
    #[arg(long, value_enum, default_value = "flow")]
    animate: flowscope::export::Animation,
    #[arg(long, value_parser = video_view_parser())]
    view: Option<VideoView>,
    /// Caption title (default: the scene's title).
    #[arg(long)]
    title: Option<String>,
    /// No caption at all.
    #[arg(long)]
    no_caption: bool,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
}

#[derive(Args)]
struct TrainArgs {
    /// Scene file (TOML) to start from; flags override its settings.
    #[arg(long)]
    scene: Option<PathBuf>,
    /// Continue the run saved in DIR (by `train` or the window) for --steps more steps (default:
    /// as many as it has done); settings that would need fresh weights are refused. The weights
    /// carry over; Adam's moment estimates start afresh.
    #[arg(long, conflicts_with = "scene")]
    resume: Option<PathBuf>,
    /// Reflow the run in DIR: train a new model on its pairs (x0, ψ1(x0)), starting from its
    /// weights and data (its scene, with these flags on top).
    #[arg(long, conflicts_with_all = ["scene", "resume"])]
    reflow_from: Option<PathBuf>,
    /// Pairs generated from the run being reflowed (default 10000).
    #[arg(long)]
    reflow_pairs: Option<usize>,
    /// Condition the model on the target's labels (for classifier-free guidance).
    #[arg(long)]
    conditional: bool,
    /// Probability of replacing a label by the null label while training (default 0.2).
    #[arg(long)]
    p_drop: Option<f64>,
    /// Train on a fixed set of this many examples per label (0: unlimited).
    #[arg(long)]
    samples_per_label: Option<usize>,
    /// How the paired coupling corrupts a target point into its observation.
    #[arg(long, value_enum)]
    corruption: Option<Corruption>,
    /// Corruption strength: grid cell width (quantize) or noise level (noise).
    #[arg(long)]
    corruption_level: Option<f64>,
    /// Noise added to the observation to make the paired coupling's starting point.
    #[arg(long)]
    sigma: Option<f64>,
    /// How the paired coupling uses the observation Y: start the flow at Y + σ·ε, or start at
    /// the source and give Y to the network (the conditional-model approach).
    #[arg(long, value_enum)]
    paired_approach: Option<PairedApproach>,
    #[arg(long, value_parser = space_parser())]
    space: Option<SpaceKind>,
    #[command(flatten)]
    mesh: MeshArgs,
    /// Source distribution (see `flowscope datasets`).
    #[arg(long)]
    source: Option<String>,
    /// Target distribution (see `flowscope datasets`).
    #[arg(long)]
    target: Option<String>,
    #[arg(long, value_enum)]
    coupling: Option<CouplingMethod>,
    /// Symmetry group of the plane's data, cM (M rotations) or dM (and M reflections): the
    /// equivariant coupling aligns pairs along it.
    #[arg(long, value_parser = |name: &str| flowscope::geometry::Symmetry::parse(name))]
    symmetry: Option<flowscope::geometry::Symmetry>,
    /// OT batch size: points matched per solve.
    #[arg(long)]
    k: Option<usize>,
    /// Sinkhorn regularisation, as a fraction of the mean pairwise cost.
    #[arg(long)]
    epsilon: Option<f64>,
    /// Training steps on each batch of pairs, each with fresh times (default 1): keeps the model
    /// training while a slow coupling (equivariant OT on LJ13) solves the next batch.
    #[arg(long)]
    reuse: Option<usize>,
    #[arg(long)]
    batch: Option<usize>,
    #[arg(long)]
    steps: Option<usize>,
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long)]
    width: Option<usize>,
    #[arg(long)]
    depth: Option<usize>,
    #[arg(long, value_enum)]
    activation: Option<Activation>,
    /// The velocity network: the MLP, or the MLP averaged over --symmetry (equivariant).
    #[arg(long, value_enum)]
    model: Option<flowscope::flow::Network>,
    #[arg(long)]
    seed: Option<u64>,
    /// Held-out source/target points used to score the model (default 1000).
    #[arg(long)]
    eval_points: Option<usize>,
    /// Euler steps used to score the model (default 100).
    #[arg(long)]
    eval_steps: Option<usize>,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct SampleArgs {
    /// Run directory written by `flowscope train`.
    #[arg(long)]
    run: PathBuf,
    #[arg(long, default_value_t = 1000)]
    n: usize,
    #[arg(long, value_enum)]
    solver: Option<Solver>,
    #[arg(long)]
    steps: Option<usize>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
    /// Label the particles ask for (a number, `all` for every label in turn, or `none` for the
    /// unconditional model); needs a model trained with --conditional.
    #[arg(long)]
    label: Option<RequestedLabel>,
    /// Guidance scale w in v = (1−w)·v(x,t|∅) + w·v(x,t|y), from −1 to 8 (default 1, the
    /// conditional model; w = 1 + s for the (1+s)·cond − s·uncond form).
    #[arg(long, allow_negative_numbers = true)]
    guidance: Option<f64>,
    /// Final positions (CSV; with guidance, a label column holds each particle's requested label).
    #[arg(long)]
    out: PathBuf,
    /// Every step of every particle: CSV (step,t,particle,coordinates...), or, when the name
    /// ends in .npy, a float32 array of shape [steps + 1, n, dim].
    #[arg(long)]
    trajectories: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OtMethod {
    Exact,
    Sinkhorn,
    /// Exact OT on the orbit cost of the space's group (a point cloud's rotations and
    /// relabellings, or the plane's --symmetry), each source row aligned to its partner.
    Equivariant,
}

#[derive(Args)]
struct CoupleArgs {
    #[arg(long, value_parser = space_parser())]
    space: SpaceKind,
    #[command(flatten)]
    mesh: MeshArgs,
    #[arg(long, value_enum)]
    method: OtMethod,
    /// Sinkhorn regularisation, as a fraction of the mean pairwise cost.
    #[arg(long, default_value_t = 0.05)]
    epsilon: f64,
    #[arg(long)]
    source: PathBuf,
    #[arg(long)]
    target: PathBuf,
    /// Seed for drawing pairs from the Sinkhorn plan.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The plane's symmetry group for --method equivariant: cM or dM.
    #[arg(long, value_parser = |name: &str| flowscope::geometry::Symmetry::parse(name))]
    symmetry: Option<flowscope::geometry::Symmetry>,
}

#[derive(Args)]
struct MetricsArgs {
    #[arg(long, value_parser = space_parser())]
    space: SpaceKind,
    #[command(flatten)]
    mesh: MeshArgs,
    #[arg(long)]
    a: PathBuf,
    #[arg(long)]
    b: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LikelihoodSolver {
    Rk4,
    Dopri5,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EstimatorChoice {
    Exact,
    Hutchinson,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ProbeChoice {
    Rademacher,
    Gaussian,
}

#[derive(Args)]
struct LikelihoodArgs {
    /// Run directory written by `flowscope train`.
    #[arg(long)]
    run: PathBuf,
    /// Points to score (CSV with the space's columns).
    #[arg(long)]
    points: PathBuf,
    /// How the path back to t = 0 is integrated: fixed RK4 steps, or adaptive dopri5.
    #[arg(long, value_enum, default_value = "rk4")]
    solver: LikelihoodSolver,
    /// RK4 steps of the backward integration.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// dopri5's relative and absolute tolerance.
    #[arg(long, default_value_t = 1e-5)]
    tolerance: f64,
    /// How the divergence is computed: exactly, or by Hutchinson's trace estimator.
    #[arg(long, value_enum, default_value = "exact")]
    estimator: EstimatorChoice,
    /// Hutchinson's probes per point (the output then adds `log_density_se`).
    #[arg(long, default_value_t = 16)]
    probes: usize,
    /// The distribution of Hutchinson's probes.
    #[arg(long, value_enum, default_value = "rademacher")]
    probe: ProbeChoice,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
    /// The input columns plus `log_density` (natural log), one row per point.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct SweepArgs {
    /// The scene to vary (its [sweep] table, if any, adds settings, seeds and plots).
    #[arg(long)]
    scene: PathBuf,
    /// A varied key and its values, KEY=V1,V2,… (e.g. coupling.k=1,16,256); repeatable.
    #[arg(long = "set", value_name = "KEY=V1,V2")]
    set: Vec<String>,
    /// Seeds per variant, counting up from the scene's train.seed.
    #[arg(long)]
    repeat: Option<usize>,
    /// Directory for results.csv, the plots and each run's checkpoint.
    #[arg(long)]
    out: PathBuf,
    /// Runs trained at once (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// A metric to plot against the x key (DIR/METRIC.png); repeatable.
    #[arg(long)]
    plot: Vec<String>,
    /// The key along the plots' x axis (default: the first varied key).
    #[arg(long)]
    x: Option<String>,
    /// Also plot each metric's ratio between two values of a varied key, KEY=A/B (e.g.
    /// coupling.method=exact/independent), as DIR/METRIC_ratio.png.
    #[arg(long, value_name = "KEY=A/B")]
    ratio: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
}

/// The mesh space's settings, shared by the commands that take `--space mesh`.
#[derive(Args, Clone, Default)]
struct MeshArgs {
    /// The mesh of `--space mesh`: maze (default), maze-SEED, spiral, comb, room, rectangle,
    /// sphere, bumpy-sphere, or an .obj file.
    #[arg(long)]
    mesh: Option<String>,
    /// The premetric the mesh's flows descend: geodesic, biharmonic (default), diffusion, or
    /// euclidean (straight lines through the walls: the baseline).
    #[arg(long, value_enum)]
    premetric: Option<flowscope::geometry::mesh::PremetricKind>,
    /// Eigenpairs of the spectral premetrics (default 100).
    #[arg(long)]
    eigenpairs: Option<usize>,
    /// The diffusion premetric's time (default 0.05; far below the domain's size squared the
    /// distance flattens out and its gradient vanishes).
    #[arg(long)]
    tau: Option<f64>,
}

impl MeshArgs {
    fn given(&self) -> bool {
        self.mesh.is_some()
            || self.premetric.is_some()
            || self.eigenpairs.is_some()
            || self.tau.is_some()
    }

    /// `base` (the default maze when none) with these flags on top.
    fn config(&self, base: Option<MeshConfig>) -> MeshConfig {
        let mut config = base.unwrap_or_default();
        if let Some(mesh) = &self.mesh {
            config.name = mesh.clone();
        }
        if let Some(premetric) = self.premetric {
            config.premetric = premetric;
        }
        if let Some(eigenpairs) = self.eigenpairs {
            config.eigenpairs = eigenpairs;
        }
        if let Some(tau) = self.tau {
            config.tau = tau;
        }
        config
    }

    /// `space`, or for `--space mesh` the space of the mesh these flags name.
    fn fit(&self, space: SpaceKind) -> Result<SpaceKind> {
        if space.name() != flowscope::space::MESH {
            if self.given() {
                bail!("--mesh, --premetric, --eigenpairs and --tau apply to --space mesh");
            }
            return Ok(space);
        }
        Ok(flowscope::space::mesh_space(&self.config(None))?)
    }
}

#[derive(Args)]
struct MeshFieldArgs {
    /// A planar mesh: maze (default), maze-SEED, spiral, comb, room, rectangle, or an .obj file.
    #[arg(long, default_value = "maze")]
    mesh: String,
    /// The point the distances are measured from, X,Y in the mesh's coordinates (default: the
    /// top-left blob's centre).
    #[arg(long, value_parser = parse_point)]
    from: Option<(f64, f64)>,
    /// Eigenpairs of the spectral distances.
    #[arg(long, default_value_t = 100)]
    eigenpairs: usize,
    /// The diffusion distance's time.
    #[arg(long, default_value_t = 0.05)]
    tau: f64,
    /// Width of each of the three panels, in pixels.
    #[arg(long, default_value_t = 400)]
    size: u32,
    #[arg(long)]
    out: PathBuf,
}

fn parse_point(text: &str) -> std::result::Result<(f64, f64), String> {
    let (x, y) = text
        .split_once(',')
        .ok_or_else(|| format!("expected X,Y, got '{text}'"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{s}' is not a finite number"))
    };
    Ok((number(x)?, number(y)?))
}

#[derive(Args)]
struct MeshInfoArgs {
    /// A shipped mesh (maze, spiral, comb, room, sphere, bumpy-sphere, rectangle, maze-SEED)
    /// or an .obj file.
    #[arg(long)]
    mesh: String,
    /// How many of the smallest eigenvalues to compute.
    #[arg(long, default_value_t = 10)]
    eigenpairs: usize,
}

#[derive(Args)]
struct DrawArgs {
    #[arg(long, value_parser = space_parser())]
    space: SpaceKind,
    #[command(flatten)]
    mesh: MeshArgs,
    #[arg(long)]
    dist: String,
    #[arg(long, default_value_t = 1000)]
    n: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Image file, for the `image` distribution.
    #[arg(long)]
    path: Option<PathBuf>,
    /// A parameter override, NAME=VALUE (repeatable; see `flowscope datasets`).
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, f64)>,
    #[arg(long)]
    out: PathBuf,
}

fn parse_param(text: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' in '{text}' is not a number"))?;
    Ok((name.trim().to_string(), value))
}

#[derive(Args)]
struct GuiArgs {
    /// Scene file to open instead of the last one used.
    #[arg(long)]
    scene: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
}

#[derive(Args)]
struct BenchArgs {
    /// A shorter run with fewer repetitions.
    #[arg(long)]
    quick: bool,
    /// Measure drawing instead: offscreen frames per second of the plane and sphere views.
    #[arg(long)]
    render: bool,
    /// Measure quality instead: guidance, paired-data restoration and reflow on small runs.
    #[arg(long, conflicts_with = "render")]
    quality: bool,
    #[arg(long, value_enum, default_value = "auto")]
    device: DeviceChoice,
}

impl Cli {
    /// Whether this command line opens the window (no command, or `gui`).
    pub fn opens_window(&self) -> bool {
        matches!(self.command, None | Some(Command::Gui(_)))
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => gui(GuiArgs {
            scene: None,
            device: DeviceChoice::Auto,
        }),
        Some(Command::Gui(args)) => gui(args),
        Some(Command::Train(args)) => train(*args),
        Some(Command::Sample(args)) => sample(args),
        Some(Command::Couple(args)) => couple_files(args),
        Some(Command::Metrics(args)) => metrics_files(args),
        Some(Command::Datasets) => {
            print!("{}", datasets_text());
            Ok(())
        }
        Some(Command::Draw(args)) => draw(args),
        Some(Command::Export(args)) => export(args),
        Some(Command::MeshInfo(args)) => mesh_info(args),
        Some(Command::MeshField(args)) => mesh_field(args),
        Some(Command::Sweep(args)) => sweep(args),
        Some(Command::Likelihood(args)) => likelihood(args),
        Some(Command::Bench(args)) if args.render => {
            let report = flowscope::bench::run_render(args.quick)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Some(Command::Bench(args)) if args.quality => {
            let training = select_device(args.device)?;
            let report = flowscope::bench::run_quality(args.quick, &training.device)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Some(Command::Bench(args)) => {
            let training = select_device(args.device)?;
            let report = flowscope::bench::run(args.quick, &training.device)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

fn export(args: ExportArgs) -> Result<()> {
    use flowscope::export::{Animation, ExportRun, VideoSettings};
    let settings = VideoSettings {
        width: args.width,
        height: args.height,
        fps: args.fps,
        duration_secs: args.duration_secs,
        animation: args.animate,
        view: match args.view {
            Some(VideoView::Picture(view)) => Some(view),
            Some(VideoView::Compare) | None => None,
        },
        title: (!args.no_caption).then(|| args.title.clone().unwrap_or_default()),
        t_range: (0.0, 1.0),
    };
    // Refuse bad settings before any training.
    let (width, height) = settings.frame_size(flowscope::export::check_target(&args.out)?)?;
    if (width, height) != (args.width, args.height) {
        eprintln!("note: H.264 needs even sides; writing {width}×{height}");
    }
    // On a GPU the frames are drawn with the device the runs train on.
    let training = device::select_for_window(args.device)?;
    eprintln!("device: {}", training.description);
    let gpu = match &training.shared {
        Some(setup) => flowscope::render::Offscreen::sharing(setup),
        None => flowscope::render::Offscreen::new()?,
    };
    let compare = args.view == Some(VideoView::Compare);
    if compare && args.run.is_some() {
        bail!(
            "--view compare trains its own runs (one per coupling); give --scene instead of --run"
        );
    }
    let mut runs = Vec::new();
    if let Some(dir) = &args.run {
        let mut session = Session::load_checkpoint(dir, &training.device)?;
        if let Some(path) = &args.scene {
            let scene = Scene::load(path)?;
            if let flowscope::session::SceneChange::NeedsRestart(reason) =
                flowscope::session::SceneChange::between(session.scene(), &scene)
            {
                bail!(
                    "--scene does not match the run in {}: {reason}",
                    dir.display()
                );
            }
            session.apply_scene(&scene)?;
        }
        if settings.animation == Animation::Training {
            bail!("--animate training starts from fresh weights; give --scene instead of --run");
        }
        settings.view_of(session.scene().space)?;
        let label = session.scene().run_label();
        runs.push(ExportRun { session, label });
    } else {
        let scene = match &args.scene {
            Some(path) => Scene::load(path)?,
            None => Scene::default(),
        };
        settings.view_of(scene.space)?;
        let scenes: Vec<Scene> = if compare {
            flowscope::ui::coupling_comparison()
                .into_iter()
                .map(|variant| {
                    let mut scene = scene.clone();
                    scene.coupling = variant.coupling;
                    scene
                })
                .collect()
        } else {
            vec![scene]
        };
        for scene in scenes {
            let label = scene.run_label();
            let mut session = Session::new(scene, &training.device)?;
            if settings.animation == Animation::Flow {
                let steps = session.scene().train.steps;
                let bar = progress_bar(
                    steps as u64,
                    &format!("training ({label}) [{{bar:30}}] {{percent:>3}}%"),
                );
                crate::interrupt::install();
                let finished = session.train_while(|report| {
                    bar.set_position(report.step as u64);
                    !crate::interrupt::requested()
                })?;
                if !finished {
                    return Err(crate::interrupt::Interrupted(
                        "stopped while training the scene to export; nothing was written".into(),
                    )
                    .into());
                }
                bar.finish_and_clear();
            }
            runs.push(ExportRun { session, label });
        }
    }
    let bar = progress_bar(
        RENDER_BAR_STEPS,
        "rendering [{bar:30}] {percent:>3}%, {eta} left",
    );
    crate::interrupt::install();
    let report =
        flowscope::export::export_video_on(&gpu, &mut runs, &settings, &args.out, &mut |p| {
            bar.set_position((p.fraction().clamp(0.0, 1.0) * RENDER_BAR_STEPS as f64) as u64);
            !crate::interrupt::requested()
        });
    let report = match report {
        Err(flowscope::Error::Cancelled) if crate::interrupt::requested() => {
            return Err(crate::interrupt::Interrupted(format!(
                "the export stopped; nothing was written to {}",
                args.out.display()
            ))
            .into());
        }
        other => other?,
    };
    bar.finish_and_clear();
    eprintln!(
        "wrote {} frames of {}×{} at {} fps to {} in {:.1} s ({})",
        report.frames,
        report.width,
        report.height,
        report.fps,
        args.out.display(),
        report.seconds,
        report.adapter
    );
    Ok(())
}

/// A progress bar on stderr from `template` (indicatif's syntax); indicatif draws nothing when
/// stderr is not a terminal, so scripts and logs see only the final lines.
fn progress_bar(length: u64, template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(length);
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("#>.");
    bar.set_style(style);
    bar
}

/// Steps of the rendering bar: the export reports a fraction.
const RENDER_BAR_STEPS: u64 = 1000;

fn gui(args: GuiArgs) -> Result<()> {
    if let Some(path) = &args.scene {
        // Checked here so a bad file is reported before the window opens.
        let scene = Scene::load(path)?;
        if let Some(last) = flowscope::ui::last_scene_file() {
            if let Some(dir) = last.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("could not create {}", dir.display()))?;
            }
            scene.save(&last)?;
        }
    }
    flowscope::ui::run_window(args.device)?;
    Ok(())
}

fn select_device(choice: DeviceChoice) -> Result<device::TrainingDevice> {
    let selected = device::select(choice)?;
    eprintln!("device: {}", selected.description);
    Ok(selected)
}

/// The scene `args` describe, starting from `base` (a resumed run's), the --scene file, or the
/// default scene.
fn scene_from_args(args: &TrainArgs, base: Option<Scene>) -> Result<Scene> {
    let mut scene = match (base, &args.scene) {
        (Some(scene), _) => scene,
        (None, Some(path)) => Scene::load(path)?,
        (None, None) => Scene::default(),
    };
    if let Some(space) = args.space
        && space.name() != scene.space.name()
    {
        let (source, target) = space.default_distributions();
        scene.space = space;
        scene.source = DistConfig::named(source);
        scene.target = DistConfig::named(target);
    }
    if let Some(name) = &args.source {
        scene.source = DistConfig::named(name);
    }
    if let Some(name) = &args.target {
        scene.target = DistConfig::named(name);
    }
    if args.mesh.given() {
        if scene.space.name() != flowscope::space::MESH {
            bail!("--mesh, --premetric, --eigenpairs and --tau apply to --space mesh");
        }
        scene.mesh = Some(args.mesh.config(scene.mesh.take()));
    }
    scene.fit_space()?;
    // A scene made from flags is titled by what it flows between.
    if scene.title == Scene::default().title
        && (args.space.is_some() || args.source.is_some() || args.target.is_some())
    {
        scene.title = format!("{} → {}", scene.source.name, scene.target.name);
    }
    if let Some(method) = args.coupling {
        scene.coupling.method = method;
    }
    if let Some(symmetry) = args.symmetry {
        scene.symmetry = Some(symmetry);
    }
    if let Some(network) = args.model {
        scene.model.network = network;
    }
    if let Some(k) = args.k {
        scene.coupling.k = k;
    }
    if let Some(epsilon) = args.epsilon {
        scene.coupling.epsilon = epsilon;
    }
    if let Some(reuse) = args.reuse {
        scene.coupling.reuse = reuse;
    }
    if let Some(batch) = args.batch {
        scene.train.batch = batch;
    }
    if let Some(steps) = args.steps {
        scene.train.steps = steps;
    }
    if let Some(lr) = args.lr {
        scene.train.lr = lr;
    }
    if let Some(width) = args.width {
        scene.model.width = width;
    }
    if let Some(depth) = args.depth {
        scene.model.depth = depth;
    }
    if let Some(activation) = args.activation {
        scene.model.activation = activation;
    }
    if let Some(seed) = args.seed {
        scene.train.seed = seed;
    }
    if args.conditional {
        let labels = build_sampler(scene.space, &scene.target)?.num_labels();
        if labels == 0 {
            bail!(
                "--conditional needs a labelled target, and '{}' has no labels (see flowscope datasets)",
                scene.target.name
            );
        }
        scene.model.labels = labels;
    }
    if let Some(p_drop) = args.p_drop {
        if scene.model.labels == 0 {
            bail!("--p-drop applies to conditional models; add --conditional");
        }
        scene.train.p_drop = p_drop;
    }
    if let Some(n) = args.samples_per_label {
        scene.train.samples_per_label = n;
    }
    let paired_flags = args.corruption.is_some()
        || args.corruption_level.is_some()
        || args.sigma.is_some()
        || args.paired_approach.is_some();
    if paired_flags && scene.coupling.method != CouplingMethod::Paired {
        bail!(
            "--corruption, --corruption-level, --sigma and --paired-approach apply to --coupling paired"
        );
    }
    if let Some(approach) = args.paired_approach {
        scene.coupling.paired.approach = approach;
    }
    if let Some(corruption) = args.corruption {
        scene.coupling.paired.corruption = corruption;
    }
    if let Some(level) = args.corruption_level {
        scene.coupling.paired.level = level;
    }
    if let Some(sigma) = args.sigma {
        scene.coupling.paired.sigma = sigma;
    }
    if let Some(dir) = &args.reflow_from {
        // Stored absolute, so the run directory's scene.toml works from anywhere.
        let from = dir
            .canonicalize()
            .with_context(|| format!("cannot reflow {}: no such run directory", dir.display()))?;
        let mut reflow = ReflowConfig::new(from);
        if let Some(pairs) = args.reflow_pairs {
            reflow.pairs = pairs;
        }
        scene.coupling.method = CouplingMethod::Reflow;
        scene.coupling.reflow = Some(reflow);
    } else if args.reflow_pairs.is_some() {
        bail!("--reflow-pairs applies to --reflow-from");
    }
    if scene.coupling.method == CouplingMethod::Reflow && scene.coupling.reflow.is_none() {
        bail!("--coupling reflow needs --reflow-from DIR (the run whose flow is reflowed)");
    }
    if let Some(points) = args.eval_points {
        scene.eval.points = points;
    }
    if let Some(steps) = args.eval_steps {
        scene.eval.steps = steps;
    }
    scene.validate()?;
    Ok(scene)
}

fn train(args: TrainArgs) -> Result<()> {
    let training = select_device(args.device)?;
    let mut session = match &args.resume {
        Some(dir) => {
            let mut session = Session::load_checkpoint(dir, &training.device)?;
            let done = session.steps_done();
            let mut scene = scene_from_args(&args, Some(session.scene().clone()))?;
            scene.train.steps = done + args.steps.unwrap_or(done.max(1));
            if let flowscope::session::SceneChange::NeedsRestart(reason) =
                flowscope::session::SceneChange::between(session.scene(), &scene)
            {
                bail!("cannot resume the run in {}: {reason}", dir.display());
            }
            session.apply_scene(&scene)?;
            session
        }
        None => {
            let base = match &args.reflow_from {
                Some(dir) => {
                    let file = dir.join(flowscope::session::SCENE_FILE);
                    if !file.is_file() {
                        bail!(
                            "cannot reflow {}: no run there (expected a directory written by flowscope train)",
                            dir.display()
                        );
                    }
                    Some(Scene::load(&file)?)
                }
                None => None,
            };
            // A reflow run trains as many steps as its parent did, unless --steps says otherwise.
            Session::new(scene_from_args(&args, base)?, &training.device)?
        }
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
    let progress = progress_bar(
        session.scene().train.steps as u64,
        "[{bar:30}] step {pos}/{len} {msg}",
    );
    progress.set_position(session.steps_done() as u64);
    crate::interrupt::install();
    let (start, first) = (Instant::now(), session.steps_done());
    let outcome = session.train_while(|report| {
        progress.set_position(report.step as u64);
        let rate = (report.step - first) as f64 / start.elapsed().as_secs_f64().max(1e-9);
        progress.set_message(format!(
            "loss {:.4} ({} steps/s)",
            report.loss,
            rate_text(rate)
        ));
        !crate::interrupt::requested()
    });
    // The summary line below says how training went.
    progress.finish_and_clear();
    match outcome {
        Err(error) => {
            // Keep the last good weights so the run can be inspected or resumed.
            session.save_checkpoint(&args.out)?;
            return Err(error.into());
        }
        Ok(false) => {
            session.save_checkpoint(&args.out)?;
            return Err(crate::interrupt::Interrupted(format!(
                "stopped after {} steps; the weights are a checkpoint in {} (flowscope train --resume {} continues it)",
                session.steps_done(),
                args.out.display(),
                args.out.display()
            ))
            .into());
        }
        Ok(true) => {}
    }
    session.save_checkpoint(&args.out)?;
    let report = session.report()?;
    write_atomically(
        &args.out.join(METRICS_FILE),
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    let scores = match &report.mesh {
        Some(mesh) => format!(
            "W2 {:.4} (geodesic {:.4}, from {:.4} at the start){}",
            report.metrics.w2,
            mesh.geodesic_w2,
            mesh.geodesic_w2_source,
            mesh.wall_crossing_fraction
                .map_or(String::new(), |f| format!(
                    ", {:.1}% of trajectories through a wall",
                    100.0 * f
                ))
        ),
        None => format!(
            "W2 {:.4}, NPE {:.4}, straightness {:.4}",
            report.metrics.w2, report.metrics.npe, report.metrics.straightness
        ),
    };
    eprintln!(
        "trained {} steps at {} steps/s: {scores} -> {}",
        report.steps,
        rate_text(report.steps_per_sec),
        args.out.display()
    );
    Ok(())
}

/// A rate in whole numbers, or two significant digits below 10 (a software GPU trains at 0.3/s).
fn rate_text(rate: f64) -> String {
    if rate >= 10.0 {
        format!("{rate:.0}")
    } else {
        format!("{:.1$}", rate, if rate >= 1.0 { 1 } else { 2 })
    }
}

fn sample(args: SampleArgs) -> Result<()> {
    if args.n < 1 || args.n > flowscope::scene::MAX_POINTS {
        bail!("--n must be between 1 and {}", flowscope::scene::MAX_POINTS);
    }
    let training = select_device(args.device)?;
    let mut session = Session::load_checkpoint(&args.run, &training.device)?;
    if args.label.is_some() || args.guidance.is_some() {
        let labels = session.scene().model.labels;
        let guidance = GuidanceConfig {
            label: args.label.unwrap_or_default(),
            w: args.guidance.unwrap_or(1.0),
        };
        if labels == 0 {
            bail!(
                "--label and --guidance need a model trained with --conditional; the run in {} has no labels",
                args.run.display()
            );
        }
        guidance.validate(labels)?;
        let mut scene = session.scene().clone();
        scene.sample.guidance = Some(guidance);
        session.apply_scene(&scene)?;
    }
    let scene = session.scene();
    let solver = args.solver.unwrap_or(scene.sample.solver);
    let steps = args.steps.unwrap_or(scene.sample.steps);
    let space = scene.space;
    let record = args.trajectories.is_some();
    // A trajectory CSV row per particle per step; beyond this the file would not fit in memory.
    const MAX_TRAJECTORY_ROWS: usize = 20_000_000;
    if record && args.n.saturating_mul(steps + 1) > MAX_TRAJECTORY_ROWS {
        bail!(
            "--trajectories would write {} rows (particles × (steps + 1)); keep it under {MAX_TRAJECTORY_ROWS}",
            args.n.saturating_mul(steps + 1)
        );
    }
    let (_, flow) = session.sample(args.n, args.seed, solver, steps, record)?;
    let mut samples = flow.final_points();
    if let Some(guidance) = scene.sample.guidance
        && let Some(requested) = guidance.label.per_particle(args.n, scene.model.labels)
    {
        samples = Points::new(samples.dim(), samples.data().to_vec(), Some(requested));
    }
    samples.write_csv(&args.out, space)?;
    if let Some(path) = &args.trajectories {
        let is_npy = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        if is_npy {
            let shape = [flow.times.len(), flow.n, flow.dim];
            flowscope::export::write_npy(path, &shape, &flow.trajectory)?;
        } else {
            write_trajectories(path, space, &flow)?;
        }
    }
    eprintln!(
        "sampled {} particles with {} NFE each -> {}",
        args.n,
        flow.nfe,
        args.out.display()
    );
    Ok(())
}

fn write_trajectories(
    path: &Path,
    space: SpaceKind,
    flow: &flowscope::flow::Integration,
) -> Result<()> {
    let mut text = format!("step,t,particle,{}\n", space.columns().join(","));
    let size = flow.n * flow.dim;
    for (step, (state, t)) in flow
        .trajectory
        .chunks_exact(size)
        .zip(&flow.times)
        .enumerate()
    {
        for (particle, p) in state.chunks_exact(flow.dim).enumerate() {
            let coords: Vec<String> = p.iter().map(|v| v.to_string()).collect();
            text.push_str(&format!("{step},{t},{particle},{}\n", coords.join(",")));
        }
    }
    write_atomically(path, text.as_bytes())?;
    Ok(())
}

fn couple_files(args: CoupleArgs) -> Result<()> {
    let space = args.mesh.fit(args.space)?;
    let (source, space) = Points::read_csv_fitted(&args.source, space)?;
    let (target, target_space) = Points::read_csv_fitted(&args.target, space)?;
    if target_space != space {
        bail!(
            "{} holds points of {} coordinates and {} of {}; coupling needs one shape",
            args.source.display(),
            space.dim(),
            args.target.display(),
            target_space.dim()
        );
    }
    if source.len() != target.len() {
        bail!(
            "the source has {} rows and the target {}; coupling needs equal sizes",
            source.len(),
            target.len()
        );
    }
    if source.len() > MAX_K {
        bail!(
            "at most {MAX_K} rows can be coupled at once, got {}",
            source.len()
        );
    }
    if !(args.epsilon.is_finite() && args.epsilon > 0.0) {
        bail!("--epsilon must be positive, got {}", args.epsilon);
    }
    if args.method == OtMethod::Equivariant {
        return couple_equivariant(&args, space, &source, &target);
    }
    let method = match args.method {
        OtMethod::Sinkhorn => CouplingMethod::Sinkhorn,
        _ => CouplingMethod::Exact,
    };
    let start = Instant::now();
    let matching = couple(
        space,
        method,
        args.epsilon,
        &source,
        &target,
        &mut Rng::new(args.seed),
    );
    let millis = start.elapsed().as_secs_f64() * 1e3;
    let output = serde_json::json!({
        "k": source.len(),
        "method": method.name(),
        "cost": matching.cost,
        "assignment": matching.assignment,
        "millis": millis,
    });
    println!("{output}");
    Ok(())
}

/// `couple --method equivariant`: the assignment on the orbit cost, each pair's orbit cost and
/// the source rows aligned to their partners.
fn couple_equivariant(
    args: &CoupleArgs,
    space: SpaceKind,
    source: &Points,
    target: &Points,
) -> Result<()> {
    let group: Box<dyn Alignment> = match (args.symmetry, space.coupling().alignment()) {
        (Some(symmetry), _) if space == SpaceKind::PLANE => Box::new(PlaneGroup::new(symmetry)),
        (Some(symmetry), _) => bail!(
            "--symmetry {} is a group of the plane; the {} space has none to declare",
            symmetry.name(),
            space.name()
        ),
        (None, Some(group)) => Box::new(group),
        (None, None) => bail!(
            "the equivariant coupling aligns along a group: the {} space has none of its own; give --symmetry (e.g. --symmetry d8) in the plane",
            space.name()
        ),
    };
    let start = Instant::now();
    let assignment = orbit_assignment(group.as_ref(), source, target);
    let matched = target.reordered(&assignment);
    let aligned = aligned_sources(group.as_ref(), source, &matched);
    let millis = start.elapsed().as_secs_f64() * 1e3;
    let pair_costs: Vec<f64> = aligned
        .iter()
        .zip(matched.iter())
        .map(|(a, b)| space.coupling().pair_cost(a, b))
        .collect();
    let cost = pair_costs.iter().sum::<f64>() / pair_costs.len().max(1) as f64;
    let aligned_rows: Vec<&[f64]> = aligned.iter().collect();
    let output = serde_json::json!({
        "k": source.len(),
        "method": "equivariant",
        "cost": cost,
        "assignment": assignment,
        "pair_costs": pair_costs,
        "aligned": aligned_rows,
        "millis": millis,
    });
    println!("{output}");
    Ok(())
}

fn metrics_files(args: MetricsArgs) -> Result<()> {
    let space = args.mesh.fit(args.space)?;
    let (a, space) = Points::read_csv_fitted(&args.a, space)?;
    let (b, b_space) = Points::read_csv_fitted(&args.b, space)?;
    if b_space != space {
        bail!(
            "{} holds points of {} coordinates and {} of {}; they cannot be compared",
            args.a.display(),
            space.dim(),
            args.b.display(),
            b_space.dim()
        );
    }
    if a.len() > MAX_K {
        bail!(
            "W2 is exact and computed on at most {MAX_K} points per sample, got {}; subsample first",
            a.len()
        );
    }
    if a.len() != b.len() {
        bail!(
            "W2 is computed between equal-size samples; {} has {} rows and {} has {}",
            args.a.display(),
            a.len(),
            args.b.display(),
            b.len()
        );
    }
    let mut output = serde_json::json!({
        "w2": metrics::w2(space, &a, &b)?,
        "energy_distance": metrics::energy_distance(space, &a, &b),
    });
    // Point clouds: the interparticle-distance histograms, and the energy histograms of the
    // particle system of that shape.
    if let Some(cloud) = flowscope::geometry::Cloud::of(space.geometry()) {
        let mut bootstrap = Rng::new(0);
        output["distance_w1"] = metrics::distance_w1(cloud, &a, &b).into();
        output["distance_w1_se"] =
            metrics::distance_w1_standard_error(cloud, &a, &b, &mut bootstrap).into();
        if let Some(system) = flowscope::data::SYSTEMS.iter().find(|s| s.cloud == cloud) {
            output["energy_w1"] = metrics::energy_w1(system, &a, &b).into();
            output["energy_w1_se"] =
                metrics::energy_w1_standard_error(system, &a, &b, &mut bootstrap).into();
        }
    }
    println!("{output}");
    Ok(())
}

/// Parses `--space` against the registry, listing its names in `--help`.
fn space_parser() -> impl clap::builder::TypedValueParser<Value = SpaceKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(flowscope::space::names())
        .try_map(|name| SpaceKind::named(&name))
}

fn datasets_text() -> String {
    let mut text = String::new();
    for space in flowscope::space::all() {
        text.push_str(&format!("{}:\n", space.name()));
        for info in space.datasets() {
            text.push_str(&format!("  {:<18} {}", info.name, info.summary));
            if let Some(labels) = info.labels {
                text.push_str(&format!("; labels: {labels}"));
            }
            text.push('\n');
            for p in info.params {
                text.push_str(&format!(
                    "      {:<16} = {:<8} {}\n",
                    p.name, p.default, p.help
                ));
            }
        }
    }
    text
}

fn likelihood(args: LikelihoodArgs) -> Result<()> {
    if args.steps == 0 || args.steps > 10_000 {
        bail!("--steps must be between 1 and 10000");
    }
    let training = select_device(args.device)?;
    let session = Session::load_checkpoint(&args.run, &training.device)?;
    let space = session.scene().space;
    let points = Points::read_csv(&args.points, space)?;
    if points.len() > flowscope::scene::MAX_POINTS {
        bail!(
            "{} has {} points; score at most {} at a time",
            args.points.display(),
            points.len(),
            flowscope::scene::MAX_POINTS
        );
    }
    use flowscope::flow::{Estimator, MAX_PROBES, Probe};
    let estimator = match args.estimator {
        EstimatorChoice::Exact => Estimator::Exact,
        EstimatorChoice::Hutchinson => {
            if args.probes == 0 || args.probes > MAX_PROBES {
                bail!("--probes must be between 1 and {MAX_PROBES}");
            }
            Estimator::Hutchinson {
                probes: args.probes,
                probe: match args.probe {
                    ProbeChoice::Rademacher => Probe::Rademacher,
                    ProbeChoice::Gaussian => Probe::Gaussian,
                },
            }
        }
    };
    let integrator = match args.solver {
        LikelihoodSolver::Rk4 => flowscope::flow::Integrator::Rk4 { steps: args.steps },
        LikelihoodSolver::Dopri5 => {
            if !(args.tolerance > 0.0 && args.tolerance < 1.0) {
                bail!("--tolerance must be between 0 and 1");
            }
            flowscope::flow::Integrator::Dopri5 {
                tolerance: args.tolerance,
            }
        }
    };
    let (log_density, standard_error) = session.log_density_with(&points, integrator, estimator)?;
    let mut columns: Vec<(&str, &[f64])> = vec![("log_density", &log_density)];
    if let Some(errors) = &standard_error {
        columns.push(("log_density_se", errors));
    }
    points.write_csv_with(&args.out, space, &columns)?;
    let mean = log_density.iter().sum::<f64>() / log_density.len().max(1) as f64;
    let spread = standard_error.as_ref().map_or(String::new(), |errors| {
        let mean_error = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
        format!(" (mean standard error {mean_error:.4})")
    });
    eprintln!(
        "scored {} points: mean log-density {mean:.4} nats{spread} -> {}",
        points.len(),
        args.out.display()
    );
    Ok(())
}

fn sweep(args: SweepArgs) -> Result<()> {
    use flowscope::sweep::{Axis, PlotRequest, Ratio, Sweep, SweepEvent, SweepFile};
    let text = std::fs::read_to_string(&args.scene)
        .with_context(|| format!("cannot read the scene {}", args.scene.display()))?;
    let file = SweepFile::parse(&text).with_context(|| args.scene.display().to_string())?;
    let mut axes = file.axes.clone();
    for setting in &args.set {
        let axis = Axis::parse(setting)?;
        // A setting on the command line replaces the file's for the same key.
        axes.retain(|old| old.key != axis.key);
        axes.push(axis);
    }
    let repeat = args.repeat.or(file.repeat).unwrap_or(1);
    let plan = Sweep::new(&file.scene, axes, repeat)
        .with_context(|| format!("sweep of {}", args.scene.display()))?;
    let x = args
        .x
        .clone()
        .or(file.x.clone())
        .unwrap_or_else(|| plan.axes[0].key.clone());
    if !plan.axes.iter().any(|axis| axis.key == x) {
        bail!(
            "--x {x} is not a varied key (the sweep varies {})",
            plan.keys().join(", ")
        );
    }
    let ratio = match &args.ratio {
        Some(text) => Some(Ratio::parse(text)?),
        None => file.ratio.clone(),
    };
    if let Some(ratio) = &ratio {
        plan.check_ratio(ratio, &x)?;
    }
    let plots: Vec<String> = if !args.plot.is_empty() {
        args.plot.clone()
    } else if !file.plots.is_empty() {
        file.plots.clone()
    } else {
        flowscope::sweep::DEFAULT_PLOTS
            .iter()
            .map(|m| m.to_string())
            .collect()
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let training = select_device(args.device)?;
    let total_steps: Vec<u64> = plan
        .variants
        .iter()
        .map(|v| v.scene.train.steps as u64)
        .collect();
    let progress = progress_bar(0, "[{bar:30}] {percent}% {msg} (about {eta} left)");
    let mut steps_done = vec![0u64; plan.variants.len()];
    let (mut finished, mut planned) = (0usize, 0usize);
    crate::interrupt::install();
    let outcome = flowscope::sweep::run_sweep(
        &plan,
        &args.out,
        jobs,
        &training.device,
        |event| match event {
            SweepEvent::Planned { pending, done } => {
                planned = pending.len();
                if done > 0 {
                    progress.println(format!(
                        "{done} of {} runs are already in {}; training the other {planned}",
                        plan.variants.len(),
                        args.out.display()
                    ));
                }
                let length: u64 = pending.iter().map(|&i| total_steps[i]).sum();
                progress.set_length(length.max(1));
                progress.set_message(format!("0/{planned} runs"));
            }
            SweepEvent::Progress { index, step, .. } => {
                steps_done[index] = step as u64;
                progress.set_position(steps_done.iter().sum());
            }
            SweepEvent::Finished { index, row } => {
                finished += 1;
                let setting: Vec<String> = plan
                    .axes
                    .iter()
                    .zip(&row.values)
                    .map(|(axis, value)| format!("{}={value}", axis.key))
                    .collect();
                let shown: Vec<String> = plots
                    .iter()
                    .filter_map(|m| row.metrics.get(m).map(|v| format!("{m} {v:.4}")))
                    .collect();
                progress.println(format!(
                    "{} seed {}: {}",
                    setting.join(" "),
                    row.seed,
                    shown.join(", ")
                ));
                steps_done[index] = total_steps[index];
                progress.set_message(format!("{finished}/{planned} runs"));
            }
            SweepEvent::Failed { index, error } => {
                progress.println(format!("run {} failed: {error}", index + 1));
            }
        },
        &crate::interrupt::requested,
    )?;
    progress.finish_and_clear();
    let results_path = args.out.join(flowscope::sweep::RESULTS_FILE);
    let mut drawn = Vec::new();
    if !outcome.results.rows.is_empty() {
        for metric in &plots {
            let mut request = PlotRequest {
                metric: metric.clone(),
                x: x.clone(),
                ratio: None,
            };
            let path = args.out.join(format!("{metric}.png"));
            flowscope::sweep::draw_plot(&outcome.results, &request, &path)?;
            drawn.push(path.display().to_string());
            if ratio.is_some() {
                request.ratio = ratio.clone();
                let path = args.out.join(format!("{metric}_ratio.png"));
                flowscope::sweep::draw_plot(&outcome.results, &request, &path)?;
                drawn.push(path.display().to_string());
            }
        }
    }
    if outcome.stopped {
        return Err(crate::interrupt::Interrupted(format!(
            "stopped; {} of {} runs are in {} (the same command trains the rest)",
            outcome.results.rows.len(),
            plan.variants.len(),
            results_path.display()
        ))
        .into());
    }
    if !outcome.failures.is_empty() {
        bail!(
            "{} of {} runs failed (the first: {}); the others are in {}",
            outcome.failures.len(),
            plan.variants.len(),
            outcome.failures[0].1,
            results_path.display()
        );
    }
    eprintln!(
        "{} runs -> {}; plots: {}",
        plan.variants.len(),
        results_path.display(),
        drawn.join(", ")
    );
    Ok(())
}

fn mesh_info(args: MeshInfoArgs) -> Result<()> {
    use flowscope::geometry::mesh::{Spectrum, load_mesh};
    let mesh = load_mesh(&args.mesh)?;
    let started = std::time::Instant::now();
    let spectrum = Spectrum::of(&mesh, args.eigenpairs)?;
    let seconds = started.elapsed().as_secs_f64();
    let report = serde_json::json!({
        "mesh": args.mesh,
        "vertices": mesh.vertex_count(),
        "faces": mesh.faces().len(),
        "area": mesh.area(),
        "boundary_edges": mesh.boundary_edges().len(),
        "planar": mesh.is_planar(),
        "eigenvalues": spectrum.eigenvalues,
        "seconds": seconds,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn mesh_field(args: MeshFieldArgs) -> Result<()> {
    let config = MeshConfig {
        name: args.mesh.clone(),
        eigenpairs: args.eigenpairs,
        tau: args.tau,
        ..MeshConfig::default()
    };
    let from = args.from.map(|(x, y)| glam::DVec3::new(x, y, 0.0));
    let from = flowscope::export::write_distance_fields(&config, from, args.size, &args.out)?;
    eprintln!(
        "wrote the geodesic, biharmonic and diffusion distances from ({:.3}, {:.3}) on {} -> {}",
        from.x,
        from.y,
        args.mesh,
        args.out.display()
    );
    Ok(())
}

fn draw(args: DrawArgs) -> Result<()> {
    if args.n < 1 || args.n > flowscope::scene::MAX_POINTS {
        bail!("--n must be between 1 and {}", flowscope::scene::MAX_POINTS);
    }
    let mut config = DistConfig::named(&args.dist);
    config.path = args.path;
    config.params.extend(args.params);
    let space = args.mesh.fit(args.space)?.fitted(&config, &config)?;
    let sampler = build_sampler(space, &config)?;
    if let Some(chains) = sampler.chains() {
        eprintln!("{}: {}", args.dist, chains.summary());
    }
    let points = sampler.sample(args.n, &mut Rng::stream(args.seed, "draw"));
    points.write_csv(&args.out, space)?;
    eprintln!(
        "wrote {} {} samples of {} -> {}",
        args.n,
        space.name(),
        args.dist,
        args.out.display()
    );
    Ok(())
}
