//! Data on stdout: tables whose columns align with wide (CJK) characters, or JSON; notes on
//! stderr.

use serde::Serialize;
use ucloudstack::image::ImageInfo;
use unicode_width::UnicodeWidthStr;

/// How the command prints.
#[derive(Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as pretty JSON on stdout.
    pub fn json(&self, value: &impl Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: cannot print JSON: {e}"),
        }
    }

    /// A note for people on stderr (none with `--json`, whose stderr is for its error).
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.json {
            eprintln!("{}", text.as_ref());
        }
    }

    /// An id as the command's result: a line of text, or `{"<key>": id}`.
    pub fn id(&self, key: &str, id: &str) {
        if self.json {
            self.json(&serde_json::json!({ key: id }));
        } else {
            println!("{id}");
        }
    }

    pub fn images(&self, images: &[ImageInfo]) {
        if self.json {
            return self.json(&images);
        }
        let rows = images.iter().map(|i| {
            [
                text(&i.image_id),
                text(&i.name),
                shown(&i.image_type),
                i.os_name.clone().or_else(|| i.os_type.as_ref().map(ToString::to_string)).unwrap_or_else(|| "-".into()),
                shown(&i.image_status),
                i.image_size.map_or("-".into(), |gb| format!("{gb} GB")),
                i.create_time.map_or("-".into(), date),
            ]
        });
        table(["ID", "NAME", "TYPE", "OS", "STATUS", "SIZE", "CREATED"], rows, "image");
    }

    pub fn image(&self, image: &ImageInfo) {
        if self.json { self.json(image) } else { self.images(std::slice::from_ref(image)) }
    }

    /// Every field the platform said of an image, one `Name: value` a line in the API's own
    /// names (times as UTC dates, tags and lists on one line), or the JSON object.
    pub fn image_details(&self, image: &ImageInfo) {
        if self.json {
            return self.json(image);
        }
        print!("{}", details(&serde_json::to_value(image).unwrap_or_default()));
    }
}

/// A text field, `-` when absent.
pub fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

/// A displayable field, `-` when absent.
pub fn shown(value: &Option<impl ToString>) -> String {
    value.as_ref().map_or("-".into(), ToString::to_string)
}

/// `n` and the noun, plural unless one: "1 image", "2 images".
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Prints rows under a header, columns aligned by display width, then the count of `noun`s.
pub fn table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>, noun: &str) {
    print!("{}", render(header, rows.collect::<Vec<_>>().as_slice(), noun));
}

pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]], noun: &str) -> String {
    let header = header.map(String::from);
    let mut widths = header.clone().map(|h| h.width());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.width()))).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&plural(rows.len(), noun));
    out.push('\n');
    out
}

/// A path as a POSIX shell reads it back, for messages people paste: as it is when every byte
/// is plainly safe, else in single quotes, else (bytes that are not UTF-8, control characters)
/// in bash/zsh `$'..'` with `\xNN` escapes. `Path::display` would print such bytes as U+FFFD,
/// which names another file.
pub fn quoted(path: &std::path::Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(b);
    if !bytes.is_empty() && bytes.iter().all(safe) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(char::is_control) => format!("'{}'", text.replace('\'', r"'\''")),
        _ => {
            let mut out = String::from("$'");
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '\'' | '\\' => {
                            out.push('\\');
                            out.push(c);
                        }
                        c if c.is_control() => {
                            let mut buf = [0; 4];
                            for b in c.encode_utf8(&mut buf).bytes() {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out.push('\'');
            out
        }
    }
}

/// Sets `key` to a path in JSON without losing it: the path as a string, and when it is not
/// UTF-8 (the string then has U+FFFD in place of some bytes), `<key>_hex` with its exact bytes
/// in hex as well.
pub fn put_path(object: &mut serde_json::Value, key: &str, path: &std::path::Path) {
    object[key] = path.to_string_lossy().into_owned().into();
    if path.to_str().is_none() {
        let bytes = path.as_os_str().as_encoded_bytes();
        object[format!("{key}_hex")] = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().into();
    }
}

/// A Unix timestamp as `YYYY-MM-DD HH:MM` UTC (the raw number when out of range).
/// `Name: value` lines of a JSON object's fields that hold something, names aligned.
fn details(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn shown(key: &str, value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            Value::Number(n) if key.ends_with("Time") => {
                n.as_i64().map_or_else(|| n.to_string(), |t| format!("{} UTC", date(t)))
            }
            Value::Array(items) => items.iter().map(|item| shown("", item)).collect::<Vec<_>>().join(", "),
            Value::Object(fields) => {
                fields.iter().map(|(k, v)| format!("{k}={}", shown(k, v))).collect::<Vec<_>>().join(" ")
            }
            other => other.to_string(),
        }
    }
    let Some(fields) = value.as_object() else { return format!("{value}\n") };
    let present: Vec<_> = fields.iter().filter(|(_, v)| !v.is_null()).collect();
    let width = present.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0);
    present.iter().map(|(k, v)| format!("{:width$} {}\n", format!("{k}:"), shown(k, v))).collect()
}

