//! The S3 service's XML answers, read flat through quick-xml by element name, whatever their
//! namespace.

use quick_xml::events::Event;

/// `<{operation}Result>`, as S3 names the answer, or `<{operation}Response>`, as some
/// emulators (moto) do.
pub(super) fn is_root(root: &str, operation: &str) -> bool {
    root.strip_prefix(operation).is_some_and(|rest| rest == "Result" || rest == "Response")
}

pub(super) fn field<'a>(record: &'a [(String, String)], name: &str) -> Option<&'a str> {
    record.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// An S3 XML answer, read flat: the root's name, its children's texts, and its children named
/// as records (`Upload`, `Part`) with their own children's texts.
#[derive(Debug, Default)]
pub(super) struct Doc {
    pub(super) root: String,
    fields: Vec<(String, String)>,
    pub(super) records: Vec<Vec<(String, String)>>,
}

impl Doc {
    pub(super) fn read(body: &[u8], record: &str) -> Result<Doc, String> {
        let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
        let mut reader = quick_xml::Reader::from_str(text);
        let mut doc = Doc::default();
        let mut stack: Vec<String> = Vec::new();
        let mut current: Option<Vec<(String, String)>> = None;
        let mut value = String::new();
        let name = |raw: &[u8]| String::from_utf8_lossy(raw).into_owned();
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            let (opened, closed) = match &event {
                Event::Start(e) => (Some(name(e.local_name().as_ref())), None),
                Event::Empty(e) => {
                    let n = name(e.local_name().as_ref());
                    (Some(n.clone()), Some(n))
                }
                Event::End(e) => (None, Some(name(e.local_name().as_ref()))),
                Event::Text(t) => {
                    value.push_str(&t.xml10_content().map_err(|e| e.to_string())?);
                    (None, None)
                }
                Event::CData(t) => {
                    value.push_str(&t.decode().map_err(|e| e.to_string())?);
                    (None, None)
                }
                Event::GeneralRef(r) => {
                    match r.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => value.push(c),
                        None => {
                            let entity = r.decode().map_err(|e| e.to_string())?;
                            let resolved = quick_xml::escape::resolve_predefined_entity(&entity)
                                .ok_or_else(|| format!("unknown entity &{entity};"))?;
                            value.push_str(resolved);
                        }
                    }
                    (None, None)
                }
                Event::Eof => break,
                _ => (None, None),
            };
            if let Some(opened) = opened {
                if stack.is_empty() {
                    if !doc.root.is_empty() {
                        return Err("more than one root element".into());
                    }
                    doc.root = opened.clone();
                }
                stack.push(opened);
                value.clear();
                if stack.len() == 2 && !record.is_empty() && stack[1] == record {
                    current = Some(Vec::new());
                }
            }
            if closed.is_some() {
                let depth = stack.len();
                let Some(element) = stack.pop() else { return Err("an end tag without a start".into()) };
                let text = value.trim().to_owned();
                value.clear();
                match depth {
                    2 if current.is_some() && element == record => doc.records.extend(current.take()),
                    2 => doc.fields.push((element, text)),
                    3 => {
                        if let Some(record) = current.as_mut() {
                            record.push((element, text));
                        }
                    }
                    _ => {}
                }
            }
        }
        if doc.root.is_empty() || !stack.is_empty() {
            return Err("not a complete XML document".into());
        }
        Ok(doc)
    }

    pub(super) fn field(&self, name: &str) -> Option<&str> {
        field(&self.fields, name)
    }

    pub(super) fn truncated(&self) -> bool {
        self.field("IsTruncated").is_some_and(|t| t.eq_ignore_ascii_case("true"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_read_by_local_name_with_entities_and_records() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
            <ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Bucket>mirror</Bucket><IsTruncated>true</IsTruncated>
              <NextKeyMarker>a&amp;b</NextKeyMarker><NextUploadIdMarker/>
              <Upload><Key>k&#x31;</Key><UploadId>u1</UploadId><Owner><ID>x</ID></Owner></Upload>
              <Upload><Key><![CDATA[<k2>]]></Key><UploadId>u2</UploadId></Upload>
            </ListMultipartUploadsResult>"#;
        let doc = Doc::read(xml, "Upload").unwrap();
        assert_eq!(doc.root, "ListMultipartUploadsResult");
        assert!(doc.truncated());
        assert_eq!(doc.field("NextKeyMarker"), Some("a&b"));
        assert_eq!(doc.field("NextUploadIdMarker"), Some(""));
        assert_eq!(doc.records.len(), 2);
        assert_eq!(field(&doc.records[0], "Key"), Some("k1"));
        assert_eq!(field(&doc.records[1], "Key"), Some("<k2>"));
        for bad in [&b"<a><b></a>"[..], b"<a>", b"", b"<a/><b/>", b"<a>&bogus;</a>", b"\xff"] {
            assert!(Doc::read(bad, "Upload").is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
