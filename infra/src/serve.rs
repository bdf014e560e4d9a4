//! `keyturn serve`: the local stack on one address.

use std::net::SocketAddr;
use std::path::Path;

use keyturn::AppState;
use keyturn::domain::ports::Config;

/// Whether `keyturn serve` may listen on `addr`: a loopback address always; any other only with
/// `--public`, and then with a warning to print (the outbox shows every code the stack sends).
pub fn check_bind(addr: SocketAddr, public: bool) -> Result<Option<String>, String> {
    if addr.ip().is_loopback() {
        return Ok(None);
    }
    if !public {
        return Err(format!(
            "{addr} is not a loopback address; pass --public to serve the local stack (and its \
             outbox of codes) to other machines"
        ));
    }
    Ok(Some(format!(
        "WARNING: serving on {addr}, reachable from other machines; this is a development \
         server whose outbox shows every code it sends"
    )))
}

/// Starts the local stack and serves until Ctrl-C; with `fake_social`, also a fake Apple and
/// Google the stack's verifier trusts (see [`crate::fake_social`]).
pub async fn run(addr: SocketAddr, data_dir: &Path, fake_social: bool) -> Result<(), String> {
    let mut config = Config::from_env();
    // Links and issuers name the bound address unless a public URL is configured: never a
    // request's Host header, which a client controls.
    if config.public_url.is_none() {
        config.public_url = Some(match addr.ip() {
            ip if ip.is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
            _ => format!("http://{addr}"),
        });
    }
    // Locally the admin key lives hashed in the store (from KEYTURN_ADMIN_KEY or generated).
    config.admin_key_sha256 = None;
    keyturn::domain::records::origins::check_list(&config.cors_origins)
        .map_err(|e| format!("KEYTURN_CORS_ORIGINS: {e}"))?;
    // Bound first, so the fake issuer's URLs name the real port (`--addr 127.0.0.1:0` too).
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("bind {addr}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let (jwks, extra) = if fake_social {
        let (apple, google) = crate::fake_social::jwks_urls(port);
        let jwks = keyturn::assemble::ProviderKeys::new(Some(&apple), Some(&google))
            .map_err(|e| e.report())?;
        let fake = crate::fake_social::FakeSocial::new().map_err(|e| e.report())?;
        (jwks, std::sync::Arc::new(fake).routes())
    } else {
        let jwks = keyturn::assemble::ProviderKeys::from_env().map_err(|e| e.report())?;
        (jwks, axum::Router::new())
    };
    let state = AppState::local_with_jwks(data_dir, config, jwks)
        .await
        .map_err(|e| e.report())?;
    let provided = std::env::var("KEYTURN_ADMIN_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    match keyturn::domain::admin::ensure_admin_key(&state, provided.as_deref())
        .await
        .map_err(|e| e.report())?
    {
        Some(generated) => println!(
            "keyturn: generated admin key (shown once, stored hashed): {generated}\n         export KEYTURN_ADMIN_KEY={generated}"
        ),
        None if provided.is_some() => println!("keyturn: admin key from KEYTURN_ADMIN_KEY"),
        None => println!(
            "keyturn: admin key already set (stored hashed in {})",
            data_dir.display()
        ),
    }
    if fake_social {
        println!(
            "keyturn: fake Apple and Google at http://{addr}/local/social/{{apple,google}}/keys; mint tokens with POST http://{addr}/local/social/token"
        );
    }
    println!(
        "keyturn: serving on http://{addr} (data in {}); outbox at http://{addr}/local/outbox",
        data_dir.display()
    );
    serve_with(listener, state, extra, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves the local app on `listener` until `shutdown` completes, with each connection's peer
/// address attached to its requests (it feeds the per-address limits).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    serve_with(listener, state, axum::Router::new(), shutdown).await
}

/// [`serve`] with `extra` local-only routes (the fake issuer of `--fake-social`).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    extra: axum::Router<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let app = crate::local_app_with(state, extra);
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            SocketAddr,
        >(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| format!("serve: {e}"))
}
