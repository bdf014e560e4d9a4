//! Property tests of every decoder an attacker reaches: request bodies (JSON and Node
//! querystring), metadata dot paths, phone numbers, handles, one-time codes, service tokens,
//! Apple/Google ID tokens, JWKS documents, stored app records, and, through the HTTP door, every
//! route of the served OpenAPI document with hostile bodies, headers, paths and cursors.
//!
//! Each property runs [`cases`] cases: 64 in `cargo test` (CI), more when
//! `KEYTURN_FUZZ_CASES` says so (`bash tests/fuzz.sh` runs thousands). A failure prints the
//! shrunk input; proptest keeps no regression file here (the suite must not write into the
//! tree), so a found case becomes an ordinary test beside the fix.

use keyturn::crypto::jws;
use keyturn::crypto::service_token::{Purpose, ServiceTokens};
use keyturn::domain::common::one_time_code;
use keyturn::domain::ports::jwks::parse_jwks;
use keyturn::domain::records::app::decode_stored;
use keyturn::domain::records::metadata::{MetaField, extract, get_path, object_field, set_path};
use keyturn::domain::records::phone_number::Phone;
use keyturn::domain::records::user::Handle;
use keyturn::domain::social::id_token;
use keyturn::error::Error;
use keyturn::wire::body::Fields;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

use crate::support::app::{ADMIN_KEY, TestApp};
use crate::support::users::access;

/// Cases per property: `KEYTURN_FUZZ_CASES`, or 64.
fn cases() -> u32 {
    std::env::var("KEYTURN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(64)
}

/// A runner with [`cases`] cases (times `factor`, for pure decoders that cost microseconds) and
/// no regression file.
fn runner(factor: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases().saturating_mul(factor),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })
}

/// Runs `test` over `strategy`, panicking with the shrunk failure.
fn check<S: Strategy>(
    factor: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner(factor).run(&strategy, test) {
        panic!("{e}");
    }
}

// --- values an attacker would send ----------------------------------------------------------

/// Text an attacker would try: printable ASCII, any Unicode, control bytes, and the characters
/// every decoder treats specially.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        any::<String>(),
        "[\\x00-\\x1f%+&=.@\"\\\\$\\[\\]{}]{0,24}",
        "[a-z0-9._%+-]{1,20}@[a-z0-9.-]{1,20}",
        "\\+[0-9 ().-]{0,24}",
        "[0-9]{0,9}",
        "[A-Za-z0-9_-]{0,30}\\.[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,40}",
    ]
}

/// Any JSON value, nested a few levels, with hostile strings and extreme numbers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(hostile_text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Percent-encodes `s` as `encodeURIComponent` does.
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// --- bodies ------------------------------------------------------------------------------------

/// Every field of `map` reads back from the decoded `fields` as sent (empty reads as absent, as
/// the protocol's clients send it).
fn read_back(
    fields: &Fields,
    map: &std::collections::BTreeMap<String, String>,
) -> Result<(), TestCaseError> {
    for (k, v) in map {
        let name: &'static str = Box::leak(k.clone().into_boxed_str());
        let expected = Some(v.clone()).filter(|v| !v.is_empty());
        prop_assert_eq!(fields.text(name).unwrap(), expected);
    }
    Ok(())
}

#[test]
fn json_bodies_decode_or_are_refused_with_602_and_scalars_read_back() {
    check(16, prop::collection::vec(any::<u8>(), 0..200), |bytes| {
        match Fields::from_json(&bytes) {
            Ok(_) => {}
            Err(e) => prop_assert_eq!(e.wire().code, 602),
        }
        Ok(())
    });
    check(
        8,
        prop::collection::btree_map("[a-zA-Z]{1,12}", hostile_text(), 0..8),
        |map| {
            let body = Value::Object(map.iter().map(|(k, v)| (k.clone(), json!(v))).collect());
            let fields = Fields::from_json(body.to_string().as_bytes()).expect("an object decodes");
            read_back(&fields, &map)
        },
    );
}

#[test]
fn form_bodies_decode_as_node_querystring_and_never_panic() {
    check(16, prop::collection::vec(any::<u8>(), 0..200), |bytes| {
        let _ = Fields::from_form(&bytes);
        Ok(())
    });
    check(
        8,
        prop::collection::btree_map("[a-zA-Z]{1,12}", any::<String>(), 0..8),
        |map| {
            let body: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
                .collect();
            let fields = Fields::from_form(body.join("&").as_bytes());
            read_back(&fields, &map)
        },
    );
}

