//! Start-up: open the database, make the first admin, build the router, serve
//! on a listener until told to stop. Tests call [`start`] with port 0.

use std::{
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, OnceLock},
};

use anyhow::Context;
use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_sessions::{
    ExpiredDeletion, Expiry, SessionManagerLayer,
    cookie::{SameSite, time::Duration as CookieDuration},
};
use tower_sessions_sqlx_store::SqliteStore;

use super::{
    accounts::{self, Accounts},
    assets::AssetVersion,
    config::{SIMULATOR_PREFIX, Settings},
    db,
    secrets::{self, SealingKey},
    state::AppState,
    telemetry,
};
use crate::{
    auth::{
        Role, guard, login, password, setup, store,
        throttle::{self, LoginThrottle},
    },
    callbacks::{self, store::CallbackWriter},
};

pub const SESSION_COOKIE: &str = "qunfa_session";

/// Where the built browser files are: `LEPTOS_SITE_ROOT` (cargo-leptos's
/// name); else `site` beside the binary, as the release archive has it;
/// else `target/site`, as in the source tree.
pub fn site_root() -> String {
    if let Ok(given) = std::env::var("LEPTOS_SITE_ROOT") {
        return given;
    }
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|folder| folder.join("site")))
        .filter(|site| site.join("pkg").is_dir());
    match beside_binary {
        Some(site) => site.display().to_string(),
        None => "target/site".into(),
    }
}

pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    let site_root = site_root();
    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("PROD") | Ok("prod") | Ok("production") => leptos::config::Env::PROD,
        _ => leptos::config::Env::DEV,
    };
    let reload_port = std::env::var("LEPTOS_RELOAD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3001);
    LeptosOptions::builder()
        .output_name("qunfa")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .env(env)
        .site_addr(settings.site_addr)
        .reload_port(reload_port)
        .build()
}

/// The router and the state behind it, ready to serve.
pub struct Prepared {
    pub router: Router,
    pub state: AppState,
    /// Housekeeping; it ends soon after `stopping` is cancelled, as do the
    /// accounts' send workers (`state.accounts`).
    pub housekeeping: tokio::task::JoinHandle<()>,
    /// Cancelled when the server starts to stop: the send worker watches it.
    pub stopping: CancellationToken,
    /// Keep it while serving: `qunfa restore` waits for it.
    pub lock: db::DatabaseLock,
    /// With no user yet: the link, printed to the log, that creates the
    /// first admin.
    pub setup_link: Option<String>,
}

