//! A reader's session in a blinded study: which case comes next, what was answered, and the
//! browser storage that keeps every score the moment it is given.
//!
//! The study's rules (case order and sides per reader, the sign conversion to "first method
//! relative to second", the export schema) live in the engine (`coordsr::study`) so the CLI's
//! summary reads exactly what the page wrote. This module only adds the page's side: storage
//! and the position in the order.

use coordsr::study::{Answer, Export, StudyDef, Viewing};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Scores given on the case on screen but not yet complete; stored with the answers so a
/// reload mid-case loses nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub case: String,
    /// "Compared to the left image, the right image is …", per question id.
    pub scores: BTreeMap<String, i8>,
    /// When the case was first shown, both sides finished (ms since the epoch; 0 while it is
    /// being prepared): time taken runs from here.
    pub shown_at: f64,
}

/// The layout of [`Stored`]: raised when it changes, so an older page never misreads a newer
/// object (it refuses it, saying why) and a newer page knows what it reads.
const STORED_VERSION: u32 = 1;

/// What browser storage holds for one (study, reader).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    /// [`STORED_VERSION`] when written; absent (0) in objects from before versions, which had
    /// this same layout.
    #[serde(default)]
    version: u32,
    export: Export,
    /// Unfinished cases, the one on screen included (a reader may go back with a case half done).
    drafts: BTreeMap<String, Draft>,
}

#[derive(Clone)]
pub struct Session {
    pub def: Rc<StudyDef>,
    /// Where the study file came from: case scans are relative to it.
    pub url: String,
    pub reader: String,
    /// Case indices in this reader's order.
    pub order: Vec<usize>,
    pub export: Export,
    /// Position in `order` on screen.
    pub position: usize,
    /// The case on screen.
    pub draft: Draft,
    /// Other cases left half done.
    parked: BTreeMap<String, Draft>,
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn iso_now() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser offers no local storage: answers could not be kept, so the study cannot start".to_string())
}

fn storage_key(study: &str, reader: &str) -> String {
    format!("coordsr-study/{study}/{reader}")
}

/// What storage holds for `reader` on `def`, checked: a version this page knows, and answers
/// that belong to this study and reader and fit its cases and questions. Anything else is
/// refused with the reason, never half read.
fn load(def: &StudyDef, reader: &str) -> Result<Option<Stored>, String> {
    let Some(text) = storage()?.get_item(&storage_key(&def.id, reader)).map_err(|_| "local storage could not be read".to_string())? else {
        return Ok(None);
    };
    let unusable = |why: String| format!("the answers stored in this browser for {reader} cannot be used ({why}); they are left untouched");
    let stored: Stored = serde_json::from_str(&text).map_err(|e| unusable(e.to_string()))?;
    if stored.version > STORED_VERSION {
        return Err(unusable(format!("written by a newer version of this page (storage version {}, this page reads up to {STORED_VERSION})", stored.version)));
    }
    stored.export.validate().map_err(&unusable)?;
    stored.export.check_against(def).map_err(&unusable)?;
    if stored.export.reader != reader {
        return Err(unusable(format!("they are {}'s", stored.export.reader)));
    }
    Ok(Some(stored))
}

impl Session {
    /// Start or resume `reader` on `def`: answers already in storage are kept and reading goes
    /// on at the first unanswered case.
    pub fn open(def: Rc<StudyDef>, url: String, reader: &str) -> Result<Session, String> {
        let reader = reader.trim();
        if reader.is_empty() {
            return Err("enter a reader ID".into());
        }
        let (export, parked) = match load(&def, reader)? {
            Some(s) => (s.export, s.drafts),
            None => (Export::new(&def, reader, &iso_now(), Vec::new()), BTreeMap::new()),
        };
        let order = def.case_order(reader);
        let mut session = Session { def, url, reader: reader.to_string(), order, export, position: 0, draft: Draft::default(), parked };
        session.position = session.first_unanswered().unwrap_or(session.order.len());
        session.draft = session.arrive();
        Ok(session)
    }

    pub fn complete(&self) -> bool {
        self.position >= self.order.len()
    }

    pub fn case_id(&self) -> Option<&str> {
        self.order.get(self.position).map(|&i| self.def.cases[i].id.as_str())
    }

    pub fn answered(&self, case_id: &str) -> Option<&Answer> {
        self.export.answers.iter().find(|a| a.case == case_id)
    }