// --- metadata ----------------------------------------------------------------------------------

#[test]
fn metadata_paths_write_and_read_back_and_hostile_metadata_is_604() {
    let segment = "[a-zA-Z_][a-zA-Z0-9_]{0,6}";
    check(
        8,
        (prop::collection::vec(segment, 1..6), hostile_text()),
        |(segments, text)| {
            let path = segments.join(".");
            let mut root = Map::new();
            set_path(&mut root, &path, Value::String(text.clone()));
            prop_assert_eq!(get_path(&root, &path), Some(&Value::String(text)));
            Ok(())
        },
    );
    let fields = vec![
        MetaField {
            path: "user_data.name".into(),
            field_name: "name".into(),
            required: true,
            can_edit: true,
        },
        MetaField {
            path: "plan".into(),
            field_name: "plan".into(),
            required: false,
            can_edit: false,
        },
    ];
    check(8, (json_value(), hostile_text()), |(value, path)| {
        if let Value::Object(root) = &value {
            let _ = get_path(root, &path);
        }
        match object_field("metaData", Some(&value)).and_then(|o| extract(&fields, o.as_ref())) {
            Ok(out) => {
                // Only declared paths survive, as trimmed strings.
                for (k, _) in &out {
                    prop_assert!(k == "user_data" || k == "plan", "undeclared key {k}");
                }
            }
            Err(e) => prop_assert_eq!(e.wire().code, 604),
        }
        Ok(())
    });
}

// --- phones, handles, codes ---------------------------------------------------------------------

#[test]
fn phones_handles_and_codes_parse_to_a_fixed_point_or_602() {
    check(16, hostile_text(), |raw| {
        match Phone::parse(&raw) {
            Ok(p) => {
                let again = Phone::parse(p.as_str()).expect("a parsed phone parses again");
                prop_assert_eq!(again.as_str(), p.as_str());
                prop_assert!(p.as_str().starts_with('+'));
            }
            Err(e) => prop_assert_eq!(e.wire().code, 602),
        }
        match Handle::parse(&raw) {
            Ok(h) => {
                let again = Handle::parse(h.as_str()).expect("a parsed handle parses again");
                prop_assert_eq!(again.as_str(), h.as_str());
                prop_assert_eq!(h.as_str(), h.as_str().to_lowercase());
            }
            Err(e) => prop_assert_eq!(e.wire().code, 602),
        }
        match one_time_code::parse(&raw) {
            Ok(code) => {
                prop_assert_eq!(code.len(), 6);
                prop_assert!(code.bytes().all(|b| b.is_ascii_digit()));
            }
            Err(e) => prop_assert_eq!(e.wire().code, 602),
        }
        Ok(())
    });
}

// --- tokens --------------------------------------------------------------------------------------

#[test]
fn service_tokens_refuse_every_forgery_and_tampering() {
    let tokens = ServiceTokens::new(&[7u8; 32]);
    let now = 1_800_000_000;
    check(16, hostile_text(), |raw| {
        prop_assert!(tokens.verify::<Value>(&raw, Purpose::Access, now).is_none());
        prop_assert!(tokens.verify::<Value>(&raw, Purpose::App, now).is_none());
        prop_assert!(jws::verify_hs256(&[7u8; 32], &raw).is_none());
        Ok(())
    });
    let claims = ServiceTokens::app_claims("app-1", now);
    let token = tokens.issue(&claims).unwrap();
    assert_verifies(&tokens, &token, now);
    check(8, (0..token.len(), any::<u8>()), |(at, byte)| {
        let mut bytes = token.clone().into_bytes();
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        let forged = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(forged != token);
        prop_assert!(
            tokens.verify::<Value>(&forged, Purpose::App, now).is_none(),
            "a token altered at byte {at} verified"
        );
        Ok(())
    });
}

/// The untouched token verifies, so the tampering property is not vacuous.
fn assert_verifies(tokens: &ServiceTokens, token: &str, now: i64) {
    assert!(tokens.verify::<Value>(token, Purpose::App, now).is_some());
}

