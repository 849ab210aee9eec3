//! Shared agendas over HTTP: a local web server serves the .ics the client links to; the
//! server reads it on its round (bounded in time and size, public addresses only unless the
//! bureau allows a network), and the pop says who is busy until when.

use crate::portal_kit::{henk, van_dijk};
use centrale_core::{ClientId, EmployeeId};
use centrale_testkit::TestApp;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the little web server does with every request.
#[derive(Clone)]
enum Serve {
    Ics(String),
    Status(&'static str),
    Huge,
    Silent,
}

/// A web server on 127.0.0.1 answering every request as `serve` says; its URL.
async fn web_server(serve: Serve) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let serve = serve.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = |status: &str, length: usize| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/calendar\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
                    )
                };
                match serve {
                    Serve::Ics(body) => {
                        let _ = socket
                            .write_all(format!("{}{body}", head("200 OK", body.len())).as_bytes())
                            .await;
                    }
                    Serve::Status(status) => {
                        let _ = socket.write_all(head(status, 0).as_bytes()).await;
                    }
                    Serve::Huge => {
                        // No length said: the reader must stop by itself.
                        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n").await;
                        let chunk = vec![b'X'; 64 * 1024];
                        for _ in 0..40 {
                            if socket.write_all(&chunk).await.is_err() {
                                break;
                            }
                        }
                    }
                    Serve::Silent => tokio::time::sleep(std::time::Duration::from_secs(30)).await,
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/agenda.ics")
}

fn ics_busy(from: chrono::DateTime<Utc>, until: chrono::DateTime<Utc>) -> String {
    let f = |at: chrono::DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:Geheim overleg\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        f(from),
        f(until)
    )
}

/// Van Dijk and its employee Sara, whose agenda the tests share.
async fn van_dijk_and_sara(app: &TestApp) -> (ClientId, EmployeeId) {
    let client = van_dijk(app).await;
    let sara = app
        .store
        .list_employees(client)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.draft.name == "Sara Koster")
        .unwrap()
        .id;
    (client, sara)
}

#[tokio::test]
async fn a_linked_agenda_is_read_on_the_round_and_the_pop_says_until_when() {
    let app = TestApp::builder()
        .demo()
        .settings(|s| s.agenda_networks = vec!["127.0.0.1/32".into()])
        .start()
        .await;
    let (client, sara) = van_dijk_and_sara(&app).await;
    let (from, until) = (
        Utc::now() - Duration::minutes(30),
        Utc::now() + Duration::minutes(90),
    );
    let url = web_server(Serve::Ics(ics_busy(from, until))).await;
    let mut henk = henk(&app).await;
    let saved = henk
        .post(&format!("/portal/agenda/{sara}/url"), &[("url", &url)])
        .await;
    assert_eq!(saved.location.as_deref(), Some("/portal/agenda"));
    let step = app.agendas.run_once(Utc::now()).await.unwrap();
    assert_eq!((step.fetched, step.failed), (1, 0));
    let agendas = app.store.agendas(client).await.unwrap();
    assert_eq!(agendas[0].busy.len(), 1);
    assert!(agendas[0].last_error.is_none());
    // The pop: Sara busy, until the end in Amsterdam's time.
    let until_local = until
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%H:%M")
        .to_string();
    let now = henk.get("/portal/now").await.html;
    let expected = format!("&#34;busy&#34;:[{{&#34;employee_id&#34;:&#34;{sara}&#34;");
    assert!(now.contains(&expected), "no busy entry for Sara");
    assert!(now.contains(&format!("&#34;until_local&#34;:&#34;{until_local}&#34;")));
    // Only when, never what.
    let page = henk.get("/portal/agenda").await.html;
    assert!(page.contains("Gedeeld via een link"));
    assert!(!page.contains("Geheim overleg") && !now.contains("Geheim overleg"));
}

#[tokio::test]
async fn agendas_that_cannot_be_read_say_why_and_keep_what_was_read() {
    let app = TestApp::builder()
        .demo()
        .settings(|s| {
            s.agenda_networks = vec!["127.0.0.1/32".into()];
            s.agenda_timeout_secs = 1;
        })
        .start()
        .await;
    let (client, sara) = van_dijk_and_sara(&app).await;
    let mut henk = henk(&app).await;
    for (serve, reason) in [
        (Serve::Status("404 Not Found"), "answered 404"),
        (Serve::Huge, "larger than 1024 KiB"),
        (Serve::Silent, "cannot read it"),
        (Serve::Ics("hello".into()), "not an iCalendar file"),
    ] {
        let url = web_server(serve).await;
        henk.post(&format!("/portal/agenda/{sara}/url"), &[("url", &url)])
            .await;
        let step = app.agendas.run_once(Utc::now()).await.unwrap();
        assert_eq!(step.failed, 1, "{reason}");
        let agenda = &app.store.agendas(client).await.unwrap()[0];
        let error = agenda.last_error.clone().unwrap_or_default();
        assert!(error.contains(reason), "{error:?} should say {reason:?}");
        assert!(
            henk.get("/portal/agenda")
                .await
                .html
                .contains("Laatste keer niet gelezen")
        );
    }
    // Not a web address at all: refused at once.
    let bad = henk
        .post(
            &format!("/portal/agenda/{sara}/url"),
            &[("url", "file:///etc/passwd")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_private_address_is_not_fetched_unless_the_bureau_allows_its_network() {
    let app = TestApp::demo().await;
    let (client, sara) = van_dijk_and_sara(&app).await;
    let url = web_server(Serve::Ics(ics_busy(
        Utc::now(),
        Utc::now() + Duration::hours(1),
    )))
    .await;
    let mut henk = henk(&app).await;
    henk.post(&format!("/portal/agenda/{sara}/url"), &[("url", &url)])
        .await;
    let step = app.agendas.run_once(Utc::now()).await.unwrap();
    assert_eq!(step.failed, 1);
    let agenda = &app.store.agendas(client).await.unwrap()[0];
    assert!(
        agenda
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("is not a public web address")
    );
    assert!(agenda.busy.is_empty());
}

#[tokio::test]
async fn an_uploaded_file_is_read_at_once_and_a_bad_one_explained() {
    let app = TestApp::demo().await;
    let (client, sara) = van_dijk_and_sara(&app).await;
    let mut henk = henk(&app).await;
    let bad = henk
        .post(
            &format!("/portal/agenda/{sara}/upload"),
            &[("ics", "dit is geen agenda")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("not an iCalendar file"));
    assert!(app.store.agendas(client).await.unwrap().is_empty());
    let ics = ics_busy(
        Utc::now() + Duration::hours(2),
        Utc::now() + Duration::hours(3),
    );
    let done = henk
        .post(&format!("/portal/agenda/{sara}/upload"), &[("ics", &ics)])
        .await;
    assert_eq!(done.location.as_deref(), Some("/portal/agenda"));
    let page = henk.get("/portal/agenda").await.html;
    assert!(page.contains("Gedeeld als bestand"));
    assert!(page.contains("<li>Bezet "));
    // Not busy now: the pop names nobody.
    assert!(
        henk.get("/portal/now")
            .await
            .html
            .contains("&#34;busy&#34;:[]")
    );
    henk.post(&format!("/portal/agenda/{sara}/remove"), &[])
        .await;
    assert!(app.store.agendas(client).await.unwrap().is_empty());
}
