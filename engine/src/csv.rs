//! RFC 4180 CSV, the subset spreadsheets write: comma separated, double-quoted fields with `""`
//! for a quote, CRLF or LF line ends. The one codec for every CSV the engine reads or writes:
//! eval's results, the training log and the reader study's answers (which add formula
//! neutralisation on top, `study::csv`). Written here rather than taken as a dependency because
//! these files need only this and the browser build stays smaller.

use std::borrow::Cow;

/// A field quoted only when it must be, so files stay readable in a text editor.
fn field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// One record's fields without a line end, for files whose line end is not RFC 4180's CRLF: the
/// engine's own results and logs are written with LF, and stay byte for byte what they were.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(",")
}

/// One line of fields with CRLF, the line end RFC 4180 specifies.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = line(fields);
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
                fields.push(std::mem::take(&mut cur));
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if started {
                    fields.push(std::mem::take(&mut cur));
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
        fields.push(cur);
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
        assert_eq!(line(&fields), text.trim_end_matches("\r\n"));
        let back = parse(&text).unwrap();
        assert_eq!(back, vec![Record { line: 1, fields: fields.iter().map(|s| s.to_string()).collect() }]);
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
