//! C2SP tlog-checkpoint: the signed tree head, as note text.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zeroes>
//! <root hash, base64>
//! [extension lines, each non-empty]
//! ```
//!
//! The text is the body of a [`crate::note::Note`]; the log signs it with a
//! key whose name SHOULD equal the origin, and witnesses add cosignatures.

use crate::merkle::Hash;
use crate::note::{Note, NoteError, OpenedNote, Signer, Verifier};

/// A log's tree head at one size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `accord.example/log`.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// RFC 9162 root hash of the tree at `size`.
    pub root: Hash,
    /// Optional extension lines, opaque (tlog-checkpoint §Note text).
    pub extensions: Vec<String>,
}

/// Why a checkpoint was refused; names the line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// A line of the checkpoint text is wrong.
    #[error("checkpoint line {line} ({field}): {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// Which field that line holds.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The note around the checkpoint is malformed or not verified.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint was signed for another log.
    #[error("checkpoint origin is {got:?}, expected {expected:?}")]
    WrongOrigin {
        /// The origin expected.
        expected: String,
        /// The origin found.
        got: String,
    },
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: origin, size, root and extension lines, each ending
    /// in a newline.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Parses checkpoint note text (the part before the blank line).
    pub fn parse_text(text: &str) -> Result<Self, CheckpointError> {
        let line_err = |line, field, reason| CheckpointError::Line {
            line,
            field,
            reason,
        };
        let body = text.strip_suffix('\n').ok_or_else(|| {
            line_err(
                text.matches('\n').count() + 1,
                "text",
                "must end with a newline",
            )
        })?;
        let lines: Vec<&str> = body.split('\n').collect();
        let origin = lines.first().copied().unwrap_or("");
        if origin.is_empty() {
            return Err(line_err(1, "origin", "must not be empty"));
        }
        let size_text = lines
            .get(1)
            .ok_or_else(|| line_err(2, "tree size", "missing"))?;
        let size = parse_size(size_text).ok_or_else(|| {
            line_err(
                2,
                "tree size",
                "must be a decimal number without leading zeroes",
            )
        })?;
        let root_text = lines
            .get(2)
            .ok_or_else(|| line_err(3, "root hash", "missing"))?;
        let root = Hash::from_base64(root_text)
            .map_err(|_| line_err(3, "root hash", "must be the base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for (i, ext) in lines.iter().enumerate().skip(3) {
            if ext.is_empty() {
                return Err(line_err(i + 1, "extension", "must not be empty"));
            }
            extensions.push((*ext).to_string());
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint with the log's key and returns the signed note.
    pub fn sign(&self, signer: &Signer) -> Result<Note, CheckpointError> {
        let mut note = Note::new(&self.to_text())?;
        note.sign(signer)?;
        Ok(note)
    }

    /// Opens a signed checkpoint: verifies the note against `verifiers`,
    /// checks the origin is `origin`, and parses the text. Returns the
    /// checkpoint and the opened note (whose signatures tell which
    /// witnesses cosigned).
    pub fn open(
        msg: &[u8],
        origin: &str,
        verifiers: &[Verifier],
    ) -> Result<(Checkpoint, OpenedNote), CheckpointError> {
        let opened = Note::open(msg, verifiers)?;
        let checkpoint = Checkpoint::parse_text(&opened.text)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::WrongOrigin {
                expected: origin.to_string(),
                got: checkpoint.origin,
            });
        }
        Ok((checkpoint, opened))
    }
}

/// tlog-checkpoint: ASCII decimal, no leading zeroes unless the size is 0.
fn parse_size(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    #[test]
    fn spec_example_parses() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse_text(text).unwrap();
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert_eq!(cp.to_text(), text);
    }

    #[test]
    fn extensions_round_trip() {
        let mut cp = Checkpoint::new("o", 0, leaf_hash(b""));
        cp.extensions = vec!["ext one".into(), "two".into()];
        assert_eq!(Checkpoint::parse_text(&cp.to_text()).unwrap(), cp);
    }

    #[test]
    fn errors_name_the_line() {
        let root = leaf_hash(b"").to_base64();
        let cases = [
            ("\n1\nx\n".to_string(), 1),
            (format!("o\n01\n{root}\n"), 2),
            (format!("o\n-1\n{root}\n"), 2),
            ("o\n1\nAAAA\n".to_string(), 3),
            ("o\n1\n".to_string(), 3),
            (format!("o\n1\n{root}\n\n"), 4),
            (format!("o\n1\n{root}"), 3),
        ];
        for (text, line) in cases {
            match Checkpoint::parse_text(&text) {
                Err(CheckpointError::Line { line: got, .. }) => assert_eq!(got, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_checkpoint_round_trips(
            origin in "[a-z0-9./-]{1,40}",
            size in proptest::prelude::any::<u64>(),
            root in proptest::prelude::any::<[u8; 32]>(),
            extensions in proptest::collection::vec("[ -~]{1,30}", 0..3),
        ) {
            let cp = Checkpoint { origin, size, root: Hash(root), extensions };
            proptest::prop_assert_eq!(Checkpoint::parse_text(&cp.to_text()).unwrap(), cp);
        }
    }

    #[test]
    fn sign_and_open() {
        let signer = Signer::from_seed("accord.example/log", &[5; 32]).unwrap();
        let cp = Checkpoint::new("accord.example/log", 42, leaf_hash(b"x"));
        let msg = cp.sign(&signer).unwrap().to_string();
        let (opened, note) =
            Checkpoint::open(msg.as_bytes(), "accord.example/log", &[signer.verifier()]).unwrap();
        assert_eq!(opened, cp);
        assert_eq!(note.verified.len(), 1);
        assert!(matches!(
            Checkpoint::open(msg.as_bytes(), "other.example/log", &[signer.verifier()]),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }
}