pub fn date(timestamp: i64) -> String {
    match jiff::Timestamp::from_second(timestamp) {
        Ok(time) => time.strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => timestamp.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        let rows = [["镜像".to_string(), "a".to_string()], ["ab".to_string(), "b".to_string()]];
        let text = render(["NAME", "X"], &rows, "row");
        let lines: Vec<&str> = text.lines().collect();
        // "镜像" is 4 columns wide, as "NAME" is: the second column starts at the same column.
        assert_eq!(lines, ["NAME  X", "镜像  a", "ab    b", "2 rows"]);
    }

    #[cfg(unix)]
    #[test]
    fn paths_are_quoted_as_a_shell_reads_them_back() {
        use std::os::unix::ffi::OsStrExt;
        let cases: [(&[u8], &str); 8] = [
            (b"web.img", "web.img"),
            (b"dir/a-b_c+1@x:y,z=2%.img", "dir/a-b_c+1@x:y,z=2%.img"),
            (b"", "''"),
            (b"two words.img", "'two words.img'"),
            (b"it's", r"'it'\''s'"),
            ("镜像.img".as_bytes(), "'镜像.img'"),
            (b"web\xff.img", r"$'web\xff.img'"),
            (b"a\n'\\\xfe", r"$'a\x0a\'\\\xfe'"),
        ];
        for (bytes, shown) in cases {
            assert_eq!(quoted(std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))), shown, "{bytes:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_keeps_its_bytes_in_json() {
        use std::os::unix::ffi::OsStrExt;
        let mut object = serde_json::json!({});
        put_path(&mut object, "path", std::path::Path::new("web.img"));
        assert_eq!(object, serde_json::json!({ "path": "web.img" }));
        put_path(&mut object, "path", std::path::Path::new(std::ffi::OsStr::from_bytes(b"a\xff")));
        assert_eq!(object, serde_json::json!({ "path": "a\u{fffd}", "path_hex": "61ff" }));
    }

    #[test]
    fn details_show_every_field_that_holds_something() {
        let image = serde_json::json!({
            "ImageID": "cn-image-1", "Name": null, "ImageSize": 40, "CreateTime": 0,
            "Tags": [{"Key": "sha256", "Value": "ab"}], "Encrypted": false
        });
        let text = details(&image);
        assert!(text.contains("ImageID:    cn-image-1\n"), "{text}");
        assert!(text.contains("CreateTime: 1970-01-01 00:00 UTC\n"), "{text}");
        assert!(text.contains("Tags:       Key=sha256 Value=ab\n"), "{text}");
        assert!(text.contains("Encrypted:  false\n") && !text.contains("Name:"), "{text}");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(date(i64::MAX), i64::MAX.to_string());
    }
}
