//! A fresh PostgreSQL database per test, on the server `scripts/test.sh` starts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use origami_cluster::PgStore;

/// The server the cluster tests use: `ORIGAMI_TEST_DATABASE_URL`, which `scripts/test.sh` sets
/// after starting a throwaway server. The tests never skip: without a server they fail here.
pub fn server_url() -> String {
    std::env::var("ORIGAMI_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "ORIGAMI_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts \
             a throwaway PostgreSQL server, or point it at one (postgres://user@host:port/db)"
        )
    })
}

/// A new, empty database with the Origami schema, private to the calling test; its URL.
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let server = server_url();
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    // Unique across runs against a long-lived server too (names are cut at 63 bytes).
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!(
        "origami_t{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let url = format!("{base}/{name}");
    PgStore::init(&url).expect("creating a test database");
    url
}
