//! `centrale admin` as a bureau's administrator runs it before serving: passwords from a file,
//! the environment or standard input rather than the command line, and token files only its
//! owner can read.

use centrale_testkit::TestApp;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// `centrale admin ARGS` on the database `url`, with `stdin` as standard input.
fn admin(url: &str, data: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_centrale"))
        .arg("admin")
        .args(args)
        .env("CENTRALE_DATABASE_URL", url)
        .env("CENTRALE_DATA_DIR", data)
        .env_remove("CENTRALE_ADMIN_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("centrale runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "centrale admin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn admin_passwords_come_from_a_file_the_environment_or_standard_input() {
    let url = centrale_store::testing::fresh_database_url().await;
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("password.txt");
    std::fs::write(&file, "from a file 2026\n").unwrap();
    let run = |args: &[&str], env: &[(&str, &str)], stdin: &str| {
        admin(&url, data.path(), args, env, stdin);
    };
    run(
        &[
            "create-admin",
            "--email",
            "a@bureau.test",
            "--password-file",
            file.to_str().unwrap(),
        ],
        &[],
        "",
    );
    run(
        &["create-admin", "--email", "b@bureau.test"],
        &[("CENTRALE_ADMIN_PASSWORD", "from the environment")],
        "",
    );
    run(
        &["create-admin", "--email", "c@bureau.test"],
        &[],
        "typed at the prompt\n",
    );

    let app = TestApp::builder().database(url.clone()).start().await;
    for (email, password) in [
        ("a@bureau.test", "from a file 2026"),
        ("b@bureau.test", "from the environment"),
        ("c@bureau.test", "typed at the prompt"),
    ] {
        app.api.token_for(email, password).await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_tokens_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let url = centrale_store::testing::fresh_database_url().await;
    let data = tempfile::tempdir().unwrap();
    let tokens = data.path().join("tokens.txt");
    // Even a file that existed with wider permissions is narrowed.
    std::fs::write(&tokens, "").unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o644)).unwrap();
    admin(
        &url,
        data.path(),
        &[
            "create-operators",
            "--count",
            "2",
            "--tokens-file",
            tokens.to_str().unwrap(),
        ],
        &[("CENTRALE_ADMIN_PASSWORD", "operators 2026")],
        "",
    );
    let mode = std::fs::metadata(&tokens).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&tokens).unwrap().lines().count(), 2);
}
