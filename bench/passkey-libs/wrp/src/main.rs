use base64::Engine;
use std::io::Read;
use webauthn_rp::{DiscoverableAuthentication64, DiscoverableCredentialRequestOptions, PublicKeyCredentialCreationOptions, Registration};
use webauthn_rp::AuthenticatedCredential;
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::response::register::{CompressedPubKey, StaticState};
use webauthn_rp::request::{AsciiDomain, RpId, auth::AuthenticationVerificationOptions, register::{RegistrationVerificationOptions, UserHandle64}};
fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let v: serde_json::Value = serde_json::from_str(&input).unwrap_or_default();
    let b = |k: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v[k].as_str().unwrap_or("")).unwrap_or_default();
    let ok = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, b("k")).verify(&b("m"), &b("s")).is_ok();
    use sha2::Digest;
    println!("{ok} {}", hex::encode(sha2::Sha256::digest(input.as_bytes())));
    let rp_id = RpId::Domain(AsciiDomain::try_from(v["rp"].as_str().unwrap_or("example.com").to_owned()).unwrap());
    let user_id = UserHandle64::new();
    let (server, client) = PublicKeyCredentialCreationOptions::first_passkey_with_blank_user_info(&rp_id, &user_id).start_ceremony().unwrap();
    println!("{}", serde_json::to_string(&client).unwrap());
    let reg = match Registration::from_json_custom(v["reg"].to_string().as_bytes()) { Ok(r) => r, Err(e) => { println!("{e:?}"); return } };
    let cred = match server.verify(&rp_id, &reg, &RegistrationVerificationOptions::<&str, &str>::default()) {
        Ok(cred) => cred,
        Err(e) => { println!("{e:?}"); return }
    };
    let (aserver, aclient) = DiscoverableCredentialRequestOptions::passkey(&rp_id).start_ceremony().unwrap();
    println!("{}", serde_json::to_string(&aclient).unwrap());
    let auth = match DiscoverableAuthentication64::from_json_custom(v["auth"].to_string().as_bytes()) { Ok(a) => a, Err(e) => { println!("{e:?}"); return } };
    let bytes = cred.static_state().encode().unwrap();
    let static_state = StaticState::<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>::decode(bytes.as_slice()).unwrap();
    let mut stored = AuthenticatedCredential::new(cred.id(), cred.user_id(), static_state, cred.dynamic_state()).unwrap();
    println!("{:?}", aserver.verify(&rp_id, &auth, &mut stored, &AuthenticationVerificationOptions::<&str, &str>::default()));
}