/// Everything the server needs, opened and checked; an error here stops the
/// start with a message that says what to fix.
pub async fn prepare(mut settings: Settings, leptos: LeptosOptions) -> anyhow::Result<Prepared> {
    let lock = db::DatabaseLock::serving(&settings.database)?;
    let pool = db::open(&settings.database).await?;
    let secrets = match unlock_secrets(&pool, &settings).await {
        Ok(secrets) => secrets,
        Err(error) => {
            pool.close().await;
            return Err(error.into());
        }
    };
    create_first_admin(&pool, &settings).await?;
    let (first_run, setup_link) = open_setup_if_no_user(&pool, &settings).await?;
    // Settings are read before the database opens; the built-in
    // simulator's Token lives in it. The callback check and the simulator
    // both take it from here.
    let callback_token = match settings.wechat.token.clone() {
        Some(token) => token,
        None => super::wechat::simulator_callback_token(&pool, &secrets).await?,
    };
    settings.wechat.token = Some(callback_token.clone());

    let sessions = SqliteStore::new(pool.clone())
        .with_table_name("sessions")
        .map_err(|e| anyhow::anyhow!(e))?;
    sessions
        .migrate()
        .await
        .context("cannot create the sessions table")?;
    tokio::spawn(
        sessions
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );

    let idle = CookieDuration::try_from(settings.session_idle)
        .context("QUNFA_SESSION_IDLE is out of range")?;
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookies_secure())
        .with_expiry(Expiry::OnInactivity(idle));

    let settings = Arc::new(settings);
    let simulator = super::wechat::simulator(&settings)?;
    write_accounts(&pool, &secrets, &settings).await?;
    let throttle = LoginThrottle::load(pool.clone(), throttle::now_millis())
        .await
        .context("cannot read the login throttle")?;

    // The built-in WeChat's clock is the workers' too (`crate::clock`).
    let clock = simulator
        .as_ref()
        .map(|simulator| simulator.clock().clone())
        .unwrap_or_default();
    let stopping = CancellationToken::new();
    let wechat_counts = Arc::new(crate::metrics::WechatCounts::default());
    let accounts = Arc::new(Accounts::new(accounts::Context {
        db: pool.clone(),
        secrets: secrets.clone(),
        settings: settings.clone(),
        counts: wechat_counts.clone(),
        simulator: simulator.clone(),
        writer: CallbackWriter::start(pool.clone()),
        clock,
        stopping: stopping.clone(),
    }));
    start_accounts(&pool, &accounts).await?;
    let housekeeping = tokio::spawn(crate::sends::life::housekeeping(
        pool.clone(),
        settings.callback_retention,
        stopping.clone(),
    ));
    let pkg_dir = PathBuf::from(leptos.site_root.as_ref()).join(leptos.site_pkg_dir.as_ref());
    let state = AppState {
        accounts,
        assets: AssetVersion::of(pkg_dir),
        leptos,
        db: pool,
        settings,
        throttle: Arc::new(throttle),
        passwords: Arc::new(password::PasswordChecks::sized_to_this_machine()),
        first_run: Arc::new(first_run),
        wechat_counts,
        simulator,
        secrets,
    };
    // Campaigns a stop left in the middle are completed (no second send).
    tokio::spawn(crate::campaigns::fanout::resume(state.clone()));
    Ok(Prepared {
        router: router(state.clone(), session_layer),
        state,
        housekeeping,
        stopping,
        lock,
        setup_link,
    })
}

/// Row 1 from the settings, and with nothing configured the simulated
/// 服务号 beside it, unless it was added before (and perhaps disabled).
async fn write_accounts(
    pool: &sqlx::SqlitePool,
    secrets: &SealingKey,
    settings: &Settings,
) -> anyhow::Result<()> {
    use crate::accounts::store::{self as accounts_store, StoreError};
    let configured = accounts::configured_account(settings);
    match accounts_store::write_configured(pool, secrets, &configured).await {
        Ok(()) => {}
        Err(StoreError::AppIdTaken(appid)) => anyhow::bail!(
            "the AppID {appid} of QUNFA_WECHAT_APPID is already an account added in the console; \
             disable that account with `qunfa account disable` and change its AppID, or configure another AppID"
        ),
        Err(error) => return Err(error).context("cannot write the configured account"),
    }
    if settings.uses_simulator() {
        let token = crate::simulator::random_callback_token();
        let second = accounts::second_simulated_account(token);
        if !accounts_store::has_appid(pool, &second.appid).await? {
            accounts_store::insert(pool, secrets, &second)
                .await
                .context("cannot add the second simulated account")?;
        }
    }
    Ok(())
}

/// Puts every enabled account to work. The configured account must start;
/// another that cannot (a simulated account while a real one is
/// configured, a token URL that no longer parses) is left out with a
/// warning that says why, and the rest start.
async fn start_accounts(pool: &sqlx::SqlitePool, accounts: &Accounts) -> anyhow::Result<()> {
    for row in crate::accounts::store::list(pool)
        .await
        .context("cannot read the accounts")?
    {
        if row.is_disabled() {
            continue;
        }
        match accounts.start(&row) {
            Ok(_) => {}
            Err(error) if row.id == 1 => return Err(error),
            Err(error) => {
                tracing::warn!(account = %row.slug, error = format!("{error:#}"), "an account was not started")
            }
        }
    }
    Ok(())
}

