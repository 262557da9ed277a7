//! Any bytes read as a C2SP signed note, a checkpoint, a note signature line or a verifier
//! key (what `accord log verify`, `accord witness` and the cosignature endpoint read from the
//! network) are parsed without panicking; a note that parses prints to text that parses to
//! the same note, and verification answers rather than panics. The same bytes as a C2SP
//! `add-checkpoint` request body (what a hub serving as a witness reads from any log) parse
//! or are refused as malformed, and a body that parses prints to one that parses alike.
#![no_main]

use std::sync::OnceLock;

use accord_store::witnessing::{parse_request, request_body};
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{Note, NoteSignature, Signer, Verifier};
use libfuzzer_sys::fuzz_target;

fn verifiers() -> &'static [Verifier] {
    static VERIFIERS: OnceLock<Vec<Verifier>> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        ["accord.example/log", "witness.example"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Signer::from_seed(name, &[i as u8 + 1; 32])
                    .expect("a fixed signer")
                    .verifier()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse_bytes(data) {
        let printed = note.to_string();
        let again = Note::parse(&printed).expect("a printed note parses");
        assert_eq!(again.text(), note.text());
        assert_eq!(again.signatures().len(), note.signatures().len());
        let _ = note.verify(verifiers());
        if let Ok(checkpoint) = Checkpoint::parse_text(note.text()) {
            let text = checkpoint.to_text();
            let reparsed = Checkpoint::parse_text(&text).expect("a printed checkpoint parses");
            assert_eq!(reparsed.to_text(), text);
        }
    }
    if let Ok(request) = parse_request(data) {
        let body = request_body(request.old, &request.proof, &request.note);
        let again = parse_request(body.as_bytes()).expect("a printed request parses");
        assert_eq!(again.old, request.old);
        assert_eq!(again.proof, request.proof);
        assert_eq!(again.note.text(), request.note.text());
    }
    let _ = Checkpoint::open(data, "accord.example/log", verifiers());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse_text(text);
        for (i, line) in text.lines().enumerate() {
            if let Ok(sig) = NoteSignature::parse_line(line, i + 1) {
                assert_eq!(
                    NoteSignature::parse_line(&sig.to_line(), i + 1).ok(),
                    Some(sig)
                );
            }
            let _ = Verifier::from_key_string(line);
        }
    }
});
