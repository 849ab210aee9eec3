//! Benchmark: posting the sign-up form → the first call to the number it gave queued, and
//! offered to an operator with the new client's screen pop.
//!
//! Runs `SIGNUPS` sign-ups (default 20) without and as many with the e-mail confirmation
//! (`signup_confirm_email`; the mail is sent and its link followed at once, as the benchmark's
//! "applicant"), each followed by a SIPp call from the carrier to the new number that a
//! registered SIPp phone answers, and prints p50 / max of three spans from just before the form
//! is posted: until the page giving the number has arrived, and until the server's events of
//! the first call (queued; offered with the pop). One machine, one clock. The last two include
//! starting the SIPp process that places the call.
//! Run: `cargo bench -p centrale-server --bench signup`.

use centrale_testkit::signup::{Applicant, first_call};
use centrale_testkit::{SmtpPeer, TestApp};

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runs: usize = std::env::var("SIGNUPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    for confirm in [false, true] {
        let smtp = SmtpPeer::start();
        let env = TestApp::builder()
            .demo()
            .settings(|s| {
                s.wrap_up_secs = 0;
                s.signups_per_hour = u32::MAX;
                s.signup_confirm_email = confirm;
                s.smtp_url = smtp.url();
            })
            .start()
            .await;
        let imported = env
            .api
            .post(
                "/api/v1/numbers/import",
                serde_json::json!({"numbers": "+31852002000-999"}),
            )
            .await;
        assert_eq!(imported.status, 200, "{}", imported.body);
        let events = env.api.events(&env.api.token).await;
        let anna = env.operator(1).await;
        let phone = env.phone(
            &anna,
            "operator_answer.xml",
            u32::try_from(runs).unwrap_or(u32::MAX),
            &[],
        );
        env.wait_registered(&anna, true).await;
        let (mut numbered, mut queued, mut offered) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..runs {
            env.set_state(&anna, "available").await;
            let call = first_call(
                &env,
                &events,
                &Applicant::florist(n),
                confirm.then_some(&smtp),
            )
            .await;
            numbered.push(call.numbered.num_milliseconds());
            queued.push(call.queued.num_milliseconds());
            offered.push(call.offered.num_milliseconds());
            // Let wrap-up (0 s) and the state event settle before the next call.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        phone.finish().await.assert_ok("Anna's phone");
        let figure = |mut ms: Vec<i64>| {
            ms.sort_unstable();
            format!("p50 {} ms, max {} ms", ms[ms.len() / 2], ms[ms.len() - 1])
        };
        println!(
            "sign-up{} → the number on the page {}; first call queued {}; offered with the pop {} (over {runs}, {})",
            if confirm {
                " with e-mail confirmation"
            } else {
                ""
            },
            figure(numbered),
            figure(queued),
            figure(offered),
            std::env::var("CENTRALE_TEST_DB").unwrap_or_else(|_| "sqlite".into()),
        );
    }
}