/// The key of the secrets the database keeps, proven on them before
/// anything else is read or written (`secrets::unlock`).
async fn unlock_secrets(
    pool: &sqlx::SqlitePool,
    settings: &Settings,
) -> Result<SealingKey, secrets::KeyError> {
    let key_file = settings
        .database
        .file
        .as_deref()
        .map(secrets::key_file_beside);
    let unlocked = secrets::unlock(
        pool,
        &format!("the database {}", settings.database.url),
        settings.secret_key.as_ref(),
        key_file.as_deref(),
    )
    .await?;
    if unlocked.made_key_file {
        tracing::warn!(
            key = %unlocked.source,
            "made the key that seals the secrets kept in the database; keep a copy of it apart from the backups: a restore needs it"
        );
    }
    if unlocked.sealed_now > 0 {
        tracing::info!(
            secrets = unlocked.sealed_now,
            key = %unlocked.source,
            "sealed the secrets an earlier qunfa kept in plain text"
        );
    }
    Ok(unlocked.key)
}

/// The app's routes, worked out once per process. Leptos does it by running
/// the app with every resource held back by a process-wide switch, so a page
/// another server in the process renders meanwhile (tests start many) would
/// wait for its data forever.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| generate_route_list(crate::ui::App))
        .clone()
}

fn router(state: AppState, session_layer: SessionManagerLayer<SqliteStore>) -> Router {
    let routes = routes();
    let (options, asset_id) = (state.leptos.clone(), state.assets.id().to_owned());
    let app_shell = {
        let asset_id = asset_id.clone();
        move || crate::ui::shell(options.clone(), &asset_id)
    };
    let not_found_shell = move |options| crate::ui::shell(options, &asset_id);

    let pages = Router::new()
        .route("/", get(to_account_page))
        .route("/compose", get(to_account_page))
        .route("/compose/pick/{source}", get(to_account_page))
        .route("/sends", get(to_account_page))
        .route("/sends/{id}", get(to_account_page))
        .route("/settings", get(to_account_page))
        .route("/login", post(login::login))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::set_language))
        .route("/setup", post(setup::create_first_admin))
        .route(
            "/a/{account}/media/upload",
            post(crate::media::http::upload)
                .layer(DefaultBodyLimit::max(crate::media::http::MAX_UPLOAD_BODY)),
        )
        .route(
            "/a/{account}/media/uploadimg",
            post(crate::media::http::upload_body_image)
                .layer(DefaultBodyLimit::max(crate::media::http::MAX_UPLOAD_BODY)),
        )
        .route(
            "/a/{account}/media/thumb/{media_id}",
            get(crate::media::http::thumbnail),
        )
        .route(
            "/a/{account}/media/image/{id}",
            get(crate::media::http::body_image),
        )
        .leptos_routes_with_context(&state, routes, || {}, app_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(|| {}, not_found_shell))
        // Pages and server functions' answers, gzipped when the browser
        // accepts it (Compose's page: 17.7 KB, 5 KB gzipped). Not brotli:
        // its encoder at the default quality takes megabytes per answer.
        // Images are sent as they are. Guessing a page's content from its
        // compressed length (BREACH) needs many loads of it with the
        // session: another site's requests in the background carry no
        // session cookie (`SameSite=Lax`), only whole-window navigations
        // do, one visible page each; and a page holds no token worth
        // stealing (requests are checked by their origin, `guard`).
        .layer(CompressionLayer::new().no_br())
        // Inside the session check: a stranger learns nothing of arguments.
        .layer(middleware::from_fn(super::arguments::check_arguments))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::require_session,
        ))
        .layer(session_layer);

    // Its own, small state: each request clones the state it is given.
    let wechat_callback = Router::new()
        .route(
            "/wechat/callback",
            get(configured_account_callback).post(configured_account_callback),
        )
        .route(
            "/wechat/callback/{account}",
            get(account_callback).post(account_callback),
        )
        // Bodies between 64 KiB and this are refused by the handler, which
        // records why; larger ones are cut off here.
        .layer(DefaultBodyLimit::max(
            4 * callbacks::endpoint::MAX_BODY_BYTES,
        ))
        .with_state(state.accounts.clone());

    let mut app = Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .merge(wechat_callback)
        .merge(super::assets::router())
        .merge(pages)
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            guard::same_origin,
        ))
        .layer(middleware::from_fn(super::headers::security_headers))
        .layer(middleware::from_fn(telemetry::log_request));
    if let Some(simulator) = &state.simulator {
        app = app.nest_service(
            SIMULATOR_PREFIX,
            crate::simulator::router(simulator.clone()),
        );
    }
    app.with_state(state)
}

