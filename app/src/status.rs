//! A pane's status line: plain data that the renderer ([`crate::render`]) writes, the viewer's
//! state holds per pane, and the status bar shows.

use coordsr::view::View;

/// A pane's status line, as the status bar writes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub output: (usize, usize),
    pub millis: f64,
    pub busy: bool,
    /// Fraction of the current decode done.
    pub done: f64,
    pub method: String,
    pub note: String,
    /// What the pane's decode is of ([`shows`]): both panes of a blinded study reveal their
    /// frames together, once both have finished the same slice and view.
    pub of: String,
}

/// What a frame shows: a slice (its key) in a view.
pub fn shows(key: &str, view: &View) -> String {
    format!("{key} {view:?}")
}