#[test]
fn id_tokens_and_jwks_documents_never_panic_and_only_rs256_passes_step_one() {
    let header = |alg: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({"alg": alg, "kid": "k1", "typ": "JWT"}).to_string())
    };
    check(16, hostile_text(), |raw| {
        let _ = id_token::parse(&raw);
        let _ = parse_jwks(raw.as_bytes());
        Ok(())
    });
    check(
        8,
        (
            "[A-Za-z0-9]{0,8}",
            "[A-Za-z0-9_-]{0,40}",
            "[A-Za-z0-9_-]{0,40}",
        ),
        |(alg, payload, sig)| {
            let token = format!("{}.{payload}.{sig}", header(&alg));
            if id_token::parse(&token).is_ok() {
                prop_assert_eq!(alg.as_str(), "RS256");
            }
            Ok(())
        },
    );
    check(8, json_value(), |doc| {
        let _ = parse_jwks(doc.to_string().as_bytes());
        let _ = parse_jwks(json!({"keys": [doc]}).to_string().as_bytes());
        Ok(())
    });
}

// --- stored app records --------------------------------------------------------------------------

#[test]
fn a_hand_edited_app_record_decodes_or_names_its_problem() {
    let t = tokio_runtime().block_on(TestApp::new());
    let info = tokio_runtime().block_on(t.create_app(json!({})));
    let stored = tokio_runtime()
        .block_on(
            t.store
                .get(&keyturn::domain::records::table_keys::app(&info.app_id)),
        )
        .unwrap()
        .expect("the app record");
    let record = stored.data.clone();
    assert!(decode_stored(&record).is_ok());
    let names: Vec<String> = record["settings"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    check(
        16,
        (prop::sample::select(names), json_value()),
        |(name, value)| {
            let mut edited = record.clone();
            edited["settings"][&name] = value;
            if let Err(reason) = decode_stored(&edited) {
                prop_assert!(!reason.is_empty());
            }
            Ok(())
        },
    );
    check(4, json_value(), |value| {
        prop_assert!(decode_stored(&value).is_err() || value.is_object());
        Ok(())
    });
}

// --- the HTTP door ----------------------------------------------------------------------------

/// One runtime for the synchronous property runners to drive the in-process router with.
fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Every operation of the served document: method, path template, and the property names its
/// request body declares (the fields worth filling).
fn operations(doc: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            // Deleting the app under test would leave the rest of the run nothing but 401s.
            if method == "delete" && path == "/admin/apps/{appId}" {
                continue;
            }
            let mut fields = Vec::new();
            for media in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                let schema = resolve(doc, &media.1["schema"]);
                for name in schema["properties"].as_object().into_iter().flatten() {
                    fields.push(name.0.clone());
                }
            }
            fields.sort();
            fields.dedup();
            out.push((method.to_uppercase(), path.clone(), fields));
        }
    }
    out
}

/// `schema`, or what its `$ref` points at.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, part| &node[part]),
        None => schema,
    }
}

/// A request an attacker could send to one operation.
#[derive(Debug, Clone)]
struct Attack {
    op: usize,
    /// Path parameters: the real ids, or hostile text.
    real_ids: bool,
    param: String,
    /// The body's fields (declared names and hostile extras) with any JSON values.
    fields: Vec<(String, Value)>,
    /// Form-encoded instead of JSON.
    form: bool,
    /// Raw bytes instead of either.
    raw: Option<Vec<u8>>,
    /// Which credentials go along.
    app_token: bool,
    access_token: Option<String>,
    admin: bool,
    /// A query string (`cursor`, `limit`, `appToken`, anything).
    query: Vec<(String, String)>,
}

fn attack(ops: &[(String, String, Vec<String>)]) -> impl Strategy<Value = Attack> {
    let names: Vec<Vec<String>> = ops.iter().map(|o| o.2.clone()).collect();
    (0..ops.len()).prop_flat_map(move |op| {
        let mut known = names[op].clone();
        known.extend(
            ["handle", "password", "code", "metaData", "cursor", "limit"].map(String::from),
        );
        let field = (
            prop_oneof![prop::sample::select(known), "[a-zA-Z]{1,10}"],
            json_value(),
        );
        (
            Just(op),
            any::<bool>(),
            hostile_text(),
            prop::collection::vec(field, 0..8),
            any::<bool>(),
            prop::option::weighted(0.1, prop::collection::vec(any::<u8>(), 0..120)),
            any::<bool>(),
            prop::option::weighted(0.3, hostile_text()),
            prop::bool::weighted(0.3),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("cursor".to_owned()),
                        Just("limit".to_owned()),
                        Just("appToken".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    hostile_text(),
                ),
                0..3,
            ),
        )
            .prop_map(
                |(
                    op,
                    real_ids,
                    param,
                    fields,
                    form,
                    raw,
                    app_token,
                    access_token,
                    admin,
                    query,
                )| {
                    Attack {
                        op,
                        real_ids,
                        param,
                        fields,
                        form,
                        raw,
                        app_token,
                        access_token,
                        admin,
                        query,
                    }
                },
            )
    })
}

