//! Outbox adapter: the local runner's [`Mailer`] for email and SMS.
//!
//! Nothing leaves the machine. Each message is appended as one JSON line to `<dir>/outbox.jsonl`
//! (so tests and tools can read it back with [`Outbox::list`]) and announced with one console
//! line, so a developer sees the code or link without a mail server. The file holds live codes,
//! so it is created readable by its owner only.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Channel, MailError, Mailer, Message};
use crate::clock::{Clock, iso_millis};

/// How much of the text body the console line shows: enough for a code or a link.
const CONSOLE_TEXT_CHARS: usize = 200;

/// One line of `outbox.jsonl`: the message as sent, plus when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// `"email"` or `"sms"`.
    pub kind: Channel,
    /// Recipient address or E.164 number.
    pub to: String,
    /// Subject line (empty for SMS).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (empty for SMS).
    pub html: String,
    /// When it was sent, as `2024-01-24T10:00:00.000Z`.
    pub at: String,
}

/// [`Mailer`] that appends to a JSON-lines file and prints a console line per message.
pub struct Outbox {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// Serialises appends so concurrent sends never interleave within a line.
    write: Mutex<()>,
}

impl Outbox {
    /// Uses `<dir>/outbox.jsonl`, creating `dir` if needed; earlier messages are kept.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, MailError> {
        fs::create_dir_all(dir).map_err(|e| io_error("create", dir, &e))?;
        Ok(Self {
            path: dir.join("outbox.jsonl"),
            clock,
            write: Mutex::new(()),
        })
    }

    /// Every message sent so far, oldest first (newest last).
    pub fn list(&self) -> Result<Vec<OutboxEntry>, MailError> {
        let content = match fs::read_to_string(&self.path) {
            Ok(content) => content,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read", &self.path, &e)),
        };
        content
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .map_err(|e| MailError::Transport(format!("outbox line is not an entry: {e}")))
            })
            .collect()
    }

    fn append(&self, entry: &OutboxEntry) -> Result<(), MailError> {
        let mut line = serde_json::to_string(entry)
            .map_err(|e| MailError::Transport(format!("encode outbox entry: {e}")))?;
        line.push('\n');
        let _guard = self
            .write
            .lock()
            .map_err(|_| MailError::Transport("outbox lock poisoned".into()))?;
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(&self.path)
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .map_err(|e| io_error("append to", &self.path, &e))
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let entry = OutboxEntry {
            kind: message.channel,
            to: message.to.clone(),
            subject: message.subject.clone(),
            text: message.text.clone(),
            html: message.html.clone(),
            at: iso_millis(self.clock.now_ms()),
        };
        self.append(&entry)?;
        println!("{}", console_line(&entry));
        Ok(())
    }
}

/// `[outbox] email to bob@x.com: Subject | text on one line` (SMS: no subject part).
fn console_line(entry: &OutboxEntry) -> String {
    let text = one_line(&entry.text, CONSOLE_TEXT_CHARS);
    match entry.kind {
        Channel::Email => format!("[outbox] email to {}: {} | {text}", entry.to, entry.subject),
        Channel::Sms => format!("[outbox] sms to {}: {text}", entry.to),
    }
}

/// Collapses all whitespace runs to single spaces and cuts at `max` characters, marking the cut.
fn one_line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(max).collect();
    cut.push('…');
    cut
}

fn io_error(action: &str, path: &Path, err: &std::io::Error) -> MailError {
    MailError::Transport(format!("{action} outbox {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn temp_dir(test: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        std::env::temp_dir().join(format!(
            "keyturn-outbox-{test}-{}-{nanos}",
            std::process::id()
        ))
    }

    fn email(to: &str, text: &str) -> Message {
        Message {
            channel: Channel::Email,
            to: to.into(),
            subject: "Verify your email for Demo".into(),
            text: text.into(),
            html: format!("<p>{text}</p>"),
        }
    }

    fn sms(to: &str, text: &str) -> Message {
        Message {
            channel: Channel::Sms,
            to: to.into(),
            subject: String::new(),
            text: text.into(),
            html: String::new(),
        }
    }

    #[tokio::test]
    async fn sent_messages_are_listed_newest_last_with_their_time() {
        let dir = temp_dir("list");
        let clock = ManualClock::at(1_706_090_400_123);
        let outbox = Outbox::open(&dir, Arc::new(clock.clone())).unwrap();
        outbox
            .send(&email("bob@x.com", "Your code is 123456"))
            .await
            .unwrap();
        clock.advance_secs(1);
        outbox
            .send(&sms("+15550001111", "Code 654321"))
            .await
            .unwrap();

        let entries = outbox.list().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].kind, Channel::Email);
        assert_eq!(entries[0].to, "bob@x.com");
        assert_eq!(entries[0].subject, "Verify your email for Demo");
        assert_eq!(entries[0].html, "<p>Your code is 123456</p>");
        assert_eq!(entries[0].at, "2024-01-24T10:00:00.123Z");
        assert_eq!(entries[1].kind, Channel::Sms);
        assert_eq!(entries[1].text, "Code 654321");
        assert_eq!(entries[1].at, "2024-01-24T10:00:01.123Z");
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn each_message_is_one_json_line_with_the_documented_fields() {
        let dir = temp_dir("jsonl");
        let outbox = Outbox::open(&dir, Arc::new(ManualClock::at(0))).unwrap();
        outbox
            .send(&sms("+15550001111", "line one\nline two"))
            .await
            .unwrap();
        let raw = fs::read_to_string(dir.join("outbox.jsonl")).unwrap();
        assert_eq!(raw.lines().count(), 1);
        let value: serde_json::Value = serde_json::from_str(raw.trim()).unwrap();
        assert_eq!(value["kind"], "sms");
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["at", "html", "kind", "subject", "text", "to"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn messages_survive_reopening_the_outbox() {
        let dir = temp_dir("reopen");
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at(0));
        Outbox::open(&dir, clock.clone())
            .unwrap()
            .send(&email("a@x.com", "first"))
            .await
            .unwrap();
        let reopened = Outbox::open(&dir, clock).unwrap();
        reopened.send(&email("b@x.com", "second")).await.unwrap();
        let to: Vec<_> = reopened.list().unwrap().into_iter().map(|e| e.to).collect();
        assert_eq!(to, ["a@x.com", "b@x.com"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_empty_outbox_lists_nothing() {
        let dir = temp_dir("empty");
        let outbox = Outbox::open(&dir, Arc::new(ManualClock::at(0))).unwrap();
        assert!(outbox.list().unwrap().is_empty());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_console_line_shows_recipient_subject_and_text_on_one_line() {
        let entry = OutboxEntry {
            kind: Channel::Email,
            to: "bob@x.com".into(),
            subject: "Verify your email for Demo".into(),
            text: "Your code is\n\n  123456".into(),
            html: String::new(),
            at: String::new(),
        };
        assert_eq!(
            console_line(&entry),
            "[outbox] email to bob@x.com: Verify your email for Demo | Your code is 123456"
        );
    }

    #[test]
    fn long_text_is_cut_on_the_console_at_a_character_boundary() {
        let line = one_line(&"é".repeat(500), CONSOLE_TEXT_CHARS);
        assert_eq!(line.chars().count(), CONSOLE_TEXT_CHARS + 1);
        assert!(line.ends_with('…'));
    }
}
