//! `keyturn import cosync --create-app`: creates the Keyturn app from the export's `apps.jsonl`
//! through `POST /admin/import/cosync/app` (same id, settings, RSA key and app token), then the
//! users are imported into it.
//!
//! The original kept the app's key pair as AES-256-CTR ciphertext of the base64 of the PEM
//! (key = SHA-256 of its `ENCRYPT_KEY`, a random 16-byte IV in front, base64 over both; plain
//! base64 of the PEM when no `ENCRYPT_KEY` was set). It is decrypted here, with
//! `COSYNC_ENCRYPT_KEY` from the environment, so that key, which also opens the original's
//! Twilio and SendGrid credentials, never leaves the operator's machine; only the app's own
//! key pair is sent, as PEM, over the admin API.

use std::path::Path;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ctr::cipher::{KeyIvInit as _, StreamCipher as _};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Digest as _;

use super::client::Client;
use super::{Exit, Failure};

/// The environment variable holding the original's `ENCRYPT_KEY` (`config.encryptKey`).
const ENCRYPT_KEY_VAR: &str = "COSYNC_ENCRYPT_KEY";

/// Creates the app (or, in a dry run, checks it) and returns its id, to import the users into.
/// With `resume`, an app that already has the id is taken as this export's, created by the run
/// being resumed.
pub async fn create(
    client: &Client,
    dir: &Path,
    dry_run: bool,
    resume: bool,
) -> Result<String, Failure> {
    let mut doc = app_document(dir)?;
    let app_id = doc
        .get("appId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let secret = std::env::var(ENCRYPT_KEY_VAR)
        .ok()
        .filter(|k| !k.is_empty());
    let private = key_pem(&doc, "appPrivateKey", secret.as_deref())?.ok_or_else(|| {
        Failure::usage("apps.jsonl has no appPrivateKey: the app's key cannot come over")
    })?;
    let public = key_pem(&doc, "appPublicKey", secret.as_deref())?;
    if let Some(fields) = doc.as_object_mut() {
        // Sent decrypted below; the ciphertexts are of no use to the server.
        fields.remove("appPrivateKey");
        fields.remove("appPublicKey");
    }
    let body = json!({
        "app": doc,
        "privateKeyPem": private,
        "publicKeyPem": public,
        "dryRun": dry_run,
    });
    let path = ["admin", "import", "cosync", "app"];
    let answer = match client.call(Method::POST, &path, &[], Some(&body)).await {
        Ok(answer) => answer.body,
        Err(f) if resume && f.message.starts_with("error 634 ") => {
            eprintln!("keyturn: app {app_id} exists: resuming the import into it");
            return Ok(app_id);
        }
        Err(f) if f.message.starts_with("error 634 ") => {
            return Err(Failure {
                exit: f.exit,
                message: format!(
                    "{}: import into it with --app {app_id}, or --resume an interrupted --create-app",
                    f.message
                ),
            });
        }
        Err(f) => return Err(f),
    };
    let verb = if dry_run {
        "would be created"
    } else {
        "created"
    };
    println!(
        "app {app_id} {verb} with the original's RSA key (kid {})",
        answer["kid"].as_str().unwrap_or("?")
    );
    if answer["legacyAppToken"] == true {
        println!("  the original app token keeps working until `app-token/rotate`");
    }
    if let Some(token) = answer["app"]["appToken"].as_str() {
        println!("  new app token: {token}");
    }
    for note in answer["notes"].as_array().into_iter().flatten() {
        println!("  note: {}", note.as_str().unwrap_or_default());
    }
    Ok(app_id)
}

/// The one document of `<dir>/apps.jsonl` (the export is filtered by app, so it has one line).
fn app_document(dir: &Path) -> Result<Value, Failure> {
    let path = dir.join("apps.jsonl");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::usage(format!("--create-app needs {}: {e}", path.display())))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.as_slice() {
        [one] => serde_json::from_str(one)
            .map_err(|e| Failure::usage(format!("{}: {e}", path.display()))),
        other => Err(Failure::usage(format!(
            "{} holds {} apps: export the one app (--query '{{\"appId\":\"…\"}}')",
            path.display(),
            other.len()
        ))),
    }
}

/// A key field of the app document as PEM: PEM as it is, base64 of a PEM (the original without
/// `ENCRYPT_KEY`), or the original's ciphertext, opened with `secret`. `None` when absent.
fn key_pem(doc: &Value, field: &str, secret: Option<&str>) -> Result<Option<String>, Failure> {
    let Some(raw) = doc
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    if raw.starts_with("-----BEGIN ") {
        return Ok(Some(raw.to_owned()));
    }
    if let Some(pem) = base64_pem(raw) {
        return Ok(Some(pem));
    }
    let secret = secret.ok_or_else(|| {
        Failure::usage(format!(
            "{field} is encrypted: set {ENCRYPT_KEY_VAR} to the original server's ENCRYPT_KEY (config.encryptKey)"
        ))
    })?;
    decrypt(raw, secret)
        .as_deref()
        .and_then(base64_pem)
        .map(Some)
        .ok_or_else(|| Failure {
            exit: Exit::Usage,
            message: format!(
                "{field} does not decrypt to a PEM with this {ENCRYPT_KEY_VAR}: is it the original server's ENCRYPT_KEY?"
            ),
        })
}

/// The PEM text `s` is the base64 of, if it is.
fn base64_pem(s: &str) -> Option<String> {
    let bytes = STANDARD.decode(s.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.trim_start()
        .starts_with("-----BEGIN ")
        .then(|| text.trim().to_owned())
}

/// The original's `decrypt`: base64 of IV (16 bytes) then AES-256-CTR ciphertext under
/// SHA-256(`secret`), the counter the whole 128-bit block, big-endian (Node's `aes-256-ctr`).
fn decrypt(b64: &str, secret: &str) -> Option<String> {
    let data = STANDARD.decode(b64.trim()).ok()?;
    if data.len() <= 16 {
        return None;
    }
    let (iv, ciphertext) = data.split_at(16);
    let key = sha2::Sha256::digest(secret.as_bytes());
    let mut cipher = ctr::Ctr128BE::<Aes256>::new_from_slices(&key, iv).ok()?;
    let mut plain = ciphertext.to_vec();
    cipher.apply_keystream(&mut plain);
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_field_reads_as_pem_base64_or_the_originals_ciphertext() {
        let pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
        let b64 = STANDARD.encode(pem);
        // Encrypted as the original did: AES-256-CTR(SHA-256(key), iv) over base64(PEM).
        let iv = [7u8; 16];
        let key = sha2::Sha256::digest(b"secret");
        let mut body = b64.clone().into_bytes();
        ctr::Ctr128BE::<Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .apply_keystream(&mut body);
        let sealed = STANDARD.encode([iv.as_slice(), &body].concat());
        let doc = json!({"a": pem, "b": b64, "c": sealed});
        assert_eq!(key_pem(&doc, "a", None).unwrap().unwrap(), pem);
        assert_eq!(key_pem(&doc, "b", None).unwrap().unwrap(), pem);
        assert_eq!(key_pem(&doc, "c", Some("secret")).unwrap().unwrap(), pem);
        assert!(key_pem(&doc, "c", None).is_err(), "needs the key");
        assert!(key_pem(&doc, "c", Some("wrong")).is_err());
        assert!(key_pem(&doc, "absent", None).unwrap().is_none());
    }
}
