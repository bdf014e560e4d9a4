//! COSE public keys (RFC 9052/9053) of the two algorithms Keyturn asks for, ES256 (-7) and
//! RS256 (-257), and the one signature check a login needs, through `ring` (already linked for
//! the RS256 JWTs): no second crypto library in the Lambda zip.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

use super::cbor::{self, Cbor};

/// COSE algorithm ES256: ECDSA over P-256 with SHA-256.
pub const ES256: i64 = -7;
/// COSE algorithm RS256: RSASSA-PKCS1-v1_5 with SHA-256.
pub const RS256: i64 = -257;

/// A credential's public key, parsed from its COSE form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// A P-256 point as SEC 1 uncompressed bytes (`04 || x || y`).
    Es256(Vec<u8>),
    /// An RSA modulus and exponent (big-endian).
    Rs256 {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
}

/// Smallest RSA modulus accepted (as ring's verifier also requires).
const MIN_RSA_BYTES: usize = 256;

impl PublicKey {
    /// Parses a COSE key: kty EC2 with crv P-256 and alg ES256, or kty RSA with alg RS256. A
    /// key without `alg`, or of another curve or size, is refused.
    pub fn from_cose(bytes: &[u8]) -> Result<Self, &'static str> {
        let key = cbor::decode(bytes).map_err(|e| e.0)?;
        Self::from_cose_item(&key)
    }

    /// [`Self::from_cose`] over an already decoded item.
    pub fn from_cose_item(key: &Cbor) -> Result<Self, &'static str> {
        let int = |label| key.int_key(label).and_then(Cbor::as_int);
        let bytes = |label| key.int_key(label).and_then(Cbor::as_bytes);
        match (int(1), int(3)) {
            (Some(2), Some(alg)) if alg == i128::from(ES256) => {
                if int(-1) != Some(1) {
                    return Err("EC2 key not on P-256");
                }
                let (Some(x), Some(y)) = (bytes(-2), bytes(-3)) else {
                    return Err("EC2 key without x or y");
                };
                if x.len() != 32 || y.len() != 32 {
                    return Err("P-256 coordinates must be 32 bytes");
                }
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                Ok(PublicKey::Es256(point))
            }
            (Some(3), Some(alg)) if alg == i128::from(RS256) => {
                let (Some(n), Some(e)) = (bytes(-1), bytes(-2)) else {
                    return Err("RSA key without n or e");
                };
                let n = strip_zeros(n);
                if n.len() < MIN_RSA_BYTES || n.len() > 1024 || e.is_empty() || e.len() > 8 {
                    return Err("RSA key of an unsupported size");
                }
                Ok(PublicKey::Rs256 {
                    n: n.to_vec(),
                    e: e.to_vec(),
                })
            }
            _ => Err("not an ES256 or RS256 key"),
        }
    }

    /// The COSE algorithm number.
    pub fn alg(&self) -> i64 {
        match self {
            PublicKey::Es256(_) => ES256,
            PublicKey::Rs256 { .. } => RS256,
        }
    }

    /// Whether `sig` signs `message` under this key (an ES256 signature is ASN.1 DER, as
    /// WebAuthn sends it).
    pub fn verifies(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            PublicKey::Es256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point)
                    .verify(message, sig)
                    .is_ok()
            }
            PublicKey::Rs256 { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
        }
    }
}

fn strip_zeros(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    fn cose_es256(point: &[u8], crv: u8) -> Vec<u8> {
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, crv, 0x21, 0x58, 32];
        out.extend_from_slice(&point[1..33]);
        out.extend_from_slice(&[0x22, 0x58, 32]);
        out.extend_from_slice(&point[33..65]);
        out
    }

    #[test]
    fn an_es256_key_verifies_its_own_signature_and_nothing_else() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let key = PublicKey::from_cose(&cose_es256(pair.public_key().as_ref(), 1)).unwrap();
        assert_eq!(key.alg(), ES256);
        let sig = pair.sign(&rng, b"signed").unwrap();
        assert!(key.verifies(b"signed", sig.as_ref()));
        assert!(!key.verifies(b"other", sig.as_ref()));
        assert!(PublicKey::from_cose(&cose_es256(pair.public_key().as_ref(), 2)).is_err());
    }

    /// CBOR head of a byte string of `len` bytes (len < 65536).
    fn bytes_head(out: &mut Vec<u8>, len: usize) {
        if len < 24 {
            out.push(0x40 | len as u8);
        } else if len < 256 {
            out.extend_from_slice(&[0x58, len as u8]);
        } else {
            out.push(0x59);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }

    #[test]
    fn an_rs256_key_verifies_its_own_signature_and_small_keys_are_refused() {
        use rsa::pkcs8::EncodePrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let cose_rsa = |bits: usize| {
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).unwrap();
            let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
            let mut cose = vec![0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20];
            bytes_head(&mut cose, n.len());
            cose.extend_from_slice(&n);
            cose.push(0x21);
            bytes_head(&mut cose, e.len());
            cose.extend_from_slice(&e);
            (key, cose)
        };
        let (key, cose) = cose_rsa(2048);
        let parsed = PublicKey::from_cose(&cose).unwrap();
        assert_eq!(parsed.alg(), RS256);
        let der = key.to_pkcs8_der().unwrap();
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes()).unwrap();
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            b"signed",
            &mut sig,
        )
        .unwrap();
        assert!(parsed.verifies(b"signed", &sig));
        assert!(!parsed.verifies(b"other", &sig));
        let (_, small) = cose_rsa(1024);
        assert!(PublicKey::from_cose(&small).is_err());
    }

    #[test]
    fn keys_of_other_algorithms_are_refused() {
        // kty OKP (Ed25519), alg -8.
        assert!(PublicKey::from_cose(&[0xa3, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06]).is_err());
        // kty EC2 without alg.
        assert!(PublicKey::from_cose(&[0xa2, 0x01, 0x02, 0x20, 0x01]).is_err());
    }
}
