//! A session on its own thread, for the window: commands in, snapshots out.
//!
//! The worker trains in short slices and, a few times a second, integrates a fixed set of seeded
//! source particles through the current model and sends a [`Snapshot`]. The UI never touches
//! the model; it edits the scene and sends it here.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use burn::tensor::Device;

use super::turns::{TurnTaker, Turns};
use super::{GuidancePoint, INVARIANCE_POINTS, SceneChange, Session};
use crate::data::Points;
use crate::flow::{StepReport, velocity_at};
use crate::metrics::{FlowMetrics, Restoration};
use crate::rng::Rng;
use crate::scene::{EvalConfig, Scene};
use crate::space::SpaceKind;

/// What the UI asks of a live session.
#[derive(Debug, Clone)]
pub enum Command {
    Play,
    Pause,
    /// One training step, then a fresh snapshot.
    Step,
    /// Fresh weights from the current scene.
    Reset,
    /// New settings: applied live when the weights can be kept, otherwise a reset with a notice.
    SetScene(Box<Scene>),
    /// Writes the current scene and weights into a run directory; the result is sent back.
    SaveCheckpoint {
        dir: std::path::PathBuf,
        reply: Sender<crate::Result<()>>,
    },
    /// Where the window wants the model's log-density (None: nowhere). Computed when the
    /// inbox is empty, so a burst of requests costs one computation, and again with each
    /// round of scores while training.
    Density(Option<Arc<DensityRequest>>),
}

/// Points at which the window wants the model's log-density log q_t at time t: the cells of a
/// square image it will draw.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityRequest {
    pub t: f64,
    /// The cell centres that lie in the space, and each one's cell.
    pub points: Points,
    pub cells: Vec<usize>,
    /// The image is resolution² cells over `min..max` (the plane rectangle it covers).
    pub resolution: u32,
    pub min: [f32; 2],
    pub max: [f32; 2],
    /// RK4 steps of the backward integration: few while training, more when paused.
    pub steps: usize,
}

/// The model's log-density on a requested grid.
#[derive(Debug, Clone)]
pub struct ModelDensity {
    pub request: Arc<DensityRequest>,
    /// The training step of the model it was computed from.
    pub step: usize,
    /// Per cell of the resolution² image, NaN where no point lies.
    pub log_density: Vec<f32>,
    /// How long it took to compute.
    pub seconds: f64,
}

/// Where a live session's weights come from.
#[derive(Debug, Clone)]
pub enum Start {
    /// Fresh weights for a scene.
    Fresh(Box<Scene>),
    /// A run directory written by `flowscope train` or a saved checkpoint.
    Checkpoint(std::path::PathBuf),
}

/// Held-out scores at one training step.
#[derive(Debug, Clone)]
pub struct MetricsAt {
    pub step: usize,
    pub metrics: FlowMetrics,
    /// W2 to held-out data after a single Euler step: how well the flow samples in one step.
    pub one_step_w2: f64,
    /// Paired coupling: how well held-out observations are restored.
    pub restoration: Option<Restoration>,
    /// Data with a group (a declared symmetry, point clouds): max |v(g·x) − g·v(x)| relative
    /// to max |v|.
    pub equivariance_error: Option<f64>,
    /// The model's NLL of held-out target points (nats per point), where the likelihood is
    /// computed, and the target's own NLL of them where its density is known.
    pub nll: Option<f64>,
    pub data_nll: Option<f64>,
    /// Data with a symmetry: the mean |log q(g·x) − log q(x)| over held-out points each moved
    /// by a random g; zero for an invariant density.
    pub likelihood_invariance: Option<f64>,
}

/// The learned velocity field on a fixed set of points at a few times, for arrows.
#[derive(Debug, Clone)]
pub struct FieldSamples {
    pub points: Points,
    pub times: Vec<f64>,
    /// One row-major `[points, dim]` block per time.
    pub velocities: Vec<Vec<f64>>,
}

