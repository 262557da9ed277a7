//! Prints the pathways answer for `FROM TO DATA [emergency] DATE` as JSON, from `data/law`.
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/law");
    let ds = accord_law::load::load_dir(&dir)?;
    if args.len() == 6 {
        let s = accord_law::Scenario::parse(
            &args[0],
            &args[1],
            &args[2],
            &args[3],
            args[4] == "emergency",
            &args[5],
        )?;
        println!(
            "{}",
            serde_json::to_string_pretty(&accord_law::scenario(&ds, &s))?
        );
        return Ok(());
    }
    let q = accord_law::Query::parse(
        &args[0],
        &args[1],
        &args[2],
        args[3] == "emergency",
        &args[4],
    )?;
    let a = accord_law::route(&ds, &q);
    for p in &a.pathways {
        println!(
            "PATH {:14} {:38} {:?} {:?} | {} | {}",
            p.instrument, p.article, p.action, p.channel, p.deadline, p.verification
        );
    }
    for n in &a.not_applicable {
        println!("NA   {:14} {:?} {}", n.instrument, n.article, n.reason);
    }
    if let Some(d) = &a.domestic {
        println!("DOMESTIC {}", d.summary);
    }
    Ok(())
}
