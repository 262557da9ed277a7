//! Evidence requests end to end with the real binary: `accord submit request`, `accord submit
//! request-transition` and `accord requests list|show|overdue` against a running `accord serve`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

mod common;
use common::{Server, accord, enrol, ok, on};

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn submit(kind: &str, file: &Path, key: &Path, base: &str, token: &str) -> Output {
    accord()
        .args(["submit", kind])
        .arg(file)
        .arg("--key")
        .arg(key)
        .args(["--hub", base, "--token", token])
        .output()
        .unwrap()
}

fn requests(args: &[&str], base: &str, token: &str) -> Output {
    accord()
        .arg("requests")
        .args(args)
        .args(["--hub", base, "--token", token])
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn a_request_is_filed_moved_and_read_back_by_its_two_states_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let (fr_key, fr) = enrol(dir.path(), &data, "FR");
    let (de_key, de) = enrol(dir.path(), &data, "DE");
    let (_, us) = enrol(dir.path(), &data, "US");
    let server = Server::start(&data);
    let base = server.base.as_str();

    // FR files a request along the e-Evidence production order (10 days to answer); the CLI
    // draws its id, a random UUID, and says it.
    let mut body = json!({
        "requesting_state": "FR", "requested_state": "DE",
        "data": "subscriber", "summary": "Subscriber behind an IP address.",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"}
    });
    let request = write(dir.path(), "request.json", &body);
    let out = stdout(&submit("request", &request, &fr_key, base, &fr));
    let id = out
        .strip_prefix("request ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned();
    assert!(accord_law::request::is_random_uuid(&id), "{out}");
    assert!(
        out.starts_with(&format!("request {id} is draft (log entry ")),
        "{out}"
    );
    // Filing under that id again is a conflict FR, a party of the request, is told of.
    body["id"] = json!(id);
    let again = write(dir.path(), "again.json", &body);
    let again = submit("request", &again, &fr_key, base, &fr);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("409"));
    // An id of the filer's choosing is refused before anything is signed.
    body["id"] = json!("fr-de-cli");
    let chosen = write(dir.path(), "chosen.json", &body);
    let chosen = submit("request", &chosen, &fr_key, base, &fr);
    assert!(!chosen.status.success());
    let why = String::from_utf8_lossy(&chosen.stderr);
    assert!(
        why.contains("random UUID") && why.contains("chosen.json"),
        "{why}"
    );

    // Germany may not send it; France does.
    let sent = write(
        dir.path(),
        "sent.json",
        &json!({"request": id, "to": "sent", "note": "via the 24/7 desk"}),
    );
    let wrong = submit("request-transition", &sent, &de_key, base, &de);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("403"));
    let out = stdout(&submit("request-transition", &sent, &fr_key, base, &fr));
    assert!(
        out.starts_with(&format!("request {id} is sent (log entry ")),
        "{out}"
    );

    // Germany sees it, with its due date.
    let shown: Value =
        serde_json::from_str(&stdout(&requests(&["show", &id, "--json"], base, &de))).unwrap();
    assert_eq!(shown["status"], "sent");
    assert_eq!(shown["due"][0]["kind"], "response");
    let text = stdout(&requests(&["show", &id], base, &de));
    assert!(
        text.contains("sent          by FR — via the 24/7 desk"),
        "{text}"
    );
    let list = stdout(&requests(&["list"], base, &fr));
    assert!(list.contains(&id) && list.contains("sent"), "{list}");

    // The United States is told nothing exists.
    let hidden = requests(&["show", &id], base, &us);
    assert!(!hidden.status.success());
    assert!(String::from_utf8_lossy(&hidden.stderr).contains("404"));
    assert_eq!(
        stdout(&requests(&["list"], base, &us)).trim(),
        "no requests"
    );

    // Not overdue now; overdue eleven days from now.
    let now = stdout(&requests(&["overdue"], base, &fr));
    assert_eq!(now.trim(), "no overdue requests");
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 11)).to_string();
    let late = stdout(&requests(&["overdue", "--at", &later], base, &fr));
    assert!(late.contains(&id) && late.contains("OVERDUE"), "{late}");

    // The log verifies over HTTP, where the two TLP:RED request bodies are withheld...
    let report: Value = serde_json::from_str(&ok(
        accord().args(["log", "verify", "--hub", base, "--json"])
    ))
    .unwrap();
    let size = report["size"].as_u64().unwrap();
    assert_eq!(
        report["bodies_checked"].as_u64().unwrap(),
        size - 2,
        "{report}"
    );
    drop(server);
    // ...and offline on the data directory, where every body is checked against its hash.
    let report: Value =
        serde_json::from_str(&ok(on(&data).args(["log", "verify", "--json"]))).unwrap();
    assert_eq!(report["size"].as_u64().unwrap(), size);
    assert_eq!(report["bodies_checked"].as_u64().unwrap(), size, "{report}");
}