/// Particle trajectories: row-major `[frames, count, dim]`.
#[derive(Debug, Clone)]
pub struct Trajectories {
    pub frames: usize,
    pub count: usize,
    pub dim: usize,
    pub positions: Arc<Vec<f32>>,
}

impl Trajectories {
    /// The particles' states at recorded frame `frame`.
    pub fn frame(&self, frame: usize) -> Points {
        let size = self.count * self.dim;
        let start = frame.min(self.frames.saturating_sub(1)) * size;
        Points::new(
            self.dim,
            self.positions[start..start + size]
                .iter()
                .map(|&v| f64::from(v))
                .collect(),
            None,
        )
    }
}

/// The state of a live run as the UI draws it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Increases with every snapshot of this worker.
    pub id: u64,
    /// Changes whenever the run restarts from fresh weights.
    pub run: u64,
    pub scene: Scene,
    pub step: usize,
    pub running: bool,
    /// Training steps taken since the previous snapshot (the UI keeps the curve).
    pub new_steps: Vec<StepReport>,
    /// Fresh held-out scores, when they were computed for this snapshot.
    pub metrics: Option<MetricsAt>,
    /// Conditional models: guided samples across guidance scales, refreshed with the scores.
    pub guidance_sweep: Option<Arc<Vec<GuidancePoint>>>,
    pub trajectories: Arc<Trajectories>,
    pub field: Arc<FieldSamples>,
    /// The model's log-density on the grid the window last asked for.
    pub model_density: Option<Arc<ModelDensity>>,
    /// Whether that density is cheap to compute ([`Session::density_is_cheap`]): the window
    /// then asks for finer grids.
    pub cheap_density: bool,
    /// The last training batch's pairs (x0, x1).
    pub pairs: Option<Arc<(Points, Points)>>,
    /// Source and target samples to draw (fixed per run).
    pub source_samples: Arc<Points>,
    pub target_samples: Arc<Points>,
    pub steps_per_sec: f64,
    /// Something the user should read (a restart, a divergence, a rejected setting).
    pub notice: Option<String>,
}

/// Samples of the source and target drawn for display.
const SAMPLES_SHOWN: usize = 2000;
/// Times at which the field is evaluated for arrows.
const FIELD_TIMES: usize = 11;
/// Aim for snapshots this often while training...
const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(300);
/// ...but train at least this many times as long as the last snapshot took to make: integrating
/// the display particles through a wide model (the sphere scene's) costs more than 300 ms of
/// training, and the window should show a model that learns, not one that is redrawn.
const TRAINING_PER_PUBLISHING: u32 = 3;
/// ...and at least this many steps, unless they take longer than [`STEPS_PER_PICTURE_WAIT`]:
/// a picture of LJ13's EGNN (0.15 s a step) three steps newer showed nothing new, and such
/// pictures took a quarter of its training time.
const STEPS_PER_PICTURE: usize = 8;
const STEPS_PER_PICTURE_WAIT: Duration = Duration::from_secs(2);
/// Held-out points the live equivariance error is measured on.
const EQUIVARIANCE_POINTS: usize = 100;