/// `/` and the addresses of the pages before they were an account's
/// (`/compose`, `/sends/12`, …, bookmarked or linked from elsewhere): the
/// same page of the user's first account (the configured one, for an
/// admin), query kept; `/` is its compose page. With no account to use,
/// the page that says so.
async fn to_account_page(
    State(state): State<AppState>,
    user: Option<axum::Extension<crate::auth::CurrentUser>>,
    uri: axum::http::Uri,
) -> Response {
    let Some(axum::Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let first = match state.accounts.usable_by(&state.db, &user).await {
        Ok(accounts) => accounts.into_iter().next(),
        Err(error) => {
            tracing::error!(%error, "cannot read the accounts of a user");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(account) = first else {
        return Redirect::to("/no-account").into_response();
    };
    let page = match uri.path() {
        "/" => "/compose",
        other => other,
    };
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Redirect::to(&format!("/a/{}{page}{query}", account.slug)).into_response()
}

/// `/wechat/callback`: the configured account's, as it always was.
async fn configured_account_callback(
    State(accounts): State<Arc<Accounts>>,
    request: axum::extract::Request,
) -> Response {
    callback_of(accounts.first(), request).await
}

/// `/wechat/callback/<account>`: each account's own, checked with its own
/// Token and key, so a callback signed for one account is refused at
/// another's URL.
async fn account_callback(
    State(accounts): State<Arc<Accounts>>,
    axum::extract::Path(slug): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> Response {
    callback_of(accounts.by_slug(&slug), request).await
}

async fn callback_of(
    account: Option<Arc<accounts::Account>>,
    request: axum::extract::Request,
) -> Response {
    use axum::handler::Handler;
    let Some(account) = account else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let state = account.callbacks.clone();
    if request.method() == axum::http::Method::GET {
        Handler::<_, _>::call(callbacks::endpoint::verify_url, request, state).await
    } else {
        Handler::<_, _>::call(callbacks::endpoint::receive, request, state).await
    }
}

/// 503 when the database does not answer, so a monitor needs no parser.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let database = db::is_healthy(&state.db).await;
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "status": if database { "ok" } else { "degraded" },
            "version": env!("CARGO_PKG_VERSION"),
            "database": database,
        })),
    )
}

/// Closed unless `QUNFA_METRICS_TOKEN` is set and presented as a bearer
/// token.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: set QUNFA_METRICS_TOKEN to open them",
        )
            .into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "present QUNFA_METRICS_TOKEN as a bearer token",
        )
            .into_response();
    }
    match crate::metrics::render(&state.db, &state.wechat_counts).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot count the sends for /metrics");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database did not answer",
            )
                .into_response()
        }
    }
}

