use base64::Engine;
use std::io::Read;
fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let v: serde_json::Value = serde_json::from_str(&input).unwrap_or_default();
    let b = |k: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v[k].as_str().unwrap_or("")).unwrap_or_default();
    let ok = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, b("k")).verify(&b("m"), &b("s")).is_ok();
    use sha2::Digest;
    println!("{ok} {}", hex::encode(sha2::Sha256::digest(input.as_bytes())));
}