/// How long a worker waits for its turn before it looks at its commands again.
const TURN_PATIENCE: Duration = Duration::from_millis(50);
/// Held-out scores are refreshed at most this often (they need an exact W2)...
const METRICS_INTERVAL: Duration = Duration::from_millis(2000);
/// ...and, from the start of one scoring to the next, at least this many times as long as the
/// last one took, so that slow scores take a tenth of the time at most: an EGNN integrates
/// the thousand held-out points in about 3 s on two cores, scoring at every snapshot left the
/// view a dozen seconds between pictures, and LJ13's 5 s scores every 25 s took a fifth of
/// its training.
const SCORING_SPACING: u32 = 10;
/// The density view is refreshed this often while training (from the start of one
/// computation to the next), or less often where a computation takes more than half of it: a
/// slice of training ends early for it, and its time does not lengthen the next slice.
const DENSITY_INTERVAL: Duration = Duration::from_millis(1500);
/// Held-out points and RK4 steps of the live NLL: a coarse but steady curve (8 RK4 steps
/// are within a few hundredths of a nat of 100 on the plane's shipped flows) at a small share
/// of each scoring's time; metrics.json's `nll` uses the scene's points and 50 steps.
const LIVE_NLL_POINTS: usize = 128;
/// ...or fewer, down to this many, where a slow model's held-out points were cut to fit.
const MIN_LIVE_NLL_POINTS: usize = 32;
const LIVE_NLL_STEPS: usize = 8;
/// Held-out points for live scores (the scene's own count is for reports)...
const LIVE_EVAL_POINTS: usize = 1000;
/// ...or fewer, down to this many, where the model is so slow that the thousand would take
/// longer than [`LIVE_SCORING_SECS`] to integrate: LJ13's EGNN needs 12 s for them, and the
/// first scores (taken at the first slice) left the window at step 1 for most of a minute.
const MIN_LIVE_EVAL_POINTS: usize = 128;
const LIVE_SCORING_SECS: f64 = 2.0;
/// Guidance scales of the live sweep (the window's w slider spans −1 … 8).
pub const SWEEP_SCALES: [f64; 10] = [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0];
/// Particles and Euler steps per scale of the live sweep.
const SWEEP_PARTICLES: usize = 400;
const SWEEP_STEPS: usize = 40;

/// A session running on its own thread.
pub struct LiveSession {
    commands: Sender<Command>,
    snapshots: Receiver<Snapshot>,
    worker: Option<JoinHandle<()>>,
}

impl LiveSession {
    /// Starts a worker for `scene` on `device` that trains when `turns` gives it the turn.
    /// `wake` is called after each snapshot (the window asks for a repaint there).
    pub fn start(
        start: Start,
        device: Device,
        turns: &Turns,
        wake: impl Fn() + Send + 'static,
    ) -> crate::Result<Self> {
        let turn_taker = turns.join();
        let (commands, inbox) = channel();
        let (outbox, snapshots) = channel();
        let (started, start_result) = channel();
        let worker = std::thread::Builder::new()
            .name("flowscope-session".into())
            .spawn(move || {
                yield_to_the_window();
                // Built here so the session's own threads inherit the lower priority.
                let session = match start {
                    Start::Fresh(scene) => Session::new(*scene, &device),
                    Start::Checkpoint(dir) => Session::load_checkpoint(&dir, &device),
                };
                let session = match session {
                    Ok(session) => {
                        let _ = started.send(Ok(()));
                        session
                    }
                    Err(error) => {
                        let _ = started.send(Err(error));
                        return;
                    }
                };
                let mut worker = Worker::new(session, device, turn_taker, outbox, wake);
                worker.run(inbox);
            })
            .map_err(|e| {
                crate::Error::Internal(format!("could not start a training thread: {e}"))
            })?;
        start_result.recv().map_err(|_| {
            crate::Error::Internal("the training thread stopped while starting".into())
        })??;
        Ok(Self {
            commands,
            snapshots,
            worker: Some(worker),
        })
    }

    pub fn send(&self, command: Command) {
        // A worker that has stopped has already reported why in its last snapshot.
        let _ = self.commands.send(command);
    }

