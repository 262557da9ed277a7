//! Reading a log file as it grows, through rotation and truncation, and
//! where reading got to (the position saved across restarts).
//!
//! A [`Tail`] hands out [`Chunk`]s of complete lines only: the bytes after
//! the last newline wait until the writer finishes the line. When a read
//! finds nothing new, [`Tail::poll`] looks at the path again:
//!
//! - a different file there (device and inode differ) means the log was
//!   rotated by rename: the old file is read to its end, then the new one
//!   from its start;
//! - the same file, shorter than what was read, means it was truncated in
//!   place (copy-truncate): reading starts again at its start.
//!
//! Memory is bounded: one read buffer of [`CHUNK`] bytes, and a line
//! longer than [`MAX_LINE`] is dropped (and reported) rather than held.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_stix::telemetry::zeek_tsv::TsvReader;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The most bytes read at once.
pub const CHUNK: usize = 1 << 20;

/// The longest line kept; longer ones are dropped and reported. No sensor
/// record comes near it.
pub const MAX_LINE: usize = 8 << 20;

/// Where reading one file got to: what a restart resumes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The path as given on the command line.
    pub path: PathBuf,
    /// The file's device, with `inode` its identity (a rotated file is
    /// another file at the same path).
    pub device: u64,
    /// The file's inode.
    pub inode: u64,
    /// Bytes processed: every line before this offset has been matched
    /// and its sightings written.
    pub offset: u64,
    /// The 1-based number of the line at `offset`, for messages.
    pub line: u64,
    /// The Zeek TSV header lines in force at `offset`, if any, so records
    /// after it can be read without the start of the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tsv_header: Vec<String>,
}

/// Complete lines read from a file.
#[derive(Debug)]
pub struct Chunk {
    /// The lines, each ending with `\n`.
    pub data: Vec<u8>,
    /// The line number of the first line.
    pub first_line: u64,
    /// The file offset of the first byte.
    pub start: u64,
    /// Lines dropped for being longer than [`MAX_LINE`], by number.
    pub too_long: Vec<u64>,
}

/// Something that happened to a followed file, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A new file appeared at the path; reading moved to it.
    Rotated {
        /// Bytes of an unfinished last line left in the old file.
        unfinished: usize,
    },
    /// The file became shorter than what was read; reading restarts at 0.
    Truncated,
    /// The saved position named another file or a longer one; reading
    /// starts at the file's start.
    PositionStale,
    /// The file was opened (it did not exist before).
    Opened,
}

/// One followed file.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    file: Option<File>,
    identity: (u64, u64),
    /// Bytes read from the file.
    read: u64,
    /// Bytes read after the last newline.
    pending: Vec<u8>,
    /// Dropping bytes of an over-long line until its newline.
    discarding: bool,
    /// Line number of the first byte of `pending`.
    line: u64,
    /// The file's size as last seen, with when it grew to it, oldest
    /// first: the lag in seconds is the age of the first size beyond what
    /// was processed.
    sizes: VecDeque<(Instant, u64)>,
    /// Lines dropped as too long since the last chunk.
    too_long: Vec<u64>,
    /// The Zeek TSV header in force where processing is.
    pub tsv: TsvReader,
    /// Where processing is (every line before it handled).
    processed: u64,
    /// Line number at `processed`.
    processed_line: u64,
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        // Without inodes only truncation is detected.
        let _ = meta;
        (0, 0)
    }
}

