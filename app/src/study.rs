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
    /// When the case was first shown (ms since the epoch): time taken runs from here.
    pub shown_at: f64,
}

/// What browser storage holds for one (study, reader).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
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

impl Session {
    /// Start or resume `reader` on `def`: answers already in storage are kept and reading goes
    /// on at the first unanswered case.
    pub fn open(def: Rc<StudyDef>, url: String, reader: &str) -> Result<Session, String> {
        let reader = reader.trim();
        if reader.is_empty() {
            return Err("enter a reader ID".into());
        }
        let stored = storage()?
            .get_item(&storage_key(&def.id, reader))
            .map_err(|_| "local storage could not be read".to_string())?
            .map(|s| serde_json::from_str::<Stored>(&s).map_err(|e| format!("stored answers of {reader} are unreadable ({e}); export them from the browser's storage before going on")))
            .transpose()?;
        let (export, parked) = match stored {
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
        Draft { case, scores, shown_at: now_ms() }
    }

    /// Leave the case on screen, keeping its scores if they are not an answer already.
    fn leave(&mut self) {
        let d = std::mem::take(&mut self.draft);
        let recorded = self.answered(&d.case).is_some_and(|a| a.scores_right_vs_left == d.scores);
        if !d.case.is_empty() && !d.scores.is_empty() && !recorded {
            self.parked.insert(d.case.clone(), d);
        }
    }

    /// Write everything to browser storage (answers and the draft).
    pub fn save(&self) -> Result<(), String> {
        let mut drafts = self.parked.clone();
        if !self.draft.case.is_empty() {
            drafts.insert(self.draft.case.clone(), self.draft.clone());
        }
        let stored = Stored { export: self.export.clone(), drafts };
        let json = serde_json::to_string(&stored).map_err(|e| e.to_string())?;
        storage()?
            .set_item(&storage_key(&self.def.id, &self.reader), &json)
            .map_err(|_| "local storage refused the answers (full or disabled): export now to keep them".to_string())
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