    /// Every snapshot that arrived since the last call, oldest first.
    pub fn receive(&self) -> Vec<Snapshot> {
        self.snapshots.try_iter().collect()
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        // Closing the channel ends the worker's loop.
        let (closed, _) = channel();
        self.commands = closed;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

struct Worker<W> {
    session: Session,
    device: Device,
    turns: TurnTaker,
    outbox: Sender<Snapshot>,
    wake: W,
    running: bool,
    next_id: u64,
    run: u64,
    reported_steps: usize,
    source_samples: Arc<Points>,
    target_samples: Arc<Points>,
    /// When the last scores were taken, or when training began if none yet: the next are due
    /// an interval after it.
    last_metrics: Option<Instant>,
    notice: Option<String>,
    slice_steps: usize,
    slice_secs: f64,
    /// How long the last snapshot took to make while training, its scores left out.
    last_publish: Duration,
    /// How long the last held-out scores took.
    last_scoring: Duration,
    /// Seconds to move one display particle one step, from the latest snapshot.
    secs_per_particle_step: Option<f64>,
    /// Held-out points of this run's live scores, fixed at its first scoring so that its
    /// curves stay comparable from point to point.
    live_eval_points: Option<usize>,
    /// Where the window wants the model's density, and the last one computed.
    density_request: Option<Arc<DensityRequest>>,
    model_density: Option<Arc<ModelDensity>>,
    /// When the last density computation started (how long it took is in `model_density`).
    last_density: Option<Instant>,
}

impl<W: Fn()> Worker<W> {
    fn new(
        session: Session,
        device: Device,
        turns: TurnTaker,
        outbox: Sender<Snapshot>,
        wake: W,
    ) -> Self {
        let (source_samples, target_samples) = samples_shown(&session);
        Self {
            session,
            device,
            turns,
            outbox,
            wake,
            running: false,
            next_id: 0,
            run: 0,
            reported_steps: 0,
            source_samples,
            target_samples,
            last_metrics: None,
            notice: None,
            slice_steps: 0,
            slice_secs: 0.0,
            last_publish: Duration::ZERO,
            last_scoring: Duration::ZERO,
            secs_per_particle_step: None,
            live_eval_points: None,
            density_request: None,
            model_density: None,
            last_density: None,
        }
    }

    fn run(&mut self, inbox: Receiver<Command>) {
        self.publish(true);
        loop {
            // Paused: sleep until told otherwise. Training: only look at what is waiting.
            let command = if self.running {
                match inbox.try_recv() {
                    Ok(command) => Some(command),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                // Paused, with every waiting command handled: the density the window asked for.
                if self.density_is_stale() {
                    match inbox.try_recv() {
                        Ok(command) => {
                            self.handle(command);
                            continue;
                        }
                        Err(TryRecvError::Disconnected) => return,
                        Err(TryRecvError::Empty) => {
                            self.update_density();
                            self.publish(false);
                            continue;
                        }
                    }
                }
                self.turns.leave();
                match inbox.recv_timeout(Duration::from_secs(3600)) {
                    Ok(command) => Some(command),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            if let Some(command) = command {
                self.handle(command);
                continue;
            }
            // Waiting counts as training time: the rate shown is what this run gets.
            let waiting = Instant::now();
            let turn = self.turns.wait(TURN_PATIENCE);
            self.slice_secs += waiting.elapsed().as_secs_f64();
            if let Some(_turn) = turn {
                self.train_slice();
            }
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Play => {
                if self.session.steps_done() >= self.session.scene().train.steps {
                    self.notice = Some(format!(
                        "Training already reached its {} steps; raise the step count to continue.",
                        self.session.scene().train.steps
                    ));
                    self.publish(false);
                } else {
                    self.running = true;
                    self.last_metrics.get_or_insert_with(Instant::now);
                    self.publish(false);
                }
            }
            Command::Pause => {
                self.running = false;
                self.publish(true);
            }
            Command::Step => {
                self.running = false;
                if let Err(error) = self.session.step() {
                    self.notice = Some(sentence(&error));
                }
                self.publish(true);
            }
            Command::Reset => {
                let scene = self.session.scene().clone();
                self.restart(scene, None);
            }
            Command::SaveCheckpoint { dir, reply } => {
                let _ = reply.send(self.session.save_checkpoint(&dir));
            }
            Command::Density(request) => {
                if request.is_none() {
                    self.model_density = None;
                }
                self.density_request = request;
            }
            Command::SetScene(scene) => match self.session.apply_scene(&scene) {
                Ok(SceneChange::Same) => {}
                Ok(SceneChange::Applied) => {
                    self.publish(true);
                }
                Ok(SceneChange::NeedsRestart(reason)) => {
                    self.restart(*scene, Some(format!("Training restarted: {reason}.")));
                }
                Err(error) => {
                    self.notice = Some(format!("Setting not applied: {}", sentence(&error)));
                    self.publish(false);
                }
            },
        }
    }

    fn restart(&mut self, scene: Scene, notice: Option<String>) {
        match Session::new(scene, &self.device) {
            Ok(session) => {
                self.session = session;
                (self.source_samples, self.target_samples) = samples_shown(&self.session);
                self.run += 1;
                self.reported_steps = 0;
                // A run's first scores wait one interval into training (from Play, or from
                // here while training): taken at the first slice, a slow model's (LJ13's) held
                // the window at step 1 for seconds.
                self.last_metrics = self.running.then(Instant::now);
                self.live_eval_points = None;
                self.notice = notice;
                self.publish(true);
            }
            Err(error) => {
                self.notice = Some(format!("Could not restart: {}", sentence(&error)));
                self.publish(false);
            }
        }
    }

    /// Trains for one snapshot interval, or longer when snapshots are slow to make, then
    /// publishes one.
    fn train_slice(&mut self) {
        let start = Instant::now();
        let target_steps = self.session.scene().train.steps;
        let length = SNAPSHOT_INTERVAL.max(self.last_publish * TRAINING_PER_PUBLISHING);
        let first_step = self.session.steps_done();
        let slice_goes_on = |elapsed: Duration, steps: usize| {
            elapsed < length
                || (steps.saturating_sub(first_step) < STEPS_PER_PICTURE
                    && elapsed < STEPS_PER_PICTURE_WAIT)
        };
        while slice_goes_on(start.elapsed(), self.session.steps_done())
            && self.session.steps_done() < target_steps
            && !self.density_due()
        {
            if let Err(error) = self.session.step() {
                self.running = false;
                self.notice = Some(sentence(&error));
                break;
            }
            self.slice_steps += 1;
        }
        self.slice_secs += start.elapsed().as_secs_f64();
        if self.session.steps_done() >= target_steps && self.running {
            self.running = false;
            self.notice = Some(format!("Finished {target_steps} training steps."));
        }
        let metrics_due = !self.running
            || self.last_metrics.is_none_or(|at| {
                at.elapsed() >= METRICS_INTERVAL.max(self.last_scoring * SCORING_SPACING)
            });
        let computing = Instant::now();
        if self.density_due() {
            self.last_density = Some(computing);
            self.update_density();
        }
        let publishing = Instant::now();
        let scoring = self.publish(metrics_due);
        self.last_publish = publishing.elapsed().saturating_sub(scoring);
        // The rate shown is of training as a whole, snapshots and densities included.
        self.slice_secs += computing.elapsed().as_secs_f64();
    }

    /// Whether the density view should be refreshed now: asked for, not computed for this
    /// model, and the last one started at least [`DENSITY_INTERVAL`] ago and at least twice
    /// its own length ago, so training keeps at least half of the time (its first at once).
    fn density_due(&self) -> bool {
        // Asked once per training step: the clock first, the grid comparison only when due.
        let waited = match (&self.model_density, self.last_density) {
            (Some(density), Some(started)) => {
                started.elapsed().as_secs_f64()
                    >= DENSITY_INTERVAL.as_secs_f64().max(2.0 * density.seconds)
            }
            _ => true,
        };
        waited && self.density_is_stale()
    }

    /// Whether the window asked for a density that has not been computed for it and this model.
    fn density_is_stale(&self) -> bool {
        self.density_request.as_ref().is_some_and(|request| {
            self.model_density.as_ref().is_none_or(|density| {
                density.request != *request || density.step != self.session.steps_done()
            })
        })
    }

    /// Computes the requested density for the current model; a failure is noticed once and
    /// stops the requests until the window sends another.
    fn update_density(&mut self) {
        let Some(request) = self.density_request.clone() else {
            return;
        };
        let started = Instant::now();
        let computed = self.session.log_density_at(
            &request.points,
            request.t,
            crate::flow::Integrator::Rk4 {
                steps: request.steps,
            },
            crate::flow::Estimator::Exact,
        );
        match computed {
            Ok((values, _)) => {
                let size = (request.resolution as usize).pow(2);
                let mut log_density = vec![f32::NAN; size];
                for (&cell, value) in request.cells.iter().zip(values) {
                    if let Some(slot) = log_density.get_mut(cell) {
                        *slot = value as f32;
                    }
                }
                self.model_density = Some(Arc::new(ModelDensity {
                    request,
                    step: self.session.steps_done(),
                    log_density,
                    seconds: started.elapsed().as_secs_f64(),
                }));
            }
            Err(error) => {
                self.notice = Some(format!(
                    "The model's density is not shown: {}",
                    sentence(&error)
                ));
                self.density_request = None;
                self.model_density = None;
            }
        }
    }

    /// Integrates the display particles and sends a snapshot; returns how long its scores took.
    fn publish(&mut self, with_metrics: bool) -> Duration {
        let scene = self.session.scene().clone();
        let drawing = Instant::now();
        let trajectories = match display_trajectories(&self.session) {
            Ok(trajectories) => {
                let particle_steps = trajectories.count * trajectories.frames.saturating_sub(1);
                if particle_steps > 0 {
                    self.secs_per_particle_step =
                        Some(drawing.elapsed().as_secs_f64() / particle_steps as f64);
                }
                Arc::new(trajectories)
            }
            Err(error) => {
                self.running = false;
                self.notice = Some(sentence(&error));
                self.send_without_particles(scene);
                return Duration::ZERO;
            }
        };
        let scored = with_metrics && self.session.steps_done() > 0;
        let scoring = Instant::now();
        let metrics = if scored {
            self.last_metrics = Some(scoring);
            let points = self.live_eval_points(&scene);
            let eval = EvalConfig {
                points,
                steps: scene.eval.steps,
            };
            // The likelihood invariance takes exact traces (LJ13's 39 coordinates cost 39
            // backward passes a step), so it shrinks with the held-out points. The NLL shrinks
            // as far as the time budget cut them (LJ13's 128 took 1.3 s of a 5 s scoring).
            let invariance_points =
                (INVARIANCE_POINTS * points / LIVE_EVAL_POINTS).clamp(4, INVARIANCE_POINTS);
            let unbudgeted = scene.eval.points.clamp(1, LIVE_EVAL_POINTS);
            let nll_points =
                (LIVE_NLL_POINTS * points / unbudgeted).clamp(MIN_LIVE_NLL_POINTS, LIVE_NLL_POINTS);
            let one_step = EvalConfig {
                steps: 1,
                ..eval.clone()
            };
            let scores = self.session.evaluate_with(&eval).and_then(|metrics| {
                let held_out = self.session.held_out_nll(nll_points, LIVE_NLL_STEPS)?;
                Ok(MetricsAt {
                    step: self.session.steps_done(),
                    metrics,
                    one_step_w2: self.session.w2_with(&one_step)?,
                    restoration: self.session.restoration(eval.points, eval.steps)?,
                    equivariance_error: self
                        .session
                        .equivariance_error(eval.points.min(EQUIVARIANCE_POINTS))?,
                    likelihood_invariance: match &held_out {
                        Some(held_out) => self.session.likelihood_invariance(
                            &held_out.points,
                            held_out.steps,
                            invariance_points,
                        )?,
                        None => None,
                    },
                    nll: held_out.as_ref().map(|h| h.nll),
                    data_nll: held_out.and_then(|h| h.data_nll),
                })
            });
            match scores {
                Ok(scores) => Some(scores),
                Err(error) => {
                    self.notice = Some(sentence(&error));
                    None
                }
            }
        } else {
            None
        };
        let guidance_sweep = if scored && scene.model.labels > 0 {
            match self
                .session
                .guidance_sweep(&SWEEP_SCALES, SWEEP_PARTICLES, SWEEP_STEPS)
            {
                Ok(sweep) => Some(Arc::new(sweep)),
                Err(error) => {
                    self.notice = Some(sentence(&error));
                    None
                }
            }
        } else {
            None
        };
        let scoring = if scored {
            self.last_scoring = scoring.elapsed();
            self.last_scoring
        } else {
            Duration::ZERO
        };
        let field = Arc::new(field_samples(
            &self.session,
            &self.source_samples,
            &self.target_samples,
        ));
        self.send(scene, trajectories, field, metrics, guidance_sweep);
        scoring
    }

    /// This run's live held-out points: the scene's count up to [`LIVE_EVAL_POINTS`], fewer
    /// where integrating them would take longer than [`LIVE_SCORING_SECS`] at the display's pace.
    fn live_eval_points(&mut self, scene: &Scene) -> usize {
        let per_point = self
            .secs_per_particle_step
            .map(|secs| secs * scene.eval.steps as f64);
        *self
            .live_eval_points
            .get_or_insert_with(|| points_within_budget(scene.eval.points, per_point))
    }

    fn send_without_particles(&mut self, scene: Scene) {
        let dim = scene.space.dim();
        let empty = Arc::new(Trajectories {
            frames: 0,
            count: 0,
            dim,
            positions: Arc::default(),
        });
        let field = Arc::new(FieldSamples {
            points: Points::new(dim, Vec::new(), None),
            times: Vec::new(),
            velocities: Vec::new(),
        });
        self.send(scene, empty, field, None, None);
    }

    fn send(
        &mut self,
        scene: Scene,
        trajectories: Arc<Trajectories>,
        field: Arc<FieldSamples>,
        metrics: Option<MetricsAt>,
        guidance_sweep: Option<Arc<Vec<GuidancePoint>>>,
    ) {
        let history = self.session.history();
        let new_steps = history[self.reported_steps.min(history.len())..].to_vec();
        self.reported_steps = history.len();
        let steps_per_sec = if self.slice_secs > 0.0 {
            self.slice_steps as f64 / self.slice_secs
        } else {
            0.0
        };
        if self.slice_secs > 2.0 {
            // Keep the rate recent.
            self.slice_steps /= 2;
            self.slice_secs /= 2.0;
        }
        let snapshot = Snapshot {
            id: self.next_id,
            run: self.run,
            step: self.session.steps_done(),
            running: self.running,
            new_steps,
            metrics,
            guidance_sweep,
            trajectories,
            field,
            pairs: self
                .session
                .last_pairs()
                .map(|(x0, x1)| Arc::new((x0.clone(), x1.clone()))),
            model_density: self.model_density.clone(),
            cheap_density: self.session.density_is_cheap(),
            source_samples: self.source_samples.clone(),
            target_samples: self.target_samples.clone(),
            steps_per_sec,
            notice: self.notice.take(),
            scene,
        };
        self.next_id += 1;
        if self.outbox.send(snapshot).is_ok() {
            (self.wake)();
        }
    }
}

/// The scene's display particles integrated through the current model, every step kept.
pub fn display_trajectories(session: &Session) -> crate::Result<Trajectories> {
    let scene = session.scene();
    let sample = &scene.sample;
    let (_, integration) = session.sample(
        sample.particles,
        scene.train.seed,
        sample.solver,
        sample.steps,
        true,
    )?;
    Ok(Trajectories {
        frames: integration.times.len(),
        count: integration.n,
        dim: integration.dim,
        positions: Arc::new(integration.trajectory),
    })
}

/// The field on a grid over the data (plane), a Fibonacci sphere, or a torus grid.
pub fn field_samples(session: &Session, source: &Points, target: &Points) -> FieldSamples {
    let space = session.scene().space;
    let times: Vec<f64> = (0..FIELD_TIMES)
        .map(|i| i as f64 / (FIELD_TIMES - 1) as f64)
        .collect();
    if session.scene().coupling.observes() {
        // A field conditioned on an observation has no single picture: no arrows.
        return FieldSamples {
            points: Points::new(space.dim(), Vec::new(), None),
            times,
            velocities: Vec::new(),
        };
    }
    let points = field_points(space, source, target);
    let model = session.model();
    // Arrows show the field of one requested label; with every label in turn, the unconditional one.
    let guidance = session.scene().sample.guidance.and_then(|g| match g.label {
        crate::flow::RequestedLabel::One(_) => {
            Some(g.for_particles(points.len(), session.scene().model.labels))
        }
        _ => None,
    });
    let conditioning = crate::flow::Conditioning {
        guidance: guidance.as_ref(),
        observation: None,
    };
    let velocities = times
        .iter()
        .map(|&t| {
            velocity_at(&model, space, &points, t, conditioning, session.device())
                .unwrap_or_default()
        })
        .collect();
    FieldSamples {
        points,
        times,
        velocities,
    }
}

/// A snapshot of `session` for drawing (export): particles, field, samples and the last pairs,
/// without training statistics.
pub fn snapshot_of(session: &Session) -> crate::Result<Snapshot> {
    let (source_samples, target_samples) = samples_shown(session);
    Ok(Snapshot {
        id: session.steps_done() as u64,
        run: 0,
        scene: session.scene().clone(),
        step: session.steps_done(),
        running: false,
        new_steps: Vec::new(),
        metrics: None,
        guidance_sweep: None,
        model_density: None,
        cheap_density: session.density_is_cheap(),
        trajectories: Arc::new(display_trajectories(session)?),
        field: Arc::new(field_samples(session, &source_samples, &target_samples)),
        pairs: session
            .last_pairs()
            .map(|(x0, x1)| Arc::new((x0.clone(), x1.clone()))),
        source_samples,
        target_samples,
        steps_per_sec: 0.0,
        notice: None,
    })
}

/// Source and target samples to draw; with the paired coupling the "source" shown is the
/// observations Y the flows restore.
fn samples_shown(session: &Session) -> (Arc<Points>, Arc<Points>) {
    let seed = session.scene().train.seed;
    let mut rng = Rng::stream(seed, "display-source");
    let source = match session.observation() {
        Some(model) => model.draw(SAMPLES_SHOWN, &mut rng).y,
        None => session.source().sample(SAMPLES_SHOWN, &mut rng),
    };
    (
        Arc::new(source),
        Arc::new(
            session
                .target()
                .sample(SAMPLES_SHOWN, &mut Rng::stream(seed, "display-target")),
        ),
    )
}

/// Where arrows are drawn: points the space spreads over the data's region.
fn field_points(space: SpaceKind, source: &Points, target: &Points) -> Points {
    let probes = space
        .geometry()
        .probe_points(&mut source.iter().chain(target.iter()));
    Points::new(space.dim(), probes, None)
}

/// Held-out points for live scores: `wanted` up to [`LIVE_EVAL_POINTS`], fewer (down to
/// [`MIN_LIVE_EVAL_POINTS`]) where each takes `secs_per_point` and all would overrun
/// [`LIVE_SCORING_SECS`]; all of them while the pace is unknown.
fn points_within_budget(wanted: usize, secs_per_point: Option<f64>) -> usize {
    let wanted = wanted.min(LIVE_EVAL_POINTS);
    match secs_per_point {
        Some(secs) if secs > 0.0 => {
            ((LIVE_SCORING_SECS / secs) as usize).clamp(MIN_LIVE_EVAL_POINTS.min(wanted), wanted)
        }
        _ => wanted,
    }
}

/// Lowers this thread's scheduling priority, so that on a machine with few cores the window
/// (and a software GPU driver drawing it) stays smooth while training takes what is left.
fn yield_to_the_window() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread; failure only leaves the priority as is.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
}

/// An error as one sentence for the status line.
fn sentence(error: &crate::Error) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().chain(chars).collect();
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_scores_keep_a_thousand_points_unless_the_model_is_slow() {
        // The plane's MLP: about a microsecond a point and step, 100 steps.
        assert_eq!(points_within_budget(1000, Some(1e-4)), 1000);
        assert_eq!(points_within_budget(400, Some(1e-4)), 400);
        assert_eq!(points_within_budget(5000, None), LIVE_EVAL_POINTS);
        // LJ13's EGNN beside the solver: about 155 µs a point and step.
        assert_eq!(points_within_budget(1000, Some(155e-4)), 129);
        assert_eq!(points_within_budget(1000, Some(1.0)), MIN_LIVE_EVAL_POINTS);
        assert_eq!(points_within_budget(64, Some(1.0)), 64);
    }
}
