//! Coupled pairs prepared one batch ahead on their own thread, so that the next batch's OT
//! solve runs while the model trains on the current one.

use std::sync::mpsc::{Receiver, Sender, channel};

use super::{CouplingConfig, PairBatch, PairStream};
use crate::{Error, Result};

enum Request {
    Batch(usize),
    Configure(CouplingConfig),
}

/// A [`PairStream`] on a worker thread. Batches come out in exactly the order the stream would
/// produce them; a coupling change applies from the first batch requested after it, which is
/// the batch after next (the next one is already being prepared).
pub struct PrefetchedPairs {
    requests: Sender<Request>,
    batches: Receiver<PairBatch>,
    /// Whether a batch is being prepared.
    in_flight: bool,
}

impl PrefetchedPairs {
    pub fn new(mut stream: PairStream) -> Self {
        let (requests, inbox) = channel::<Request>();
        let (outbox, batches) = channel();
        std::thread::Builder::new()
            .name("flowscope-coupling".into())
            .spawn(move || {
                for request in inbox {
                    match request {
                        Request::Batch(size) => {
                            if outbox.send(stream.next_batch(size)).is_err() {
                                break;
                            }
                        }
                        Request::Configure(config) => stream.set_config(config),
                    }
                }
            })
            .expect("the OS can start one more thread");
        Self {
            requests,
            batches,
            in_flight: false,
        }
    }

    /// The next `size` pairs; starts preparing the batch after it before returning.
    pub fn next_batch(&mut self, size: usize) -> Result<PairBatch> {
        if !self.in_flight {
            self.send(Request::Batch(size))?;
        }
        let mut batch = self.receive()?;
        // A batch prepared at another size (the batch setting changed) is topped up or cut.
        while batch.x0.len() < size {
            self.send(Request::Batch(size - batch.x0.len()))?;
            let more = self.receive()?;
            batch.x0.extend(&more.x0);
            batch.x1.extend(&more.x1);
            if let (Some(path), Some(more)) = (batch.path.as_mut(), &more.path) {
                path.extend(more);
            }
            if let (Some(observation), Some(more)) = (batch.observation.as_mut(), &more.observation)
            {
                observation.extend(more);
            }
        }
        if batch.x0.len() > size {
            batch.x0 = batch.x0.take_front(size);
            batch.x1 = batch.x1.take_front(size);
            batch.observation = batch.observation.map(|mut o| o.take_front(size));
            let dim = batch.x0.dim();
            if let Some(path) = batch.path.as_mut() {
                path.truncate(size, dim);
            }
        }
        self.send(Request::Batch(size))?;
        self.in_flight = true;
        Ok(batch)
    }

    /// Changes the coupling for batches requested from now on.
    pub fn set_config(&mut self, config: CouplingConfig) -> Result<()> {
        self.send(Request::Configure(config))
    }

    fn send(&self, request: Request) -> Result<()> {
        self.requests.send(request).map_err(|_| worker_stopped())
    }

    fn receive(&self) -> Result<PairBatch> {
        self.batches.recv().map_err(|_| worker_stopped())
    }
}

fn worker_stopped() -> Error {
    Error::Internal("the coupling thread stopped unexpectedly".into())
}