impl Tail {
    /// Starts following `path`: from `saved` if it names the file there
    /// and fits in it, else from the end (`from_end`) or the start. Returns
    /// the tail and a notice when the saved position was not used.
    pub fn open(
        path: &Path,
        saved: Option<&Position>,
        from_end: bool,
    ) -> Result<(Tail, Option<Notice>)> {
        let mut tail = Tail {
            path: path.to_owned(),
            file: None,
            identity: (0, 0),
            read: 0,
            pending: Vec::new(),
            discarding: false,
            line: 1,
            sizes: VecDeque::new(),
            too_long: Vec::new(),
            tsv: TsvReader::new(),
            processed: 0,
            processed_line: 1,
        };
        let file = match File::open(path) {
            Ok(f) => f,
            // It may appear later (a sensor not started yet).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((tail, None)),
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        };
        let meta = file
            .metadata()
            .with_context(|| format!("cannot stat {}", path.display()))?;
        tail.identity = identity(&meta);
        tail.file = Some(file);
        let mut notice = None;
        match saved {
            Some(p) if (p.device, p.inode) == tail.identity && p.offset <= meta.len() => {
                tail.seek(p.offset, p.line)?;
                for l in &p.tsv_header {
                    tail.tsv
                        .line(l)
                        .with_context(|| format!("saved position of {}", path.display()))?;
                }
            }
            Some(_) => notice = Some(Notice::PositionStale),
            None if from_end => {
                // A Zeek TSV log's records need the header in force at the
                // end: read the file's header lines (one pass, a line at a
                // time). The line count is kept for messages.
                let mut lines = 1;
                let mut reader = std::io::BufReader::new(
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
                );
                let mut buf = Vec::new();
                let mut at = 0;
                loop {
                    buf.clear();
                    let n = std::io::BufRead::read_until(&mut reader, b'\n', &mut buf)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    if n == 0 || !buf.ends_with(b"\n") || at + n as u64 > meta.len() {
                        break;
                    }
                    at += n as u64;
                    lines += 1;
                    if buf.first() == Some(&b'#') {
                        let line = String::from_utf8_lossy(&buf);
                        // A bad header line is reported when a record needs it.
                        let _ = tail.tsv.line(line.trim_end_matches(['\n', '\r']));
                    }
                }
                tail.seek(at, lines)?;
            }
            None => {}
        }
        Ok((tail, notice))
    }

