use base64::Engine;
use std::io::Read;
use webauthn_rs::prelude::*;
fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let v: serde_json::Value = serde_json::from_str(&input).unwrap_or_default();
    let b = |k: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v[k].as_str().unwrap_or("")).unwrap_or_default();
    let ok = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, b("k")).verify(&b("m"), &b("s")).is_ok();
    use sha2::Digest;
    println!("{ok} {}", hex::encode(sha2::Sha256::digest(input.as_bytes())));
    let origin = Url::parse(v["origin"].as_str().unwrap_or("https://example.com")).unwrap();
    let webauthn = WebauthnBuilder::new(v["rp"].as_str().unwrap_or("example.com"), &origin).unwrap().build().unwrap();
    let (ccr, reg) = webauthn.start_passkey_registration(Uuid::new_v4(), "a", "a", None).unwrap();
    println!("{}", serde_json::to_string(&ccr).unwrap());
    let cred: RegisterPublicKeyCredential = match serde_json::from_value(v["reg"].clone()) { Ok(c) => c, Err(_) => return };
    let passkey = match webauthn.finish_passkey_registration(&cred, &reg) { Ok(p) => p, Err(e) => { println!("{e:?}"); return } };
    let (rcr, auth) = webauthn.start_passkey_authentication(&[passkey]).unwrap();
    println!("{}", serde_json::to_string(&rcr).unwrap());
    let cred: PublicKeyCredential = match serde_json::from_value(v["auth"].clone()) { Ok(c) => c, Err(_) => return };
    println!("{:?}", webauthn.finish_passkey_authentication(&cred, &auth).map(|r| r.counter()));
}
