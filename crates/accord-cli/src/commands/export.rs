//! `accord export`: indicators to Suricata, Zeek and plain blocklists.
//!
//! The conversion is [`accord_stix::export`]; this is flags, files and the
//! summary on stderr of what could not be exported and why.

use std::path::{Path, PathBuf};

use accord_stix::export::{self, BlocklistType, Options, Target};
use anyhow::{Context, Result, bail};

use crate::matching::read_indicators;

/// `accord export` targets.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Suricata rules, or rules that load datasets and hash lists.
    Suricata {
        /// STIX indicators (bundle or NDJSON).
        #[arg(long)]
        indicators: PathBuf,
        /// What to write: one rule per value, or datasets and hash lists.
        ///
        /// `datasets` puts domains and file hashes in lists, and needs --out.
        #[arg(long, value_enum, default_value_t = SuricataFormat::Rules)]
        format: SuricataFormat,
        /// Directory to write the files to (default: the rules to stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// First rule id.
        #[arg(long, default_value_t = 1_000_000)]
        first_sid: u64,
    },
    /// A Zeek Intel framework file.
    Zeek {
        /// STIX indicators (bundle or NDJSON).
        #[arg(long)]
        indicators: PathBuf,
        /// Directory to write `accord.intel` to.
        ///
        /// Default: stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One value per line.
    Blocklist {
        /// Which values.
        #[arg(long = "type", value_enum)]
        kind: BlocklistKind,
        /// STIX indicators (bundle or NDJSON).
        #[arg(long)]
        indicators: PathBuf,
        /// Directory to write `blocklist.txt` to (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Suricata output forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SuricataFormat {
    /// One rule per value.
    Rules,
    /// Datasets and hash lists.
    Datasets,
}

/// Blocklist value kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BlocklistKind {
    /// Domain names.
    Domain,
    /// IPv4 addresses and ranges.
    Ipv4,
    /// IPv6 addresses and ranges.
    Ipv6,
    /// URLs.
    Url,
    /// File SHA-256 digests.
    Sha256,
}

/// Runs `accord export`.
pub fn run(command: &ExportCommand) -> Result<()> {
    let (indicators_path, target, out, first_sid) = match command {
        ExportCommand::Suricata {
            indicators,
            format,
            out,
            first_sid,
        } => {
            let target = match format {
                SuricataFormat::Rules => Target::SuricataRules,
                SuricataFormat::Datasets => Target::SuricataDatasets,
            };
            (indicators, target, out, *first_sid)
        }
        ExportCommand::Zeek { indicators, out } => (indicators, Target::Zeek, out, 0),
        ExportCommand::Blocklist {
            kind,
            indicators,
            out,
        } => {
            let t = match kind {
                BlocklistKind::Domain => BlocklistType::Domain,
                BlocklistKind::Ipv4 => BlocklistType::Ipv4,
                BlocklistKind::Ipv6 => BlocklistType::Ipv6,
                BlocklistKind::Url => BlocklistType::Url,
                BlocklistKind::Sha256 => BlocklistType::Sha256,
            };
            (indicators, Target::Blocklist(t), out, 0)
        }
    };
    if target == Target::SuricataDatasets && out.is_none() {
        bail!("--format datasets writes several files: give a directory with --out");
    }
    let (indicators, skipped) = read_indicators(indicators_path, false)?;
    skipped.report("indicator");
    let options = Options {
        at: jiff::Timestamp::now(),
        first_sid,
    };
    let result = export::export(&indicators, target, &options);
    match out {
        Some(dir) => write_files(dir, &result.files)?,
        None => {
            if let Some((_, main)) = result.files.first() {
                print!("{main}");
            }
        }
    }
    eprintln!(
        "exported {} value(s) from {} of {} indicator(s)",
        result.values,
        result.indicators,
        indicators.len()
    );
    if !result.left_out.is_empty() {
        eprintln!("not exported ({}):", result.left_out.len());
        for l in &result.left_out {
            let partly = if l.partly { " (partly exported)" } else { "" };
            eprintln!("  {}{partly}: {}", l.indicator, l.reason);
        }
    }
    Ok(())
}

fn write_files(dir: &Path, files: &[(String, String)]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, contents) in files {
        let path = dir.join(name);
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