    fn seek(&mut self, offset: u64, line: u64) -> Result<()> {
        if let Some(f) = &mut self.file {
            f.seek(SeekFrom::Start(offset))
                .with_context(|| format!("cannot seek in {}", self.path.display()))?;
        }
        self.read = offset;
        self.processed = offset;
        self.line = line;
        self.processed_line = line;
        self.pending.clear();
        self.discarding = false;
        self.sizes.clear();
        Ok(())
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records that every line of `chunk` up to `offset` (exclusive, a
    /// line start) has been handled, `line` being the number there.
    pub fn processed(&mut self, offset: u64, line: u64) {
        self.processed = offset;
        self.processed_line = line;
        while self.sizes.front().is_some_and(|(_, s)| *s <= offset) {
            self.sizes.pop_front();
        }
    }

    /// The position to save, if a file is open.
    pub fn position(&self) -> Option<Position> {
        self.file.as_ref()?;
        Some(Position {
            path: self.path.clone(),
            device: self.identity.0,
            inode: self.identity.1,
            offset: self.processed,
            line: self.processed_line,
            tsv_header: self.tsv.header_lines().to_vec(),
        })
    }

    /// Bytes written to the file and not yet processed, and for how long
    /// the oldest of them has been there (as far as polling saw).
    pub fn lag(&mut self) -> (u64, f64) {
        let Some(size) = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map(|m| m.len())
        else {
            return (0, 0.0);
        };
        self.saw_size(size);
        let bytes = size.saturating_sub(self.processed);
        let secs = self
            .sizes
            .iter()
            .find(|(_, s)| *s > self.processed)
            .map_or(0.0, |(t, _)| t.elapsed().as_secs_f64());
        (bytes, secs)
    }

    fn saw_size(&mut self, size: u64) {
        // Bounded: when full, the oldest samples (the ones the lag is
        // measured from) are kept and newer ones skipped.
        if self.sizes.back().is_none_or(|(_, s)| size > *s) && self.sizes.len() < 4096 {
            self.sizes.push_back((Instant::now(), size));
        }
    }

    /// Reads what is new: `Ok(Some(chunk))` with complete lines, or
    /// `Ok(None)` when there is nothing yet. Notices (rotation,
    /// truncation) go to `notices`.
    pub fn poll(&mut self, notices: &mut Vec<Notice>) -> Result<Option<Chunk>> {
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(f) => {
                    let meta = f
                        .metadata()
                        .with_context(|| format!("cannot stat {}", self.path.display()))?;
                    self.identity = identity(&meta);
                    self.file = Some(f);
                    self.seek(0, 1)?;
                    notices.push(Notice::Opened);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot open {}", self.path.display()));
                }
            }
        }
        if let Some(chunk) = self.read_chunk()? {
            return Ok(Some(chunk));
        }
        // Nothing new in the open file: has it been replaced or cut?
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            // Between a rename and the writer's reopen: keep the old file.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot stat {}", self.path.display()));
            }
        };
        if identity(&meta) != self.identity {
            // The writer may have added to the old file since the last
            // read; take that before moving on.
            if let Some(chunk) = self.read_chunk()? {
                return Ok(Some(chunk));
            }
            let unfinished = self.pending.len();
            let file = match File::open(&self.path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot open {}", self.path.display()));
                }
            };
            let meta = file
                .metadata()
                .with_context(|| format!("cannot stat {}", self.path.display()))?;
            self.identity = identity(&meta);
            self.file = Some(file);
            self.seek(0, 1)?;
            self.tsv.reset();
            notices.push(Notice::Rotated { unfinished });
            return self.read_chunk();
        }
        if meta.len() < self.read {
            self.seek(0, 1)?;
            self.tsv.reset();
            notices.push(Notice::Truncated);
            return self.read_chunk();
        }
        Ok(None)
    }

    /// One read of up to [`CHUNK`] bytes; the complete lines in it.
    fn read_chunk(&mut self) -> Result<Option<Chunk>> {
        let Some(file) = &mut self.file else {
            return Ok(None);
        };
        let had = self.pending.len();
        self.pending.resize(had + CHUNK, 0);
        let n = loop {
            match file.read(&mut self.pending[had..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.pending.truncate(had);
                    return Err(e).with_context(|| format!("cannot read {}", self.path.display()));
                }
            }
        };
        self.pending.truncate(had + n);
        if n == 0 {
            return Ok(None);
        }
        let start = self.read - had as u64;
        self.read += n as u64;
        self.saw_size(self.read);
        let mut start = start;
        if self.discarding {
            match self.pending.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.pending.drain(..=i);
                    start += i as u64 + 1;
                    self.line += 1;
                    self.discarding = false;
                }
                None => {
                    self.pending.clear();
                    return Ok(None);
                }
            }
        }
        let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') else {
            if self.pending.len() > MAX_LINE {
                self.too_long.push(self.line);
                self.pending.clear();
                self.discarding = true;
            }
            return Ok(None);
        };
        let rest = self.pending.split_off(last + 1);
        let data = std::mem::replace(&mut self.pending, rest);
        let first_line = self.line;
        self.line += data.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(Some(Chunk {
            data,
            first_line,
            start,
            too_long: std::mem::take(&mut self.too_long),
        }))
    }
}

/// The saved positions of every followed file (the `--position` file).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Positions {
    /// One per file.
    pub files: Vec<Position>,
}

impl Positions {
    /// Reads the position file; none yet is an empty set.
    pub fn load(path: &Path) -> Result<Positions> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Positions::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a position file written by accord match --follow",
                path.display()
            )
        })
    }

    /// The saved position of `file`, if any.
    pub fn of(&self, file: &Path) -> Option<&Position> {
        self.files.iter().find(|p| p.path == file)
    }

    /// Writes the file atomically: a temporary file beside it, synced,
    /// renamed over it, and the directory synced, so a crash leaves the
    /// old positions or the new ones, never a torn file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".tmp");
        let tmp = dir.join(name);
        let text = serde_json::to_vec_pretty(self)?;
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            std::io::Write::write_all(&mut f, &text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            #[cfg(unix)]
            File::open(dir)?.sync_all()?;
            Ok(())
        };
        write().with_context(|| format!("cannot save the position to {}", path.display()))
    }
}
