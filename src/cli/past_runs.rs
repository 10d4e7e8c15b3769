//! Past runs, for `orion history` and `orion rollback`: the journals in
//! `.orion/journal/` beside orion.toml (the nearest one above the current
//! directory, or `--config`), and the run summaries kept in the cluster, so
//! a run made on another machine is found too.

use crate::config::Config;
use crate::drivers::kube::connect::{connect, Cluster};
use crate::guard::journal::{Entry, Journal, MadeRecord, Record};
use crate::guard::summary::{self, Stored};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where past runs are looked for.
#[derive(Args, Debug)]
pub(super) struct Sources {
    /// orion.toml whose journals to read [default: the nearest above here].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Kube context whose run summaries to read [default: the kubeconfig's current one].
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// Only summaries in this namespace [default: every namespace].
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Read this machine's journals only, not the cluster's summaries.
    #[arg(long)]
    local: bool,
}

/// One past run, from this machine's journal, the cluster's summaries, or both.
pub(super) struct PastRun {
    pub id: String,
    /// The journal on this machine.
    pub journal: Option<(PathBuf, Vec<Entry>)>,
    /// Its summaries in the cluster, one per namespace it changed.
    pub stored: Vec<Stored>,
    /// The summaries' changes, oldest first.
    stored_entries: Vec<Entry>,
}

impl PastRun {
    /// Its changes: the local journal's when there is one (it alone is
    /// sure to be complete and is this machine's own), else the summaries'.
    pub(super) fn entries(&self) -> &[Entry] {
        match &self.journal {
            Some((_, e)) => e,
            None => &self.stored_entries,
        }
    }

    /// What its changes made of each object: the local journal's notes when
    /// there is one, else the summaries'.
    pub(crate) fn made(&self) -> Vec<MadeRecord> {
        match &self.journal {
            Some((path, _)) => Journal::read_records(path)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| match r {
                    Record::Made(m) => Some(m),
                    _ => None,
                })
                .collect(),
            None => self.stored.iter().flat_map(|s| s.made.clone()).collect(),
        }
    }

    /// "journal", "cluster" or "both".
    pub(super) fn found_in(&self) -> &'static str {
        match (&self.journal, self.stored.is_empty()) {
            (Some(_), false) => "both",
            (Some(_), true) => "journal",
            _ => "cluster",
        }
    }

    /// How it ended, as its summaries say ("-" without one).
    pub(super) fn status(&self) -> &str {
        self.stored.first().map_or("-", |s| s.status.as_str())
    }

    fn add(&mut self, s: Stored) {
        self.stored_entries.extend(s.entries.iter().cloned());
        self.stored_entries.sort_by_key(|e| e.seq);
        self.stored.push(s);
    }
}

/// What was found, and the cluster read (when it could be).
pub(super) struct Found {
    pub runs: Vec<PastRun>,
    pub cluster: Option<Cluster>,
    /// Where the journals were looked for.
    pub dir: PathBuf,
}

impl Sources {
    /// The journal directory for these flags.
    fn dir(&self) -> PathBuf {
        let base = Config::path_for(self.config.as_deref(), Path::new("."))
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join(".orion").join("journal")
    }

    /// This machine's orion.toml for these flags (the defaults without one).
    pub(super) fn config(&self) -> Result<Config, String> {
        Config::for_dir(self.config.as_deref(), Path::new(".")).map_err(|e| e.to_string())
    }

    /// Every past run that changed something, oldest first. A cluster that
    /// cannot be read is said on stderr, and the journals are still listed.
    pub(super) async fn find(&self) -> Found {
        let dir = self.dir();
        let mut runs: Vec<PastRun> = journals(&dir)
            .into_iter()
            .map(|(id, path, entries)| PastRun {
                id,
                journal: Some((path, entries)),
                stored: vec![],
                stored_entries: vec![],
            })
            .collect();
        let mut cluster = None;
        if !self.local {
            match self.read_cluster().await {
                Ok((c, stored)) => {
                    cluster = Some(c);
                    for s in stored {
                        match runs.iter_mut().find(|r| r.id == s.run) {
                            Some(r) => r.add(s),
                            None => {
                                let mut r = PastRun {
                                    id: s.run.clone(),
                                    journal: None,
                                    stored: vec![],
                                    stored_entries: vec![],
                                };
                                r.add(s);
                                runs.push(r);
                            }
                        }
                    }
                }
                Err(why) => eprintln!(
                    "note: not reading run summaries from the cluster: {}\n  = hint: --context picks the cluster, --local skips it",
                    why.replace("\nhint: ", "\n  = hint: ")
                ),
            }
        }
        runs.retain(|r| !r.entries().is_empty());
        runs.sort_by(|a, b| a.id.cmp(&b.id));
        Found { runs, cluster, dir }
    }

    async fn read_cluster(&self) -> Result<(Cluster, Vec<Stored>), String> {
        let read = async {
            let cluster = connect(None, self.context.as_deref(), None).await?;
            let stored = summary::list(&cluster, self.namespace.as_deref()).await?;
            Ok::<_, crate::drivers::kube::K8sError>((cluster, stored))
        };
        match tokio::time::timeout(Duration::from_secs(15), read).await {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(e)) => Err(e.message),
            Err(_) => Err("the cluster did not answer within 15s".into()),
        }
    }
}

/// Every run's journal in `dir`, oldest first: (run id, file, its changes).
/// A run stopped before its first change has nothing to list.
fn journals(dir: &Path) -> Vec<(String, PathBuf, Vec<Entry>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let run = p.file_stem()?.to_string_lossy().into_owned();
            let entries = Journal::read(&p).ok()?;
            (!entries.is_empty()).then_some((run, p, entries))
        })
        .collect()
}
