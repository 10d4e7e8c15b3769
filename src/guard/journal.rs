//! The journal: every change a run makes, appended as one JSON line and
//! flushed to disk before the change is made, with the object's state before
//! it — enough to undo the run from the journal alone, even after the process
//! was killed. Kept in `.orion/journal/RUN.jsonl` beside orion.toml (or the
//! playbook), readable by its owner only: it holds Secret values so a restore
//! can put them back; what is printed of it is redacted.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One change, as journaled before it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    pub run: String,
    pub environment: Option<String>,
    pub context: String,
    /// apiVersion and kind of the object, e.g. "apps/v1" "Deployment".
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// What the change does: "set image web=shop/web:2".
    pub summary: String,
    /// The object before the change; None when it did not exist.
    pub prior: Option<Value>,
    /// The step the change was made in.
    pub step: Option<String>,
    pub approver: Option<String>,
}

/// An approval given during the run: who, when, how, and what they saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub seq: u64,
    pub at: String,
    pub run: String,
    pub environment: Option<String>,
    pub by: String,
    /// "terminal" or "--yes".
    pub how: String,
    /// What the operator was shown when approving.
    pub shown: String,
}

/// A background monitor's check that tripped and failed the run: which, the
/// value it saw against the threshold, and in which step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRecord {
    pub seq: u64,
    pub at: String,
    pub run: String,
    pub monitor: String,
    pub check: String,
    /// The last value seen, when the check measures one.
    pub value: Option<f64>,
    /// "< 0.05", "status 200-299", ...: what the check wanted.
    pub threshold: String,
    /// What was seen, in words.
    pub detail: String,
    /// How long the breach had lasted when it tripped.
    pub breached_ms: u64,
    pub step: Option<String>,
}

impl TriggerRecord {
    /// The record with its texts masked (`crate::mask`): a check may be
    /// named after a URL with a password, and its detail quote one.
    fn masked(self) -> TriggerRecord {
        let mask = crate::mask::secrets;
        TriggerRecord {
            monitor: mask(&self.monitor),
            check: mask(&self.check),
            threshold: mask(&self.threshold),
            detail: mask(&self.detail),
            step: self.step.as_deref().map(mask),
            ..self
        }
    }
}

/// What an object became once the run's change was made: its
/// resourceVersion then. Undoing the run later checks that nothing changed
/// the object since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MadeRecord {
    pub seq: u64,
    pub run: String,
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub resource_version: String,
    /// Its metadata.generation, when it has one: what its spec changes move
    /// (a controller's status writes move the resourceVersion too).
    #[serde(default)]
    pub generation: Option<i64>,
}

/// Which object a record is about: (apiVersion, kind, namespace, name).
pub type ObjectKey<'a> = (&'a str, &'a str, &'a str, &'a str);

impl MadeRecord {
    pub fn object(&self) -> ObjectKey<'_> {
        (&self.api_version, &self.kind, &self.namespace, &self.name)
    }
}

impl Entry {
    pub fn object(&self) -> ObjectKey<'_> {
        (&self.api_version, &self.kind, &self.namespace, &self.name)
    }
}

/// One line of a journal, tagged by `"record"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "lowercase")]
pub enum Record {
    Change(Entry),
    Approval(ApprovalRecord),
    Trigger(TriggerRecord),
    Made(MadeRecord),
}

pub struct Journal {
    pub run: String,
    pub path: PathBuf,
    file: Mutex<Option<File>>,
    seq: Mutex<u64>,
    /// What was appended, for the run's summary in the cluster.
    records: Mutex<Vec<Record>>,
}

impl Journal {
    /// The journal of run `run`, in `dir`/.orion/journal (created on the first change).
    pub fn new(dir: &Path, run: &str) -> Journal {
        Journal {
            run: run.to_string(),
            path: dir
                .join(".orion")
                .join("journal")
                .join(format!("{run}.jsonl")),
            file: Mutex::new(None),
            seq: Mutex::new(0),
            records: Mutex::new(Vec::new()),
        }
    }

    /// Appends a change (its seq assigned here) and flushes it to disk.
    pub fn append(&self, entry: Entry) -> std::io::Result<Entry> {
        match self.append_record(Record::Change(entry))? {
            Record::Change(e) => Ok(e),
            _ => unreachable!("a change goes in as a change"),
        }
    }

