//! Prints an answer from the shipped dataset (`data/law`), for trying the engine before the
//! CLI exists:
//!
//! ```text
//! cargo run -p accord-law --example route -- FR US subscriber [--emergency] 2026-11-29
//! cargo run -p accord-law --example route -- RU NL FR traffic [--emergency] 2026-11-29
//! ```
//!
//! Two states give the pathways as a table; three (attacker, via, victim) give the A/B/C
//! answer as JSON.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let emergency = args.iter().any(|a| a == "--emergency");
    args.retain(|a| a != "--emergency");
    match run(&args, emergency) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "usage: route FROM TO DATA [--emergency] DATE | ATTACKER VIA VICTIM DATA [--emergency] DATE"
            );
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String], emergency: bool) -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/law");
    let dataset = accord_law::load::load_dir(&dir)?;
    match args {
        [a, b, c, data, on] => {
            let s = accord_law::Scenario::parse(a, b, c, data, emergency, on)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&accord_law::scenario(&dataset, &s))?
            );
        }
        [from, to, data, on] => {
            let q = accord_law::Query::parse(from, to, data, emergency, on)?;
            let answer = accord_law::route(&dataset, &q);
            if let Some(d) = &answer.domestic {
                println!("{}", d.summary);
            }
            for p in &answer.pathways {
                println!(
                    "{:16} {:44} {:24} {} [{}]",
                    p.instrument, p.article, p.channel, p.deadline, p.verification
                );
            }
            for n in &answer.not_applicable {
                let article = n.article.map(|a| format!(" {a}")).unwrap_or_default();
                println!("not applicable: {}{article}: {}", n.instrument, n.reason);
            }
        }
        _ => return Err("expected 4 or 5 arguments".into()),
    }
    Ok(())
}
