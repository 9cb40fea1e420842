//! The private cluster's lifecycle: init, start, status, url, stale pid files, stop; and `qala db`.
#![allow(clippy::unwrap_used)]

mod common;

use qala::db::cluster::{Cluster, Status};

#[tokio::test]
async fn cluster_lifecycle_survives_stale_pid_files() {
    let dir = tempfile::Builder::new().prefix("qala-cluster-").tempdir_in("/tmp").unwrap();
    // The postgres user must reach the directory when tests run as root.
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let c = Cluster::new(dir.path()).unwrap();
    assert_eq!(c.status().unwrap(), Status::NotInitialised);

    let (port, started) = c.start().unwrap();
    assert!(started);
    assert!(matches!(c.status().unwrap(), Status::Running { port: p, .. } if p == port));
    // A second start finds it running.
    assert_eq!(c.start().unwrap(), (port, false));

    let pool = qala::db::connect(&c.url(port), 2).await.unwrap();
    qala::db::migrate(&pool).await.unwrap();
    let version: String = sqlx::query_scalar("SELECT postgis_full_version()").fetch_one(&pool).await.unwrap();
    assert!(version.contains("POSTGIS=\"3"), "{version}");
    let exts: Vec<String> = sqlx::query_scalar("SELECT extname::text FROM pg_extension ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    for e in ["btree_gist", "pg_trgm", "postgis"] {
        assert!(exts.iter().any(|x| x == e), "{e} missing from {exts:?}");
    }
    pool.close().await;

    // Kill the server hard: the pid file stays behind, pointing at a dead process.
    let Status::Running { pid, .. } = c.status().unwrap() else { panic!("not running") };
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    for _ in 0..100 {
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(c.pg_dir().join("postmaster.pid").exists(), "kill -9 leaves the pid file");
    let (port2, started) = c.start().unwrap();
    assert!(started, "restarted over a stale pid file");
    c.stop().unwrap();

    // A pid file naming a live process that is not PostgreSQL (this test) is stale too.
    std::fs::write(
        c.pg_dir().join("postmaster.pid"),
        format!("{}\n{}\n0\n{port2}\n", std::process::id(), c.pg_dir().display()),
    )
    .unwrap();
    assert_eq!(c.status().unwrap(), Status::Stopped);
    assert!(!c.pg_dir().join("postmaster.pid").exists());

    // Start again: the database and its data are still there.
    let (port3, _) = c.start().unwrap();
    let pool = qala::db::connect(&c.url(port3), 1).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap();
    assert!(n >= 1);
    pool.close().await;
    assert!(c.stop().unwrap());
    assert_eq!(c.status().unwrap(), Status::Stopped);
    assert!(!c.stop().unwrap(), "stopping a stopped cluster says so");
}

#[test]
fn db_commands_manage_the_cluster() {
    let dir = tempfile::Builder::new().prefix("qala-dbcmd-").tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_qala"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["db", "status"]).starts_with("not initialised"));
    assert!(run(&["db", "start"]).starts_with("started: postgres://postgres@127.0.0.1:"));
    let url = run(&["db", "url"]);
    assert!(url.trim().ends_with("/qala"), "{url}");
    assert!(run(&["db", "status"]).starts_with("running: pid"));
    assert!(dir.path().join("pg/PG_VERSION").exists(), "the cluster lives in <data-dir>/pg");
    assert_eq!(run(&["db", "stop"]).trim(), "stopped");
    assert!(run(&["db", "status"]).starts_with("stopped"));
}
