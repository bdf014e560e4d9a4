//! The crypto limit of a login: how many "one Argon2id verify (production cost, m=19 MiB t=2
//! p=1, with the pepper) plus one RS256 sign of a user JWT" this machine does per second on N
//! threads, with nothing else around them. The load script compares the local stack's login
//! throughput against this figure, measured in the same run.
//!
//! `crypto-limit [--threads N] [--seconds S]` (defaults: every core, 10 s). Prints one
//! `key=value` line per measurement; the last is `limit_per_sec=…`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use keyturn::crypto::jws::RsaSigner;
use keyturn::crypto::password::Cost;
use keyturn::crypto::signing_key::{self, Bits};
use keyturn::domain::common::session::{Proof, user_claims};
use keyturn_bench::{sample_app, sample_user};

const PEPPER: &[u8] = b"0123456789abcdef0123456789abcdef";
const PASSWORD: &[u8] = b"5f4dcc3b5aa765d61d8327deb882cf99";

/// One login's crypto, with its inputs prepared once (as a warm instance has them).
struct Work {
    argon: Argon2<'static>,
    salt: Vec<u8>,
    expected: Vec<u8>,
    blocks: usize,
    key: RsaSigner,
    kid: String,
    claims: serde_json::Value,
}

impl Work {
    fn new() -> Result<Self, String> {
        let cost = Cost::OWASP;
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| e.to_string())?;
        let argon =
            Argon2::new_with_secret(PEPPER, Algorithm::Argon2id, Version::V0x13, params.clone())
                .map_err(|e| e.to_string())?;
        let stored = argon
            .hash_password(PASSWORD)
            .map_err(|e| e.to_string())?
            .to_string();
        let phc = PasswordHash::new(&stored).map_err(|e| e.to_string())?;
        let salt = phc.salt.ok_or("no salt")?.as_ref().to_vec();
        let expected = phc.hash.ok_or("no hash")?.as_bytes().to_vec();
        let (private, public) = signing_key::generate(Bits::Rsa2048).map_err(|e| e.to_string())?;
        // The production signer: ring, the key parsed once (as a warm instance keeps it).
        let der = signing_key::private_der(&private.pem).map_err(|e| e.to_string())?;
        let key = RsaSigner::from_pkcs8(&der).map_err(|e| e.to_string())?;
        let kid = public.kid;
        let claims = user_claims(
            &sample_app(),
            &sample_user(),
            "https://id.example.com",
            1_700_000_000,
            Proof::Password,
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            argon,
            salt,
            expected,
            blocks: params.block_count(),
            key,
            kid,
            claims,
        })
    }

    fn verify(&self, blocks: &mut [Block]) -> bool {
        let mut out = vec![0u8; self.expected.len()];
        self.argon
            .hash_password_into_with_memory(PASSWORD, &self.salt, &mut out, blocks)
            .is_ok()
            && out == self.expected
    }

    fn sign(&self) -> bool {
        self.key.sign(&self.kid, &self.claims).is_ok()
    }
}

#[derive(Clone, Copy)]
enum Part {
    Argon2,
    Rs256,
    Login,
}

/// Runs `part` on `threads` threads for `seconds`; returns operations per second.
fn rate(work: &Arc<Work>, part: Part, threads: usize, seconds: f64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (work, stop, done) = (work.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut blocks = vec![Block::default(); work.blocks];
                while !stop.load(Ordering::Relaxed) {
                    let ok = match part {
                        Part::Argon2 => work.verify(&mut blocks),
                        Part::Rs256 => work.sign(),
                        Part::Login => work.verify(&mut blocks) && work.sign(),
                    };
                    if !ok {
                        eprintln!("crypto-limit: a verify or sign failed");
                        std::process::exit(1);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() -> std::process::ExitCode {
    let mut threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut seconds = 10.0_f64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<f64>().ok());
        match (arg.as_str(), value) {
            ("--threads", Some(v)) if v >= 1.0 => threads = v as usize,
            ("--seconds", Some(v)) if v > 0.0 => seconds = v,
            _ => {
                eprintln!("usage: crypto-limit [--threads N] [--seconds S]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let work = match Work::new() {
        Ok(w) => Arc::new(w),
        Err(e) => {
            eprintln!("crypto-limit: setup failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Single-thread cost of each part (a fifth of the time each), then the login on every thread.
    let argon_1 = rate(&work, Part::Argon2, 1, seconds / 5.0);
    let rs256_1 = rate(&work, Part::Rs256, 1, seconds / 5.0);
    let login_n = rate(&work, Part::Login, threads, seconds);
    println!("argon2id_verify_ms={:.2}", 1000.0 / argon_1);
    println!("rs256_sign_ms={:.3}", 1000.0 / rs256_1);
    println!(
        "login_crypto_cpu_ms={:.2}",
        1000.0 / argon_1 + 1000.0 / rs256_1
    );
    println!("threads={threads}");
    println!("limit_per_sec={login_n:.1}");
    std::process::ExitCode::SUCCESS
}