    pub fn first_unanswered(&self) -> Option<usize> {
        self.order.iter().position(|&i| self.answered(&self.def.cases[i].id).is_none())
    }

    /// The draft for the case at `position`: what was left there, else its earlier answer (when
    /// going back), else empty.
    fn arrive(&mut self) -> Draft {
        let Some(case) = self.case_id().map(str::to_string) else { return Draft::default() };
        if let Some(d) = self.parked.remove(&case) {
            return d;
        }
        let scores = self.answered(&case).map(|a| a.scores_right_vs_left.clone()).unwrap_or_default();
        Draft { case, scores, shown_at: 0.0 }
    }

    /// Both sides of the case on screen are showing: its time starts now (once).
    pub fn mark_shown(&mut self) {
        if self.draft.shown_at == 0.0 {
            self.draft.shown_at = now_ms();
        }
    }

    /// Milliseconds since the case on screen was first shown.
    pub fn viewing_millis(&self) -> f64 {
        if self.draft.shown_at == 0.0 { 0.0 } else { now_ms() - self.draft.shown_at }
    }

    /// Leave the case on screen, keeping its scores if they are not an answer already.
    fn leave(&mut self) {
        let d = std::mem::take(&mut self.draft);
        let recorded = self.answered(&d.case).is_some_and(|a| a.scores_right_vs_left == d.scores);
        if !d.case.is_empty() && !d.scores.is_empty() && !recorded {
            self.parked.insert(d.case.clone(), d);
        }
    }

    /// Write everything to browser storage (answers and the draft), merged with what is there:
    /// the same reader in another tab may have answered other cases since this one read it. Per
    /// case the later answer wins; nothing either tab recorded is lost, and this session takes
    /// the other tab's answers too.
    pub fn save(&mut self) -> Result<(), String> {
        if let Ok(Some(theirs)) = load(&self.def, &self.reader) {
            for a in theirs.export.answers {
                let newer = self.answered(&a.case).is_none_or(|mine| a.answered_at > mine.answered_at);
                if newer {
                    self.export.record(a);
                }
            }
            for (case, d) in theirs.drafts {
                if case != self.draft.case && self.answered(&case).is_none() {
                    self.parked.entry(case).or_insert(d);
                }
            }
        }
        let mut drafts = self.parked.clone();
        if !self.draft.case.is_empty() {
            drafts.insert(self.draft.case.clone(), self.draft.clone());
        }
        let stored = Stored { version: STORED_VERSION, export: self.export.clone(), drafts };
        let json = serde_json::to_string(&stored).map_err(|e| e.to_string())?;
        storage()?
            .set_item(&storage_key(&self.def.id, &self.reader), &json)
            .map_err(|_| "local storage refused the answers (full or disabled): keep them with \"export answers so far\" below".to_string())
    }

    /// Score question `q` of the case on screen and store it at once.
    pub fn score(&mut self, q: &str, value: i8) -> Result<(), String> {
        self.draft.scores.insert(q.to_string(), value);
        self.save()
    }

    pub fn draft_complete(&self) -> bool {
        self.def.questions.iter().all(|q| self.draft.scores.contains_key(&q.id))
    }

    /// Record the case on screen (all questions scored) and move on.
    pub fn next(&mut self, viewing: Viewing) -> Result<(), String> {
        let Some(case) = self.case_id().map(str::to_string) else { return Ok(()) };
        let answer = Answer::new(&self.def, &self.reader, &case, self.draft.scores.clone(), viewing, &iso_now())?;
        self.export.record(answer);
        self.draft = Draft::default();
        // On to the first open case (after going back to edit, that is where reading stopped).
        self.position = self.first_unanswered().unwrap_or(self.order.len());
        self.draft = self.arrive();
        self.save()
    }

    /// Back to the previous case, to change its answer (when the study allows it).
    pub fn back(&mut self) -> Result<(), String> {
        if !self.def.allow_back || self.position == 0 {
            return Ok(());
        }
        self.leave();
        self.position = self.position.min(self.order.len()) - 1;
        self.draft = self.arrive();
        self.save()
    }

    /// The export as it stands, stamped now.
    pub fn export_now(&self) -> Export {
        Export { exported_at: iso_now(), ..self.export.clone() }
    }
}
