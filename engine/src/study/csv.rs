//! RFC 4180 CSV, the subset spreadsheets write: comma separated, double-quoted fields with `""`
//! for a quote, CRLF or LF line ends. Texts a spreadsheet would run as formulas are written with
//! a leading `'` and read back without it ([`neutralise`], [`restore`]). Written here rather than taken as a dependency because the
//! answer exports need only this and the browser build stays smaller.

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

/// A field quoted only when it must be, so exports stay readable in a text editor; texts a
/// spreadsheet would run as formulas are neutralised first.
pub fn field(s: &str) -> String {
    let s = neutralise(s);
    let s = s.as_ref();
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One line of fields with CRLF, the line end RFC 4180 specifies.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A parsed record and the (1-based) line it starts on, for error messages.
#[derive(Debug, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Parses `text` into records, skipping blank lines. Errors give the line of the problem.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut line = 1;
    let mut start = 1;
    // Whether the current record has any content yet (a blank line is not a record).
    let mut started = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if cur.is_empty() => {
                started = true;
                let open = line;
                loop {
                    match chars.next() {
                        None => return Err(format!("line {open}: a quoted field is never closed")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cur.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => {
                            if ch == '\n' {
                                line += 1;
                            }
                            cur.push(ch);
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(_) => return Err(format!("line {line}: text after a closing quote (quotes inside a field are written \"\")")),
                }
            }
            '"' => return Err(format!("line {line}: a quote inside an unquoted field (quote the field and write \"\")")),
            ',' => {
                started = true;
                fields.push(restore(std::mem::take(&mut cur)));
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if started {
                    fields.push(restore(std::mem::take(&mut cur)));
                    records.push(Record { line: start, fields: std::mem::take(&mut fields) });
                }
                started = false;
                line += 1;
                start = line;
            }
            _ => {
                started = true;
                cur.push(c);
            }
        }
    }
    if started {
        fields.push(restore(cur));
        records.push(Record { line: start, fields });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        let fields = ["plain", "with,comma", "say \"hi\"", "two\nlines", "", " padded "];
        let text = record(&fields);
        assert_eq!(text, "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",,\" padded \"\r\n");
        let back = parse(&text).unwrap();
        assert_eq!(back, vec![Record { line: 1, fields: fields.iter().map(|s| s.to_string()).collect() }]);
    }

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

    #[test]
    fn lines_blank_lines_and_line_ends() {
        let r = parse("a,b\n\n\"x\ny\",2\r\nlast,").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].line, r[1].line, r[2].line), (1, 3, 5));
        assert_eq!(r[1].fields, ["x\ny", "2"]);
        assert_eq!(r[2].fields, ["last", ""]);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn malformed_quotes_are_errors_with_lines() {
        assert!(parse("a\n\"open,b\n").unwrap_err().starts_with("line 2:"));
        assert!(parse("a\nx\"y\n").unwrap_err().starts_with("line 2:"));
        assert!(parse("\"a\"b\n").unwrap_err().starts_with("line 1:"));
    }
}
