//! Training time shared among the live sessions of one window. Each session trains only while
//! it holds the turn, and the turn goes round the sessions that want it in order, so compared
//! runs take turns on the cores instead of crowding them (and the window) all at once.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The line of sessions waiting to train; clones share it.
#[derive(Clone, Default)]
pub struct Turns(Arc<Line>);

#[derive(Default)]
struct Line {
    state: Mutex<LineState>,
    changed: Condvar,
}

#[derive(Default)]
struct LineState {
    waiting: VecDeque<u64>,
    held: bool,
    members: u64,
}

impl Line {
    fn lock(&self) -> MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One session's place at the line.
pub struct TurnTaker {
    line: Arc<Line>,
    id: u64,
}

/// The turn, held until dropped.
pub struct Turn {
    line: Arc<Line>,
}

impl Turns {
    /// A new place at the line, for one session.
    pub fn join(&self) -> TurnTaker {
        let mut state = self.0.lock();
        state.members += 1;
        TurnTaker {
            line: self.0.clone(),
            id: state.members,
        }
    }
}

impl TurnTaker {
    /// Waits up to `patience` for the turn, keeping this session's place in the line when it
    /// runs out (so the caller can look at its commands and wait again).
    pub fn wait(&self, patience: Duration) -> Option<Turn> {
        let deadline = Instant::now() + patience;
        let mut state = self.line.lock();
        if !state.waiting.contains(&self.id) {
            state.waiting.push_back(self.id);
        }
        loop {
            if !state.held && state.waiting.front() == Some(&self.id) {
                state.waiting.pop_front();
                state.held = true;
                return Some(Turn {
                    line: self.line.clone(),
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .line
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Steps out of the line (a paused session), letting the next one in.
    pub fn leave(&self) {
        let mut state = self.line.lock();
        state.waiting.retain(|&id| id != self.id);
        drop(state);
        self.line.changed.notify_all();
    }
}

impl Drop for TurnTaker {
    fn drop(&mut self) {
        self.leave();
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.line.lock().held = false;
        self.line.changed.notify_all();
    }
}