/// With no user at all, `QUNFA_ADMIN_USER` / `QUNFA_ADMIN_PASSWORD` make the
/// first admin; once anyone exists they are ignored.
async fn create_first_admin(pool: &sqlx::SqlitePool, settings: &Settings) -> anyhow::Result<()> {
    let Some(admin) = &settings.first_admin else {
        return Ok(());
    };
    let mut conn = pool.acquire().await?;
    if store::count(&mut conn).await? > 0 {
        return Ok(());
    }
    password::check_rules(&admin.password).map_err(|problem| {
        anyhow::anyhow!(
            "QUNFA_ADMIN_PASSWORD: {}",
            problem.words(crate::i18n::Lang::En)
        )
    })?;
    let secret = admin.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret)).await??;
    store::create(&mut conn, &admin.username, &hash, Role::Admin)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the first admin: {e}"))?;
    tracing::info!(user = %admin.username, "created the first admin from QUNFA_ADMIN_USER");
    Ok(())
}

/// With no user at all, opens the first-run setup: a link with a fresh
/// single-use token, printed to the log (the one place only the operator
/// reads) and returned for tests.
async fn open_setup_if_no_user(
    pool: &sqlx::SqlitePool,
    settings: &Settings,
) -> anyhow::Result<(setup::FirstRun, Option<String>)> {
    let mut conn = pool.acquire().await?;
    if store::count(&mut conn).await? > 0 {
        return Ok((setup::FirstRun::default(), None));
    }
    let (first_run, token) = setup::FirstRun::open();
    let link = setup::link(&settings.public_url, &token);
    tracing::warn!(
        "no user yet: open {link} to create the first admin (the link works once, until the next start)"
    );
    Ok((first_run, Some(link)))
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Opens everything and serves on `listener` until `shutdown` completes:
/// what `qunfa serve` does. Then it stops taking connections and gives the
/// requests in flight and the send worker's current WeChat call
/// `shutdown_grace` to finish. Every send is recorded before WeChat is
/// called, so one cut off by the deadline is settled at the next start.
pub async fn start(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    telemetry::init();
    let leptos = leptos_options(&settings);
    let prepared = prepare(settings, leptos).await?;
    // Said once the console can serve: a start refused above never says it.
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "qunfa is listening");
    }
    run(prepared, listener, shutdown).await
}

/// Serves what [`prepare`] opened until `shutdown` completes, then stops
/// as [`start`] says. Tests run their consoles through this too, so a
/// restart in a test is the stop and start a server makes.
pub async fn run(
    prepared: Prepared,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Prepared {
        router,
        state,
        housekeeping,
        stopping,
        lock,
        ..
    } = prepared;
    let grace = state.settings.shutdown_grace;
    // The signal stops the send worker and the taking of connections at once.
    let serving = serve(listener, router, {
        let stopping = stopping.clone();
        async move {
            shutdown.await;
            stopping.cancel();
        }
    });
    tokio::pin!(serving);
    // Serving ends after the signal has cancelled `stopping` (or on an
    // error), so with the stop looked at first, a stop is always waited for
    // as one, worker included.
    let served = tokio::select! {
        biased;
        () = stopping.cancelled() => None,
        ended = &mut serving => Some(ended),
    };
    stopping.cancel();
    let deadline = tokio::time::Instant::now() + grace;
    let served = match served {
        Some(ended) => Ok(ended),
        None => tokio::time::timeout_at(deadline, &mut serving).await,
    };
    match served {
        Ok(ended) => ended?,
        Err(_) => tracing::warn!(
            grace_secs = grace.as_secs(),
            "requests were still running at the end of QUNFA_SHUTDOWN_GRACE; stopping anyway"
        ),
    }
    // A worker cut off is ended there, before the simulator below lets its
    // answer go: an answer recorded after the grace would contradict the
    // warning.
    if !state.accounts.wait_for_workers(deadline).await {
        tracing::warn!(
            "a send worker was still in a WeChat call at the end of QUNFA_SHUTDOWN_GRACE; \
             its send is settled at the next start"
        );
    }
    housekeeping.abort();
    let _ = housekeeping.await;
    if let Some(simulator) = &state.simulator {
        simulator.shutdown();
    }
    // Closing checkpoints the write-ahead log into the database file; a
    // request still holding a connection past the grace is not waited for.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), state.db.close()).await;
    drop(lock);
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
