//! `cosignature/v1` against a second verifier written from the C2SP text alone
//! (`tests/cosignature/verify.py`, Python with `cryptography`): framing, key ID and
//! timestamp must agree with an implementation that shares no code with this crate.
//!
//! Runs only when `ACCORD_PY_INTEROP=1` (as `scripts/test.sh` sets it); then python3 with
//! `cryptography` is required and a missing one fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: failing loudly is the point

use std::path::Path;
use std::process::{Command, Output};

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::merkle::leaf_hash;
use accord_tlog::note::{Note, Signer};

fn verify_py(note: &str, vkeys: &[String]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoint");
    std::fs::write(&file, note).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cosignature/verify.py");
    Command::new("python3")
        .arg(script)
        .arg(&file)
        .args(vkeys)
        .output()
        .expect("ACCORD_PY_INTEROP=1 but python3 cannot be run")
}

#[test]
fn each_cosignature_checks_with_the_python_verifier() {
    if std::env::var("ACCORD_PY_INTEROP").as_deref() != Ok("1") {
        eprintln!("skipping the Python cosignature check: set ACCORD_PY_INTEROP=1");
        return;
    }
    let probe = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "ACCORD_PY_INTEROP=1 but python3 cannot import cryptography ({probe:?}); pip install cryptography"
    );

    let log = Signer::from_seed("accord.example/log", &[42; 32]).unwrap();
    let witnesses: Vec<Signer> = ["w1.example/witness", "w2.example/witness"]
        .iter()
        .zip([7u8, 8])
        .map(|(name, seed)| Signer::from_seed(name, &[seed; 32]).unwrap())
        .collect();
    let mut cp = Checkpoint::new("accord.example/log", 1234, leaf_hash(b"root"));
    cp.extensions = vec!["an extension line".into()];
    let mut note = cp.sign(&log).unwrap();
    // A legacy plain line and a junk key's line, which the verifier must ignore.
    note.sign(&Signer::from_seed("legacy.example", &[3; 32]).unwrap())
        .unwrap();
    for (w, time) in witnesses.iter().zip([1_700_000_000u64, 1]) {
        note.add_signature(w.cosign(note.text(), time).unwrap());
    }
    let vkeys: Vec<String> = witnesses
        .iter()
        .map(|w| w.cosigner_verifier().to_key_string())
        .collect();
    let msg = note.to_string();
    let out = verify_py(&msg, &vkeys);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Python rejected our cosignatures:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok w1.example/witness 1700000000\n"),
        "{stdout}"
    );
    assert!(stdout.contains("ok w2.example/witness 1\n"), "{stdout}");

    // Not vacuous: a changed timestamp, a changed checkpoint, a type 0x01 key each fail.
    let last = note.signatures().last().unwrap().clone();
    let mut moved = last.clone();
    moved.signature[7] ^= 1;
    let mut tampered = Note::new(note.text()).unwrap();
    tampered.add_signature(moved);
    assert!(
        !verify_py(&tampered.to_string(), &vkeys[1..])
            .status
            .success()
    );

    let mut other =
        Note::new(&msg[..msg.find("\n\n").unwrap() + 1].replace("1234", "1235")).unwrap();
    other.add_signature(last);
    assert!(!verify_py(&other.to_string(), &vkeys[1..]).status.success());

    let out = verify_py(&msg, &[witnesses[0].verifier().to_key_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("not type 0x04"));
}
