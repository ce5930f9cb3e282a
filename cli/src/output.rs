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

/// A Unix timestamp as `YYYY-MM-DD HH:MM` UTC (the raw number when out of range).
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

    #[test]
    fn dates_are_utc() {
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(date(i64::MAX), i64::MAX.to_string());
    }
}
