//! The answer exports' CSV: the engine's codec ([`crate::csv`]) with formula neutralisation. Texts
//! a spreadsheet would run as formulas are written with a leading `'` and read back without it
//! ([`neutralise`], [`restore`]): readers' names and comments are typed by people, and the
//! exports are opened in spreadsheets.

use crate::csv::{self as codec, Record};

/// Whether a spreadsheet would run `s` as a formula (a leading `=`, `+`, `-`, `@`, tab or CR,
/// OWASP's list), counting a leading `'` that itself protects such a text, so that
/// [`neutralise`] and [`restore`] round-trip every string. Numbers (`-2`, `+1.5`) are data.
fn runs_as_formula(s: &str) -> bool {
    if s.trim().parse::<f64>().is_ok() {
        return false;
    }
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') => runs_as_formula(&s[1..]),
        _ => false,
    }
}

/// A text a spreadsheet would run as a formula (a reader's name or comment such as
/// `=HYPERLINK(…)`) gets a leading `'`, which spreadsheets show as text and do not run.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if runs_as_formula(s) { format!("'{s}").into() } else { s.into() }
}

/// The inverse of [`neutralise`], applied to every field read.
pub fn restore(s: String) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest) => rest.to_string(),
        _ => s,
    }
}

/// One line of fields with CRLF, each neutralised first.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let safe: Vec<_> = fields.iter().map(|f| neutralise(f.as_ref())).collect();
    codec::record(&safe)
}

/// Parses `text` into records as [`codec::parse`] does, every field restored.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let mut records = codec::parse(text)?;
    for f in records.iter_mut().flat_map(|r| r.fields.iter_mut()) {
        *f = restore(std::mem::take(f));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back() {
        let fields = ["=HYPERLINK(\"http://x\")", "+cmd", "-1+2", "@SUM(A1)", "\tx", "'=x", "''=x", "'plain", "-2", "+1.5", "3", "a=b"];
        let text = record(&fields);
        let cells: Vec<&str> = text.trim_end().split(',').collect();
        assert!(cells[0].starts_with("\"'=HYPERLINK"), "{text}");
        assert_eq!(&cells[1..4], ["'+cmd", "'-1+2", "'@SUM(A1)"]);
        // Numbers stay numbers; ordinary text is untouched.
        assert!(text.contains(",-2,+1.5,3,a=b\r\n"), "{text}");
        let back = parse(&text).unwrap();
        assert_eq!(back[0].fields, fields);
    }
}
