//! Compared runs take turns: one trains at a time, the turn goes round in order, a paused run
//! steps out of the line, and live sessions sharing the turns all make progress. A live run of
//! a slow model shows pictures at least eight steps apart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use flowscope::scene::Scene;
use flowscope::session::Turns;
use flowscope::session::live::{Command, LiveSession, Start};

#[test]
fn one_run_trains_at_a_time_and_the_turn_goes_round_in_order() {
    let turns = Turns::default();
    let holders = Arc::new(AtomicUsize::new(0));
    let order = Arc::new(Mutex::new(Vec::new()));
    let start = Arc::new(Barrier::new(3));
    let workers: Vec<_> = (0..3)
        .map(|run| {
            let taker = turns.join();
            let (holders, order, start) = (holders.clone(), order.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..30 {
                    let _turn = taker
                        .wait(Duration::from_secs(5))
                        .expect("a turn within 5 s");
                    assert_eq!(
                        holders.fetch_add(1, Ordering::SeqCst),
                        0,
                        "two runs trained at once"
                    );
                    std::thread::sleep(Duration::from_millis(2));
                    order.lock().unwrap().push(run);
                    holders.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let order = order.lock().unwrap();
    assert_eq!(order.len(), 90);
    // Once all three are in line, every three consecutive turns go to three different runs.
    for window in order[6..84].windows(3) {
        assert!(
            window[0] != window[1] && window[1] != window[2] && window[0] != window[2],
            "turns out of order: {window:?} in {order:?}"
        );
    }
}

#[test]
fn a_run_that_leaves_the_line_holds_nobody_up() {
    let turns = Turns::default();
    let (training, paused, waiting) = (turns.join(), turns.join(), turns.join());
    let turn = training.wait(Duration::ZERO).expect("the line is empty");
    assert!(paused.wait(Duration::ZERO).is_none(), "the turn is taken");
    // Still in line at the front, the paused run would keep the next one waiting...
    drop(turn);
    assert!(waiting.wait(Duration::from_millis(50)).is_none());
    // ...until it steps out.
    paused.leave();
    assert!(waiting.wait(Duration::from_millis(500)).is_some());
}

#[test]
fn live_sessions_sharing_the_turns_all_train() {
    let turns = Turns::default();
    let device = Device::flex();
    let mut scene = Scene::default();
    scene.train.steps = 100_000;
    scene.train.batch = 128;
    scene.sample.particles = 200;
    scene.sample.steps = 20;
    scene.eval.points = 200;
    let sessions: Vec<LiveSession> = (0..3)
        .map(|_| {
            LiveSession::start(
                Start::Fresh(Box::new(scene.clone())),
                device.clone(),
                &turns,
                || {},
            )
            .expect("a live session starts")
        })
        .collect();
    for session in &sessions {
        session.send(Command::Play);
    }
    let mut steps = [0usize; 3];
    let deadline = Instant::now() + Duration::from_secs(60);
    while steps.contains(&0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        for (session, steps) in sessions.iter().zip(&mut steps) {
            if let Some(last) = session.receive().last() {
                *steps = last.step;
            }
        }
    }
    assert!(steps.iter().all(|&s| s > 0), "every run trained: {steps:?}");
}

#[test]
fn a_slow_model_is_pictured_at_least_eight_steps_apart() {
    // Steps of about a tenth of a second and pictures of a few milliseconds: 300 ms of
    // training held three steps, and the window redrew a model that had barely moved.
    let mut scene = Scene::default();
    scene.train.steps = 100_000;
    scene.train.batch = 4096;
    scene.model.width = 256;
    scene.model.depth = 4;
    scene.sample.particles = 50;
    scene.sample.steps = 5;
    scene.eval.points = 100;
    let live = LiveSession::start(
        Start::Fresh(Box::new(scene)),
        Device::flex(),
        &Turns::default(),
        || {},
    )
    .expect("a live session starts");
    live.send(Command::Play);
    let mut pictured = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while pictured.len() < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        for snapshot in live.receive() {
            if snapshot.running && snapshot.step > pictured.last().copied().unwrap_or(0) {
                pictured.push(snapshot.step);
            }
        }
    }
    live.send(Command::Pause);
    assert!(pictured.len() >= 6, "pictures while training: {pictured:?}");
    for pair in pictured.windows(2) {
        assert!(
            pair[1] - pair[0] >= 8,
            "pictures at steps {pictured:?}: fewer than eight steps apart"
        );
    }
}
