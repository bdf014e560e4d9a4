//! A software passkey authenticator: what a platform authenticator and the browser (or the
//! iOS/Android passkey APIs) do between Keyturn's begin and finish routes, written out by hand so
//! a test can break each part on purpose. It keeps ES256 keys (ring), answers creation options
//! with attestation "none" and request options with an assertion, in WebAuthn Level 3's JSON.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// authenticatorData flags.
pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const BE: u8 = 0x08;
pub const BS: u8 = 0x10;
pub const AT: u8 = 0x40;

/// One passkey the authenticator holds.
pub struct Credential {
    pub id: Vec<u8>,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    pub counter: u32,
    pair: EcdsaKeyPair,
}

/// What a test changes in one response (everything `None`/`false` is what a genuine
/// authenticator and browser send).
#[derive(Clone, Default)]
pub struct Tweak {
    /// `clientDataJSON.origin` (else the authenticator's origin).
    pub origin: Option<String>,
    /// The RP id hashed into authenticatorData (else the options' RP id).
    pub rp_id: Option<String>,
    /// authenticatorData flags (else UP|UV|BE|BS, plus AT at creation).
    pub flags: Option<u8>,
    /// `clientDataJSON.type` (else the ceremony's).
    pub kind: Option<String>,
    /// The counter to report (else the credential's next).
    pub counter: Option<u32>,
    /// The challenge to sign (else the options').
    pub challenge: Option<String>,
    /// `crossOrigin: true`.
    pub cross_origin: bool,
    /// An attestation object that is not CBOR.
    pub garbage_attestation: bool,
    /// A signature by another key.
    pub foreign_signature: bool,
    /// The user handle to return (else the credential's).
    pub user_handle: Option<Vec<u8>>,
}

/// A platform authenticator as one device's browser exposes it at `origin`.
pub struct Authenticator {
    pub origin: String,
    pub credentials: Vec<Credential>,
    rng: SystemRandom,
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        n if n < 24 => out.push(0x40 | n as u8),
        n if n < 256 => out.extend_from_slice(&[0x58, n as u8]),
        n => {
            out.push(0x59);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    out.push(0x60 | text.len() as u8);
    out.extend_from_slice(text.as_bytes());
}

impl Authenticator {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
            rng: SystemRandom::new(),
        }
    }

    fn new_pair(&self) -> EcdsaKeyPair {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &self.rng)
            .unwrap()
    }

    fn client_data(&self, kind: &str, challenge: &str, tweak: &Tweak) -> Vec<u8> {
        json!({
            "type": tweak.kind.as_deref().unwrap_or(kind),
            "challenge": tweak.challenge.as_deref().unwrap_or(challenge),
            "origin": tweak.origin.as_deref().unwrap_or(&self.origin),
            "crossOrigin": tweak.cross_origin,
        })
        .to_string()
        .into_bytes()
    }

    fn auth_data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
        let mut out = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        out.push(flags);
        out.extend_from_slice(&counter.to_be_bytes());
        out
    }

    /// `navigator.credentials.create({publicKey})`: a new credential (kept) and its JSON.
    pub fn create(&mut self, public_key: &Value) -> Value {
        self.create_with(public_key, &Tweak::default())
    }

    /// [`Self::create`] with `tweak` applied.
    pub fn create_with(&mut self, public_key: &Value, tweak: &Tweak) -> Value {
        let rp_id = public_key["rp"]["id"].as_str().unwrap().to_owned();
        let challenge = public_key["challenge"].as_str().unwrap();
        let user_handle = unb64(public_key["user"]["id"].as_str().unwrap());
        let pair = self.new_pair();
        let mut id = vec![0u8; 16];
        ring::rand::SecureRandom::fill(&self.rng, &mut id).unwrap();
        let counter = tweak.counter.unwrap_or(1);
        let flags = tweak.flags.unwrap_or(UP | UV | BE | BS | AT);
        let mut auth_data =
            Self::auth_data(tweak.rp_id.as_deref().unwrap_or(&rp_id), flags, counter);
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        let point = pair.public_key().as_ref();
        auth_data.extend_from_slice(&[0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
        cbor_bytes(&mut auth_data, &point[1..33]);
        auth_data.push(0x22);
        cbor_bytes(&mut auth_data, &point[33..65]);
        let mut attestation = vec![0xa3];
        cbor_text(&mut attestation, "fmt");
        cbor_text(&mut attestation, "none");
        cbor_text(&mut attestation, "attStmt");
        attestation.push(0xa0);
        cbor_text(&mut attestation, "authData");
        cbor_bytes(&mut attestation, &auth_data);
        if tweak.garbage_attestation {
            attestation = vec![0xff, 0x00, 0x13];
        }
        let client_data = self.client_data("webauthn.create", challenge, tweak);
        self.credentials.push(Credential {
            id: id.clone(),
            rp_id,
            user_handle,
            counter,
            pair,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal", "hybrid"],
            },
        })
    }

    /// `navigator.credentials.get({publicKey})` with the newest credential for the options' RP.
    pub fn get(&mut self, public_key: &Value) -> Value {
        let last = self.credentials.len() - 1;
        self.get_with(public_key, last, &Tweak::default())
    }

    /// An assertion by credential `index`, with `tweak` applied.
    pub fn get_with(&mut self, public_key: &Value, index: usize, tweak: &Tweak) -> Value {
        let challenge = public_key["challenge"].as_str().unwrap().to_owned();
        let client_data = self.client_data("webauthn.get", &challenge, tweak);
        let foreign = tweak.foreign_signature.then(|| self.new_pair());
        let cred = &mut self.credentials[index];
        let counter = tweak.counter.unwrap_or(cred.counter + 1);
        cred.counter = counter;
        let rp_id = tweak.rp_id.clone().unwrap_or_else(|| cred.rp_id.clone());
        let auth_data = Self::auth_data(&rp_id, tweak.flags.unwrap_or(UP | UV | BE | BS), counter);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(digest(&SHA256, &client_data).as_ref());
        let signer = foreign.as_ref().unwrap_or(&cred.pair);
        let signature = signer.sign(&self.rng, &signed).unwrap();
        let handle = tweak
            .user_handle
            .clone()
            .unwrap_or_else(|| cred.user_handle.clone());
        json!({
            "id": b64(&cred.id),
            "rawId": b64(&cred.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&handle),
            },
        })
    }
}
