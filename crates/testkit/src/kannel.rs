//! Kannel as an HTTP SMS gateway: bearerbox with a fake SMSC that `fakesmsc` connects to,
//! smsbox with `sendsms`.

use crate::free_port;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A running Kannel; its processes end when it is dropped.
pub struct Kannel {
    _processes: Vec<Child>,
    pub sendsms_port: u16,
    fakesmsc_out: PathBuf,
}

impl Kannel {
    /// Starts bearerbox, smsbox and fakesmsc with their files in `dir`; the `sendsms` user is
    /// `centrale` with `password`.
    pub async fn start(dir: &Path, password: &str) -> Result<Self> {
        let fakesmsc = Path::new("/usr/lib/kannel/test/fakesmsc");
        for binary in ["/usr/sbin/bearerbox", "/usr/sbin/smsbox"] {
            if !Path::new(binary).exists() || !fakesmsc.exists() {
                panic!(
                    "Kannel missing ({binary} or fakesmsc): apt-get install -y kannel kannel-extras"
                );
            }
        }
        let [admin, smsbox, smsc, sendsms] = [free_port(), free_port(), free_port(), free_port()];
        let d = dir.display();
        let conf = format!(
            r#"group = core
admin-port = {admin}
admin-password = adminpw
smsbox-port = {smsbox}
box-allow-ip = 127.0.0.1
admin-allow-ip = 127.0.0.1
log-file = "{d}/bearerbox.log"
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
log-file = "{d}/smsbox.log"
log-level = 1

group = sendsms-user
username = centrale
password = {password}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
text = "ok"
"#
        );
        let conf_path = dir.join("kannel.conf");
        std::fs::write(&conf_path, conf)?;
        let log =
            |name: &str| -> Result<Stdio> { Ok(std::fs::File::create(dir.join(name))?.into()) };
        let spawn = |program: &Path, args: Vec<String>, out: &str| -> Result<Child> {
            Ok(Command::new(program)
                .args(args)
                .stdout(log(out)?)
                .stderr(log(&format!("{out}.err"))?)
                .kill_on_drop(true)
                .spawn()?)
        };
        let conf_arg = conf_path.display().to_string();
        let mut processes = vec![spawn(
            Path::new("/usr/sbin/bearerbox"),
            vec![conf_arg.clone()],
            "bearerbox.out",
        )?];
        wait_for_port(smsbox).await?;
        processes.push(spawn(
            Path::new("/usr/sbin/smsbox"),
            vec![conf_arg],
            "smsbox.out",
        )?);
        wait_for_port(smsc).await?;
        let args = [
            "-H",
            "127.0.0.1",
            "-r",
            &smsc.to_string(),
            "-i",
            "1",
            "-m",
            "0",
            "1 2 text unused",
        ];
        processes.push(spawn(
            fakesmsc,
            args.iter().map(|s| s.to_string()).collect(),
            "fakesmsc.out",
        )?);
        wait_for_port(sendsms).await?;
        Ok(Self {
            _processes: processes,
            sendsms_port: sendsms,
            fakesmsc_out: dir.join("fakesmsc.out.err"),
        })
    }

    /// What fakesmsc received: `sender receiver type data` per message.
    pub fn received(&self) -> Vec<String> {
        let out = std::fs::read_to_string(&self.fakesmsc_out).unwrap_or_default()
            + &std::fs::read_to_string(self.fakesmsc_out.with_extension("")).unwrap_or_default();
        out.lines()
            .filter_map(|l| l.split_once("Got message ").map(|(_, rest)| rest))
            .filter_map(|rest| {
                rest.split_once(": <")
                    .map(|(_, msg)| msg.trim_end_matches('>').to_string())
            })
            .collect()
    }
}

/// Waits for Kannel to listen on `port`: a bound for a slow start on a loaded machine, not an
/// expectation (it usually takes well under a second).
async fn wait_for_port(port: u16) -> Result<()> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("nothing listens on port {port} after 30 s")
}

/// Decodes fakesmsc's url-encoded data (`+` is a space).
pub fn url_decoded_bytes(data: &str) -> Vec<u8> {
    let bytes = data.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&data[i + 1..i + 3], 16).expect("hex escape"));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
