//! A business signs up and its first call, to the number it was just given, reaches an
//! operator with its own screen pop. The time it took is printed (the benchmark
//! `benches/signup.rs` measures it properly); nothing here depends on it.

use centrale_testkit::signup::{Applicant, first_call};
use centrale_testkit::{SmtpPeer, TestApp};

#[tokio::test]
async fn the_first_call_to_a_new_number_pops_the_new_client() {
    let env = TestApp::demo().await;
    let events = env.api.events(&env.api.token).await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let florist = Applicant::florist(1);
    let call = first_call(&env, &events, &florist, None).await;
    phone.finish().await.assert_ok("Anna's phone");
    let pop = &call.offer["pop"];
    assert_eq!(pop["client_name"], "Bloemenhuis Flora 1", "{pop}");
    assert_eq!(pop["greeting"], "Bloemenhuis Flora 1, goedendag!", "{pop}");
    assert!(
        pop.to_string()
            .contains("Neem een bericht aan voor Fleur de Vries"),
        "{pop}"
    );
    eprintln!(
        "sign-up → number on the page {} ms, first call queued {} ms, offered with the pop {} ms",
        call.numbered.num_milliseconds(),
        call.queued.num_milliseconds(),
        call.offered.num_milliseconds()
    );
}

#[tokio::test]
async fn with_the_address_confirmed_first_the_first_call_pops_the_new_client_too() {
    let smtp = SmtpPeer::start();
    let env = TestApp::builder()
        .demo()
        .settings(|s| {
            s.smtp_url = smtp.url();
            s.signup_confirm_email = true;
        })
        .start()
        .await;
    let events = env.api.events(&env.api.token).await;
    let anna = env.operator(1).await;
    let phone = env.phone(&anna, "operator_answer.xml", 1, &[]);
    env.wait_registered(&anna, true).await;
    env.set_state(&anna, "available").await;

    let florist = Applicant {
        line: "mobile",
        ..Applicant::florist(2)
    };
    let call = first_call(&env, &events, &florist, Some(&smtp)).await;
    phone.finish().await.assert_ok("Anna's phone");
    assert_eq!(call.offer["pop"]["client_name"], "Bloemenhuis Flora 2");
    eprintln!(
        "sign-up with e-mail confirmation → number on the page {} ms, first call queued {} ms, offered {} ms",
        call.numbered.num_milliseconds(),
        call.queued.num_milliseconds(),
        call.offered.num_milliseconds()
    );
}
