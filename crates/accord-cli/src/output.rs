//! What commands print: JSON, whole reports, write-path errors a person can act on, and a
//! record's changed fields.

use anyhow::Result;

use accord_core::corrections::Change;
use accord_store::write::RecordError;

/// Prints `v` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Writes a command's whole report to stdout at once. A reader that stops early (`| head -1`)
/// closes the pipe; the work is done by then, so that is not an error (and never a panic).
pub fn print_all(text: &str) -> Result<()> {
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Turns a write-path error into a message listing every problem.
pub fn explain(e: RecordError) -> anyhow::Error {
    match e {
        RecordError::Invalid { problems } => {
            let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            anyhow::anyhow!("invalid; nothing was recorded:\n{}", list.join("\n"))
        }
        other => other.into(),
    }
}

/// `path: was → now`, each value as compact JSON cut to a readable length.
pub fn change_line(c: &Change) -> String {
    let show = |v: &Option<serde_json::Value>| match v {
        None => "(absent)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            match text.char_indices().nth(100) {
                Some((i, _)) => format!("{}…", &text[..i]),
                None => text,
            }
        }
    };
    let path = if c.path.is_empty() {
        "(the record)"
    } else {
        &c.path
    };
    format!("{path}: {} → {}", show(&c.was), show(&c.now))
}