    /// Appends an approval and flushes it to disk.
    pub fn append_approval(&self, approval: ApprovalRecord) -> std::io::Result<()> {
        self.append_record(Record::Approval(approval)).map(|_| ())
    }

    /// Appends what an object became after a change, and flushes it.
    pub fn append_made(&self, made: MadeRecord) -> std::io::Result<()> {
        self.append_record(Record::Made(made)).map(|_| ())
    }

    /// Appends a monitor's trigger, masked, and flushes it to disk.
    pub fn append_trigger(&self, trigger: TriggerRecord) -> std::io::Result<()> {
        self.append_record(Record::Trigger(trigger.masked()))
            .map(|_| ())
    }

    fn append_record(&self, mut record: Record) -> std::io::Result<Record> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if file.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            *file = Some(options.open(&self.path)?);
        }
        let mut seq = self.seq.lock().unwrap_or_else(|e| e.into_inner());
        *seq += 1;
        let (n, run) = match &mut record {
            Record::Change(e) => (&mut e.seq, &mut e.run),
            Record::Approval(a) => (&mut a.seq, &mut a.run),
            Record::Trigger(t) => (&mut t.seq, &mut t.run),
            Record::Made(m) => (&mut m.seq, &mut m.run),
        };
        *n = *seq;
        *run = self.run.clone();
        let line = serde_json::to_string(&record).map_err(std::io::Error::other)?;
        let f = file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("journal not open"))?;
        writeln!(f, "{line}")?;
        f.sync_data()?;
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
        Ok(record)
    }

    /// Every record appended by this process, oldest first.
    pub fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The changes of a journal file, oldest first.
    pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
        Ok(Journal::read_records(path)?
            .into_iter()
            .filter_map(|r| match r {
                Record::Change(e) => Some(e),
                _ => None,
            })
            .collect())
    }

    /// Every line of a journal file, oldest first. (Lines written before
    /// they were tagged are changes.)
    pub fn read_records(path: &Path) -> std::io::Result<Vec<Record>> {
        let text = std::fs::read_to_string(path)?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<Record>(l)
                    .or_else(|_| serde_json::from_str::<Entry>(l).map(Record::Change))
                    .map_err(std::io::Error::other)
            })
            .collect()
    }
}

/// An entry as it may be shown: Secret values replaced by "***".
pub fn redacted(entry: &Entry) -> Value {
    let mut v = serde_json::to_value(entry).unwrap_or(Value::Null);
    if entry.kind == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(map) = v["prior"][field].as_object_mut() {
                for value in map.values_mut() {
                    *value = Value::String("***".into());
                }
            }
        }
        if let Some(annotations) = v["prior"]["metadata"]["annotations"].as_object_mut() {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(kind: &str, prior: Value) -> Entry {
        crate::guard::change::fixture::entry("v1", kind, "default", "db", Some(prior))
    }

    #[test]
    fn entries_are_appended_numbered_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path(), "run-1");
        j.append(entry("ConfigMap", json!({"data": {"a": "1"}})))
            .unwrap();
        j.append(entry("Secret", json!({"data": {"password": "czNjcmV0"}})))
            .unwrap();
        j.append_approval(ApprovalRecord {
            seq: 0,
            at: "t".into(),
            run: String::new(),
            environment: Some("production".into()),
            by: "alice".into(),
            how: "terminal".into(),
            shown: "apply 3 objects".into(),
        })
        .unwrap();
        let text = std::fs::read_to_string(&j.path).unwrap();
        assert!(
            text.lines().all(|l| l.starts_with("{\"record\":")),
            "{text}"
        );
        let records = Journal::read_records(&j.path).unwrap();
        let Record::Approval(a) = &records[2] else {
            panic!("{records:?}")
        };
        assert_eq!(
            (a.seq, a.by.as_str(), a.run.as_str()),
            (3, "alice", "run-1")
        );
        let back = Journal::read(&j.path).unwrap();
        assert_eq!(back.len(), 2, "the changes alone");
        assert_eq!((back[0].seq, back[1].seq), (1, 2));
        assert_eq!(back[1].run, "run-1");
        assert_eq!(
            back[1].prior.as_ref().unwrap()["data"]["password"],
            "czNjcmV0",
            "kept for restore"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&j.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only its owner reads it");
        }
        let shown = redacted(&back[1]).to_string();
        assert!(
            !shown.contains("czNjcmV0") && shown.contains("***"),
            "{shown}"
        );
    }
}
