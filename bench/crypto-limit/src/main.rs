//! The crypto limit of a login, from the stock crates at cargo's default release profile: how
//! many "one Argon2id verify (m=19 MiB, t=2, p=1, with a pepper) plus one RS256 sign of a user
//! JWT (ring)" this machine does per second on N threads, with nothing else around them.
//! `bench/load.py` compares `keyturn serve`'s login throughput against this figure, measured in
//! the same run. It shares no code with Keyturn, so it measures what the crates can do, not
//! what Keyturn's build makes of them.
//!
//! `crypto-limit [--threads N] [--seconds S]` (defaults: every core, 10 s). Prints one
//! `key=value` line per measurement; the last is `limit_per_sec=…`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs8::EncodePrivateKey as _;

const PEPPER: &[u8] = b"0123456789abcdef0123456789abcdef";
const PASSWORD: &[u8] = b"5f4dcc3b5aa765d61d8327deb882cf99";
const SALT: &[u8] = b"0123456789abcdef";

/// One login's crypto, with its inputs prepared once (as a warm instance has them).
struct Work {
    argon: Argon2<'static>,
    expected: [u8; 32],
    blocks: usize,
    key: RsaKeyPair,
    rng: ring::rand::SystemRandom,
    claims: serde_json::Value,
}

impl Work {
    fn new() -> Result<Self, String> {
        // Keyturn's cost (OWASP's Argon2id profile) and output length.
        let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(|e| e.to_string())?;
        let argon =
            Argon2::new_with_secret(PEPPER, Algorithm::Argon2id, Version::V0x13, params.clone())
                .map_err(|e| e.to_string())?;
        let mut expected = [0u8; 32];
        argon
            .hash_password_into(PASSWORD, SALT, &mut expected)
            .map_err(|e| e.to_string())?;
        let private =
            rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
        let der = private.to_pkcs8_der().map_err(|e| e.to_string())?;
        let key = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| e.to_string())?;
        // A user JWT's claims as Keyturn issues them: metadata fields, the email, the
        // registered claims.
        let claims = serde_json::json!({
            "user_data": {"name": "Bob", "profile": {"plan": "pro"}},
            "org": "acme",
            "email": "bob@example.com",
            "iss": "https://id.example.com",
            "aud": "0123456789abcdef0123456789abcdef",
            "sub": "5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b",
            "iat": 1_700_000_000,
            "exp": 1_700_086_400,
        });
        Ok(Self {
            argon,
            expected,
            blocks: params.block_count(),
            key,
            rng: ring::rand::SystemRandom::new(),
            claims,
        })
    }

    fn verify(&self, blocks: &mut [Block]) -> bool {
        let mut out = [0u8; 32];
        self.argon
            .hash_password_into_with_memory(PASSWORD, SALT, &mut out, blocks)
            .is_ok()
            && out == self.expected
    }

    /// `header.claims.signature`, RS256, as Keyturn's signer builds it.
    fn sign(&self) -> bool {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "bench"});
        let (Ok(header), Ok(claims)) = (
            serde_json::to_vec(&header),
            serde_json::to_vec(&self.claims),
        ) else {
            return false;
        };
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(claims));
        let mut sig = vec![0; self.key.public().modulus_len()];
        if self
            .key
            .sign(&RSA_PKCS1_SHA256, &self.rng, token.as_bytes(), &mut sig)
            .is_err()
        {
            return false;
        }
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(sig));
        !token.is_empty()
    }
}

#[derive(Clone, Copy)]
enum Part {
    Argon2,
    Rs256,
    Login,
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat` (Linux; in clock
/// ticks of 1/100 s, the value of `USER_HZ` on every Linux architecture but alpha and ia64), or
/// `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}

/// Runs `part` on `threads` threads for `seconds`; returns operations per second and, where the
/// OS tells, the CPU milliseconds each operation took (a figure a busy machine moves less than
/// the rate: time spent waiting for a core is not counted).
fn rate(work: &Arc<Work>, part: Part, threads: usize, seconds: f64) -> (f64, Option<f64>) {
    let cpu_start = cpu_seconds();
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
    let ops = done.load(Ordering::Relaxed) as f64;
    let cpu_ms = cpu_start
        .zip(cpu_seconds())
        .map(|(before, after)| (after - before) * 1000.0 / ops.max(1.0));
    (ops / start.elapsed().as_secs_f64(), cpu_ms)
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
    let (argon_1, _) = rate(&work, Part::Argon2, 1, seconds / 5.0);
    let (rs256_1, _) = rate(&work, Part::Rs256, 1, seconds / 5.0);
    let (login_n, login_cpu_ms) = rate(&work, Part::Login, threads, seconds);
    println!("argon2id_verify_ms={:.2}", 1000.0 / argon_1);
    println!("rs256_sign_ms={:.3}", 1000.0 / rs256_1);
    println!(
        "login_crypto_cpu_ms={:.2}",
        1000.0 / argon_1 + 1000.0 / rs256_1
    );
    if let Some(ms) = login_cpu_ms {
        println!("login_cpu_ms_per_op={ms:.2}");
    }
    println!("threads={threads}");
    println!("limit_per_sec={login_n:.1}");
    std::process::ExitCode::SUCCESS
}