/// A form value as a client would put it on the wire: a scalar's text, or JSON for the rest.
fn form_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn no_route_answers_5xx_or_an_untyped_error_to_hostile_requests() {
    let rt = tokio_runtime();
    let t = rt.block_on(TestApp::new());
    let info = rt.block_on(t.create_app(json!({
        "signupFlow": "none", "anonymousLoginEnabled": true, "userNamesEnabled": true,
        "metaData": [{"path": "user_data.name", "fieldName": "name", "required": false, "canEdit": true}],
    })));
    let session = rt.block_on(t.quick_user(&info, "victim@x.com", json!({})));
    let access = access(&session);
    let user_id = rt.block_on(t.get_user(&access)).ok_json()["userId"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_default();
    let doc = rt.block_on(t.get("/openapi.json", &[])).json();
    let ops = operations(&doc);
    assert!(
        ops.len() > 30,
        "the document lists {} operations",
        ops.len()
    );

    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    check(4, attack(&ops), |a| {
        let (method, template, _) = &ops[a.op];
        let param = encode_component(&a.param);
        let path = template
            .replace("{appId}", if a.real_ids { &info.app_id } else { &param })
            .replace("{userId}", if a.real_ids { &user_id } else { &param })
            .replace(['{', '}'], "");
        let query: Vec<String> = a
            .query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect();
        let uri = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut headers: Vec<(&str, String)> = Vec::new();
        if a.app_token {
            headers.push(("app-token", info.app_token.clone()));
        }
        // The victim's own token with the real ids (a client attacking its own account), junk
        // otherwise.
        if let Some(junk) = &a.access_token {
            let token = if a.real_ids {
                access.clone()
            } else {
                junk.clone()
            };
            headers.push(("access-token", token));
        }
        if a.admin {
            headers.push(("authorization", format!("Bearer {ADMIN_KEY}")));
        }
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(_, v)| http::HeaderValue::from_str(v).is_ok())
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let builder = TestApp::request(method, &uri, &header_refs);
        let (content_type, body) = match (&a.raw, a.form) {
            (Some(raw), _) => ("application/json", raw.clone()),
            (None, true) => {
                let pairs: Vec<String> = a
                    .fields
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}={}",
                            encode_component(k),
                            encode_component(&form_value(v))
                        )
                    })
                    .collect();
                (
                    "application/x-www-form-urlencoded",
                    pairs.join("&").into_bytes(),
                )
            }
            (None, false) => {
                let map: Map<String, Value> = a.fields.iter().cloned().collect();
                (
                    "application/json",
                    Value::Object(map).to_string().into_bytes(),
                )
            }
        };
        let Ok(req) = builder
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
        else {
            return Ok(()); // not a request HTTP can carry (a URI no client could send)
        };
        let r = rt.block_on(t.send(req));
        *seen.lock().unwrap().entry(r.status.as_u16()).or_default() += 1;
        prop_assert!(
            r.status.as_u16() < 500,
            "{method} {uri} answered {}: {}",
            r.status,
            r.text
        );
        let json_reply = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if r.status.as_u16() >= 400 && json_reply {
            let body: Value = serde_json::from_str(&r.text).unwrap_or(Value::Null);
            prop_assert!(
                body["code"].is_u64() && body["message"].is_string(),
                "{method} {uri} answered {} without a typed error: {}",
                r.status,
                r.text
            );
        }
        Ok(())
    });
    // Not vacuous: some attacks got through every decoder to a success, others were refused at
    // different gates.
    let seen = seen.into_inner().unwrap();
    assert!(seen.keys().any(|s| (200..300).contains(s)), "{seen:?}");
    assert!(
        seen.keys().filter(|s| (400..500).contains(*s)).count() >= 3,
        "{seen:?}"
    );
}

/// Error codes are the layer's numbers; this keeps the properties above honest about it.
#[test]
fn the_codes_the_properties_expect_are_the_errors_own() {
    assert_eq!(Error::invalid("x").wire().code, 602);
    assert_eq!(Error::InvalidMetadata("x".into()).wire().code, 604);
}
