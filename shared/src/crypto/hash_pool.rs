//! The threads and memory password hashing runs on (see [`super::password::Passwords`] for why
//! a fixed pool and reused Argon2 block buffers).

use argon2::Block;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking hashing jobs from one queue; they exit when the last
/// [`super::password::Passwords`] clone is dropped.
pub(crate) struct HashPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

impl HashPool {
    pub(crate) fn new(threads: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self {
            jobs: std::sync::Mutex::new(tx),
        }
    }

    /// Runs `work` on the pool and waits for its result without blocking the executor.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.lock().ok()?.send(job).ok()?;
        result.await.ok()
    }
}

/// Argon2 block buffers kept between hashes: a hash takes a free one (or allocates one when all
/// are busy) and puts it back, so the process holds as many 19 MiB buffers as hashes ever ran at
/// once: one in a Lambda (one request at a time), at most one per pool thread locally.
#[derive(Default)]
pub(crate) struct Buffers(pub(crate) std::sync::Mutex<Vec<Vec<Block>>>);

impl Buffers {
    /// Runs `work` over `count` blocks of a reused buffer. Argon2 writes every block before it
    /// reads it, so the previous hash's contents never reach the next one.
    pub(crate) fn with<T>(&self, count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut blocks = self
            .0
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_default();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        let out = work(&mut blocks[..count]);
        if let Ok(mut free) = self.0.lock() {
            free.push(blocks);
        }
        out
    }
}
